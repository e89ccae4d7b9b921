//! The harness is not vacuous: the committed seeds reach the outcomes they were made for, and
//! every seed passes the checks (`cargo test` here, no nightly or libFuzzer needed).

use std::path::Path;

use hixie76::server::Version;
use hixie76_fuzz::server::{drive, Seen, Setup};
use hixie76_fuzz::{chunks, Cursor};

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
