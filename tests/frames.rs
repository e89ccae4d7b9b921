//! Frame decoding and encoding; the connection and its closing handshake (hixie-76) or lack of
//! one (hixie-75); and, with `alloc`, whole messages from the assembler over a connection.
//!
//! `vectors/frames.tsv` is a copy of the project's shared conformance vectors (`frames.tsv`,
//! columns: name, input-hex, expected-events, note). Every row must produce the same events
//! however its input is split.

mod support;

use hixie76::connection::{Connection, ConnectionState};
use hixie76::frame::{
    encode_close, encode_text, text_frame_len, text_frame_parts, Decoder, FrameConfig, FrameEvent,
    Keepalive, CLOSE_FRAME,
};
use hixie76::{Error, Received};
use support::{hex, split, unhex, vector_kind, SplitMix64};

const VECTORS: &str = include_str!("vectors/frames.tsv");

/// An error in the vectors' notation (`error:<kind>`).
fn error_event(error: Error) -> String {
    vector_kind(error, "error:")
        .unwrap_or_else(|| panic!("unexpected error {error:?}"))
        .to_string()
}

/// Adds `event` to `events` in the vectors' notation; text is joined in `message` until its
/// last chunk.
fn record(event: Option<FrameEvent<'_>>, message: &mut String, events: &mut Vec<String>) {
    match event {
        Some(FrameEvent::Text { chunk, fin }) => {
            message.push_str(&chunk);
            if fin {
                events.push(format!("text:{}", hex(message.as_bytes())));
                message.clear();
            }
        }
        Some(FrameEvent::Discarded) => events.push("discard".into()),
        Some(FrameEvent::Close) => events.push("close".into()),
        None => {}
    }
}

/// Feeds `pieces` one after the other, keeping unused bytes for the next call as a socket
/// wrapper would, and returns the events in the vectors' notation. Text chunks are joined per
/// message; the partial message an error interrupts is dropped.
fn run(decoder: &Decoder, pieces: &[&[u8]]) -> Vec<String> {
    let mut decoder = decoder.clone();
    let mut buf: Vec<u8> = Vec::new();
    let mut events = Vec::new();
    let mut message = String::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        let mut calls = 0;
        loop {
            calls += 1;
            assert!(calls < 100_000, "decoder makes no progress");
            let Received { used, event } = match decoder.receive(&buf) {
                Ok(received) => received,
                Err(error) => {
                    // Errors are terminal and repeat.
                    assert_eq!(decoder.receive(b"\x00ok\xFF"), Err(error));
                    assert_eq!(decoder.error(), Some(error));
                    events.push(error_event(error));
                    return events;
                }
            };
            assert!(used <= buf.len());
            let done = event.is_none();
            record(event, &mut message, &mut events);
            buf.drain(..used);
            if done {
                break;
            }
        }
    }
    assert!(buf.is_empty(), "bytes left unused: {buf:?}");
    assert!(message.is_empty(), "unfinished message");
    assert!(decoder.is_between_frames());
    events
}

/// Like [`run`], but adds one byte of input before every call instead of calling until the
/// decoder needs more: unused bytes pile up while the decoder works through them.
fn run_drip(decoder: &Decoder, input: &[u8]) -> Vec<String> {
    let mut decoder = decoder.clone();
    let mut buf: Vec<u8> = Vec::new();
    let mut next = input.iter();
    let mut events = Vec::new();
    let mut message = String::new();
    for _ in 0..100_000 {
        let more = next.next();
        if let Some(&byte) = more {
            buf.push(byte);
        }
        let Received { used, event } = match decoder.receive(&buf) {
            Ok(received) => received,
            Err(error) => {
                events.push(error_event(error));
                return events;
            }
        };
        let done = more.is_none() && event.is_none();
        record(event, &mut message, &mut events);
        buf.drain(..used);
        if done {
            assert!(buf.is_empty(), "bytes left unused: {buf:?}");
            return events;
        }
    }
    panic!("decoder makes no progress");
}

struct Row {
    name: String,
    input: Vec<u8>,
    expected: Vec<String>,
}

fn rows() -> Vec<Row> {
    let rows: Vec<Row> = VECTORS
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert!(cols.len() >= 3, "bad row {line:?}");
            Row {
                name: cols[0].to_string(),
                input: unhex(cols[1]),
                expected: cols[2].split(';').map(str::to_string).collect(),
            }
        })
        .collect();
    assert_eq!(rows.len(), 16, "every row of the vectors is read");
    rows
}

#[test]
fn vectors_whole() {
    for row in rows() {
        let got = run(&Decoder::default(), &[&row.input]);
        assert_eq!(got, row.expected, "row {}", row.name);
    }
}

