//! The harness is not vacuous: the committed seeds reach the outcomes they were made for, and
//! every seed passes the checks (`cargo test` here, no nightly or libFuzzer needed).

use std::path::Path;

use hixie76::server::Version;
use hixie76_fuzz::server::{drive, Seen, Setup};
use hixie76_fuzz::{chunks, Cursor};
use hixie76_fuzz::{client, frames, reference, roundtrip};

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
    assert!(matches!(
        handshake("rfc6455-request"),
        Seen::Other {
            version: Version::Rfc6455,
            ..
        }
    ));
    assert!(matches!(handshake("short-key3"), Seen::NeedMore { .. }));
    assert!(matches!(handshake("small-limits"), Seen::Rejected(_)));
    assert!(matches!(handshake("key1-no-spaces"), Seen::Rejected(_)));
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
            Some(("text", hex)) => {
                let bytes: Vec<u8> = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                    .collect();
                frames::Ev::Text(String::from_utf8(bytes).unwrap())
            }
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
            let config = frames::setup(&mut cursor);
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
            let trace = frames::drive(config, stream, &cut_at);
            assert_eq!(trace.events, vector_events(expected), "{name}{suffix}");
        }
    }
    for (name, data) in seeds_of("frame_decoder") {
        let mut cursor = Cursor::new(&data);
        let config = frames::setup(&mut cursor);
        let stream = cursor.rest();
        assert_eq!(
            frames::drive(config, stream, &[]),
            reference::frames(config, stream),
            "{name}"
        );
    }
    for (name, data) in seeds_of("frame_split") {
        let mut cursor = Cursor::new(&data);
        let config = frames::setup(&mut cursor);
        let count = usize::from(cursor.byte() % 16);
        let sizes = cursor.take(count).to_vec();
        let stream = cursor.rest();
        let whole = frames::drive(config, stream, &[]);
        assert_eq!(whole, reference::frames(config, stream), "{name}");
        assert_eq!(
            whole,
            frames::drive(config, stream, &chunks(&sizes, stream.len())),
            "{name}"
        );
    }
}

#[test]
fn roundtrip_seeds_pass() {
    for (_, data) in seeds_of("roundtrip") {
        roundtrip::run(&data);
    }
}
