//! Inputs found by the fuzz targets (fuzz/), minimized, with the behaviour the crate promises.

use hixie76::server::{Accept, Outcome, ServerConfig, ServerHandshake};

const KEYS: &str = "Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n";

/// Feeds `request`, then accepts with every offered subprotocol in turn (a fresh machine each
/// time); returns, per offered entry, its name and what `accept` gave.
fn accept_each(
    config: ServerConfig,
    request: &[u8],
) -> Vec<(String, Result<Vec<u8>, hixie76::Error>)> {
    let count = {
        let mut handshake = ServerHandshake::new(config, [0u8; 1024]);
        let received = handshake.receive(request).expect("a valid request");
        let Outcome::Request(pending) = received.outcome else {
            panic!("not a request: {:?}", received.outcome);
        };
        pending.request().protocols().count()
    };
    (0..count)
        .map(|i| {
            let mut handshake = ServerHandshake::new(config, [0u8; 1024]);
            let received = handshake.receive(request).unwrap();
            let Outcome::Request(pending) = received.outcome else {
                unreachable!()
            };
            let offered = pending.request().protocols().nth(i).unwrap();
            let (name, choice) = (offered.name().to_owned(), offered.choice());
            let mut out = [0u8; 1024];
            let result = pending
                .accept(&Accept::new().protocol(Some(choice)), &mut out)
                .map(|n| out[..n].to_vec());
            (name, result)
        })
        .collect()
}

/// Every offered entry is a U+0021–U+007E name that can be accepted, and the head then
/// carries exactly that name.
fn assert_offers_are_clean(config: ServerConfig, request: &[u8]) {
    for (name, result) in accept_each(config, request) {
        assert!(
            !name.is_empty() && name.bytes().all(|b| (0x21..=0x7E).contains(&b)),
            "offered {name:?}"
        );
        let head = result.unwrap_or_else(|e| panic!("offered {name:?} refused: {e:?}"));
        assert!(
            head.iter()
                .all(|&b| b == b'\r' || b == b'\n' || (0x20..0x7F).contains(&b)),
            "head carries bytes the protocol grammar forbids: {:?}",
            String::from_utf8_lossy(&head)
        );
    }
}

/// A hixie-76 request with the hixie-75 `WebSocket-Protocol` field: `Request::protocols`
/// falls back to it, but only `Sec-WebSocket-Protocol` is validated for hixie-76, so its
/// bytes (HTAB, obs-text) were offered and echoed into `Sec-WebSocket-Protocol`.
#[test]
fn hixie76_request_with_hixie75_protocol_field() {
    let request = format!(
        "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n{KEYS}\
         WebSocket-Protocol: a\tb\r\n\r\n"
    );
    assert_offers_are_clean(ServerConfig::new(), request.as_bytes());
    let mut request = request.into_bytes();
    let at = request.windows(3).position(|w| w == b"a\tb").unwrap();
    request[at + 1] = 0xFF;
    assert_offers_are_clean(ServerConfig::new(), &request);
}

/// A hixie-75 request (allowed) with the hixie-76 `Sec-WebSocket-Protocol` field: preferred
/// by `Request::protocols` but not validated on this path. Non-ASCII bytes were offered under
/// the name "" and written into the 101 head; a double space offered an empty entry that
/// `accept` then refused with `ProtocolNotOffered`. (Found by fuzz target server_handshake.)
#[test]
fn hixie75_request_with_hixie76_protocol_field() {
    let config = ServerConfig::new().with_hixie75(true);
    let base = "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n";
    for value in [&b"\xe2\x8cample"[..], b"a  b", b"a\tb"] {
        let mut request = base.as_bytes().to_vec();
        request.extend_from_slice(b"Sec-WebSocket-Protocol: ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n\r\n");
        assert_offers_are_clean(config, &request);
    }
}