#[test]
fn vectors_byte_by_byte() {
    for row in rows() {
        let got = run(&Decoder::default(), &split::bytewise(&row.input));
        assert_eq!(got, row.expected, "row {}", row.name);
    }
}

#[test]
fn vectors_drip_fed() {
    for row in rows() {
        let got = run_drip(&Decoder::default(), &row.input);
        assert_eq!(got, row.expected, "row {}", row.name);
    }
}

#[test]
fn vectors_every_split() {
    for row in rows() {
        for (at, pieces) in split::every_point(&row.input).iter().enumerate() {
            let got = run(&Decoder::default(), pieces);
            assert_eq!(got, row.expected, "row {} split at {at}", row.name);
        }
    }
}

#[test]
fn vectors_three_way_splits() {
    for row in rows() {
        let len = row.input.len();
        for i in 0..=len {
            for j in i..=len {
                let got = run(&Decoder::default(), &split::at(&row.input, &[i, j]));
                assert_eq!(got, row.expected, "row {} split at {i}, {j}", row.name);
            }
        }
    }
}

/// The events of `input` cut in two at every point, byte by byte, and drip-fed.
fn all_splits(decoder: &Decoder, input: &[u8]) -> Vec<Vec<String>> {
    let mut results: Vec<Vec<String>> = split::every_point(input)
        .iter()
        .map(|pieces| run(decoder, pieces))
        .collect();
    results.push(run(decoder, &split::bytewise(input)));
    results.push(run_drip(decoder, input));
    results
}

fn text_frame(payload: &[u8]) -> Vec<u8> {
    let mut frame = vec![0x00];
    frame.extend_from_slice(payload);
    frame.push(0xFF);
    frame
}

#[test]
fn split_characters_are_joined() {
    let text = "a€b😀c é\u{10FFFF}";
    let input = text_frame(text.as_bytes());
    for got in all_splits(&Decoder::default(), &input) {
        assert_eq!(got, [format!("text:{}", hex(text.as_bytes()))]);
    }
}

/// With replacement on, a valid character split between reads is still joined, never replaced.
#[test]
fn split_characters_are_joined_when_replacing_too() {
    let text = "a€b😀c é\u{10FFFF}";
    let input = text_frame(text.as_bytes());
    let decoder = Decoder::new(FrameConfig::new().with_replace_invalid_utf8(true));
    for got in all_splits(&decoder, &input) {
        assert_eq!(got, [format!("text:{}", hex(text.as_bytes()))]);
    }
}

