//! The server handshake against the conformance vectors, fed whole, one byte at a time and
//! split at every point; the exact response bytes; plain HTTP and other versions handed back;
//! the subprotocol choice; the fixed refusals; and every request error.
//!
//! `vectors/server/handshakes.tsv` and its `.req` files are copied from the project's shared
//! vectors: requests with the outcomes computed from draft-76 section 5.2; v1 is the draft's
//! own example, v3 and v5 are published vectors of Perl Protocol::WebSocket's and faye
//! websocket-driver's test suites. `vectors/server/own.tsv` adds this crate's own rows in
//! the same columns, for requests that ask for no WebSocket at all.

mod support;

use hixie76::server::{error_response, Accept, Outcome, ServerConfig, ServerHandshake, Version};
use hixie76::{Error, Fault, Field, HeadLimits, Key, Setting, StatusCode};
use support::{
    find, near_names, serve, split, unhex, vector_kinds, with_field_first, Pick, Served,
    V1_REQUEST as V1,
};

const SHARED: &str = include_str!("vectors/server/handshakes.tsv");
const OWN: &str = include_str!("vectors/server/own.tsv");

fn request_file(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/vectors/server/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Feeds `pieces` to a default server that accepts with the first offered subprotocol.
fn drive(pieces: &[&[u8]]) -> Served {
    serve(ServerConfig::default(), &Accept::new(), Pick::First, pieces)
}

/// One row of a vector table.
struct Row {
    name: String,
    bytes: Vec<u8>,
    expect: String,
    /// The bytes after the handshake (or the handed-back head) that must stay unused.
    after: Vec<u8>,
}

fn table(text: &str) -> Vec<Row> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            Row {
                name: cols[0].to_string(),
                bytes: request_file(cols[1]),
                expect: cols[2].to_string(),
                after: unhex(cols.get(3).copied().unwrap_or("")),
            }
        })
        .collect()
}

fn rows() -> Vec<Row> {
    let shared = table(SHARED);
    let own = table(OWN);
    assert_eq!(shared.len(), 26, "every row of the shared table is read");
    assert_eq!(own.len(), 6, "every row of this crate's table is read");
    shared.into_iter().chain(own).collect()
}

/// The exact error of each refused row (the tables name only a kind).
fn exact_error(name: &str) -> Error {
    match name {
        "key1-no-spaces" => Error::KeyNoSpaces(Key::Key1),
        "key2-not-integral" => Error::KeyNotIntegral(Key::Key2),
        "key1-number-over-u32" | "key1-30-digits" => Error::KeyNumberTooLarge(Key::Key1),
        "key1-no-digits" => Error::KeyNoDigits(Key::Key1),
        "missing-key2" => Error::MissingField(Field::Key2),
        "missing-host" => Error::MissingField(Field::Host),
        "keys-without-upgrade" => Error::MissingField(Field::Upgrade),
        "upgrade-not-websocket" | "h2c-with-keys" => Error::BadUpgrade,
        "method-post" => Error::BadMethod,
        "http-1-0" => Error::BadRequestLine,
        "duplicate-upgrade" => Error::DuplicateField(Field::Upgrade),
        "origin-bare-cr" => Error::BareCrOrLf,
        "origin-obs-fold" => Error::FoldedLine,
        "transfer-encoding" => Error::UnexpectedBody,
        "head-too-large" => Error::HeadTooLarge,
        other => panic!("no exact error listed for {other}"),
    }
}

/// Checks one vector row against what the server made of it.
fn check_row(row: &Row, served: &Served, how: &str) {
    let context = format!("{} ({how})", row.name);
    let bytes = &row.bytes;
    if let Some(answer) = row.expect.strip_prefix("answer:") {
        let Served::Answer {
            head,
            answer: got,
            hixie75,
            used,
        } = served
        else {
            panic!("{context}: expected an answer, saw {served:?}");
        };
        assert_eq!(*got, unhex(answer), "{context}: answer");
        assert!(!hixie75, "{context}");
        assert!(head.starts_with(b"HTTP/1.1 101 WebSocket Protocol Handshake\r\n"));
        assert_eq!(&bytes[*used..], row.after, "{context}: bytes left over");
    } else if row.expect == "need-more" {
        assert!(
            matches!(served, Served::NeedMore { used, .. } if *used == bytes.len()),
            "{context}: {served:?}"
        );
    } else if row.expect.starts_with("reject:") {
        let Served::Refused(error) = served else {
            panic!("{context}: expected {}, saw {served:?}", row.expect);
        };
        assert!(
            vector_kinds(*error).contains(&row.expect.as_str()),
            "{context}: {error:?} is not {}",
            row.expect
        );
        assert_eq!(*error, exact_error(&row.name), "{context}");
        assert_eq!(error.fault(), Fault::Peer, "{context}");
        assert!(error.status().is_some(), "{context}");
    } else if let Some(version) = row.expect.strip_prefix("other-version:") {
        let want = match version {
            "rfc6455" => Version::Rfc6455,
            "hybi" => Version::Hybi,
            "hixie75" => Version::Hixie75,
            other => panic!("unknown version {other}"),
        };
        let Served::OtherVersion {
            version,
            bytes: handed,
            used,
        } = served
        else {
            panic!("{context}: expected other version, saw {served:?}");
        };
        assert_eq!(*version, want, "{context}");
        // Nothing lost: the handed-over head followed by the unused input is the input.
        let mut rebuilt = handed.clone();
        rebuilt.extend_from_slice(&bytes[*used..]);
        assert_eq!(rebuilt, *bytes, "{context}: handover loses bytes");
    } else if row.expect == "not-websocket" {
        let Served::NotWebSocket {
            bytes: handed,
            used,
        } = served
        else {
            panic!("{context}: expected plain HTTP, saw {served:?}");
        };
        assert_eq!(handed[..], bytes[..*used], "{context}: the head, untouched");
        assert!(handed.ends_with(b"\r\n\r\n"), "{context}");
        assert_eq!(
            &bytes[*used..],
            row.after,
            "{context}: bytes after the head"
        );
    } else {
        panic!("{context}: unknown expectation {}", row.expect);
    }
}

