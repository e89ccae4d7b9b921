//! The client handshake against the draft's example, the shared response vectors, this crate's
//! own server, and statistics of the keys it makes.
//!
//! `vectors/responses.tsv` is a copy of the project's shared vectors (client/responses.tsv):
//! server responses to the request a client sends with fixed settings (URL
//! ws://example.com/demo, Origin http://example.com, the draft's example keys, answer
//! `8jKS'y:G*Co,Wxa-`), judged by draft-hixie-thewebsocketprotocol-76 section 4.1.

mod support;

use hixie76::client::{ClientConfig, ClientHandshake, Keys, Url};
use hixie76::server::{Accept, ServerConfig};
use hixie76::{key_part, Error, Fault, Field, HeadLimits, Key, Setting};
use md5::{Digest, Md5};
use support::{
    establish, near_names, request_of, serve, split, unhex, v1_keys, vector_kinds,
    with_field_first, Got, Heard, Pair, Pick, Piece, Role, Say, Served, Setup, SplitMix64,
    V1_ANSWER, V1_KEY2, V1_KEY3,
};

const VECTORS: &str = include_str!("vectors/responses.tsv");

fn v1_config<'a>(protocols: &'a [&'a str]) -> ClientConfig<'a> {
    ClientConfig::new(
        Url::parse("ws://example.com/demo").unwrap(),
        "http://example.com",
    )
    .with_protocols(protocols)
}

/// A handshake whose request was written, ready for the response.
fn started<'a>(config: ClientConfig<'a>, keys: Keys) -> ClientHandshake<'a, [u8; 1024]> {
    let mut handshake = ClientHandshake::new(config, keys, [0u8; 1024]).unwrap();
    request_of(&mut handshake);
    handshake
}

/// Feeds `chunks` in order to a started handshake (the shared driver checks that `used` is
/// exact: everything while there is no event, and nothing past the end of the answer).
fn feed(handshake: &mut ClientHandshake<'_, [u8; 1024]>, chunks: &[&[u8]]) -> Got {
    establish(handshake, chunks).got
}

/// Feeds `bytes` whole, one byte at a time, and split at every single point; all must agree.
fn feed_every_way(config: ClientConfig<'_>, keys: Keys, bytes: &[u8]) -> Got {
    let whole = feed(&mut started(config, keys), &[bytes]);
    for (how, pieces) in split::every_way(bytes) {
        assert_eq!(feed(&mut started(config, keys), &pieces), whole, "{how}");
    }
    whole
}

// ----- the draft's example -----

#[test]
fn v1_request_bytes_are_exact() {
    let url = Url::parse("ws://example.com/demo").unwrap();
    let config = ClientConfig::new(url, "http://example.com").with_protocols(&["sample"]);
    let mut handshake = ClientHandshake::new(config, v1_keys(), [0u8; 512]).unwrap();
    let expected: &[u8] = b"GET /demo HTTP/1.1\r\n\
Upgrade: WebSocket\r\n\
Connection: Upgrade\r\n\
Host: example.com\r\n\
Origin: http://example.com\r\n\
Sec-WebSocket-Protocol: sample\r\n\
Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n\
\r\n\
^n:ds[4U";
    assert_eq!(handshake.request_len(), expected.len());

    // Too small: an error naming the length, and nothing written or changed.
    let mut small = [0xAAu8; 64];
    assert_eq!(
        handshake.write_request(&mut small),
        Err(Error::BufferTooSmall {
            needed: expected.len()
        })
    );
    assert!(small.iter().all(|&b| b == 0xAA));
    assert_eq!(handshake.receive(b"HTTP").err(), Some(Error::InvalidState));

    let mut out = [0u8; 512];
    let n = handshake.write_request(&mut out).unwrap();
    assert_eq!(&out[..n], expected);
    assert_eq!(handshake.write_request(&mut out), Err(Error::InvalidState));
    let keys = handshake.keys().expect("hixie-76 keys");
    assert_eq!(&keys.answer(), V1_ANSWER);
    assert!(!handshake.is_hixie75());
}

#[test]
fn request_options_and_canonical_host() {
    let url = Url::parse("wss://Example.COM:8443?room=1").unwrap();
    let fields = [("Cookie", "a=b; c=d"), ("Authorization", "Basic eA==")];
    let config = ClientConfig::new(url, "HTTP://Example.com")
        .with_protocols(&["chat", "superchat"])
        .with_fields(&fields)
        .with_content_length(true);
    let mut handshake = ClientHandshake::new(config, v1_keys(), [0u8; 512]).unwrap();
    let mut out = [0u8; 512];
    let n = handshake.write_request(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out[..n]);
    assert!(text.starts_with("GET /?room=1 HTTP/1.1\r\n"), "{text}");
    assert!(text.contains("\r\nHost: example.com:8443\r\n"), "{text}");
    assert!(
        text.contains("\r\nOrigin: http://example.com\r\n"),
        "{text}"
    );
    assert!(text.contains("\r\nSec-WebSocket-Protocol: chat superchat\r\n"));
    assert!(text.contains("\r\nCookie: a=b; c=d\r\nAuthorization: Basic eA==\r\n"));
    assert!(
        text.ends_with("\r\nContent-Length: 8\r\n\r\n^n:ds[4U"),
        "{text}"
    );

    // Defaults: no Content-Length, default port dropped.
    let url = Url::parse("ws://example.com:80/a").unwrap();
    let mut handshake =
        ClientHandshake::new(ClientConfig::new(url, "null"), v1_keys(), [0u8; 512]).unwrap();
    let n = handshake.write_request(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out[..n]);
    assert!(text.contains("\r\nHost: example.com\r\n"), "{text}");
    assert!(!text.contains("Content-Length"), "{text}");
    assert!(!text.contains("Sec-WebSocket-Protocol"), "{text}");
}