#[test]
fn split_character_arrives_whole_and_the_rest_is_borrowed() {
    let mut decoder = Decoder::default();
    let Received { used, event } = decoder.receive(b"\x00ab\xF0\x9F").unwrap();
    assert_eq!(used, 5);
    match event {
        Some(FrameEvent::Text { chunk, fin: false }) => assert_eq!(chunk.borrowed(), Some("ab")),
        other => panic!("{other:?}"),
    }
    // One more byte of the emoji: held, nothing to report yet.
    assert_eq!(decoder.receive(b"\x98"), Ok(Received::partial(1)));
    let input = b"\x80cd\xFF";
    let Received { used, event } = decoder.receive(input).unwrap();
    assert_eq!(used, 1);
    match event {
        Some(FrameEvent::Text { chunk, fin: false }) => {
            assert_eq!(chunk, "😀");
            assert_eq!(chunk.borrowed(), None);
        }
        other => panic!("{other:?}"),
    }
    let Received { used, event } = decoder.receive(&input[1..]).unwrap();
    assert_eq!(used, 3);
    match event {
        Some(FrameEvent::Text { chunk, fin: true }) => {
            let text = chunk.borrowed().expect("borrowed");
            // Zero-copy: the chunk points into the input.
            assert_eq!(text.as_ptr(), input[1..].as_ptr());
            assert_eq!(text, "cd");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn split_character_that_ends_the_frame_carries_fin() {
    let mut decoder = Decoder::default();
    assert!(decoder.receive(b"\x00\xC3").unwrap().event.is_none());
    let Received { used, event } = decoder.receive(b"\xA9\xFF\x00").unwrap();
    assert_eq!(used, 2);
    assert!(matches!(event, Some(FrameEvent::Text { chunk, fin: true }) if chunk == "é"));
}

/// Payloads with invalid UTF-8, including sequences cut off by the frame's end.
const INVALID: &[&[u8]] = &[
    b"\xC3\x28",
    b"\xE2\x82\x28",
    b"\xE2\x82",
    b"a\xF0\x9F\x98",
    b"\xF0\x9F\x41bc",
    b"\xED\xA0\x80",
    b"\xC0\x80",
    b"\xF5\x80\x80\x80",
    b"\x80",
    b"ok\xFEok",
    b"\xE0\x80\xAF\xC3",
    b"caf\xC3\xA9 \xE2\x28\xA1 na\xC3\xAFve \xF0\x90\x80",
];

#[test]
fn invalid_utf8_is_an_error_by_default() {
    for payload in INVALID {
        let input = text_frame(payload);
        for got in all_splits(&Decoder::default(), &input) {
            assert_eq!(got, ["error:invalid-utf8"], "payload {payload:02x?}");
        }
    }
}

#[test]
fn replacement_matches_lossy_decoding_however_split() {
    let config = FrameConfig::new().with_replace_invalid_utf8(true);
    for payload in INVALID {
        let expected = String::from_utf8_lossy(payload);
        assert!(expected.contains('\u{FFFD}'));
        let input = text_frame(payload);
        for got in all_splits(&Decoder::new(config), &input) {
            assert_eq!(
                got,
                [format!("text:{}", hex(expected.as_bytes()))],
                "payload {payload:02x?}"
            );
        }
    }
}

#[test]
fn replacement_keeps_going_after_the_message() {
    let config = FrameConfig::new().with_replace_invalid_utf8(true);
    let mut input = text_frame(b"\xFE");
    input.extend_from_slice(&text_frame(b"next"));
    assert_eq!(
        run(&Decoder::new(config), &[&input]),
        [
            format!("text:{}", hex("\u{FFFD}".as_bytes())),
            "text:6e657874".into()
        ]
    );
}

#[test]
fn many_invalid_bytes_are_each_replaced() {
    let config = FrameConfig::new().with_replace_invalid_utf8(true);
    let payload = vec![0x80; 100_000];
    let mut decoder = Decoder::new(config);
    let input = text_frame(&payload);
    let mut at = 0;
    let mut replaced = 0;
    loop {
        let Received { used, event } = decoder.receive(&input[at..]).unwrap();
        at += used;
        match event {
            Some(FrameEvent::Text { chunk, fin }) => {
                assert_eq!(chunk, "\u{FFFD}");
                replaced += 1;
                if fin {
                    break;
                }
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(replaced, payload.len());
    assert_eq!(at, input.len());
}

#[test]
fn message_limit() {
    let config = FrameConfig::new().with_max_message(5);
    for got in all_splits(&Decoder::new(config), &text_frame(b"hello")) {
        assert_eq!(got, ["text:68656c6c6f"]);
    }
    for got in all_splits(&Decoder::new(config), &text_frame(b"hello!")) {
        assert_eq!(got, ["error:message-too-large"]);
    }
    // Found before the end of the frame arrives.
    let mut decoder = Decoder::new(config);
    assert!(decoder.receive(b"\x00hel").is_ok());
    // The text within the limit may still come out; what passes it fails.
    let Received { used, event } = decoder.receive(b"lo!").unwrap();
    assert_eq!(used, 2);
    assert!(matches!(event, Some(FrameEvent::Text { chunk, fin: false }) if chunk == "lo"));
    assert_eq!(decoder.receive(b"!"), Err(Error::MessageTooLarge));
    assert_eq!(decoder.receive(b"\xFF"), Err(Error::MessageTooLarge));
    // Invalid text before the limit is reported as invalid text, however it is split.
    for got in all_splits(&Decoder::new(config), &text_frame(b"a\xC0bcdefgh")) {
        assert_eq!(got, ["error:invalid-utf8"]);
    }
}

#[test]
fn discarded_frames_are_bounded_too() {
    let config = FrameConfig::new().with_max_message(5);
    for got in all_splits(&Decoder::new(config), b"\x80\x05abcde\x00x\xFF") {
        assert_eq!(got, ["discard", "text:78"]);
    }
    for got in all_splits(&Decoder::new(config), b"\x80\x06abcdef") {
        assert_eq!(got, ["error:frame-too-large"]);
    }
    for got in all_splits(&Decoder::new(config), b"\x01abcde\xFF") {
        assert_eq!(got, ["discard"]);
    }
    for got in all_splits(&Decoder::new(config), b"\x01abcdef\xFF") {
        assert_eq!(got, ["error:frame-too-large"]);
    }
}

#[test]
fn huge_length_is_refused_before_it_grows() {
    // 2^20 + 1 needs three prefix bytes: the third one fails, without waiting for more.
    let mut decoder = Decoder::default();
    assert_eq!(decoder.receive(b"\x80\xC0\x80"), Ok(Received::partial(3)));
    assert_eq!(decoder.receive(b"\x81"), Err(Error::FrameTooLarge));
    // Exactly the limit is fine.
    let mut decoder = Decoder::default();
    assert_eq!(
        decoder.receive(b"\x80\xC0\x80\x00"),
        Ok(Received::partial(4))
    );
}

#[test]
fn length_prefix_size_is_bounded() {
    let mut input = vec![0xFF];
    input.extend_from_slice(&[0x80; 9]);
    input.push(0x00);
    for got in all_splits(&Decoder::default(), &input) {
        assert_eq!(got, ["close"]);
    }
    let mut input = vec![0xFF];
    input.extend_from_slice(&[0x80; 10]);
    input.push(0x00);
    for got in all_splits(&Decoder::default(), &input) {
        assert_eq!(got, ["error:frame-too-large"]);
    }
    let config = FrameConfig::new().with_max_length_bytes(11);
    assert_eq!(run(&Decoder::new(config), &[&input]), ["close"]);
}

#[test]
fn input_after_close_is_used_and_ignored() {
    let mut decoder = Decoder::default();
    assert!(!decoder.is_closed());
    assert_eq!(
        decoder.receive(b"\xFF\x00\x00a\xFF"),
        Ok(Received::event(2, FrameEvent::Close))
    );
    assert!(decoder.is_closed());
    assert_eq!(decoder.receive(b"\x00a\xFF"), Ok(Received::partial(3)));
    assert_eq!(decoder.receive(b"\xC3\x28"), Ok(Received::partial(2)));
}

#[test]
fn without_closing_handshake_ff_00_is_discarded() {
    let decoder = Decoder::new_hixie75(FrameConfig::new());
    assert!(decoder.is_hixie75() && !Decoder::default().is_hixie75());
    for got in all_splits(&decoder, b"\xFF\x00\x00a\xFF\xFF\x80\x00") {
        assert_eq!(got, ["discard", "text:61", "discard"]);
    }
}

#[test]
fn only_type_ff_with_length_zero_closes() {
    for got in all_splits(&Decoder::default(), b"\xFE\x00\x80\x00\x81\x80\x00\xFF\x00") {
        assert_eq!(got, ["discard", "discard", "discard", "close"]);
    }
}

#[test]
fn empty_input_needs_more() {
    let mut decoder = Decoder::default();
    assert_eq!(decoder.receive(b""), Ok(Received::partial(0)));
    assert_eq!(decoder.receive(b"\x00"), Ok(Received::partial(1)));
    assert_eq!(decoder.receive(b""), Ok(Received::partial(0)));
    assert!(!decoder.is_between_frames());
}

fn decode_one_message(input: &[u8]) -> String {
    let events = run(&Decoder::default(), &[input]);
    assert_eq!(events.len(), 1, "{events:?}");
    let hex_text = events[0].strip_prefix("text:").expect("a text message");
    String::from_utf8(unhex(hex_text)).expect("UTF-8")
}

#[test]
fn encode_decode_round_trip() {
    for text in [
        "",
        "Hello",
        "Apple = \u{F8FF}",
        "nul\0inside",
        "😀€é",
        "a\u{10FFFF}",
    ] {
        let mut out = vec![0u8; text_frame_len(text)];
        let n = encode_text(text, &mut out).unwrap();
        assert_eq!(n, text.len() + 2);
        assert_eq!(out[0], 0x00);
        assert_eq!(out[n - 1], 0xFF);
        assert_eq!(decode_one_message(&out[..n]), text);

        let parts = text_frame_parts(text);
        assert_eq!(parts[0], [0x00]);
        assert_eq!(parts[1], text.as_bytes());
        assert_eq!(parts[2], [0xFF]);
        assert_eq!(parts.concat(), &out[..n]);
    }
}

#[test]
fn encode_into_a_short_buffer_writes_nothing() {
    let mut out = [0xAA; 6];
    assert_eq!(
        encode_text("hello", &mut out),
        Err(Error::BufferTooSmall { needed: 7 })
    );
    assert_eq!(out, [0xAA; 6]);
    assert_eq!(encode_text("hell", &mut out), Ok(6));
    let mut out = [0xAA; 1];
    assert_eq!(
        encode_close(&mut out),
        Err(Error::BufferTooSmall { needed: 2 })
    );
    assert_eq!(out, [0xAA]);
}

#[test]
fn close_frame_decodes_as_close() {
    let mut out = [0u8; 2];
    assert_eq!(encode_close(&mut out), Ok(2));
    assert_eq!(out, CLOSE_FRAME);
    assert_eq!(run(&Decoder::default(), &[&out]), ["close"]);
}

// ----- connection -----

#[test]
fn connection_we_close_first() {
    let mut conn = Connection::default();
    assert!(!conn.is_hixie75());
    let mut out = [0u8; 32];
    assert_eq!(conn.state(), ConnectionState::Open);
    let n = conn.send_text("hi", &mut out).unwrap();
    assert_eq!(&out[..n], b"\x00hi\xFF");
    assert_eq!(conn.close(&mut out), Ok(2));
    assert_eq!(out[..2], CLOSE_FRAME);
    assert_eq!(conn.state(), ConnectionState::CloseSent);
    assert!(!conn.is_closed());
    assert!(!conn.wants_transmit());

    // Sending after our close is refused, and writes nothing; so is a second close.
    let mut out = [0xAA; 8];
    assert_eq!(conn.send_text("more", &mut out), Err(Error::InvalidState));
    assert_eq!(conn.send_text_parts("more"), Err(Error::InvalidState));
    assert_eq!(conn.close(&mut out), Err(Error::InvalidState));
    assert_eq!(out, [0xAA; 8]);
    assert_eq!(conn.state(), ConnectionState::CloseSent);

    // The peer's text still arrives, then its answer ends the connection.
    let input = b"\x00late\xFF\xFF\x00";
    let Received { used, event } = conn.receive(input).unwrap();
    assert_eq!(used, 6);
    assert!(matches!(event, Some(FrameEvent::Text { chunk, fin: true }) if chunk == "late"));
    let received = conn.receive(&input[6..]).unwrap();
    assert_eq!(received, Received::event(2, FrameEvent::Close));
    assert_eq!(conn.state(), ConnectionState::Closed);
    assert!(conn.is_closed());
    // Nothing to answer: we already sent our close.
    assert_eq!(conn.poll_transmit(&mut out), Ok(0));
    assert_eq!(conn.receive(b"\x00x\xFF"), Ok(Received::partial(3)));
    assert_eq!(conn.close(&mut out), Err(Error::InvalidState));
}

#[test]
fn connection_peer_closes_first() {
    let mut conn = Connection::default();
    let input = b"\x00bye\xFF\xFF\x00\x00ignored\xFF";
    let Received { used, event } = conn.receive(input).unwrap();
    assert!(matches!(event, Some(FrameEvent::Text { chunk, fin: true }) if chunk == "bye"));
    let Received { used: used2, event } = conn.receive(&input[used..]).unwrap();
    assert_eq!((used2, event), (2, Some(FrameEvent::Close)));
    assert_eq!(conn.state(), ConnectionState::CloseReceived);
    assert!(conn.wants_transmit());
    assert!(!conn.is_closed());

    // Data after the peer's close is used up and ignored.
    let rest = &input[used + used2..];
    assert_eq!(conn.receive(rest), Ok(Received::partial(rest.len())));

    // No more text from us: only the answer.
    let mut out = [0u8; 16];
    assert_eq!(conn.send_text("x", &mut out), Err(Error::InvalidState));

    // A short buffer keeps the answer queued.
    assert_eq!(
        conn.poll_transmit(&mut out[..1]),
        Err(Error::BufferTooSmall { needed: 2 })
    );
    assert!(conn.wants_transmit());
    assert_eq!(conn.poll_transmit(&mut out), Ok(2));
    assert_eq!(out[..2], CLOSE_FRAME);
    assert!(conn.is_closed());
    assert!(!conn.wants_transmit());
    // The answer is sent once.
    assert_eq!(conn.poll_transmit(&mut out), Ok(0));
    assert_eq!(conn.close(&mut out), Err(Error::InvalidState));
}

#[test]
fn connection_close_after_the_peers_close_is_refused() {
    // close() only starts a closing handshake: the answer to the peer's is poll_transmit's.
    let mut conn = Connection::default();
    assert_eq!(
        conn.receive(b"\xFF\x00"),
        Ok(Received::event(2, FrameEvent::Close))
    );
    let mut out = [0xAAu8; 2];
    assert_eq!(conn.close(&mut out), Err(Error::InvalidState));
    assert_eq!(out, [0xAA; 2], "nothing written");
    assert_eq!(conn.state(), ConnectionState::CloseReceived);
    assert!(conn.wants_transmit());
    assert_eq!(conn.poll_transmit(&mut out), Ok(2));
    assert_eq!(out, CLOSE_FRAME);
    assert!(conn.is_closed());
    assert_eq!(conn.poll_transmit(&mut out), Ok(0));
    assert_eq!(conn.close(&mut out), Err(Error::InvalidState));
}

#[test]
fn connection_close_twice_is_refused() {
    for mut conn in [
        Connection::default(),
        Connection::new_hixie75(FrameConfig::new()),
    ] {
        let mut out = [0u8; 4];
        let first = conn.close(&mut out).unwrap();
        let state = conn.state();
        let mut out = [0xAAu8; 4];
        assert_eq!(conn.close(&mut out), Err(Error::InvalidState));
        assert_eq!(out, [0xAA; 4], "nothing written");
        assert_eq!(conn.state(), state, "nothing changed");
        assert_eq!(first, if conn.is_hixie75() { 0 } else { 2 });
    }
}

#[test]
fn connection_close_into_a_short_buffer_changes_nothing() {
    let mut conn = Connection::default();
    let mut out = [0xAAu8; 1];
    assert_eq!(
        conn.close(&mut out),
        Err(Error::BufferTooSmall { needed: 2 })
    );
    assert_eq!(out, [0xAA]);
    assert_eq!(conn.state(), ConnectionState::Open);
    assert_eq!(conn.close(&mut [0u8; 2]), Ok(2));
}

#[test]
fn connection_vectored_send() {
    let mut conn = Connection::default();
    let parts = conn.send_text_parts("héllo").unwrap();
    assert_eq!(parts.concat(), b"\x00h\xC3\xA9llo\xFF");
}

#[test]
fn connection_errors_are_terminal() {
    let mut conn = Connection::default();
    assert_eq!(conn.receive(b"\x00\xC3\x28\xFF"), Err(Error::InvalidUtf8));
    assert_eq!(conn.receive(b"\x00ok\xFF"), Err(Error::InvalidUtf8));
    assert_eq!(conn.decoder().error(), Some(Error::InvalidUtf8));
}

#[test]
fn connection_reads_with_its_configuration() {
    let config = FrameConfig::new().with_max_message(3);
    let mut conn = Connection::new(config);
    assert_eq!(conn.decoder().config(), &config);
    assert!(!conn.is_hixie75());
    assert_eq!(
        conn.receive(b"\x00abc\xFF").map(|r| r.used),
        Ok(5),
        "exactly the limit"
    );
    // One byte over: the text within the limit may come out first, then it fails.
    let over = b"\x00abcd\xFF";
    let Received { used, .. } = conn.receive(over).unwrap();
    assert_eq!(conn.receive(&over[used..]), Err(Error::MessageTooLarge));
    let conn = Connection::new_hixie75(config);
    assert_eq!(conn.decoder().config(), &config);
    assert_eq!(
        Connection::default().decoder().config(),
        &FrameConfig::DEFAULT
    );
}

#[test]
fn connection_without_closing_handshake() {
    let mut conn = Connection::new_hixie75(FrameConfig::new());
    assert!(conn.is_hixie75());
    assert_eq!(
        conn.receive(b"\xFF\x00"),
        Ok(Received::event(2, FrameEvent::Discarded))
    );
    assert_eq!(conn.state(), ConnectionState::Open);
    assert!(!conn.wants_transmit());
    let mut out = [0xAAu8; 8];
    assert_eq!(conn.close(&mut out), Ok(0));
    assert_eq!(out, [0xAA; 8], "a hixie-75 close writes nothing");
    assert!(conn.is_closed());
    assert_eq!(conn.send_text("x", &mut out), Err(Error::InvalidState));
}

// ----- whole messages -----

#[cfg(feature = "alloc")]
mod assembler {
    use super::*;
    use hixie76::connection::{Message, MessageAssembler};

    /// The messages `pieces` give, read as a socket wrapper does.
    fn collect(assembler: &mut MessageAssembler, pieces: &[&[u8]]) -> Result<Vec<Message>, Error> {
        let mut buf = Vec::new();
        let mut messages = Vec::new();
        for piece in pieces {
            buf.extend_from_slice(piece);
            loop {
                let Received { used, event } = assembler.receive(&buf)?;
                buf.drain(..used);
                match event {
                    Some(message) => messages.push(message),
                    None => break,
                }
            }
        }
        Ok(messages)
    }

    #[test]
    fn whole_messages_however_split() {
        let input = b"\x00Hello \xE2\x82\xAC\xFF\x80\x01\xFF\x00\xFF\x01x\xFF\xFF\x00\x00no\xFF";
        let expected = [
            Message::Text("Hello €".into()),
            Message::Text(String::new()),
            Message::Close,
        ];
        for (how, pieces) in split::every_way(input) {
            let mut assembler = MessageAssembler::new(Connection::default());
            assert_eq!(collect(&mut assembler, &pieces).unwrap(), expected, "{how}");
            // After the close the rest is ignored, and the answer waits.
            assert_eq!(
                assembler.connection().state(),
                ConnectionState::CloseReceived,
                "{how}"
            );
        }
        // The default assembler reads hixie-76 with the default limits.
        let mut assembler = MessageAssembler::default();
        assert!(!assembler.connection().is_hixie75());
        assert_eq!(collect(&mut assembler, &[input]).unwrap(), expected);
    }

    #[test]
    fn the_close_is_answered_through_the_connection() {
        let mut assembler = MessageAssembler::new(Connection::default());
        let mut out = [0u8; 8];
        let n = assembler
            .connection_mut()
            .send_text("hi", &mut out)
            .unwrap();
        assert_eq!(&out[..n], b"\x00hi\xFF");
        assert_eq!(
            assembler.receive(b"\xFF\x00\x00after\xFF"),
            Ok(Received::event(2, Message::Close))
        );
        assert_eq!(
            assembler.receive(b"\x00after\xFF"),
            Ok(Received::partial(7)),
            "ignored"
        );
        assert!(assembler.connection().wants_transmit());
        assert_eq!(assembler.connection_mut().poll_transmit(&mut out), Ok(2));
        assert_eq!(out[..2], CLOSE_FRAME);
        let connection = assembler.into_connection();
        assert!(connection.is_closed());
    }

    #[test]
    fn we_close_first_through_the_connection() {
        let mut assembler = MessageAssembler::new(Connection::default());
        let mut out = [0u8; 2];
        assert_eq!(assembler.connection_mut().close(&mut out), Ok(2));
        assert_eq!(
            assembler.connection_mut().close(&mut out),
            Err(Error::InvalidState)
        );
        assert_eq!(
            collect(&mut assembler, &[b"\x00last\xFF\xFF\x00"]).unwrap(),
            [Message::Text("last".into()), Message::Close]
        );
        assert!(assembler.connection().is_closed());
        assert_eq!(assembler.connection_mut().poll_transmit(&mut out), Ok(0));
    }

    #[test]
    fn hixie75_has_no_close_message() {
        let mut assembler = MessageAssembler::new(Connection::new_hixie75(FrameConfig::new()));
        assert_eq!(
            collect(&mut assembler, &[b"\xFF\x00\x00a\xFF\xFF\x00"]).unwrap(),
            [Message::Text("a".into())]
        );
        let connection = assembler.into_connection();
        assert_eq!(connection.state(), ConnectionState::Open);
    }

    #[test]
    fn bounded_by_the_message_limit() {
        let config = FrameConfig::new().with_max_message(4);
        let mut assembler = MessageAssembler::new(Connection::new(config));
        assert_eq!(
            collect(&mut assembler, &[b"\x00four\xFF"]).unwrap(),
            [Message::Text("four".into())]
        );
        assert_eq!(
            collect(&mut assembler, &[b"\x00five!\xFF"]),
            Err(Error::MessageTooLarge)
        );
        assert_eq!(
            collect(&mut assembler, &[b"\x00ok\xFF"]),
            Err(Error::MessageTooLarge)
        );

        // Replacement triples a one-byte invalid sequence: still bounded.
        let config = config.with_replace_invalid_utf8(true);
        let mut assembler = MessageAssembler::new(Connection::new(config));
        assert_eq!(
            collect(&mut assembler, &[b"\x00a\x80\xFF"]).unwrap(),
            [Message::Text("a\u{FFFD}".into())]
        );
        assert_eq!(
            collect(&mut assembler, &[b"\x00\x80\x80\xFF"]),
            Err(Error::MessageTooLarge)
        );
        assert_eq!(
            assembler.connection().decoder().error(),
            Some(Error::MessageTooLarge)
        );
    }

    #[test]
    fn the_limit_counts_text_after_replacement_however_split() {
        let config = FrameConfig::new()
            .with_max_message(4)
            .with_replace_invalid_utf8(true);
        // Two bytes received, six after replacement: the decoder's limit lets it through, the
        // message's does not.
        let over = b"\x00\x80\x80\xFF";
        let mut decoder_only = Connection::new(config);
        let mut at = 0;
        while at < over.len() {
            at += decoder_only.receive(&over[at..]).unwrap().used;
        }
        for (how, pieces) in split::every_way(over) {
            let mut assembler = MessageAssembler::new(Connection::new(config));
            assert_eq!(
                collect(&mut assembler, &pieces),
                Err(Error::MessageTooLarge),
                "{how}"
            );
        }
        // Four after replacement: exactly the limit.
        for (how, pieces) in split::every_way(b"\x00a\x80\xFF") {
            let mut assembler = MessageAssembler::new(Connection::new(config));
            assert_eq!(
                collect(&mut assembler, &pieces),
                Ok(vec![Message::Text("a\u{FFFD}".into())]),
                "{how}"
            );
        }
    }
}

// ----- arbitrary input -----

/// Events in the vectors' notation, plus the text of an unfinished message at the end; unlike
/// [`run`] it accepts input that stops anywhere.
fn run_arbitrary(decoder: &Decoder, pieces: &[&[u8]]) -> (Vec<String>, String) {
    let mut decoder = decoder.clone();
    let mut buf = Vec::new();
    let mut events = Vec::new();
    let mut message = String::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            match decoder.receive(&buf) {
                Err(error) => {
                    events.push(error_event(error));
                    return (events, String::new());
                }
                Ok(Received { used, event }) => {
                    assert!(used <= buf.len());
                    let done = event.is_none();
                    record(event, &mut message, &mut events);
                    buf.drain(..used);
                    if done {
                        break;
                    }
                }
            }
        }
    }
    (events, message)
}

#[test]
fn arbitrary_input_gives_the_same_events_however_split() {
    // Bytes that matter to the framing and to UTF-8, and some plain text.
    const ALPHABET: &[u8] = &[
        0x00, 0x00, 0xFF, 0xFF, 0x80, 0x81, 0x01, 0x7F, b'a', b'b', 0xC3, 0xA9, 0xE2, 0x82, 0xAC,
        0xF0, 0x9F, 0x98, 0xED, 0xA0, 0xC0,
    ];
    let mut rng = SplitMix64(0x9E37_79B9_7F4A_7C15);
    for round in 0..3000 {
        let len = rng.below(40);
        let input: Vec<u8> = (0..len).map(|_| *rng.pick(ALPHABET)).collect();
        let config = FrameConfig::new()
            .with_max_message(1 + rng.below(24))
            .with_max_length_bytes(1 + rng.below(4))
            .with_replace_invalid_utf8(round % 2 == 0);
        let decoder = if round % 3 == 0 {
            Decoder::new_hixie75(config)
        } else {
            Decoder::new(config)
        };
        let whole = run_arbitrary(&decoder, &[&input]);
        assert_eq!(
            run_arbitrary(&decoder, &split::bytewise(&input)),
            whole,
            "input {input:02x?} byte by byte, {decoder:?}"
        );
        let pieces = split::random(&input, &mut rng, 4);
        assert_eq!(
            run_arbitrary(&decoder, &pieces),
            whole,
            "input {input:02x?} cut as {pieces:02x?}, {decoder:?}"
        );
    }
}

/// Each keep-alive frame's two bytes while open (and what a receiver makes of them), none
/// once the connection is closing.
#[test]
fn keepalive_frames() {
    for (kind, bytes, heard) in [
        (Keepalive::Discard, [0x80, 0x00], None),
        (Keepalive::Sentinel, [0x01, 0xFF], None),
        (Keepalive::Empty, [0x00, 0xFF], Some("")),
    ] {
        assert_eq!(kind.frame(), bytes);
        let mut connection = Connection::default();
        assert_eq!(connection.send_keepalive(kind), Ok(bytes), "{kind:?}");
        let mut peer = Connection::default();
        let received = peer.receive(&bytes).unwrap();
        assert_eq!(received.used, 2, "{kind:?}");
        let text = match received.event {
            Some(FrameEvent::Text { chunk, fin: true }) => Some(chunk.as_str().to_owned()),
            Some(FrameEvent::Discarded) => None,
            other => panic!("{kind:?}: {other:?}"),
        };
        assert_eq!(text.as_deref(), heard, "{kind:?}");

        let mut out = [0u8; 2];
        assert_eq!(connection.close(&mut out), Ok(2));
        assert_eq!(connection.send_keepalive(kind), Err(Error::InvalidState));
    }
}

/// A text chunk compares, formats and derefs as the text it holds, whether it borrows the
/// input or holds a character completed across reads.
#[test]
fn text_chunks_behave_as_their_text() {
    let mut decoder = Decoder::new(FrameConfig::new());
    let received = decoder.receive(b"\x00hello\xff").unwrap();
    let Some(FrameEvent::Text { chunk, fin: true }) = received.event else {
        panic!("{received:?}");
    };
    assert!(chunk == *"hello" && chunk != *"hellp" && chunk != *"hell");
    assert!(chunk == "hello" && chunk != "hellp" && chunk != "hello!");
    assert_eq!(chunk.as_ref() as &str, "hello");
    assert_eq!(chunk.len(), 5);
    assert_eq!(format!("{chunk}"), "hello");
    assert_eq!(format!("{chunk:?}"), "\"hello\"");
    assert_eq!(chunk.borrowed(), Some("hello"));

    // "é" split between two reads: the second read completes it into a chunk of its own.
    let mut decoder = Decoder::new(FrameConfig::new());
    let first = decoder.receive(b"\x00\xc3").unwrap();
    assert_eq!(first.used, 2);
    let second = decoder.receive(b"\xa9!\xff").unwrap();
    let Some(FrameEvent::Text { chunk: held, fin }) = second.event else {
        panic!("{second:?}");
    };
    assert!(!fin);
    assert!(held == "é" && held != "e" && held != *"é!");
    assert_eq!(format!("{held}"), "é");
    assert_eq!(format!("{held:?}"), "\"é\"");
    assert_eq!(held.as_ref() as &str, "é");
    assert_eq!(held.borrowed(), None);
    // Chunks compare by text, however they hold it.
    assert!(held != chunk);
    let mut decoder = Decoder::new(FrameConfig::new());
    let Some(FrameEvent::Text { chunk: same, .. }) =
        decoder.receive(b"\x00\xc3\xa9\xff").unwrap().event
    else {
        panic!("one chunk");
    };
    assert!(same == held);
}
