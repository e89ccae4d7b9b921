//! Inputs found by the fuzz targets (fuzz/), minimized, with the behaviour the crate promises.

use hixie76::server::{Accept, Outcome, ServerConfig, ServerHandshake};

const KEYS: &str = "Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n";

/// The subprotocols a fresh machine reads as offered in `request`.
fn offered(config: ServerConfig, request: &[u8]) -> Vec<String> {
    let mut handshake = ServerHandshake::new(config, [0u8; 1024]);
    let received = handshake.receive(request).expect("a valid request");
    let Some(Outcome::Request(pending)) = received.event else {
        panic!("not a request: {:?}", received.event);
    };
    let offered = pending.request().protocols().map(str::to_owned).collect();
    offered
}

/// Accepts `request` on a fresh machine with `choice`; the head written, or the error.
fn accept(
    config: ServerConfig,
    request: &[u8],
    choice: Option<&str>,
) -> Result<Vec<u8>, hixie76::Error> {
    let mut handshake = ServerHandshake::new(config, [0u8; 1024]);
    let received = handshake.receive(request).unwrap();
    let Some(Outcome::Request(pending)) = received.event else {
        unreachable!()
    };
    let mut out = [0u8; 1024];
    pending
        .accept(&Accept::new().with_protocol(choice), &mut out)
        .map(|n| out[..n].to_vec())
}

/// The request offers exactly `expected` (each a U+0021–U+007E name); each can be accepted
/// and the head then carries exactly that name, in bytes the grammar allows. With nothing
/// offered, accepting without a choice works and the head names no subprotocol.
fn assert_offers_are_clean(config: ServerConfig, request: &[u8], expected: &[&str]) {
    let offered = offered(config, request);
    assert_eq!(offered, expected, "{}", request.escape_ascii());
    let heads: Vec<Vec<u8>> = if offered.is_empty() {
        let head = accept(config, request, None).expect("accepted without a choice");
        assert!(
            !head.windows(9).any(|w| w == b"Protocol:"),
            "a subprotocol nobody offered: {}",
            head.escape_ascii()
        );
        vec![head]
    } else {
        offered
            .iter()
            .map(|name| {
                assert!(
                    !name.is_empty() && name.bytes().all(|b| (0x21..=0x7E).contains(&b)),
                    "offered {name:?}"
                );
                let head = accept(config, request, Some(name))
                    .unwrap_or_else(|e| panic!("offered {name:?} refused: {e:?}"));
                let line = format!("Protocol: {name}\r\n");
                assert!(head.windows(line.len()).any(|w| w == line.as_bytes()));
                head
            })
            .collect()
    };
    for head in heads {
        assert!(
            head.iter()
                .all(|&b| b == b'\r' || b == b'\n' || (0x20..0x7F).contains(&b)),
            "head carries bytes the protocol grammar forbids: {:?}",
            String::from_utf8_lossy(&head)
        );
    }
}

/// A hixie-76 request with the hixie-75 `WebSocket-Protocol` field: `Request::protocols`
/// fell back to it, but only `Sec-WebSocket-Protocol` is validated for hixie-76, so its
/// bytes (HTAB, obs-text) were offered and echoed into `Sec-WebSocket-Protocol`. Each request
/// now reads only its own draft's field: nothing is offered.
#[test]
fn hixie76_request_with_hixie75_protocol_field() {
    let request = format!(
        "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n{KEYS}\
         WebSocket-Protocol: a\tb\r\n\r\n"
    );
    assert_offers_are_clean(ServerConfig::new(), request.as_bytes(), &[]);
    let mut request = request.into_bytes();
    let at = request.windows(3).position(|w| w == b"a\tb").unwrap();
    request[at + 1] = 0xFF;
    assert_offers_are_clean(ServerConfig::new(), &request, &[]);
    // With its own field too, that one alone is read.
    let both = [
        &request[..request.len() - 2],
        b"Sec-WebSocket-Protocol: chat\r\n\r\n",
    ]
    .concat();
    assert_offers_are_clean(ServerConfig::new(), &both, &["chat"]);
}

/// A hixie-75 request (allowed) with the hixie-76 `Sec-WebSocket-Protocol` field: preferred
/// by `Request::protocols` but not validated on this path. Non-ASCII bytes were offered under
/// the name "" and written into the 101 head; a double space offered an empty entry that
/// `accept` then refused with `ProtocolNotOffered`. (Found by fuzz target server_handshake.)
/// Each request now reads only its own draft's field: nothing is offered.
#[test]
fn hixie75_request_with_hixie76_protocol_field() {
    let config = ServerConfig::new().with_hixie75(true);
    let base = "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n";
    for value in [&b"\xe2\x8cample"[..], b"a  b", b"a\tb"] {
        let mut request = base.as_bytes().to_vec();
        request.extend_from_slice(b"Sec-WebSocket-Protocol: ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n\r\n");
        assert_offers_are_clean(config, &request, &[]);
        // With its own field too, that one alone is read.
        let both = [
            &request[..request.len() - 2],
            b"WebSocket-Protocol: chat\r\n\r\n",
        ]
        .concat();
        assert_offers_are_clean(config, &both, &["chat"]);
    }
}