// ----- the shared vectors -----

struct Row<'v> {
    name: &'v str,
    offered: Vec<&'v str>,
    response: Vec<u8>,
    expect: &'v str,
}

fn rows() -> Vec<Row<'static>> {
    VECTORS
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            Row {
                name: cols[0],
                offered: cols[1].split(' ').filter(|p| !p.is_empty()).collect(),
                response: unhex(cols[2]),
                expect: cols[3],
            }
        })
        .collect()
}

/// Where the head ends in a response, and so where the answer starts.
fn head_end(bytes: &[u8]) -> usize {
    bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4
}

#[test]
fn every_vector_row_however_split() {
    let rows = rows();
    assert_eq!(rows.len(), 20);
    for row in &rows {
        let config = v1_config(&row.offered);
        let got = feed_every_way(config, v1_keys(), &row.response);
        match row.expect {
            "ok" => {
                let Got::Established { used, .. } = &got else {
                    panic!("{}: {got:?}", row.name);
                };
                // The handshake ends right after the answer; frames stay with the caller.
                assert_eq!(*used, head_end(&row.response) + 16, "{}", row.name);
            }
            "need-more" => assert_eq!(got, Got::NeedMore, "{}", row.name),
            fail => {
                assert!(fail.starts_with("fail:"), "{}: {fail}", row.name);
                let Got::Failed(error) = got else {
                    panic!("{}: {got:?}", row.name);
                };
                assert!(
                    vector_kinds(error).contains(&fail),
                    "{}: {error:?} is not {fail}",
                    row.name
                );
                assert_eq!(error.fault(), Fault::Peer, "{}", row.name);
            }
        }
    }
}

#[test]
fn vector_details() {
    let rows = rows();
    let row = |name: &str| rows.iter().find(|r| r.name == name).unwrap();
    let run = |name: &str, config: ClientConfig<'_>| {
        feed_every_way(config, v1_keys(), &row(name).response)
    };
    let established = |protocol: Option<&str>, cookies: &[&[u8]], used: usize| Got::Established {
        used,
        protocol: protocol.map(str::to_owned),
        cookies: cookies.iter().map(|c| c.to_vec()).collect(),
        hixie75: false,
    };
    let len = |name: &str| row(name).response.len();

    assert_eq!(run("ok", v1_config(&[])), established(None, &[], len("ok")));
    assert_eq!(
        run("ok-frame-after", v1_config(&[])),
        established(None, &[], len("ok-frame-after") - 4)
    );
    assert_eq!(
        run("ok-set-cookie", v1_config(&[])),
        established(None, &[b"id=1"], len("ok-set-cookie"))
    );
    assert_eq!(
        run("ok-protocol", v1_config(&["sample"])),
        established(Some("sample"), &[], len("ok-protocol"))
    );
    assert_eq!(
        run("ok-protocol-whole-echo", v1_config(&["chat", "superchat"])),
        established(Some("chat superchat"), &[], len("ok-protocol-whole-echo"))
    );
    // One offered value of several is what an August-2010 server picks.
    let picked = row("ok-protocol-whole-echo")
        .response
        .windows(14)
        .position(|w| w == b"chat superchat")
        .unwrap();
    let mut response = row("ok-protocol-whole-echo").response.clone();
    response.drain(picked..picked + 5);
    assert_eq!(
        feed_every_way(v1_config(&["chat", "superchat"]), v1_keys(), &response),
        established(Some("superchat"), &[], response.len())
    );
    assert_eq!(
        feed_every_way(v1_config(&["chat", "x"]), v1_keys(), &response),
        Got::Failed(Error::ProtocolMismatch)
    );

    // Netty's lowercase `websocket`: refused by default, accepted when asked for.
    assert_eq!(
        run("lowercase-upgrade", v1_config(&[])),
        Got::Failed(Error::BadUpgrade)
    );
    assert_eq!(
        run(
            "lowercase-upgrade",
            v1_config(&[]).with_any_case_upgrade(true)
        ),
        established(None, &[], len("lowercase-upgrade"))
    );
    assert_eq!(
        run("status-200", v1_config(&[])),
        Got::Failed(Error::UnexpectedStatus(200))
    );
    assert_eq!(
        run("status-short", v1_config(&[])),
        Got::Failed(Error::BadStatusLine)
    );
    assert_eq!(
        run("missing-origin", v1_config(&[])),
        Got::Failed(Error::MissingField(Field::SecOrigin))
    );
    assert_eq!(
        run("duplicate-connection", v1_config(&[])),
        Got::Failed(Error::DuplicateField(Field::Connection))
    );
    assert_eq!(
        run("bare-lf", v1_config(&[])),
        Got::Failed(Error::BareCrOrLf)
    );
}

