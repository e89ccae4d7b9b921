//! The harness is not vacuous: the committed seeds reach the outcomes they were made for, and
//! every seed passes the checks (`cargo test` here, no nightly or libFuzzer needed).

use std::path::Path;

use hixie76::server::Version;
use hixie76_fuzz::server::{drive, Seen, Setup};
use hixie76_fuzz::{chunks, Cursor};
use hixie76_fuzz::{client, frames, reference, roundtrip, server};

fn seed(target: &str, name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn handshake(name: &str) -> Seen {
    let data = seed("server_handshake", name);
    let mut cursor = Cursor::new(&data);
    let setup = Setup::decode(&mut cursor);
    drive(&setup, cursor.rest(), &[])
}

#[test]
fn seeds_reach_their_outcomes() {
    match handshake("v1-spec") {
        Seen::Answer { answer, head, .. } => {
            assert_eq!(answer, b"8jKS'y:G*Co,Wxa-");
            assert!(head.ends_with(b"Sec-WebSocket-Protocol: sample\r\n\r\n"));
        }
        other => panic!("{other:?}"),
    }
    for name in [
        "perl-client-content-length",
        "perl-client-then-frames",
        "webkit-style",
        "behind-proxy",
        "no-origin-ipv4",
        "echo-cookie",
        "small-out",
        "small-storage",
        "key3-then-frame",
    ] {
        assert!(
            matches!(handshake(name), Seen::Answer { .. }),
            "{name}: {:?}",
            handshake(name)
        );
    }
    match handshake("echo-cookie") {
        Seen::Answer { head, .. } => assert!(
            head.ends_with(b"User-Agent: HbbTV/1.1.1 (; ; ; ; ;) CE-HTML/1.0\r\n\r\n"),
            "{}",
            String::from_utf8_lossy(&head)
        ),
        other => panic!("{other:?}"),
    }
    match handshake("hixie75-allowed-secure") {
        Seen::Answer { answer, head, .. } => {
            assert!(answer.is_empty());
            assert!(head.starts_with(b"HTTP/1.1 101 Web Socket Protocol Handshake\r\n"));
        }
        other => panic!("{other:?}"),
    }
    for (name, want) in [
        ("rfc6455-request", Version::Rfc6455),
        ("hybi03-request", Version::Hybi),
        // hixie-75 is off by default: handed over like any other version.
        ("hixie75-request", Version::Hixie75),
    ] {
        match handshake(name) {
            Seen::Other { version, bytes, .. } => {
                assert_eq!(version, want, "{name}");
                assert!(bytes.ends_with(b"\r\n\r\n"), "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // Plain HTTP, and an upgrade to another protocol, are handed back whole: exactly the head,
    // the pipelined request after it left unused.
    for (name, head_len) in [("plain-page-pipelined", 186), ("h2c-upgrade", 133)] {
        match handshake(name) {
            Seen::NotWebSocket { bytes, used } => {
                assert_eq!((bytes.len(), used), (head_len, head_len), "{name}");
                assert!(bytes.starts_with(b"GET /"), "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    // Subprotocols offered and none picked: the accept is refused and so is the request.
    match handshake("no-protocol-chosen") {
        Seen::Refused { response, .. } => {
            assert!(response.starts_with(b"HTTP/1.1 400 Bad Request\r\n"))
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(handshake("short-key3"), Seen::NeedMore { .. }));
    assert!(matches!(handshake("small-limits"), Seen::Rejected(_)));
    assert!(matches!(handshake("key1-no-spaces"), Seen::Rejected(_)));
}

/// What the connection a server handed over made of the bytes after the handshake.
fn events_after(name: &str) -> Vec<frames::Ev> {
    match handshake(name) {
        Seen::Answer { frames, .. } => frames.events,
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn server_connections_read_the_frames_after_the_handshake() {
    use frames::Ev::{Close, Discard, Error, Text};
    assert_eq!(events_after("key3-then-frame"), [Text("Hello".into())]);
    assert_eq!(
        events_after("perl-client-then-frames"),
        [Text("hello".into()), Close]
    );
    // With the server's message limit of 2 bytes.
    assert_eq!(
        events_after("key3-then-frame-small-limit"),
        [Error(hixie76::Error::MessageTooLarge)]
    );
    // hixie-75 has no closing handshake: FF 00 is discarded, and the text after it read.
    assert_eq!(
        events_after("hixie75-then-ff00"),
        [Discard, Text("hi".into())]
    );
}

/// Every conformance request reaches the outcome `tests/vectors/server/handshakes.tsv` gives.
#[test]
fn server_seeds_reach_the_vectors_outcomes() {
    for row in rows("server/handshakes.tsv") {
        let (name, expect, after) = (&row[0], &row[2], &row[3]);
        let seen = handshake(name);
        let ok = match expect.split_once(':') {
            Some(("answer", hex)) => {
                // The frame bytes after key3 are left to the connection.
                let data = seed("server_handshake", name);
                matches!(&seen, Seen::Answer { answer, used, .. }
                    if *answer == hex_bytes(hex)
                        && data[server::SETUP_LEN + used..] == hex_bytes(after))
            }
            Some(("other-version", want)) => match &seen {
                Seen::Other { version, .. } => version_name(*version) == want,
                _ => false,
            },
            Some(("reject", kind)) => match &seen {
                Seen::Rejected(error) => is_kind(error, kind),
                _ => false,
            },
            None if expect == "need-more" => matches!(seen, Seen::NeedMore { .. }),
            None if expect == "not-websocket" => matches!(seen, Seen::NotWebSocket { .. }),
            _ => panic!("{name}: unknown expectation {expect:?}"),
        };
        assert!(ok, "{name}: expected {expect}, saw {seen:?}");
    }
}

/// A version as the server vectors name it.
fn version_name(version: Version) -> &'static str {
    match version {
        Version::Rfc6455 => "rfc6455",
        Version::Hybi => "hybi",
        Version::Hixie75 => "hixie75",
        _ => "unknown",
    }
}

/// Whether `error` is of the kind the server vectors name (`bad-field` covers every malformed
/// field line: a bad byte, a bare CR or LF, folding, a body).
fn is_kind(error: &hixie76::Error, kind: &str) -> bool {
    use hixie76::Error as E;
    match kind {
        "no-spaces" => matches!(error, E::KeyNoSpaces(_)),
        "not-integral" => matches!(error, E::KeyNotIntegral(_)),
        "key-number-too-large" => matches!(error, E::KeyNumberTooLarge(_)),
        "no-digits" => matches!(error, E::KeyNoDigits(_)),
        "missing-field" => matches!(error, E::MissingField(_)),
        "duplicate-field" => matches!(error, E::DuplicateField(_)),
        "bad-upgrade" => *error == E::BadUpgrade,
        "bad-method" => *error == E::BadMethod,
        "bad-request-line" => *error == E::BadRequestLine,
        "bad-field" => matches!(
            error,
            E::BadField | E::BareCrOrLf | E::FoldedLine | E::UnexpectedBody
        ),
        "head-too-large" => *error == E::HeadTooLarge,
        other => panic!("unknown reject kind {other}"),
    }
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn every_split_seed_agrees_with_one_piece() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/server_split");
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        let mut cursor = Cursor::new(&data);
        let setup = Setup::decode(&mut cursor);
        let count = usize::from(cursor.byte() % 16);
        let sizes = cursor.take(count).to_vec();
        let stream = cursor.rest();
        assert_eq!(
            drive(&setup, stream, &[]),
            drive(&setup, stream, &chunks(&sizes, stream.len()))
        );
    }
}

fn seeds_of(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    let mut seeds: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds for {target}");
    seeds
}

/// Rows of a committed vector file: its tab-separated columns.
fn rows(file: &str) -> Vec<Vec<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(file);
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| line.split('\t').map(str::to_owned).collect())
        .collect()
}

fn client_seed(target: &str, name: &str) -> (client::Setup, Vec<u8>) {
    let data = seed(target, name);
    let mut cursor = Cursor::new(&data);
    let setup = client::Setup::decode(&mut cursor);
    let response = client::response(&setup, cursor.rest());
    (setup, response)
}

#[test]
fn client_seeds_reach_the_vectors_outcomes() {
    for row in rows("responses.tsv") {
        let (name, expect) = (&row[0], &row[3]);
        let (setup, response) = client_seed("client_response", name);
        let seen = client::drive(&setup, &response, &[]);
        let ok = match expect.as_str() {
            "ok" => matches!(seen, client::Seen::Established { .. }),
            "need-more" => matches!(seen, client::Seen::NeedMore { .. }),
            _ => matches!(seen, client::Seen::Failed(_)),
        };
        assert!(ok, "{name}: expected {expect}, saw {seen:?}");
    }
    for name in [
        "entropy-keys-patched",
        "lowercase-upgrade-lenient",
        "hixie75",
        "canonical-location",
    ] {
        let (setup, response) = client_seed("client_response", name);
        let seen = client::drive(&setup, &response, &[]);
        assert!(
            matches!(seen, client::Seen::Established { .. }),
            "{name}: {seen:?}"
        );
    }
    // The connections handed over read what followed the response: the server's close, and
    // for hixie-75 FF 00 discarded instead.
    for (name, events) in [
        (
            "ok-close-after",
            vec![frames::Ev::Text("Hi".into()), frames::Ev::Close],
        ),
        (
            "hixie75-ff00-after",
            vec![frames::Ev::Text("hi".into()), frames::Ev::Discard],
        ),
    ] {
        let (setup, response) = client_seed("client_response", name);
        match client::drive(&setup, &response, &[]) {
            client::Seen::Established { frames, .. } => assert_eq!(frames.events, events, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
    // Head storage no status line fits in is the caller's mistake, not the server's.
    let (setup, response) = client_seed("client_response", "storage-too-small");
    assert_eq!(
        client::drive(&setup, &response, &[]),
        client::Seen::Unusable(hixie76::Error::InvalidValue(hixie76::Setting::MaxHead))
    );
    let (setup, response) = client_seed("client_response", "ok-protocol-whole-echo");
    match client::drive(&setup, &response, &[]) {
        client::Seen::Established { protocol, .. } => {
            assert_eq!(protocol.as_deref(), Some("chat superchat"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_client_split_seed_agrees_with_one_piece() {
    for (name, data) in seeds_of("client_split") {
        let mut cursor = Cursor::new(&data);
        let setup = client::Setup::decode(&mut cursor);
        let count = usize::from(cursor.byte() % 16);
        let sizes = cursor.take(count).to_vec();
        let stream = client::response(&setup, cursor.rest());
        assert_eq!(
            client::drive(&setup, &stream, &[]),
            client::drive(&setup, &stream, &chunks(&sizes, stream.len())),
            "{name}"
        );
    }
}

/// `text:<hex>;discard;close;error:<kind>` as the frame vectors write events.
fn vector_events(expected: &str) -> Vec<frames::Ev> {
    expected
        .split(';')
        .map(|event| match event.split_once(':') {
            Some(("text", hex)) => frames::Ev::Text(String::from_utf8(hex_bytes(hex)).unwrap()),
            Some(("error", "frame-too-large")) => frames::Ev::Error(hixie76::Error::FrameTooLarge),
            Some(("error", "invalid-utf8")) => frames::Ev::Error(hixie76::Error::InvalidUtf8),
            None if event == "discard" => frames::Ev::Discard,
            None if event == "close" => frames::Ev::Close,
            _ => panic!("unknown vector event {event:?}"),
        })
        .collect()
}

#[test]
fn frame_seeds_give_the_vectors_events_and_match_the_reference() {
    for row in rows("frames.tsv") {
        let (name, expected) = (&row[0], &row[2]);
        for (suffix, cuts) in [("", false), ("-bytewise", true)] {
            let target = if cuts { "frame_split" } else { "frame_decoder" };
            let data = seed(target, &format!("{name}{suffix}"));
            let mut cursor = Cursor::new(&data);
            let setup = frames::setup(&mut cursor);
            if cuts {
                let count = usize::from(cursor.byte() % 16);
                cursor.take(count);
            }
            let stream = cursor.rest();
            let cut_at: Vec<usize> = if cuts {
                (1..=stream.len()).collect()
            } else {
                Vec::new()
            };
            let trace = frames::drive(setup, stream, &cut_at);
            assert_eq!(trace.events, vector_events(expected), "{name}{suffix}");
            let connection = frames::drive_connection(setup.connection(), stream, &cut_at);
            assert_eq!(connection, trace, "{name}{suffix} through a connection");
        }
    }
    for (name, data) in seeds_of("frame_decoder") {
        let mut cursor = Cursor::new(&data);
        let setup = frames::setup(&mut cursor);
        let stream = cursor.rest();
        let trace = frames::drive(setup, stream, &[]);
        assert_eq!(trace, reference::frames(setup, stream), "{name}");
        assert_eq!(
            frames::drive_connection(setup.connection(), stream, &[]),
            trace,
            "{name} through a connection"
        );
    }
    for (name, data) in seeds_of("frame_split") {
        let mut cursor = Cursor::new(&data);
        let setup = frames::setup(&mut cursor);
        let count = usize::from(cursor.byte() % 16);
        let sizes = cursor.take(count).to_vec();
        let stream = cursor.rest();
        let cuts = chunks(&sizes, stream.len());
        let whole = frames::drive(setup, stream, &[]);
        assert_eq!(whole, reference::frames(setup, stream), "{name}");
        assert_eq!(whole, frames::drive(setup, stream, &cuts), "{name}");
        assert_eq!(
            whole,
            frames::drive_connection(setup.connection(), stream, &cuts),
            "{name} through a connection"
        );
    }
}

#[test]
fn roundtrip_seeds_pass() {
    for (_, data) in seeds_of("roundtrip") {
        let _ = roundtrip::run(&data);
    }
}

#[test]
fn roundtrip_seeds_reach_their_outcomes() {
    use hixie76::{Error, Setting};
    use roundtrip::Ran;
    let connected = |refused_choice, agreed: Option<&str>, hixie75| Ran::Connected {
        refused_choice,
        agreed: agreed.map(str::to_owned),
        hixie75,
    };
    for (name, want) in [
        ("defaults", connected(None, None, false)),
        (
            "offers-and-cookie",
            connected(None, Some("superchat"), false),
        ),
        (
            "hixie75-one-protocol",
            connected(None, Some("sample"), true),
        ),
        (
            "hixie75-choice-by-name",
            connected(None, Some("sample"), true),
        ),
        ("content-length-ipv6", connected(None, None, false)),
        ("lossy-text", connected(None, None, false)),
        (
            "choice-not-offered",
            connected(Some(Error::ProtocolNotOffered), Some("chat"), false),
        ),
        (
            "choice-none-from-offer",
            connected(Some(Error::NoProtocolChosen), Some("chat"), false),
        ),
        ("choice-none-no-offer", connected(None, None, false)),
        (
            "origin-crlf-refused",
            Ran::Refused(Error::InvalidValue(Setting::Origin)),
        ),
        (
            "field-nul-refused",
            Ran::Refused(Error::InvalidValue(Setting::Field)),
        ),
        (
            "reserved-field-refused",
            Ran::Refused(Error::InvalidValue(Setting::Field)),
        ),
        (
            "hixie75-two-protocols-refused",
            Ran::Refused(Error::InvalidValue(Setting::Protocols)),
        ),
        (
            "hixie75-content-length-refused",
            Ran::Refused(Error::InvalidValue(Setting::ContentLength)),
        ),
    ] {
        assert_eq!(roundtrip::run(&seed("roundtrip", name)), want, "{name}");
    }
}
