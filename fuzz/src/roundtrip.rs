//! Our client against our server, and our encoder against our decoder, with settings and
//! values from the input.

use hixie76::client::{ClientConfig, ClientHandshake, Keys, Url};
use hixie76::connection::{Connection, ConnectionState};
use hixie76::frame::{
    encode_text, text_frame_parts, Decoder, FrameConfig, FrameEvent, CLOSE_FRAME,
};
use hixie76::server::{Accept, Outcome as ServerOutcome, ServerConfig, ServerHandshake};
use hixie76::{Error, Fault, Received, Setting};

use crate::check::{is_clean_value, is_tchar};
use crate::client::{check_request, splitmix};
use crate::Cursor;

/// URLs a setup may choose: default and explicit ports, queries, TLS, IPv4 and IPv6 hosts,
/// upper-case letters that are sent lowercased.
const URLS: [&str; 8] = [
    "ws://example.com/demo",
    "ws://Example.COM:80/",
    "wss://example.com/chat?room=1&x=%20",
    "ws://127.0.0.1:8080/a/b?",
    "wss://[::1]:443/",
    "WS://[2001:DB8::1]:65535/x?y",
    "ws://a",
    "wss://host.example:1/?",
];

/// Names the handshake writes itself, lowercased; anything starting with a prefix too.
const RESERVED: [&str; 6] = [
    "host",
    "upgrade",
    "connection",
    "origin",
    "content-length",
    "transfer-encoding",
];
const RESERVED_PREFIXES: [&str; 2] = ["sec-websocket-", "websocket-"];

fn visible(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| (0x21..=0x7E).contains(&b))
}

fn field_ok(name: &str, value: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !name.is_empty()
        && name.bytes().all(is_tchar)
        && !RESERVED.contains(&lower.as_str())
        && !RESERVED_PREFIXES.iter().any(|p| lower.starts_with(p))
        && is_clean_value(value.as_bytes())
}

/// A string of up to `max` bytes from the input, its length from one byte; invalid UTF-8
/// becomes U+FFFD.
fn string(cursor: &mut Cursor<'_>, max: u8) -> String {
    let len = cursor.byte() % (max + 1);
    String::from_utf8_lossy(cursor.take(usize::from(len))).into_owned()
}