#[test]
fn whole_response_view() {
    let rows = rows();
    let row = rows.iter().find(|r| r.name == "ok-set-cookie").unwrap();
    let mut handshake = started(v1_config(&[]), v1_keys());
    let received = handshake.receive(&row.response).unwrap();
    assert_eq!(received.used, row.response.len());
    let Some(established) = received.event else {
        panic!("not established");
    };
    assert!(!established.is_hixie75());
    assert_eq!(established.protocol(), None);
    let response = established.response();
    assert_eq!(
        response.status_line(),
        b"HTTP/1.1 101 WebSocket Protocol Handshake"
    );
    let names: Vec<&[u8]> = response.fields().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        [
            &b"Upgrade"[..],
            b"Connection",
            b"Sec-WebSocket-Origin",
            b"Sec-WebSocket-Location",
            b"Set-Cookie"
        ]
    );
    assert_eq!(
        response.field("sec-websocket-location"),
        Some(&b"ws://example.com/demo"[..])
    );
    assert!(response.head().ends_with(b"\r\n\r\n"));
    assert_eq!(response.field("x-absent"), None);
    assert!(handshake.established().is_some());
    assert_eq!(handshake.into_storage()[..4], *b"HTTP");
}

// ----- every client error -----

/// A valid response for the v1 keys with `fields` in place of the usual ones.
fn response_with(status: &str, fields: &[&str]) -> Vec<u8> {
    let mut bytes = format!("{status}\r\n").into_bytes();
    for field in fields {
        bytes.extend_from_slice(field.as_bytes());
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(V1_ANSWER);
    bytes
}

const STATUS: &str = "HTTP/1.1 101 WebSocket Protocol Handshake";
const UPGRADE: &str = "Upgrade: WebSocket";
const CONNECTION: &str = "Connection: Upgrade";
const ORIGIN: &str = "Sec-WebSocket-Origin: http://example.com";
const LOCATION: &str = "Sec-WebSocket-Location: ws://example.com/demo";

fn outcome_of(config: ClientConfig<'_>, response: &[u8]) -> Got {
    feed_every_way(config, v1_keys(), response)
}

/// A field whose name is one byte away from one the client reads is an ordinary field, even
/// first in the head and with a value (`1 1`) that each known field would refuse or read
/// differently; the known names themselves, in any case, are read.
#[test]
fn near_names_are_ordinary_fields() {
    let good = response_with(STATUS, &[UPGRADE, CONNECTION, ORIGIN, LOCATION]);
    let establish = |response: &[u8]| feed(&mut started(v1_config(&[]), v1_keys()), &[response]);
    let Got::Established { used, .. } = establish(&good) else {
        panic!("the example is established");
    };
    let known = [
        "Upgrade",
        "Connection",
        "Sec-WebSocket-Origin",
        "Sec-WebSocket-Location",
        "Sec-WebSocket-Protocol",
    ];
    // hixie-75's names too: in a hixie-76 response they are ordinary fields.
    let mut names = vec![
        "WebSocket-Origin".to_owned(),
        "WebSocket-Location".to_owned(),
        "WebSocket-Protocol".to_owned(),
    ];
    names.extend(known.iter().flat_map(|name| near_names(name)));
    names.retain(|name| !known.iter().any(|k| k.eq_ignore_ascii_case(name)));
    for name in names {
        let field = format!("{name}: 1 1");
        assert_eq!(
            establish(&with_field_first(&good, &field)),
            Got::Established {
                used: used + field.len() + 2,
                protocol: None,
                cookies: Vec::new(),
                hixie75: false,
            },
            "{name}"
        );
    }
    for name in known {
        for name in [name.to_owned(), name.to_lowercase(), name.to_uppercase()] {
            let response = with_field_first(&good, &format!("{name}: 1 1"));
            assert!(matches!(establish(&response), Got::Failed(_)), "{name}");
        }
    }
}

#[test]
fn every_peer_error_is_reachable() {
    let fail =
        |status: &str, fields: &[&str]| outcome_of(v1_config(&[]), &response_with(status, fields));
    let good = [UPGRADE, CONNECTION, ORIGIN, LOCATION];
    assert!(matches!(fail(STATUS, &good), Got::Established { .. }));
    // The draft's field syntax: one optional space, nothing else trimmed, any name bytes.
    assert!(matches!(
        fail(
            STATUS,
            &[
                "Upgrade:WebSocket",
                "connection:upgrade",
                ORIGIN,
                LOCATION,
                "X Y: z"
            ]
        ),
        Got::Established { .. }
    ));

    let cases: Vec<(Got, Error)> = vec![
        (fail("HTTP/1.1 101", &good), Error::BadStatusLine),
        (fail("H 1 x", &good), Error::BadStatusLine),
        (fail("HTTP/1.1 10 x", &good), Error::BadStatusLine),
        (fail("", &good), Error::BadStatusLine),
        (
            outcome_of(v1_config(&[]), b"HTTP/1.1 101 x\n\r\n"),
            Error::BadStatusLine,
        ),
        (
            fail("HTTP/1.1 302 Found", &good),
            Error::UnexpectedStatus(302),
        ),
        (
            fail("HTTP/1.0 101 x", &[]),
            Error::MissingField(Field::Upgrade),
        ),
        (
            fail("HTTP/1.1 407 x", &good),
            Error::ProxyAuthenticationRequired,
        ),
        (
            fail(STATUS, &[UPGRADE, "NoColon", CONNECTION]),
            Error::BadField,
        ),
        (fail(STATUS, &[UPGRADE, ": empty name"]), Error::BadField),
        (fail(STATUS, &[UPGRADE, "X: a\rb"]), Error::BareCrOrLf),
        (fail(STATUS, &[UPGRADE, " folded"]), Error::FoldedLine),
        (fail(STATUS, &[UPGRADE, "X: a\0b"]), Error::NulInHead),
        (
            fail(STATUS, &[UPGRADE, "Upgrade: WebSocket"]),
            Error::DuplicateField(Field::Upgrade),
        ),
        (
            fail(STATUS, &[UPGRADE, ORIGIN, LOCATION]),
            Error::MissingField(Field::Connection),
        ),
        (
            fail(STATUS, &[UPGRADE, CONNECTION, ORIGIN]),
            Error::MissingField(Field::SecLocation),
        ),
        (
            fail(STATUS, &[UPGRADE, CONNECTION, ORIGIN, ORIGIN, LOCATION]),
            Error::DuplicateField(Field::SecOrigin),
        ),
        (
            fail(
                STATUS,
                &["Upgrade: WebSocket ", CONNECTION, ORIGIN, LOCATION],
            ),
            Error::BadUpgrade,
        ),
        (
            fail(
                STATUS,
                &["Upgrade:  WebSocket", CONNECTION, ORIGIN, LOCATION],
            ),
            Error::BadUpgrade,
        ),
        (
            fail(
                STATUS,
                &[UPGRADE, "Connection: keep-alive, Upgrade", ORIGIN, LOCATION],
            ),
            Error::BadConnection,
        ),
        (
            fail(
                STATUS,
                &[
                    UPGRADE,
                    CONNECTION,
                    "Sec-WebSocket-Origin: http://EXAMPLE.com",
                    LOCATION,
                ],
            ),
            Error::OriginMismatch,
        ),
        (
            fail(
                STATUS,
                &[
                    UPGRADE,
                    CONNECTION,
                    ORIGIN,
                    "Sec-WebSocket-Location: ws://example.com/demo/",
                ],
            ),
            Error::LocationMismatch,
        ),
        (
            fail(
                STATUS,
                &[
                    UPGRADE,
                    CONNECTION,
                    ORIGIN,
                    "Sec-WebSocket-Location: ws://example.com:80/demo",
                ],
            ),
            Error::LocationMismatch,
        ),
        (
            fail(
                STATUS,
                &[
                    UPGRADE,
                    CONNECTION,
                    ORIGIN,
                    LOCATION,
                    "Sec-WebSocket-Protocol: ",
                ],
            ),
            Error::ProtocolMismatch,
        ),
    ];
    for (got, expected) in cases {
        assert_eq!(got, Got::Failed(expected));
    }

    // Protocol rules when offered: exactly one, and one of ours.
    let offered = ["chat", "superchat"];
    let with = |protocol_fields: &[&str]| {
        let mut fields = good.to_vec();
        fields.extend_from_slice(protocol_fields);
        outcome_of(v1_config(&offered), &response_with(STATUS, &fields))
    };
    assert!(matches!(
        with(&["Sec-WebSocket-Protocol: chat"]),
        Got::Established { .. }
    ));
    assert_eq!(with(&[]), Got::Failed(Error::ProtocolMismatch));
    assert_eq!(
        with(&["Sec-WebSocket-Protocol: Chat"]),
        Got::Failed(Error::ProtocolMismatch)
    );
    assert_eq!(
        with(&["Sec-WebSocket-Protocol: chat "]),
        Got::Failed(Error::ProtocolMismatch)
    );
    assert_eq!(
        with(&["Sec-WebSocket-Protocol: superchat chat"]),
        Got::Failed(Error::ProtocolMismatch)
    );
    assert_eq!(
        with(&[
            "Sec-WebSocket-Protocol: chat",
            "Sec-WebSocket-Protocol: chat"
        ]),
        Got::Failed(Error::DuplicateField(Field::Protocol))
    );

    // A wrong answer, even if only its last byte differs.
    let mut bad = response_with(STATUS, &good);
    *bad.last_mut().unwrap() ^= 1;
    assert_eq!(
        outcome_of(v1_config(&[]), &bad),
        Got::Failed(Error::ChallengeMismatch)
    );
}

/// Draft 4.1 step 28 reads the status line up to its first LF and checks only its length, its
/// CR LF end, its two spaces and its code: the reason phrase may hold anything but LF. What
/// follows the status line keeps every rule.
#[test]
fn the_reason_phrase_is_not_checked() {
    let good = [UPGRADE, CONNECTION, ORIGIN, LOCATION];
    for status in [
        "HTTP/1.1 101 a\rb",
        "HTTP/1.1 101 a\x01b",
        "HTTP/1.1 101 a\x00b",
        "HTTP/1.1 101 \x7f\r\r",
        "HTTP/1.1 101 caf\u{e9}",
        "HTTP/1.1 101 ",
    ] {
        let got = outcome_of(v1_config(&[]), &response_with(status, &good));
        assert!(
            matches!(got, Got::Established { .. }),
            "{status:?}: {got:?}"
        );
    }
    // The line still ends at its first LF, which must follow a CR.
    let got = outcome_of(v1_config(&[]), &response_with("HTTP/1.1 101 a\nb", &good));
    assert_eq!(got, Got::Failed(Error::BadStatusLine));
    // After the status line, a bare CR, a NUL or a control byte is still refused.
    for field in ["X-A: a\rb", "X-A: a\x00b", "X-A: a\x01b"] {
        let fields = [UPGRADE, CONNECTION, ORIGIN, LOCATION, field];
        let got = outcome_of(v1_config(&[]), &response_with(STATUS, &fields));
        assert!(matches!(got, Got::Failed(_)), "{field:?}: {got:?}");
    }
    // The view gives the whole status line, bare CR included.
    let response = response_with("HTTP/1.1 101 a\rb", &good);
    let mut handshake = started(v1_config(&[]), v1_keys());
    let established = handshake
        .receive(&response)
        .unwrap()
        .event
        .expect("established");
    assert_eq!(established.response().status_line(), b"HTTP/1.1 101 a\rb");
}

/// Some deployed servers answer `Sec-WebSocket-Protocol: default` to a client that offered
/// none. Strict by default; the named leniency ignores it, and only when nothing was offered.
#[test]
fn an_unasked_subprotocol_is_refused_unless_ignored_by_name() {
    let unasked = [
        UPGRADE,
        CONNECTION,
        ORIGIN,
        LOCATION,
        "Sec-WebSocket-Protocol: default",
    ];
    let response = response_with(STATUS, &unasked);
    assert_eq!(
        outcome_of(v1_config(&[]), &response),
        Got::Failed(Error::ProtocolMismatch)
    );
    let lenient = v1_config(&[]).with_unasked_protocol_ignored(true);
    assert!(lenient.ignores_unasked_protocol());
    let Got::Established { protocol, .. } = outcome_of(lenient, &response) else {
        panic!("the leniency ignores it")
    };
    assert_eq!(protocol, None);
    // Twice, too: the field means nothing here.
    let twice = [&unasked[..], &["Sec-WebSocket-Protocol: other"]].concat();
    let got = outcome_of(lenient, &response_with(STATUS, &twice));
    assert!(matches!(got, Got::Established { .. }), "{got:?}");
    // With subprotocols offered, nothing changes: a name not offered still fails.
    let offered = v1_config(&["chat"]).with_unasked_protocol_ignored(true);
    assert_eq!(
        outcome_of(offered, &response),
        Got::Failed(Error::ProtocolMismatch)
    );
}

/// A fully qualified host name with its root dot (RFC 1034, RFC 3986) is a host name for the
/// client too, and our client and server agree on the Location it makes.
#[test]
fn a_root_dot_host_is_a_host() {
    let url = Url::parse("ws://Example.COM.:8080/x?y").unwrap();
    assert_eq!(url.host(), "Example.COM.");
    let config = ClientConfig::new(url, "http://example.com");
    let mut client = ClientHandshake::new(config, v1_keys(), [0u8; 1024]).unwrap();
    let request = request_of(&mut client);
    let text = String::from_utf8_lossy(&request);
    assert!(text.contains("\r\nHost: example.com.:8080\r\n"), "{text}");
    let Served::Answer { head, answer, .. } = serve(
        ServerConfig::new(),
        &Accept::new(),
        Pick::First,
        &[&request],
    ) else {
        panic!("accepted")
    };
    let response = [head, answer].concat();
    for (how, pieces) in split::every_way(&response) {
        let mut client = ClientHandshake::new(config, v1_keys(), [0u8; 1024]).unwrap();
        request_of(&mut client);
        let got = establish(&mut client, &pieces).got;
        assert!(matches!(got, Got::Established { .. }), "{how}: {got:?}");
    }
}

#[test]
fn limits_are_enforced() {
    let good = response_with(STATUS, &[UPGRADE, CONNECTION, ORIGIN, LOCATION]);
    let head = head_end(&good);
    // Exactly the head fits: fine. One byte less: too large.
    let config = v1_config(&[]).with_limits(HeadLimits::new().with_max_head(head));
    assert!(matches!(outcome_of(config, &good), Got::Established { .. }));
    let config = v1_config(&[]).with_limits(HeadLimits::new().with_max_head(head - 1));
    assert_eq!(outcome_of(config, &good), Got::Failed(Error::HeadTooLarge));
    // The storage bounds the head too.
    let mut small = ClientHandshake::new(v1_config(&[]), v1_keys(), [0u8; 18]).unwrap();
    small.write_request(&mut [0u8; 512]).unwrap();
    assert_eq!(small.receive(&good).err(), Some(Error::HeadTooLarge));

    let config = v1_config(&[]).with_limits(HeadLimits::new().with_max_fields(4));
    assert!(matches!(outcome_of(config, &good), Got::Established { .. }));
    let config = v1_config(&[]).with_limits(HeadLimits::new().with_max_fields(3));
    assert_eq!(outcome_of(config, &good), Got::Failed(Error::TooManyFields));
}

#[test]
fn every_caller_error_is_reachable() {
    assert_eq!(
        Url::parse("http://example.com/").err(),
        Some(Error::InvalidUrl)
    );
    let url = Url::parse("ws://example.com/").unwrap();
    let refused =
        |config: ClientConfig<'_>| ClientHandshake::new(config, v1_keys(), [0u8; 8]).err();
    assert_eq!(
        refused(ClientConfig::new(url, "http://a\r\nb")),
        Some(Error::InvalidValue(Setting::Origin))
    );
    assert_eq!(
        refused(ClientConfig::new(url, "o").with_protocols(&[""])),
        Some(Error::InvalidValue(Setting::Protocol))
    );
    assert_eq!(
        refused(ClientConfig::new(url, "o").with_fields(&[("Cookie", "a\nb")])),
        Some(Error::InvalidValue(Setting::Field))
    );
    assert_eq!(
        refused(ClientConfig::new(url, "o").with_fields(&[("Sec-WebSocket-Key1", "1 1")])),
        Some(Error::InvalidValue(Setting::Field))
    );
    assert_eq!(
        Keys::new("11", V1_KEY2, V1_KEY3).err(),
        Some(Error::InvalidValue(Setting::Key(Key::Key1)))
    );
    // Storage too small for any head: known at the first read, before any byte is judged.
    let mut tiny = ClientHandshake::new(ClientConfig::new(url, "o"), v1_keys(), [0u8; 8]).unwrap();
    request_of(&mut tiny);
    assert_eq!(
        tiny.receive(b"").err(),
        Some(Error::InvalidValue(Setting::MaxHead))
    );
    // BufferTooSmall and InvalidState: see `v1_request_bytes_are_exact`.
    for error in [
        Error::InvalidUrl,
        Error::InvalidValue(Setting::Origin),
        Error::InvalidValue(Setting::MaxHead),
        Error::BufferTooSmall { needed: 1 },
        Error::InvalidState,
    ] {
        assert_eq!(error.fault(), Fault::Caller);
        assert_eq!(error.status(), None);
    }
}

// ----- our client against our server -----

/// An independent reading of a key by the draft's rules, written from the text of draft 4.1
/// steps 16–22 and 5.2 step 4–6: the digits form the number, the spaces divide it.
fn check_key_independently(key: &str) -> u32 {
    let bytes = key.as_bytes();
    assert!(!bytes.is_empty() && bytes.len() <= 34, "{key:?}");
    assert_ne!(bytes[0], b' ', "{key:?}");
    assert_ne!(bytes[bytes.len() - 1], b' ', "{key:?}");
    let digits: String = key.chars().filter(char::is_ascii_digit).collect();
    let spaces = key.chars().filter(|&c| c == ' ').count() as u64;
    let others = key
        .chars()
        .filter(|c| !c.is_ascii_digit() && *c != ' ')
        .inspect(|&c| {
            assert!(('\u{21}'..='\u{2f}').contains(&c) || ('\u{3a}'..='\u{7e}').contains(&c))
        })
        .count();
    assert!((1..=12).contains(&others), "{key:?}");
    assert!((1..=12).contains(&spaces), "{key:?}");
    assert!(!digits.is_empty() && digits.len() <= 10, "{key:?}");
    let number: u64 = digits.parse().unwrap();
    assert!(number <= 4_294_967_295, "{key:?}");
    assert_eq!(number % spaces, 0, "{key:?}");
    (number / spaces) as u32
}

fn md5_answer(part1: u32, part2: u32, key3: &[u8]) -> [u8; 16] {
    let mut hasher = Md5::new();
    hasher.update(part1.to_be_bytes());
    hasher.update(part2.to_be_bytes());
    hasher.update(key3);
    hasher.finalize().into()
}

#[test]
fn client_and_server_agree_for_thousands_of_seeds() {
    let hosts = [
        "example.com",
        "Example.ORG",
        "127.0.0.1",
        "[::1]",
        "[2001:DB8::A]",
        "a-b.c_d",
    ];
    let ports = ["", ":80", ":443", ":8080", ":1", ":65535"];
    let paths = ["", "/", "/chat", "/a/b/c", "/%7Euser/x.y"];
    let queries = ["", "?", "?x=1", "?a=b&c=d"];
    let offers: [&[&str]; 5] = [
        &[],
        &["chat"],
        &["chat", "superchat"],
        &["a", "b", "c"],
        &["x~!$"],
    ];
    let cookies = [("Cookie", "id=42; theme=dark")];
    let frame: &[u8] = b"\x00hello\xff\xff\x00";

    for seed in 0..5000u64 {
        let mut rng = SplitMix64(seed);
        let secure = rng.below(2) == 1;
        let url_text = format!(
            "{}://{}{}{}{}",
            if secure { "wss" } else { "ws" },
            rng.pick(&hosts),
            rng.pick(&ports),
            rng.pick(&paths),
            rng.pick(&queries)
        );
        let url = Url::parse(&url_text).unwrap();
        let offered = *rng.pick(&offers);
        let mut config = ClientConfig::new(url, "http://Example.com:8000")
            .with_protocols(offered)
            .with_content_length(rng.below(4) == 0);
        if rng.below(2) == 0 {
            config = config.with_fields(&cookies);
        }
        let keys = Keys::generate(&mut rng);
        let choice = (!offered.is_empty()).then(|| *rng.pick(offered));

        // Our client and our server, each stream in three reads cut at random, with a frame
        // and a close glued behind key3 and behind the answer.
        let mut pair = Pair::connect(Setup {
            server: ServerConfig::default(),
            accept: Accept::new().with_protocol(choice).with_secure(secure),
            pick: Pick::AsGiven,
            piece: Piece::Random {
                seed: rng.next_u64(),
                pieces: 3,
            },
            client_says: &[Say::Raw(frame)],
            server_says: &[Say::Raw(frame)],
            ..Setup::new(config, Some(keys))
        });

        // The keys by an independent reading, and the answer by MD5 directly.
        let part1 = check_key_independently(keys.key1());
        let part2 = check_key_independently(keys.key2());
        let key3 = keys.key3();
        assert_eq!(&pair.request[pair.request.len() - 8..], key3);
        let expected = md5_answer(part1, part2, &key3);
        assert_eq!(keys.answer(), expected);

        // The server saw the request as sent, answered it right, and kept the frame.
        assert_eq!(pair.seen.origin.as_deref(), Some("http://example.com:8000"));
        assert_eq!(pair.seen.offered, offered, "{url_text}");
        assert_eq!(pair.answer, expected);
        assert_eq!(pair.server.handed, frame, "the server kept the frame");
        assert_eq!(
            pair.heard(Role::Server),
            [Heard::Text("hello".into()), Heard::Close]
        );
        // The client took exactly the response (the Pair checks it) and the server's choice.
        assert_eq!(pair.client.handed, frame, "{url_text}");
        assert_eq!(pair.protocol(), choice, "{url_text}");
        assert_eq!(
            pair.heard(Role::Client),
            [Heard::Text("hello".into()), Heard::Close]
        );
    }
}

// ----- statistics of key generation -----

#[test]
fn key_statistics() {
    const KEYS: usize = 200_000; // 100 000 `Keys`, two keys each
    let mut rng = SplitMix64(0xC0FF_EE00);
    let mut spaces_seen = [0usize; 13];
    let mut others_seen = [0usize; 13];
    let mut chars_seen = [0usize; 128];
    let mut first_not_digit = 0usize;
    let mut last_not_digit = 0usize;
    // The key numbers (part × spaces) cover 0..=4294967295: their largest comes near the top.
    let mut largest_number = 0u64;
    for _ in 0..KEYS / 2 {
        let keys = Keys::generate(&mut rng);
        let key3 = keys.key3();
        for b in [key3[0], key3[7]] {
            assert!(!matches!(b, 0 | 0x09..=0x0D | b' '));
        }
        for key in [keys.key1(), keys.key2()] {
            check_key_independently(key);
            let bytes = key.as_bytes();
            let spaces = bytes.iter().filter(|&&b| b == b' ').count();
            spaces_seen[spaces] += 1;
            let others: Vec<u8> = bytes
                .iter()
                .copied()
                .filter(|b| !b.is_ascii_digit() && *b != b' ')
                .collect();
            others_seen[others.len()] += 1;
            for b in others {
                chars_seen[usize::from(b)] += 1;
            }
            let digits: String = key.chars().filter(char::is_ascii_digit).collect();
            largest_number = largest_number.max(digits.parse().unwrap());
            first_not_digit += usize::from(!bytes[0].is_ascii_digit());
            last_not_digit += usize::from(!bytes[bytes.len() - 1].is_ascii_digit());
        }
    }
    // Each of 1..=12 spaces is expected KEYS/12 ≈ 16 667 times, with a standard deviation of
    // about 124; ±5 % (833, over 6 standard deviations) cannot fail by chance with a fixed seed
    // and any fair generator, while a skewed draw (off by one, modulo misuse) would.
    let expected = KEYS / 12;
    for (spaces, &count) in spaces_seen.iter().enumerate().skip(1) {
        assert!(
            count.abs_diff(expected) < expected / 20,
            "{spaces} spaces: {count}"
        );
    }
    assert_eq!(spaces_seen[0], 0);
    assert!(largest_number > 0xFF00_0000, "{largest_number}");
    // The number of inserted characters is uniform on 1..=12 too.
    for (n, &count) in others_seen.iter().enumerate().skip(1) {
        assert!(
            count.abs_diff(expected) < expected / 20,
            "{n} characters: {count}"
        );
    }
    // Every one of the 84 allowed characters comes up, and nothing else.
    for (c, &count) in chars_seen.iter().enumerate() {
        let allowed = (0x21..=0x2F).contains(&c) || (0x3A..=0x7E).contains(&c);
        assert_eq!(allowed, count > 0, "character {c:#x}: {count}");
    }
    // Characters may land at either end (spaces may not).
    assert!(first_not_digit > KEYS / 20 && last_not_digit > KEYS / 20);
}

#[test]
fn constant_entropy_terminates() {
    for value in [0, 1, 5, 12, u64::MAX / 2, u64::MAX] {
        let keys = Keys::generate(&mut || value);
        check_key_independently(keys.key1());
        check_key_independently(keys.key2());
    }
}

/// Each draw is reduced modulo its range: 4294967295 gives 1 + 3 spaces (its remainder by
/// 12), so a part of at most 4294967295 / 4 = 1073741823, which the same draw reduced modulo
/// 1073741824 gives exactly: the largest part is reachable.
#[test]
fn draws_reach_the_largest_part() {
    let keys = Keys::generate(&mut || u64::from(u32::MAX));
    for (key, which) in [(keys.key1(), Key::Key1), (keys.key2(), Key::Key2)] {
        assert_eq!(key.bytes().filter(|&b| b == b' ').count(), 4, "{key:?}");
        assert_eq!(
            key_part(key.as_bytes(), which),
            Ok(1_073_741_823),
            "{key:?}"
        );
    }
}

#[test]
fn given_keys_are_checked_as_a_server_would() {
    let ok = |key1: &str| Keys::new(key1, "1 2", *b"abcdefgh").map(|keys| keys.key1().to_owned());
    let refused = Err(Error::InvalidValue(Setting::Key(Key::Key1)));
    // 34 bytes at most.
    let longest = format!("1 {}", "x".repeat(32));
    assert_eq!(ok(&longest), Ok(longest.clone()));
    assert_eq!(ok(&format!("{longest}x")), refused);
    // No space first or last, either one alone.
    assert_eq!(ok(" 1 2"), refused);
    assert_eq!(ok("1 2 "), refused);
    assert_eq!(ok("x1 2x"), Ok("x1 2x".to_owned()));
    // Printable ASCII only.
    assert_eq!(ok("1 2\t"), refused);
    assert_eq!(ok("1 2\u{7f}"), refused);
    assert_eq!(ok("1 2~"), Ok("1 2~".to_owned()));
    // And a key a server accepts: digits, spaces, an integral part.
    assert_eq!(ok("12"), refused);
    assert_eq!(ok("1  1"), refused);
    assert_eq!(
        Keys::new("1 2", " 1", *b"abcdefgh").err(),
        Some(Error::InvalidValue(Setting::Key(Key::Key2)))
    );
}

#[test]
fn key3_is_the_last_draw_with_its_ends_remapped() {
    // key3 is the last draw, little-endian; the keys before it take the first two and more.
    let mut draws = 0u64;
    let mut entropy = || {
        draws += 1;
        if draws > 2 {
            0x0807_0605_0403_0201_u64.wrapping_mul(draws) ^ 0x5555_5555_5555_5555
        } else {
            draws
        }
    };
    let keys = Keys::generate(&mut entropy);
    assert!(draws > 2);
    let third =
        (0x0807_0605_0403_0201_u64.wrapping_mul(draws) ^ 0x5555_5555_5555_5555).to_le_bytes();
    assert_eq!(keys.key3(), third);

    // NUL, HT..CR and space at either end become '@', 'I'..'M' and '`'; inside they stay.
    for (end, mapped) in [(0u8, b'@'), (9, b'I'), (13, b'M'), (b' ', b'`')] {
        let value = u64::from_le_bytes([end, 0, b' ', 9, 13, 0x7f, 0xff, end]);
        let keys = Keys::generate(&mut || value);
        assert_eq!(
            keys.key3(),
            [mapped, 0, b' ', 9, 13, 0x7f, 0xff, mapped],
            "{end:#x}"
        );
    }
    // Everything else at the ends is kept.
    for end in [8u8, 14, 0x1f, 0x21, b'@', 0x80, 0xff] {
        let value = u64::from_le_bytes([end, 1, 2, 3, 4, 5, 6, end]);
        assert_eq!(Keys::generate(&mut || value).key3(), value.to_le_bytes());
    }
}

#[test]
fn keys_debug_shows_the_keys_as_sent() {
    let keys = Keys::new("1 2", "3  4x", *b"abcdefgh").unwrap();
    let shown = format!("{keys:?}");
    assert!(shown.contains("\"1 2\""), "{shown}");
    assert!(shown.contains("\"3  4x\""), "{shown}");
}

// ----- robustness -----

#[test]
fn mutated_responses_never_panic_and_never_overrun() {
    let rows = rows();
    let mut rng = SplitMix64(7);
    for _ in 0..20_000 {
        let row = rng.pick(&rows);
        let mut bytes = row.response.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len());
            match rng.below(3) {
                0 => bytes[at] = rng.next_u64() as u8,
                1 => bytes.insert(at, *rng.pick(b"\r\n\0 :\t\xff")),
                _ => {
                    bytes.remove(at);
                }
            }
        }
        let config = v1_config(&row.offered);
        let pieces = split::random(&bytes, &mut rng, 3);
        if let Got::Established { used, .. } = feed(&mut started(config, v1_keys()), &pieces) {
            // Whatever was accepted ends with the right answer, and nothing after it is used.
            assert_eq!(&bytes[used - 16..used], V1_ANSWER);
        }
    }
}