#[test]
fn every_vector_fed_whole() {
    for row in rows() {
        check_row(&row, &drive(&[&row.bytes]), "whole");
    }
}

#[test]
fn every_vector_one_byte_at_a_time() {
    for row in rows() {
        check_row(&row, &drive(&split::bytewise(&row.bytes)), "bytewise");
    }
}

#[test]
fn every_vector_split_at_every_point() {
    for row in rows() {
        let whole = drive(&[&row.bytes]);
        for (cut, pieces) in split::every_point(&row.bytes).iter().enumerate() {
            let served = drive(pieces);
            check_row(&row, &served, &format!("cut {cut}"));
            assert_eq!(
                served, whole,
                "{}: cut at {cut} changes the outcome",
                row.name
            );
        }
    }
}

#[test]
fn every_refused_row_has_its_exact_error() {
    let refused: Vec<Row> = rows()
        .into_iter()
        .filter(|row| row.expect.starts_with("reject:"))
        .collect();
    assert_eq!(refused.len(), 17);
    for row in refused {
        assert_eq!(
            drive(&[&row.bytes]),
            Served::Refused(exact_error(&row.name))
        );
    }
}

/// V1 with another Host and resource.
fn v1_with(host: &str, resource: &str) -> Vec<u8> {
    String::from_utf8(V1.to_vec())
        .unwrap()
        .replace("Host: example.com", &format!("Host: {host}"))
        .replace("GET /demo", &format!("GET {resource}"))
        .into_bytes()
}

/// V1 with the first `from` replaced by `to`.
fn edit(from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(V1.to_vec()).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
}

/// The bytes a server sends for `request`: the 101 head, then the answer.
fn response(config: ServerConfig, accept: Accept<'_>, request: &[u8]) -> Vec<u8> {
    match serve(config, &accept, Pick::First, &[request]) {
        Served::Answer { head, answer, .. } => [head, answer].concat(),
        other => panic!("not answered: {other:?}"),
    }
}

#[test]
fn v1_response_bytes_exact() {
    let config = ServerConfig::default();
    assert_eq!(
        response(config, Accept::new(), V1),
        &b"HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Origin: http://example.com\r\n\
Sec-WebSocket-Location: ws://example.com/demo\r\nSec-WebSocket-Protocol: sample\r\n\r\n\
8jKS'y:G*Co,Wxa-"[..]
    );
    // Without a subprotocol: none offered, none written. (V1 offers one, so it must be
    // chosen: accepting V1 without one is the caller's error.)
    assert_eq!(
        serve(config, &Accept::new(), Pick::AsGiven, &[V1]),
        Served::NotAccepted(Error::NoProtocolChosen)
    );
    let unoffered = edit("Sec-WebSocket-Protocol: sample\r\n", "");
    assert_eq!(
        response(config, Accept::new(), &unoffered),
        &b"HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Origin: http://example.com\r\n\
Sec-WebSocket-Location: ws://example.com/demo\r\n\r\n8jKS'y:G*Co,Wxa-"[..]
    );
    let secure = response(config, Accept::new().with_secure(true), V1);
    assert!(find(
        &secure,
        b"\r\nSec-WebSocket-Location: wss://example.com/demo\r\n"
    )
    .is_some());
}

fn location(request: &[u8], secure: bool) -> String {
    let bytes = response(
        ServerConfig::default(),
        Accept::new().with_secure(secure),
        request,
    );
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let line = text
        .split("\r\n")
        .find(|l| l.starts_with("Sec-WebSocket-Location: "))
        .unwrap();
    line["Sec-WebSocket-Location: ".len()..].to_string()
}