/// Input: a flags byte (bit 0 hixie-75, bit 1 Content-Length, bits 2–3 how many subprotocols,
/// bits 4–5 how many extra fields, bit 6 take the origin from the input, bit 7 take the text
/// whole rather than its longest valid prefix), a URL index, 8 bytes of entropy seed, the origin
/// (if bit 6), the subprotocols and the extra fields (each a length byte and bytes), the
/// server's subprotocol [`Choice`], then the text sent as a message.
pub fn run(data: &[u8]) -> Ran {
    let mut cursor = Cursor::new(data);
    let flags = cursor.byte();
    let url = URLS[usize::from(cursor.byte()) % URLS.len()];
    let mut seed = [0u8; 8];
    let taken = cursor.take(8);
    seed[..taken.len()].copy_from_slice(taken);
    let hixie75 = flags & 1 != 0;
    let content_length = flags & 2 != 0;
    let origin = if flags & 0x40 != 0 {
        string(&mut cursor, 40)
    } else {
        "http://Example.com".to_owned()
    };
    let protocols: Vec<String> = (0..(flags >> 2) & 3)
        .map(|_| string(&mut cursor, 12))
        .collect();
    let fields: Vec<(String, String)> = (0..(flags >> 4) & 3)
        .map(|_| (string(&mut cursor, 12), string(&mut cursor, 24)))
        .collect();
    let choice = Choice::decode(&mut cursor);
    let rest = cursor.rest();
    let text = if flags & 0x80 != 0 {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        match std::str::from_utf8(rest) {
            Ok(text) => text.to_owned(),
            Err(e) => std::str::from_utf8(&rest[..e.valid_up_to()])
                .unwrap()
                .to_owned(),
        }
    };

    let protocol_refs: Vec<&str> = protocols.iter().map(String::as_str).collect();
    let field_refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let url = Url::parse(url).expect("a valid URL");
    let config = ClientConfig::new(url, &origin)
        .with_protocols(&protocol_refs)
        .with_fields(&field_refs)
        .with_content_length(content_length);
    // What the documentation promises to refuse, and the setting it names, by the harness's
    // own reading: hixie-75's own limits first, then the origin, the subprotocols, the fields.
    let refused = if hixie75 && protocols.len() > 1 {
        Some(Setting::Protocols)
    } else if hixie75 && content_length {
        Some(Setting::ContentLength)
    } else if !visible(&origin) {
        Some(Setting::Origin)
    } else if !protocols.iter().all(|p| visible(p)) {
        Some(Setting::Protocol)
    } else if !fields.iter().all(|(n, v)| field_ok(n, v)) {
        Some(Setting::Field)
    } else {
        None
    };
    let keys = Keys::generate(&mut splitmix(u64::from_le_bytes(seed)));
    let built = if hixie75 {
        ClientHandshake::new_hixie75(config, vec![0u8; 4096])
    } else {
        ClientHandshake::new(config, keys, vec![0u8; 4096])
    };
    if !hixie75 {
        assert_eq!(
            config.validate(),
            built.as_ref().map(|_| ()).map_err(|e| *e)
        );
    }
    let mut client = match built {
        Ok(client) => {
            assert_eq!(refused, None, "accepted {origin:?} {protocols:?} {fields:?} (hixie-75 {hixie75}, Content-Length {content_length})");
            client
        }
        Err(error) => {
            assert_eq!(error.fault(), Fault::Caller);
            assert_eq!(
                Some(error),
                refused.map(Error::InvalidValue),
                "refused {origin:?} {protocols:?} {fields:?} (hixie-75 {hixie75}, Content-Length {content_length})"
            );
            frames(&text, hixie75);
            let setup = crate::frames::FrameSetup {
                config: FrameConfig::DEFAULT,
                hixie75,
            };
            converse(&mut setup.connection(), &mut setup.connection(), &text);
            return Ran::Refused(error);
        }
    };

    // The request: well formed, nothing injected, and what the server reads from it is what
    // the application gave.
    let mut request = vec![0u8; client.request_len()];
    let n = client.write_request(&mut request).expect("request written");
    assert_eq!(n, request.len());
    assert_eq!(client.keys().is_none(), hixie75);
    check_request(&config, client.keys(), content_length, &request);
    for (name, value) in &fields {
        let line = format!("\r\n{name}: {value}\r\n");
        assert!(
            request.windows(line.len()).any(|w| w == line.as_bytes()),
            "field {name:?} not written as given"
        );
    }

    let server_config = ServerConfig::new().with_hixie75(hixie75);
    let mut server = ServerHandshake::new(server_config, vec![0u8; 8192]);
    let received = server
        .receive(&request)
        .expect("our server refused our request");
    let mut used = received.used;
    let Some(ServerOutcome::Request(pending)) = received.event else {
        panic!("not a request: {:?}", received.event);
    };
    let req = pending.request();
    assert_eq!(req.is_hixie75(), hixie75);
    assert_eq!(req.origin(), Some(origin.to_ascii_lowercase().as_str()));
    let offered: Vec<&str> = req.protocols().collect();
    assert_eq!(
        offered, protocol_refs,
        "offered subprotocols as the server reads them"
    );
    let server_fields: Vec<(&str, &[u8])> = req.fields().collect();
    for (name, value) in &fields {
        let trimmed = value.trim_matches([' ', '\t']);
        assert!(
            server_fields
                .iter()
                .any(|(n, v)| n.eq_ignore_ascii_case(name) && *v == trimmed.as_bytes()),
            "the server does not see {name}: {value:?}"
        );
    }
    // The application's choice, by name: it must be one offered, and for hixie-76 there must
    // be one when some were offered (hixie-75 makes the echo optional). A refused choice writes
    // nothing; the server then agrees on the first offered subprotocol, which is always
    // allowed.
    let chosen = choice.name(&protocol_refs);
    let refusal = match chosen {
        Some(name) if !protocol_refs.contains(&name) => Some(Error::ProtocolNotOffered),
        None if !protocol_refs.is_empty() && !hixie75 => Some(Error::NoProtocolChosen),
        _ => None,
    };
    let first = protocol_refs.first().copied();
    let mut head = vec![0xAAu8; 4096];
    let secure = config.url().is_secure();
    let accept = Accept::new().with_protocol(chosen).with_secure(secure);
    assert_eq!(accept.protocol(), chosen);
    assert_eq!(accept.is_secure(), secure);
    let agreed = match pending.accept(&accept, &mut head) {
        Ok(len) => {
            assert_eq!(
                refusal, None,
                "accepted {chosen:?}, offered {protocol_refs:?}"
            );
            head.truncate(len);
            chosen
        }
        Err(error) => {
            assert_eq!(
                Some(error),
                refusal,
                "{chosen:?}, offered {protocol_refs:?}"
            );
            assert_eq!(error.fault(), Fault::Caller);
            assert!(head.iter().all(|&b| b == 0xAA), "a refused accept wrote");
            let pending = server.pending().expect("the request kept for a retry");
            let accept = Accept::new().with_protocol(first).with_secure(secure);
            let len = pending
                .accept(&accept, &mut head)
                .expect("our server could not accept the first offered subprotocol");
            head.truncate(len);
            first
        }
    };
    // The answer: for hixie-76 once key3 is in, for hixie-75 at once.
    let received = server.receive(&request[used..]).expect("key3");
    used += received.used;
    let Some(ServerOutcome::Answer(answer)) = received.event else {
        panic!("no answer: {:?}", received.event);
    };
    assert_eq!(answer.is_hixie75(), hixie75);
    match client.keys() {
        Some(keys) => assert_eq!(answer.as_bytes(), keys.answer()),
        None => assert!(hixie75 && answer.as_bytes().is_empty()),
    }
    assert!(server.is_done());
    head.extend_from_slice(answer.as_bytes());
    assert_eq!(used, request.len(), "the server left request bytes unused");
    // Frame bytes after the response stay with the caller.
    head.extend_from_slice(b"\x00hi\xff");
    let received = client.receive(&head).unwrap_or_else(|e| {
        panic!(
            "our client refused our server: {e:?}\n{}",
            String::from_utf8_lossy(&head)
        )
    });
    assert_eq!(received.used, head.len() - 4);
    let Some(established) = received.event else {
        panic!("not established: {received:?}");
    };
    assert_eq!(established.protocol(), agreed);
    assert_eq!(established.is_hixie75(), hixie75);
    // Each end goes on with the connection its handshake handed over.
    let mut ours = established.connection();
    let mut theirs = answer.connection();
    let rest = &head[received.used..];
    let received = ours.receive(rest).expect("the frame after the response");
    assert_eq!(received.used, rest.len());
    assert!(matches!(
        received.event,
        Some(FrameEvent::Text { chunk, fin: true }) if chunk == "hi"
    ));
    frames(&text, hixie75);
    converse(&mut ours, &mut theirs, &text);
    Ran::Connected {
        refused_choice: refusal,
        agreed: agreed.map(str::to_owned),
        hixie75,
    }
}

