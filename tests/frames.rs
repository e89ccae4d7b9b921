//! Frame decoding, encoding and the closing handshake.
//!
//! `vectors/frames.tsv` is a copy of the project's shared conformance vectors (`frames.tsv`,
//! columns: name, input-hex, expected-events, note). Every row must produce the same events
//! however its input is split.

use hixie76::connection::{Connection, ConnectionState};
use hixie76::frame::{
    encode_close, encode_text, text_frame_len, text_frame_parts, Decoder, DecoderConfig,
    FrameEvent, CLOSE_FRAME,
};
use hixie76::Error;

const VECTORS: &str = include_str!("vectors/frames.tsv");

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex {s:?}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn error_kind(error: Error) -> &'static str {
    match error {
        Error::FrameTooLarge => "frame-too-large",
        Error::MessageTooLarge => "message-too-large",
        Error::InvalidUtf8 => "invalid-utf8",
        other => panic!("unexpected error {other:?}"),
    }
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
        Some(other) => panic!("unknown event {other:?}"),
        None => {}
    }
}

/// Feeds `pieces` one after the other, keeping unused bytes for the next call as a socket
/// wrapper would, and returns the events in the vectors' notation. Text chunks are joined per
/// message; the partial message an error interrupts is dropped.
fn run(config: DecoderConfig, pieces: &[&[u8]]) -> Vec<String> {
    let mut decoder = Decoder::with_config(config);
    let mut buf: Vec<u8> = Vec::new();
    let mut events = Vec::new();
    let mut message = String::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        let mut calls = 0;
        loop {
            calls += 1;
            assert!(calls < 100_000, "decoder makes no progress");
            let (used, event) = match decoder.decode(&buf) {
                Ok(result) => result,
                Err(error) => {
                    // Errors are terminal and repeat.
                    assert_eq!(decoder.decode(b"\x00ok\xFF"), Err(error));
                    assert_eq!(decoder.error(), Some(error));
                    events.push(format!("error:{}", error_kind(error)));
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
fn run_drip(config: DecoderConfig, input: &[u8]) -> Vec<String> {
    let mut decoder = Decoder::with_config(config);
    let mut buf: Vec<u8> = Vec::new();
    let mut next = input.iter();
    let mut events = Vec::new();
    let mut message = String::new();
    for _ in 0..100_000 {
        let more = next.next();
        if let Some(&byte) = more {
            buf.push(byte);
        }
        let (used, event) = match decoder.decode(&buf) {
            Ok(result) => result,
            Err(error) => {
                events.push(format!("error:{}", error_kind(error)));
                return events;
            }
        };
        let done = more.is_none() && event.is_none();
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
            Some(other) => panic!("unknown event {other:?}"),
            None => {}
        }
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
    assert!(rows.len() >= 16, "vectors not loaded");
    rows
}

#[test]
fn vectors_whole() {
    for row in rows() {
        let got = run(DecoderConfig::new(), &[&row.input]);
        assert_eq!(got, row.expected, "row {}", row.name);
    }
}

#[test]
fn vectors_byte_by_byte() {
    for row in rows() {
        let pieces: Vec<&[u8]> = row.input.chunks(1).collect();
        let got = run(DecoderConfig::new(), &pieces);
        assert_eq!(got, row.expected, "row {}", row.name);
    }
}

#[test]
fn vectors_drip_fed() {
    for row in rows() {
        let got = run_drip(DecoderConfig::new(), &row.input);
        assert_eq!(got, row.expected, "row {}", row.name);
    }
}

#[test]
fn vectors_every_split() {
    for row in rows() {
        for at in 0..=row.input.len() {
            let (a, b) = row.input.split_at(at);
            let got = run(DecoderConfig::new(), &[a, b]);
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
                let got = run(
                    DecoderConfig::new(),
                    &[&row.input[..i], &row.input[i..j], &row.input[j..]],
                );
                assert_eq!(got, row.expected, "row {} split at {i}, {j}", row.name);
            }
        }
    }
}

/// Every way to cut `input` in two, plus byte by byte.
fn all_splits(config: DecoderConfig, input: &[u8]) -> Vec<Vec<String>> {
    let mut results: Vec<Vec<String>> = (0..=input.len())
        .map(|at| {
            let (a, b) = input.split_at(at);
            run(config, &[a, b])
        })
        .collect();
    let pieces: Vec<&[u8]> = input.chunks(1).collect();
    results.push(run(config, &pieces));
    results.push(run_drip(config, input));
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
    for got in all_splits(DecoderConfig::new(), &input) {
        assert_eq!(got, [format!("text:{}", hex(text.as_bytes()))]);
    }
}

#[test]
fn split_character_arrives_whole_and_the_rest_is_borrowed() {
    let mut decoder = Decoder::new();
    let (used, event) = decoder.decode(b"\x00ab\xF0\x9F").unwrap();
    assert_eq!(used, 5);
    match event {
        Some(FrameEvent::Text { chunk, fin: false }) => assert_eq!(chunk.borrowed(), Some("ab")),
        other => panic!("{other:?}"),
    }
    // One more byte of the emoji: held, nothing to report yet.
    assert_eq!(decoder.decode(b"\x98"), Ok((1, None)));
    let input = b"\x80cd\xFF";
    let (used, event) = decoder.decode(input).unwrap();
    assert_eq!(used, 1);
    match event {
        Some(FrameEvent::Text { chunk, fin: false }) => {
            assert_eq!(chunk, "😀");
            assert_eq!(chunk.borrowed(), None);
        }
        other => panic!("{other:?}"),
    }
    let (used, event) = decoder.decode(&input[1..]).unwrap();
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
    let mut decoder = Decoder::new();
    assert!(decoder.decode(b"\x00\xC3").unwrap().1.is_none());
    let (used, event) = decoder.decode(b"\xA9\xFF\x00").unwrap();
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
        for got in all_splits(DecoderConfig::new(), &input) {
            assert_eq!(got, ["error:invalid-utf8"], "payload {payload:02x?}");
        }
    }
}

#[test]
fn replacement_matches_lossy_decoding_however_split() {
    let config = DecoderConfig::new().replace_invalid_utf8(true);
    for payload in INVALID {
        let expected = String::from_utf8_lossy(payload);
        assert!(expected.contains('\u{FFFD}'));
        let input = text_frame(payload);
        for got in all_splits(config, &input) {
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
    let config = DecoderConfig::new().replace_invalid_utf8(true);
    let mut input = text_frame(b"\xFE");
    input.extend_from_slice(&text_frame(b"next"));
    assert_eq!(
        run(config, &[&input]),
        [
            format!("text:{}", hex("\u{FFFD}".as_bytes())),
            "text:6e657874".into()
        ]
    );
}

#[test]
fn many_invalid_bytes_are_each_replaced() {
    let config = DecoderConfig::new().replace_invalid_utf8(true);
    let payload = vec![0x80; 100_000];
    let mut decoder = Decoder::with_config(config);
    let input = text_frame(&payload);
    let mut at = 0;
    let mut replaced = 0;
    loop {
        let (used, event) = decoder.decode(&input[at..]).unwrap();
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
    let config = DecoderConfig::new().max_message(5);
    for got in all_splits(config, &text_frame(b"hello")) {
        assert_eq!(got, ["text:68656c6c6f"]);
    }
    for got in all_splits(config, &text_frame(b"hello!")) {
        assert_eq!(got, ["error:message-too-large"]);
    }
    // Found before the end of the frame arrives.
    let mut decoder = Decoder::with_config(config);
    assert!(decoder.decode(b"\x00hel").is_ok());
    // The text within the limit may still come out; what passes it fails.
    let (used, event) = decoder.decode(b"lo!").unwrap();
    assert_eq!(used, 2);
    assert!(matches!(event, Some(FrameEvent::Text { chunk, fin: false }) if chunk == "lo"));
    assert_eq!(decoder.decode(b"!"), Err(Error::MessageTooLarge));
    assert_eq!(decoder.decode(b"\xFF"), Err(Error::MessageTooLarge));
    // Invalid text before the limit is reported as invalid text, however it is split.
    for got in all_splits(config, &text_frame(b"a\xC0bcdefgh")) {
        assert_eq!(got, ["error:invalid-utf8"]);
    }
}

#[test]
fn discarded_frames_are_bounded_too() {
    let config = DecoderConfig::new().max_message(5);
    for got in all_splits(config, b"\x80\x05abcde\x00x\xFF") {
        assert_eq!(got, ["discard", "text:78"]);
    }
    for got in all_splits(config, b"\x80\x06abcdef") {
        assert_eq!(got, ["error:frame-too-large"]);
    }
    for got in all_splits(config, b"\x01abcde\xFF") {
        assert_eq!(got, ["discard"]);
    }
    for got in all_splits(config, b"\x01abcdef\xFF") {
        assert_eq!(got, ["error:frame-too-large"]);
    }
}

#[test]
fn huge_length_is_refused_before_it_grows() {
    // 2^20 + 1 needs three prefix bytes: the third one fails, without waiting for more.
    let mut decoder = Decoder::new();
    assert_eq!(decoder.decode(b"\x80\xC0\x80"), Ok((3, None)));
    assert_eq!(decoder.decode(b"\x81"), Err(Error::FrameTooLarge));
    // Exactly the limit is fine.
    let mut decoder = Decoder::new();
    assert_eq!(decoder.decode(b"\x80\xC0\x80\x00"), Ok((4, None)));
}

#[test]
fn length_prefix_size_is_bounded() {
    let mut input = vec![0xFF];
    input.extend_from_slice(&[0x80; 9]);
    input.push(0x00);
    for got in all_splits(DecoderConfig::new(), &input) {
        assert_eq!(got, ["close"]);
    }
    let mut input = vec![0xFF];
    input.extend_from_slice(&[0x80; 10]);
    input.push(0x00);
    for got in all_splits(DecoderConfig::new(), &input) {
        assert_eq!(got, ["error:frame-too-large"]);
    }
    let config = DecoderConfig::new().max_length_bytes(11);
    assert_eq!(run(config, &[&input]), ["close"]);
}

#[test]
fn input_after_close_is_used_and_ignored() {
    let mut decoder = Decoder::new();
    assert_eq!(
        decoder.decode(b"\xFF\x00\x00a\xFF"),
        Ok((2, Some(FrameEvent::Close)))
    );
    assert!(decoder.is_closed());
    assert_eq!(decoder.decode(b"\x00a\xFF"), Ok((3, None)));
    assert_eq!(decoder.decode(b"\xC3\x28"), Ok((2, None)));
}

#[test]
fn without_closing_handshake_ff_00_is_discarded() {
    let config = DecoderConfig::new().closing_handshake(false);
    for got in all_splits(config, b"\xFF\x00\x00a\xFF\xFF\x80\x00") {
        assert_eq!(got, ["discard", "text:61", "discard"]);
    }
}

#[test]
fn only_type_ff_with_length_zero_closes() {
    for got in all_splits(
        DecoderConfig::new(),
        b"\xFE\x00\x80\x00\x81\x80\x00\xFF\x00",
    ) {
        assert_eq!(got, ["discard", "discard", "discard", "close"]);
    }
}

#[test]
fn empty_input_needs_more() {
    let mut decoder = Decoder::new();
    assert_eq!(decoder.decode(b""), Ok((0, None)));
    assert_eq!(decoder.decode(b"\x00"), Ok((1, None)));
    assert_eq!(decoder.decode(b""), Ok((0, None)));
    assert!(!decoder.is_between_frames());
}

fn decode_one_message(input: &[u8]) -> String {
    let events = run(DecoderConfig::new(), &[input]);
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
    assert_eq!(run(DecoderConfig::new(), &[&out]), ["close"]);
}

// ----- connection -----

#[test]
fn connection_we_close_first() {
    let mut conn = Connection::new();
    let mut out = [0u8; 32];
    assert_eq!(conn.state(), ConnectionState::Open);
    let n = conn.send_text("hi", &mut out).unwrap();
    assert_eq!(&out[..n], b"\x00hi\xFF");
    assert_eq!(conn.close(&mut out), Ok(2));
    assert_eq!(out[..2], CLOSE_FRAME);
    assert_eq!(conn.state(), ConnectionState::CloseSent);
    assert!(!conn.is_closed());
    assert!(!conn.wants_transmit());

    // Sending after our close is refused, and writes nothing.
    let mut out = [0xAA; 8];
    assert_eq!(conn.send_text("more", &mut out), Err(Error::InvalidState));
    assert_eq!(conn.send_text_parts("more"), Err(Error::InvalidState));
    assert_eq!(conn.close(&mut out), Err(Error::InvalidState));
    assert_eq!(out, [0xAA; 8]);

    // The peer's text still arrives, then its answer ends the connection.
    let input = b"\x00late\xFF\xFF\x00";
    let (used, event) = conn.receive(input).unwrap();
    assert_eq!(used, 6);
    assert!(matches!(event, Some(FrameEvent::Text { chunk, fin: true }) if chunk == "late"));
    let (used, event) = conn.receive(&input[6..]).unwrap();
    assert_eq!((used, event), (2, Some(FrameEvent::Close)));
    assert_eq!(conn.state(), ConnectionState::Closed);
    assert!(conn.is_closed());
    // Nothing to answer: we already sent our close.
    assert_eq!(conn.poll_transmit(&mut out), Ok(0));
    assert_eq!(conn.receive(b"\x00x\xFF"), Ok((3, None)));
}

#[test]
fn connection_peer_closes_first() {
    let mut conn = Connection::new();
    let input = b"\x00bye\xFF\xFF\x00\x00ignored\xFF";
    let (used, event) = conn.receive(input).unwrap();
    assert!(matches!(event, Some(FrameEvent::Text { chunk, fin: true }) if chunk == "bye"));
    let (used2, event) = conn.receive(&input[used..]).unwrap();
    assert_eq!((used2, event), (2, Some(FrameEvent::Close)));
    assert_eq!(conn.state(), ConnectionState::CloseReceived);
    assert!(conn.wants_transmit());
    assert!(!conn.is_closed());

    // Data after the peer's close is used up and ignored.
    let rest = &input[used + used2..];
    assert_eq!(conn.receive(rest), Ok((rest.len(), None)));

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
fn connection_close_answers_a_received_close() {
    let mut conn = Connection::new();
    assert_eq!(conn.receive(b"\xFF\x00"), Ok((2, Some(FrameEvent::Close))));
    let mut out = [0u8; 2];
    assert_eq!(conn.close(&mut out), Ok(2));
    assert_eq!(out, CLOSE_FRAME);
    assert!(conn.is_closed());
    assert_eq!(conn.poll_transmit(&mut out), Ok(0));
}

#[test]
fn connection_vectored_send() {
    let mut conn = Connection::new();
    let parts = conn.send_text_parts("héllo").unwrap();
    assert_eq!(parts.concat(), b"\x00h\xC3\xA9llo\xFF");
}

#[test]
fn connection_errors_are_terminal() {
    let mut conn = Connection::new();
    assert_eq!(conn.receive(b"\x00\xC3\x28\xFF"), Err(Error::InvalidUtf8));
    assert_eq!(conn.receive(b"\x00ok\xFF"), Err(Error::InvalidUtf8));
    assert_eq!(conn.decoder().error(), Some(Error::InvalidUtf8));
}

#[test]
fn connection_without_closing_handshake() {
    let mut conn = Connection::with_config(DecoderConfig::new().closing_handshake(false));
    assert_eq!(
        conn.receive(b"\xFF\x00"),
        Ok((2, Some(FrameEvent::Discarded)))
    );
    assert_eq!(conn.state(), ConnectionState::Open);
    let mut out = [0u8; 8];
    assert_eq!(conn.close(&mut out), Ok(0));
    assert!(conn.is_closed());
    assert_eq!(conn.send_text("x", &mut out), Err(Error::InvalidState));
}

// ----- whole messages -----

#[cfg(feature = "alloc")]
mod assembler {
    use super::*;
    use hixie76::frame::{Message, MessageAssembler};

    fn collect(assembler: &mut MessageAssembler, pieces: &[&[u8]]) -> Result<Vec<Message>, Error> {
        let mut buf = Vec::new();
        let mut messages = Vec::new();
        for piece in pieces {
            buf.extend_from_slice(piece);
            loop {
                let (used, message) = assembler.decode(&buf)?;
                buf.drain(..used);
                match message {
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
        for at in 0..=input.len() {
            let mut assembler = MessageAssembler::new();
            let (a, b) = input.split_at(at);
            assert_eq!(
                collect(&mut assembler, &[a, b]).unwrap(),
                expected,
                "split at {at}"
            );
        }
        let mut assembler = MessageAssembler::new();
        let pieces: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(collect(&mut assembler, &pieces).unwrap(), expected);
    }

    #[test]
    fn bounded_by_the_message_limit() {
        let config = DecoderConfig::new().max_message(4);
        let mut assembler = MessageAssembler::with_config(config);
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
        let config = config.replace_invalid_utf8(true);
        let mut assembler = MessageAssembler::with_config(config);
        assert_eq!(
            collect(&mut assembler, &[b"\x00a\x80\xFF"]).unwrap(),
            [Message::Text("a\u{FFFD}".into())]
        );
        assert_eq!(
            collect(&mut assembler, &[b"\x00\x80\x80\xFF"]),
            Err(Error::MessageTooLarge)
        );
        assert_eq!(assembler.decoder().error(), Some(Error::MessageTooLarge));
    }
}

// ----- arbitrary input -----

/// A small deterministic generator, so failures reproduce.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Events in the vectors' notation, plus the text of an unfinished message at the end; unlike
/// [`run`] it accepts input that stops anywhere. `cuts` are the split points.
fn run_arbitrary(config: DecoderConfig, input: &[u8], cuts: &[usize]) -> (Vec<String>, String) {
    let mut decoder = Decoder::with_config(config);
    let mut buf = Vec::new();
    let mut events = Vec::new();
    let mut message = String::new();
    let mut start = 0;
    for &end in cuts.iter().chain(std::iter::once(&input.len())) {
        buf.extend_from_slice(&input[start..end]);
        start = end;
        loop {
            match decoder.decode(&buf) {
                Err(error) => {
                    events.push(format!("error:{}", error_kind(error)));
                    return (events, String::new());
                }
                Ok((used, event)) => {
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
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for round in 0..3000 {
        let len = rng.below(40);
        let input: Vec<u8> = (0..len)
            .map(|_| ALPHABET[rng.below(ALPHABET.len())])
            .collect();
        let config = DecoderConfig::new()
            .max_message(1 + rng.below(24))
            .max_length_bytes(1 + rng.below(4))
            .replace_invalid_utf8(round % 2 == 0)
            .closing_handshake(round % 3 != 0);
        let whole = run_arbitrary(config, &input, &[]);
        let bytes: Vec<usize> = (1..len).collect();
        assert_eq!(
            run_arbitrary(config, &input, &bytes),
            whole,
            "input {input:02x?} byte by byte, {config:?}"
        );
        let mut cuts: Vec<usize> = (0..3).map(|_| rng.below(len + 1)).collect();
        cuts.sort_unstable();
        assert_eq!(
            run_arbitrary(config, &input, &cuts),
            whole,
            "input {input:02x?} cut at {cuts:?}, {config:?}"
        );
    }
}