/// A fully qualified host name keeps its root dot, lowercased, in the Location (RFC 1034
/// section 3.1): a client that asked for `ws://example.com./` must find exactly that.
#[test]
fn a_root_dot_host_stays_in_the_location() {
    let request = std::fs::read(format!(
        "{}/tests/vectors/server/host-root-dot.req",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    for (how, pieces) in split::every_way(&request) {
        let Served::Answer { head, .. } = drive(&pieces) else {
            panic!("{how}: accepted")
        };
        let head = String::from_utf8(head).unwrap();
        assert!(
            head.contains("\r\nSec-WebSocket-Location: ws://example.com.:8080/demo\r\n"),
            "{how}: {head}"
        );
    }
}

#[test]
fn location_is_canonical() {
    assert_eq!(
        location(&v1_with("example.com:80", "/demo"), false),
        "ws://example.com/demo"
    );
    assert_eq!(
        location(&v1_with("example.com:443", "/demo"), false),
        "ws://example.com:443/demo"
    );
    assert_eq!(
        location(&v1_with("example.com:443", "/demo"), true),
        "wss://example.com/demo"
    );
    assert_eq!(
        location(&v1_with("Example.COM:8080", "/chat?room=1&x=%20"), false),
        "ws://example.com:8080/chat?room=1&x=%20"
    );
    assert_eq!(
        location(&v1_with("[::1]:9000", "/"), false),
        "ws://[::1]:9000/"
    );
    assert_eq!(
        location(&v1_with("192.0.2.7", "/a?"), true),
        "wss://192.0.2.7/a?"
    );
}

#[test]
fn request_view() {
    let request = String::from_utf8(V1.to_vec())
        .unwrap()
        .replace(
            "Sec-WebSocket-Protocol: sample",
            "Sec-WebSocket-Protocol: chat superchat\r\nCookie: a=1\r\nX-Thing:  spaced value \r\ncookie: b=2",
        )
        .replace("GET /demo", "GET /demo?room=7");
    let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = handshake.receive(request.as_bytes()).unwrap();
    assert_eq!(received.used, request.len() - 8);
    let Some(Outcome::Request(pending)) = received.event else {
        panic!()
    };
    let view = pending.request();
    assert_eq!(view.resource(), "/demo?room=7");
    assert_eq!(view.path(), "/demo");
    assert_eq!(view.query(), Some("room=7"));
    assert_eq!(view.host(), "example.com");
    assert_eq!(view.origin(), Some("http://example.com"));
    assert!(!view.is_hixie75());
    let names: Vec<&str> = view.protocols().collect();
    assert_eq!(names, ["chat", "superchat"]);
    let cookies: Vec<&[u8]> = view.cookies().collect();
    assert_eq!(cookies, [&b"a=1"[..], b"b=2"]);
    assert_eq!(view.field("x-thing"), Some(&b"spaced value"[..]));
    assert_eq!(view.fields().count(), 10);
    assert_eq!(view.field("absent"), None);
    assert!(view.head().ends_with(b"\r\n\r\n"));
    assert_eq!(view.head().len(), received.used);
}

#[test]
fn missing_origin_is_reported_and_not_echoed() {
    let request = edit("Origin: http://example.com\r\n", "");
    let bytes = response(ServerConfig::default(), Accept::new(), &request);
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("Origin"), "{text}");
    let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = handshake.receive(&request).unwrap();
    let Some(Outcome::Request(pending)) = received.event else {
        panic!()
    };
    assert_eq!(pending.request().origin(), None);
}

#[test]
fn extra_fields_are_written_and_checked() {
    let cookies = [("Set-Cookie", "id=1; HttpOnly")];
    let bytes = response(
        ServerConfig::default(),
        Accept::new().with_fields(&cookies),
        V1,
    );
    assert!(String::from_utf8_lossy(&bytes).contains("\r\nSet-Cookie: id=1; HttpOnly\r\n\r\n"));

    for bad in [
        [("Set-Cookie", "a\r\nInjected: yes")],
        [("Set-Cookie", "a\nb")],
        [("Set-Cookie", "a\0b")],
        [("Bad Name", "x")],
        [("Sec-WebSocket-Location", "ws://evil/")],
        [("Upgrade", "x")],
    ] {
        let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
        let received = handshake.receive(V1).unwrap();
        let Some(Outcome::Request(pending)) = received.event else {
            panic!()
        };
        let mut out = [0u8; 512];
        let accept = Accept::new()
            .with_protocol(Some("sample"))
            .with_fields(&bad);
        let error = pending.accept(&accept, &mut out).unwrap_err();
        assert_eq!(error, Error::InvalidValue(Setting::Field));
        assert_eq!(error.fault(), Fault::Caller);
        assert!(out.iter().all(|&b| b == 0), "nothing written");
        // The request is still pending: the caller can try again.
        assert!(handshake.pending().is_some());
    }
}

#[test]
fn small_buffer_changes_nothing_and_can_be_retried() {
    let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = handshake.receive(V1).unwrap();
    let used = received.used;
    let Some(Outcome::Request(pending)) = received.event else {
        panic!()
    };
    let accept = Accept::new().with_protocol(Some("sample"));
    let mut small = [0u8; 40];
    let error = pending.accept(&accept, &mut small).unwrap_err();
    let Error::BufferTooSmall { needed } = error else {
        panic!("{error:?}")
    };
    assert_eq!(error.fault(), Fault::Caller);
    assert!(small.iter().all(|&b| b == 0));
    let mut out = vec![0u8; needed];
    let pending = handshake.pending().expect("still pending");
    assert_eq!(pending.accept(&accept, &mut out), Ok(needed));
    assert!(handshake.pending().is_none(), "accepted once only");
    let received = handshake.receive(&V1[used..]).unwrap();
    assert!(matches!(received.event, Some(Outcome::Answer(_))));
    assert!(handshake.is_done());
    assert_eq!(handshake.receive(b"x").unwrap_err(), Error::InvalidState);
}

/// V1 offering `protocols` instead of `sample`.
fn offering(protocols: &str) -> Vec<u8> {
    edit("Protocol: sample", &format!("Protocol: {protocols}"))
}

#[test]
fn protocol_choice_must_come_from_this_request() {
    // A name another request offered, but not this one.
    let other = offering("a-much-longer-name sample");
    let mut first = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = first.receive(&other).unwrap();
    let Some(Outcome::Request(pending)) = received.event else {
        panic!()
    };
    let foreign = pending.request().protocols().next().unwrap().to_owned();
    let mut second = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = second.receive(V1).unwrap();
    let Some(Outcome::Request(pending)) = received.event else {
        panic!()
    };
    let mut out = [0u8; 512];
    assert_eq!(
        pending.accept(&Accept::new().with_protocol(Some(&foreign)), &mut out),
        Err(Error::ProtocolNotOffered)
    );
}

#[test]
fn a_choice_kept_from_another_request_is_refused() {
    // Same layout, different name at the same offsets.
    let (a, b) = (offering("chat v2"), offering("evil v2"));
    let mut first = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = first.receive(&a).unwrap();
    let Some(Outcome::Request(pending)) = received.event else {
        panic!()
    };
    let kept = pending.request().protocols().next().unwrap().to_owned();
    let mut second = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = second.receive(&b).unwrap();
    let Some(Outcome::Request(pending)) = received.event else {
        panic!()
    };
    let mut out = [0u8; 512];
    assert_eq!(
        pending.accept(&Accept::new().with_protocol(Some(&kept)), &mut out),
        Err(Error::ProtocolNotOffered)
    );
    // Its own choice of the same entry works.
    let pending = second.pending().unwrap();
    let own = pending.request().protocols().next().unwrap();
    let n = pending
        .accept(&Accept::new().with_protocol(Some(own)), &mut out)
        .unwrap();
    assert!(out[..n].ends_with(b"Sec-WebSocket-Protocol: evil\r\n\r\n"));
}

#[test]
fn the_chosen_subprotocol_must_be_one_offered() {
    let request = offering("chat superchat");
    let refused = [
        (Some("sample"), Error::ProtocolNotOffered),
        // Prefixes, substrings, the whole offer, another case: never a match.
        (Some("cha"), Error::ProtocolNotOffered),
        (Some("hat"), Error::ProtocolNotOffered),
        (Some("super"), Error::ProtocolNotOffered),
        (Some("superchat "), Error::ProtocolNotOffered),
        (Some("chat superchat"), Error::ProtocolNotOffered),
        (Some("Chat"), Error::ProtocolNotOffered),
        (Some(""), Error::ProtocolNotOffered),
        // Offered, and none chosen: every conforming client would fail the answer.
        (None, Error::NoProtocolChosen),
    ];
    for (choice, error) in refused {
        let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
        let received = handshake.receive(&request).unwrap();
        let used = received.used;
        let Some(Outcome::Request(pending)) = received.event else {
            panic!()
        };
        let mut out = [0xAAu8; 512];
        let got = pending.accept(&Accept::new().with_protocol(choice), &mut out);
        assert_eq!(got, Err(error), "{choice:?}");
        assert_eq!(error.fault(), Fault::Caller);
        assert_eq!(error.status(), None);
        assert!(
            out.iter().all(|&b| b == 0xAA),
            "{choice:?}: nothing written"
        );

        // The request is given back, and a right choice then succeeds. The name given is not
        // a slice of the request; what is echoed are the request's own bytes.
        let pending = handshake.pending().expect("the request is given back");
        let chosen = String::from("superchat");
        let n = pending
            .accept(&Accept::new().with_protocol(Some(&chosen)), &mut out)
            .unwrap();
        assert!(out[..n].ends_with(b"\r\nSec-WebSocket-Protocol: superchat\r\n\r\n"));
        let received = handshake.receive(&request[used..]).unwrap();
        let Some(Outcome::Answer(answer)) = received.event else {
            panic!("{choice:?}: no answer after the right choice")
        };
        assert_eq!(answer.as_bytes(), support::V1_ANSWER);
    }

    // Nothing offered: a name is refused, none is right.
    let unoffered = edit("Sec-WebSocket-Protocol: sample\r\n", "");
    let config = ServerConfig::default();
    let named = Accept::new().with_protocol(Some("sample"));
    assert_eq!(
        serve(config, &named, Pick::AsGiven, &[&unoffered]),
        Served::NotAccepted(Error::ProtocolNotOffered)
    );
    assert!(matches!(
        serve(config, &Accept::new(), Pick::AsGiven, &[&unoffered]),
        Served::Answer { .. }
    ));
}

#[test]
fn reject_gives_a_fixed_response() {
    let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = handshake.receive(V1).unwrap();
    let Some(Outcome::Request(pending)) = received.event else {
        panic!()
    };
    assert_eq!(
        pending.reject(StatusCode::Forbidden),
        b"HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    assert!(handshake.pending().is_none());
    assert_eq!(handshake.receive(b"x").unwrap_err(), Error::InvalidState);
}

/// The `Connection` field lines of a response.
fn connection_fields(response: &[u8]) -> usize {
    response
        .split(|&b| b == b'\n')
        .filter(|line| line.len() >= 11 && line[..11].eq_ignore_ascii_case(b"connection:"))
        .count()
}

#[test]
fn upgrade_required_and_bad_gateway_responses() {
    let upgrade = error_response(StatusCode::UpgradeRequired);
    assert_eq!(
        upgrade,
        b"HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
Connection: Upgrade, close\r\nContent-Length: 0\r\n\r\n"
    );
    assert_eq!(connection_fields(upgrade), 1);
    assert_eq!(
        (
            StatusCode::UpgradeRequired.code(),
            StatusCode::UpgradeRequired.reason()
        ),
        (426, "Upgrade Required")
    );
    let gateway = error_response(StatusCode::BadGateway);
    assert_eq!(
        gateway,
        b"HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    assert_eq!(connection_fields(gateway), 1);
    assert_eq!(
        (
            StatusCode::BadGateway.code(),
            StatusCode::BadGateway.reason()
        ),
        (502, "Bad Gateway")
    );

    // A pending request refused with either gets the same bytes.
    for status in [StatusCode::UpgradeRequired, StatusCode::BadGateway] {
        let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
        let received = handshake.receive(V1).unwrap();
        let Some(Outcome::Request(pending)) = received.event else {
            panic!()
        };
        assert_eq!(pending.reject(status), error_response(status));
    }
}

/// What a default server makes of `request`: its error.
fn error_of(request: &[u8], config: ServerConfig) -> Error {
    match serve(config, &Accept::new(), Pick::First, &[request]) {
        Served::Refused(error) => error,
        other => panic!("not refused: {other:?}"),
    }
}

#[test]
fn every_request_error_is_reached() {
    let config = ServerConfig::default();
    let cases: Vec<(Vec<u8>, Error)> = vec![
        (
            edit("Host: example.com\r\n", "Host: example.com\r\r\n"),
            Error::BareCrOrLf,
        ),
        (
            edit("Host: example.com\r\n", "Host: example.com\n"),
            Error::BareCrOrLf,
        ),
        (edit("Host: exa", "Host: exa\0"), Error::NulInHead),
        (
            edit("Host: example.com\r\n", "Host: example.com\r\n\tfolded\r\n"),
            Error::FoldedLine,
        ),
        (
            edit("Host: example.com\r\n", "Host example.com\r\n"),
            Error::BadField,
        ),
        (
            edit("Host: example.com\r\n", "Bad Name: x\r\n"),
            Error::BadField,
        ),
        (
            edit(
                "Host: example.com\r\n",
                "Host: example.com\r\nX: a\x01b\r\n",
            ),
            Error::BadField,
        ),
        (
            edit("Origin: http://example.com", "Origin: http://exa mple.com"),
            Error::BadField,
        ),
        (
            edit("GET /demo HTTP/1.1", "GET demo HTTP/1.1"),
            Error::BadRequestLine,
        ),
        (
            edit("GET /demo HTTP/1.1", "GET /demo HTTP/1.0"),
            Error::BadRequestLine,
        ),
        (
            edit("GET /demo HTTP/1.1", "GET /demo  HTTP/1.1"),
            Error::BadRequestLine,
        ),
        (
            edit("GET /demo HTTP/1.1", "GET /démo HTTP/1.1"),
            Error::BadRequestLine,
        ),
        (
            edit("GET /demo HTTP/1.1", "POST /demo HTTP/1.1"),
            Error::BadMethod,
        ),
        // A method that is no token is no method at all.
        (
            edit("GET /demo HTTP/1.1", "G@T /demo HTTP/1.1"),
            Error::BadRequestLine,
        ),
        (
            edit("Host: example.com\r\n", ""),
            Error::MissingField(Field::Host),
        ),
        (
            edit("Connection: Upgrade\r\n", ""),
            Error::MissingField(Field::Connection),
        ),
        (
            edit("Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n", ""),
            Error::MissingField(Field::Key2),
        ),
        (
            edit("Upgrade: WebSocket\r\n", ""),
            Error::MissingField(Field::Upgrade),
        ),
        (
            edit(
                "Host: example.com\r\n",
                "Host: example.com\r\nHost: example.org\r\n",
            ),
            Error::DuplicateField(Field::Host),
        ),
        (
            edit(
                "Origin: http://example.com\r\n",
                "Origin: a\r\norigin: b\r\n",
            ),
            Error::DuplicateField(Field::Origin),
        ),
        (
            edit(
                "Protocol: sample\r\n",
                "Protocol: sample\r\nSec-WebSocket-Protocol: x\r\n",
            ),
            Error::DuplicateField(Field::Protocol),
        ),
        (
            edit("Upgrade: WebSocket", "Upgrade: WebSocket2"),
            Error::BadUpgrade,
        ),
        (
            edit("Upgrade: WebSocket", "Upgrade: h2c"),
            Error::BadUpgrade,
        ),
        (
            edit("Connection: Upgrade", "Connection: keep-alive"),
            Error::BadConnection,
        ),
        (
            edit("Host: example.com", "Host: exa_mple.com:0"),
            Error::BadHost,
        ),
        (
            edit("Host: example.com", "Host: example.com:65536"),
            Error::BadHost,
        ),
        (
            edit("Host: example.com", "Host: example.com:"),
            Error::BadHost,
        ),
        (
            edit("Host: example.com", "Host: user@example.com"),
            Error::BadHost,
        ),
        (edit("Host: example.com", "Host: [::1"), Error::BadHost),
        (edit("Host: example.com", "Host: [zz]"), Error::BadHost),
        (
            edit("Protocol: sample", "Protocol: a  b"),
            Error::BadProtocol,
        ),
        (
            edit(
                "Host: example.com\r\n",
                "Host: example.com\r\nContent-Length: 0\r\n",
            ),
            Error::UnexpectedBody,
        ),
        (
            edit(
                "Host: example.com\r\n",
                "Host: example.com\r\nTransfer-Encoding: chunked\r\n",
            ),
            Error::UnexpectedBody,
        ),
        (
            edit("4 @1  46546xW%0l 1 5", "x y"),
            Error::KeyNoDigits(Key::Key1),
        ),
        (
            edit("12998 5 Y3 1  .P00", "99999999999 "),
            Error::KeyNumberTooLarge(Key::Key2),
        ),
        (
            edit("12998 5 Y3 1  .P00", "1299853100"),
            Error::KeyNoSpaces(Key::Key2),
        ),
        (
            edit("4 @1  46546xW%0l 1 5", "1 a b"),
            Error::KeyNotIntegral(Key::Key1),
        ),
    ];
    for (request, error) in cases {
        assert_eq!(
            error_of(&request, config),
            error,
            "{}",
            String::from_utf8_lossy(&request)
        );
        assert_eq!(error.fault(), Fault::Peer);
        let status = error.status().expect("a request error has a status");
        assert!(error_response(status).starts_with(b"HTTP/1.1 4"));
    }

    let small = HeadLimits::new().with_max_head(100);
    assert_eq!(error_of(V1, config.with_limits(small)), Error::HeadTooLarge);
    let few = HeadLimits::new().with_max_fields(3);
    let error = error_of(V1, config.with_limits(few));
    assert_eq!(error, Error::TooManyFields);
    assert_eq!(
        error.status(),
        Some(StatusCode::RequestHeaderFieldsTooLarge)
    );
    assert_eq!(
        error_of(&edit("GET", "POST"), config).status(),
        Some(StatusCode::MethodNotAllowed)
    );
    assert_eq!(
        error_response(StatusCode::MethodNotAllowed),
        b"HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
}

#[test]
fn byte_faults_are_refused_as_they_arrive() {
    // Only the first bytes up to the fault are fed: no blank line, no time-out needed.
    for (prefix, error) in [
        (&b"GET / HTTP/1.1\r\nHost: a\rX"[..], Error::BareCrOrLf),
        (b"GET / HTTP/1.1\r\nHost: a\n", Error::BareCrOrLf),
        (b"GET / HTTP/1.1\r\nHo\0", Error::NulInHead),
        (b"GET / HTTP/1.1\r\nHost: a\r\n ", Error::FoldedLine),
    ] {
        let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 256]);
        let (last, head) = prefix.split_last().unwrap();
        let received = handshake.receive(head).unwrap();
        assert_eq!(received.used, head.len());
        assert!(received.event.is_none());
        assert_eq!(handshake.receive(&[*last]).unwrap_err(), error);
        // A failed machine keeps saying so.
        assert_eq!(handshake.receive(b"\r\n").unwrap_err(), error);
    }
}

#[test]
fn head_limit_is_the_smaller_of_config_and_storage() {
    let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 64]);
    assert_eq!(handshake.receive(V1).unwrap_err(), Error::HeadTooLarge);
    // Exactly at the limit is fine.
    let head_len = V1.len() - 8;
    let limits = HeadLimits::new().with_max_head(head_len);
    let config = ServerConfig::default().with_limits(limits);
    assert_eq!(config.limits().max_head(), head_len);
    let served = serve(config, &Accept::new(), Pick::First, &[V1]);
    assert!(matches!(served, Served::Answer { .. }), "{served:?}");
    let limits = HeadLimits::new().with_max_head(head_len - 1);
    assert_eq!(
        error_of(V1, ServerConfig::default().with_limits(limits)),
        Error::HeadTooLarge
    );
}