/// How a round trip went, for the seed tests to tell that a seed reaches what it was made
/// for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    /// The client refused its configuration (the caller's error).
    Refused(Error),
    /// Client and server connected and talked: the server's first choice of subprotocol
    /// refused (then the first offered one agreed on), the subprotocol agreed on, the draft.
    Connected {
        refused_choice: Option<Error>,
        agreed: Option<String>,
        hixie75: bool,
    },
}

/// How the server's application chooses a subprotocol, from one byte: bits 0–1 say how
/// (0: the first offered, 1: none, 2: the offered one at index `byte >> 2`, modulo their
/// number, 3: a name from the input, a length byte and up to 12 bytes).
#[derive(Debug, Clone)]
pub enum Choice {
    First,
    Nothing,
    Index(usize),
    Name(String),
}

impl Choice {
    pub fn decode(cursor: &mut Cursor<'_>) -> Choice {
        let byte = cursor.byte();
        match byte & 3 {
            0 => Choice::First,
            1 => Choice::Nothing,
            2 => Choice::Index(usize::from(byte >> 2)),
            _ => Choice::Name(string(cursor, 12)),
        }
    }

    /// The name chosen from `offered`.
    pub fn name<'a>(&'a self, offered: &[&'a str]) -> Option<&'a str> {
        match self {
            Choice::First => offered.first().copied(),
            Choice::Nothing => None,
            Choice::Index(i) => (!offered.is_empty()).then(|| offered[i % offered.len()]),
            Choice::Name(name) => Some(name),
        }
    }
}

/// `text` from one connection to the other, in one frame.
fn send(from: &mut Connection, to: &mut Connection, text: &str, frame: &mut [u8]) {
    let n = from.send_text(text, frame).expect("send");
    assert_eq!(n, frame.len());
    assert_eq!(from.send_text_parts(text).expect("parts").concat(), frame);
    let received = to.receive(frame).expect("our frame refused");
    assert_eq!(received.used, n);
    match received.event {
        Some(FrameEvent::Text { chunk, fin: true }) => assert_eq!(&*chunk, text),
        other => panic!("{other:?}"),
    }
}

/// Two connections of one pair talk: `text` each way, then `ours` closes. A hixie-75 pair has
/// no closing handshake: `FF 00` is a frame to discard, never a close, and `close` writes
/// nothing and ends at once. A hixie-76 pair closes by handshake: `close` only starts it, the
/// peer's close is answered by `poll_transmit` alone, and the answer ends it.
pub fn converse(ours: &mut Connection, theirs: &mut Connection, text: &str) {
    let hixie75 = ours.is_hixie75();
    assert_eq!(theirs.is_hixie75(), hixie75, "a pair of two drafts");
    let mut frame = vec![0u8; text.len() + 2];
    send(ours, theirs, text, &mut frame);
    send(theirs, ours, text, &mut frame);
    let mut wire = [0xAAu8; 4];
    if hixie75 {
        // `FF 00` is a length-prefixed frame of length 0 there: discarded.
        for conn in [&mut *ours, &mut *theirs] {
            let received = conn.receive(&CLOSE_FRAME).expect("FF 00 refused");
            assert_eq!(received, Received::event(2, FrameEvent::Discarded));
            assert_eq!(conn.state(), ConnectionState::Open, "FF 00 closed hixie-75");
            assert!(!conn.wants_transmit());
            assert_eq!(conn.poll_transmit(&mut wire), Ok(0));
        }
        assert_eq!(ours.close(&mut wire), Ok(0));
        assert_eq!(wire, [0xAA; 4], "a hixie-75 close wrote");
        assert!(ours.is_closed());
        assert_eq!(ours.close(&mut wire), Err(Error::InvalidState));
        assert_eq!(ours.send_text("x", &mut frame), Err(Error::InvalidState));
        assert_eq!(theirs.state(), ConnectionState::Open);
        return;
    }
    let n = ours.close(&mut wire).expect("close");
    assert_eq!(wire[..n], CLOSE_FRAME);
    assert_eq!(ours.state(), ConnectionState::CloseSent);
    assert_eq!(
        ours.close(&mut wire),
        Err(Error::InvalidState),
        "a second close"
    );
    assert_eq!(ours.send_text("x", &mut frame), Err(Error::InvalidState));
    let received = theirs.receive(&wire[..n]).expect("close received");
    assert_eq!(received, Received::event(2, FrameEvent::Close));
    assert_eq!(theirs.state(), ConnectionState::CloseReceived);
    // Only an open connection starts a close: the answer is poll_transmit's.
    assert_eq!(theirs.close(&mut wire), Err(Error::InvalidState));
    assert!(theirs.wants_transmit());
    let n = theirs.poll_transmit(&mut wire).expect("answer");
    assert_eq!(wire[..n], CLOSE_FRAME);
    assert!(theirs.is_closed());
    let received = ours.receive(&wire[..n]).expect("answer received");
    assert_eq!(received, Received::event(2, FrameEvent::Close));
    assert!(ours.is_closed());
}

/// `text` through `encode_text`, `text_frame_parts` and back through a decoder, whole and
/// byte by byte.
pub fn frames(text: &str, hixie75: bool) {
    let mut frame = vec![0u8; text.len() + 2];
    assert_eq!(
        encode_text(text, &mut frame[..text.len() + 1]),
        Err(Error::BufferTooSmall {
            needed: text.len() + 2
        })
    );
    assert_eq!(encode_text(text, &mut frame), Ok(text.len() + 2));
    assert_eq!(text_frame_parts(text).concat(), frame);
    let setup = crate::frames::FrameSetup {
        config: FrameConfig::DEFAULT,
        hixie75,
    };
    let mut decoder = setup.decoder();
    let Received { used, event } = decoder.receive(&frame).expect("our frame refused");
    assert_eq!(used, frame.len());
    match event {
        Some(FrameEvent::Text { chunk, fin: true }) => assert_eq!(&*chunk, text),
        other => panic!("{other:?}"),
    }
    let mut decoder: Decoder = setup.decoder();
    let mut got = String::new();
    for byte in frame.chunks(1) {
        let Received { used, event } = decoder.receive(byte).expect("our frame refused");
        assert_eq!(used, 1);
        if let Some(FrameEvent::Text { chunk, .. }) = event {
            got.push_str(&chunk);
        }
    }
    assert_eq!(got, text);
}