#[test]
fn connection_token_list_is_accepted() {
    let request = edit("Connection: Upgrade", "Connection: keep-alive, upgrade");
    let served = drive(&[&request]);
    assert!(matches!(served, Served::Answer { .. }), "{served:?}");
}

#[test]
fn pending_request_uses_no_input_until_decided() {
    let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let used = handshake.receive(V1).unwrap().used;
    // Asking again without deciding: the same request, nothing used.
    let again = handshake.receive(&V1[used..]).unwrap();
    assert_eq!(again.used, 0);
    assert!(matches!(again.event, Some(Outcome::Request(_))));
    assert!(handshake.request().is_some());
}

#[test]
fn version_is_decided_before_hixie76_line_rules() {
    // An RFC 6455 request with a line hixie-76 would refuse is still handed over whole.
    for (from, to) in [
        ("Origin: http://example.com\r\n", "X Bad@: v\r\n"),
        ("Origin: http://example.com\r\n", "no colon here\r\n"),
        ("GET /demo HTTP/1.1", "POST /demo HTTP/1.1"),
    ] {
        let text = String::from_utf8(request_file("rfc6455-request.req")).unwrap();
        assert!(text.contains(from));
        let request = text.replacen(from, to, 1).into_bytes();
        match drive(&[&request]) {
            Served::OtherVersion { version, bytes, .. } => {
                assert_eq!(version, Version::Rfc6455);
                assert_eq!(bytes, request);
            }
            other => panic!("{to:?}: {other:?}"),
        }
    }
    // The same lines in a hixie-76 request are refused once the head is complete.
    assert_eq!(
        error_of(
            &edit("Origin: http://example.com\r\n", "X Bad@: v\r\n"),
            ServerConfig::default()
        ),
        Error::BadField
    );
}

#[test]
fn empty_storage_is_the_callers_mistake() {
    let mut handshake = ServerHandshake::new(ServerConfig::default(), Vec::with_capacity(8192));
    let error = handshake.receive(V1).unwrap_err();
    assert_eq!(error, Error::InvalidValue(Setting::MaxHead));
    assert_eq!(error.fault(), Fault::Caller);
    assert_eq!(error.status(), None);
}

// ----- requests for no WebSocket -----

#[test]
fn plain_http_is_handed_back_with_its_head() {
    let head: &[u8] = b"GET /index.html?lang=en HTTP/1.1\r\nHost: example.com\r\n\
Accept:  text/html \r\nno colon here\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\n";
    let stream = [head, b"GET /next HTTP/1.1\r\n"].concat();
    for (how, pieces) in split::every_way(&stream) {
        assert_eq!(
            drive(&pieces),
            Served::NotWebSocket {
                bytes: head.to_vec(),
                used: head.len()
            },
            "{how}"
        );
    }

    let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = handshake.receive(&stream).unwrap();
    assert_eq!(received.used, head.len(), "the next request stays unused");
    let Some(Outcome::NotWebSocket(handover)) = received.event else {
        panic!("{:?}", received.event)
    };
    assert_eq!(handover.bytes(), head);
    assert_eq!(handover.method(), "GET");
    assert_eq!(handover.resource(), "/index.html?lang=en");
    assert_eq!(handover.path(), "/index.html");
    assert_eq!(handover.field("ACCEPT"), Some(&b"text/html"[..]));
    assert_eq!(handover.field("upgrade"), Some(&b"h2c"[..]));
    assert_eq!(handover.field("absent"), None);
    // A line without a colon is skipped, not judged.
    let fields: Vec<(&str, &[u8])> = handover.fields().collect();
    assert_eq!(
        fields,
        [
            ("Host", &b"example.com"[..]),
            ("Accept", b"text/html"),
            ("Upgrade", b"h2c"),
            ("Connection", b"Upgrade, HTTP2-Settings"),
        ]
    );
    // The handshake is over: it answers nothing more.
    assert!(handshake.pending().is_none());
    assert!(handshake.request().is_none());
    assert!(!handshake.is_done());
    assert_eq!(handshake.receive(b"x").unwrap_err(), Error::InvalidState);
}

#[test]
fn a_request_body_stays_unused() {
    let head: &[u8] = b"POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Length: 11\r\n\r\n";
    let stream = [head, b"hello world"].concat();
    let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = handshake.receive(&stream).unwrap();
    assert_eq!(received.used, head.len());
    let Some(Outcome::NotWebSocket(handover)) = received.event else {
        panic!("{:?}", received.event)
    };
    assert_eq!(handover.method(), "POST");
    assert_eq!(handover.path(), "/form");
    assert_eq!(handover.field("content-length"), Some(&b"11"[..]));
}

#[test]
fn what_decides_between_websocket_and_plain_http() {
    let no_keys = |upgrade: &str| {
        let request = edit("Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n", "");
        let request = String::from_utf8(request)
            .unwrap()
            .replace("Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n", "")
            .replace("Upgrade: WebSocket\r\n", upgrade);
        let head_len = request.len() - 8;
        (request.into_bytes(), head_len)
    };
    // No keys: `Upgrade: WebSocket` in any case asks for hixie-75 ...
    for upgrade in ["Upgrade: WebSocket\r\n", "upgrade: websocket\r\n"] {
        let (request, head_len) = no_keys(upgrade);
        assert_eq!(
            drive(&[&request]),
            Served::OtherVersion {
                version: Version::Hixie75,
                bytes: request[..head_len].to_vec(),
                used: head_len
            }
        );
    }
    // ... anything else, or no Upgrade at all, for no WebSocket.
    for upgrade in ["Upgrade: h2c\r\n", "Upgrade: websocket2\r\n", ""] {
        let (request, head_len) = no_keys(upgrade);
        assert_eq!(
            drive(&[&request]),
            Served::NotWebSocket {
                bytes: request[..head_len].to_vec(),
                used: head_len
            },
            "{upgrade:?}"
        );
    }
    // One key is enough to be judged as hixie-76.
    for key in ["Sec-WebSocket-Key1: 1 1\r\n", "Sec-WebSocket-Key2: 1 1\r\n"] {
        let (request, _) = no_keys(key);
        assert_eq!(
            error_of(&request, ServerConfig::default()),
            Error::MissingField(Field::Upgrade),
            "{key:?}"
        );
    }
}

/// A handed-back request line that is not ASCII reads as empty, as the views say, rather than
/// as text nobody checked.
#[test]
fn a_handed_back_request_line_that_is_not_ascii_reads_as_empty() {
    for (request, method, resource) in [
        (&b"GET /\xc3\xa9 HTTP/1.1\r\n\r\n"[..], "GET", ""),
        (b"G\xc3\x89T / HTTP/1.1\r\n\r\n", "", "/"),
    ] {
        let mut handshake = ServerHandshake::new(ServerConfig::new(), [0u8; 256]);
        let received = handshake.receive(request).unwrap();
        let Some(Outcome::NotWebSocket(handover)) = received.event else {
            panic!("handed back")
        };
        assert_eq!((handover.method(), handover.resource()), (method, resource));
        assert_eq!(handover.path(), resource);
    }
}

/// A field whose name is one byte away from one the handshake reads (`Date` beside `Host`,
/// `Cookie` beside `Origin`, `Connectiom`) is an ordinary field, even first in the head and
/// with a value (`1 1`) that each known field would read differently: the answer is the one
/// without it.
#[test]
fn near_names_are_ordinary_fields() {
    let Served::Answer {
        head,
        answer,
        hixie75,
        used,
    } = drive(&[V1])
    else {
        panic!("the example is answered");
    };
    let known = [
        "Host",
        "Origin",
        "Upgrade",
        "Connection",
        "Content-Length",
        "Transfer-Encoding",
        "Sec-WebSocket-Key",
        "Sec-WebSocket-Key1",
        "Sec-WebSocket-Key2",
        "WebSocket-Protocol",
        "Sec-WebSocket-Draft",
        "Sec-WebSocket-Version",
        "Sec-WebSocket-Protocol",
    ];
    let mut names = vec![
        "Date".to_owned(),
        "Cookie".to_owned(),
        "Connectiom".to_owned(),
    ];
    names.extend(known.iter().flat_map(|name| near_names(name)));
    names.retain(|name| !known.iter().any(|k| k.eq_ignore_ascii_case(name)));
    for name in names {
        let field = format!("{name}: 1 1");
        let request = with_field_first(V1, &field);
        assert_eq!(
            drive(&[&request]),
            Served::Answer {
                head: head.clone(),
                answer: answer.clone(),
                hixie75,
                used: used + field.len() + 2,
            },
            "{name}"
        );
    }
    // The known names themselves, in any case, are read: each one first changes the outcome
    // (but hixie-75's `WebSocket-Protocol`, which a hixie-76 request may carry unread).
    for name in known.iter().filter(|&&name| name != "WebSocket-Protocol") {
        for name in [(*name).to_owned(), name.to_lowercase(), name.to_uppercase()] {
            let request = with_field_first(V1, &format!("{name}: 1 1"));
            assert!(
                !matches!(drive(&[&request]), Served::Answer { head: ref h, .. } if *h == head),
                "{name}"
            );
        }
    }
}

/// With several fields missing or repeated, the error names the first in the draft's order
/// (Host, Upgrade, Connection, Origin, the keys, the subprotocol), whatever the order of the
/// lines.
#[test]
fn several_faults_name_the_first_field_in_the_drafts_order() {
    let text = String::from_utf8(support::V1_REQUEST.to_vec()).unwrap();
    let refused = |request: String| match serve(
        ServerConfig::new(),
        &Accept::new(),
        Pick::First,
        &[request.as_bytes()],
    ) {
        Served::Refused(error) => error,
        other => panic!("{other:?}"),
    };
    let without = |names: &[&str]| {
        text.split_inclusive("\r\n")
            .filter(|line| !names.iter().any(|name| line.starts_with(name)))
            .collect::<String>()
    };
    assert_eq!(
        refused(without(&["Host:", "Connection:"])),
        Error::MissingField(Field::Host)
    );
    assert_eq!(
        refused(without(&["Connection:", "Sec-WebSocket-Key2:"])),
        Error::MissingField(Field::Connection)
    );
    assert_eq!(
        refused(without(&["Sec-WebSocket-Key2:", "Upgrade:"])),
        Error::MissingField(Field::Upgrade)
    );
    let twice = |names: &[&str]| {
        let mut request = String::new();
        for line in text.split_inclusive("\r\n") {
            request.push_str(line);
            if names.iter().any(|name| line.starts_with(name)) {
                request.push_str(line);
            }
        }
        request
    };
    assert_eq!(
        refused(twice(&["Sec-WebSocket-Key1:", "Origin:"])),
        Error::DuplicateField(Field::Origin)
    );
    assert_eq!(
        refused(twice(&["Sec-WebSocket-Protocol:", "Sec-WebSocket-Key2:"])),
        Error::DuplicateField(Field::Key2)
    );
    assert_eq!(
        refused(twice(&["Upgrade:", "Host:"])),
        Error::DuplicateField(Field::Host)
    );
}

/// A request's fields are its lines after the first, even when the request line holds a
/// colon (a path may): that line is no field.
#[test]
fn a_colon_in_the_request_line_makes_no_field() {
    let request = String::from_utf8(V1.to_vec())
        .unwrap()
        .replacen("GET /demo ", "GET /demo:x ", 1);
    let mut names = Vec::new();
    let run = support::serve_inspecting(
        ServerConfig::new(),
        &Accept::new(),
        Pick::First,
        &[request.as_bytes()],
        |request| {
            assert_eq!(request.resource(), "/demo:x");
            names = request.fields().map(|(name, _)| name.to_string()).collect();
            assert_eq!(request.field("GET /demo"), None);
        },
    );
    assert!(
        matches!(run.served, Served::Answer { .. }),
        "{:?}",
        run.served
    );
    assert_eq!(
        names,
        [
            "Host",
            "Connection",
            "Sec-WebSocket-Key2",
            "Sec-WebSocket-Protocol",
            "Upgrade",
            "Sec-WebSocket-Key1",
            "Origin"
        ]
    );
}

/// An empty line where the request line belongs is a malformed request line, not the end of
/// an empty head: the head is read to its blank line like any other, then refused.
#[test]
fn an_empty_first_line_is_a_bad_request_line() {
    let mut handshake = ServerHandshake::new(ServerConfig::default(), vec![0u8; 1024]);
    let received = handshake.receive(b"\r\n").unwrap();
    assert_eq!(received.used, 2);
    assert!(received.event.is_none());
    assert_eq!(handshake.receive(V1).err(), Some(Error::BadRequestLine));
}

/// A peer's fault ends the handshake: bytes after it, even the blank line that would have
/// completed the head, get the same error and never a request.
#[test]
fn a_fault_is_final_even_when_the_head_could_still_complete() {
    let head_end = V1.len() - b"\r\n^n:ds[4U".len();
    let config = ServerConfig::default().with_limits(HeadLimits::new().with_max_fields(6));
    let mut handshake = ServerHandshake::new(config, vec![0u8; 1024]);
    let error = handshake.receive(&V1[..head_end]).err();
    assert_eq!(error, Some(Error::TooManyFields));
    assert_eq!(handshake.receive(&V1[head_end..]).err(), error);
}

/// A head handed over unjudged reads its fields from the line after the request line, however
/// that line ends.
#[test]
fn a_handed_over_heads_fields_start_after_its_request_line() {
    let head = b"GET /x ab:\r\nHost: example.com\r\n\r\n";
    let mut handshake = ServerHandshake::new(ServerConfig::default(), vec![0u8; 1024]);
    let received = handshake.receive(head).unwrap();
    assert_eq!(received.used, head.len());
    let Some(Outcome::NotWebSocket(handover)) = received.event else {
        panic!("{:?}", received.event)
    };
    let fields: Vec<_> = handover.fields().collect();
    assert_eq!(fields, [("Host", &b"example.com"[..])]);
}
