//! The server handshake against the conformance vectors (tests/vectors/server, copied from the
//! project's shared vectors: requests with the outcomes computed from draft-76 section 5.2;
//! v1 is the draft's own example, v3 and v5 are published vectors of Perl
//! Protocol::WebSocket's and faye websocket-driver's test suites), fed whole, one byte at a time
//! and split at every point; the exact response bytes; and every request error.

use hixie76::server::{error_response, Accept, Outcome, ServerConfig, ServerHandshake, Version};
use hixie76::{Error, Fault, Field, Key, Limits, StatusCode};

const TABLE: &str = include_str!("vectors/server/handshakes.tsv");

fn request_file(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/vectors/server/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// What a server made of a whole byte stream.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    /// Accepted: the 101 head written, the answer, and how many bytes the handshake used.
    Answer {
        head: Vec<u8>,
        answer: Vec<u8>,
        used: usize,
    },
    /// Accepted, still waiting for key3; the head written so far.
    NeedMore {
        head: Vec<u8>,
        used: usize,
    },
    Rejected(Error),
    Other {
        version: Version,
        bytes: Vec<u8>,
        used: usize,
    },
}

/// Feeds `bytes` cut at `cuts` (ascending offsets) and accepts with the first offered
/// subprotocol.
fn drive(config: ServerConfig, accept: Accept<'_>, bytes: &[u8], cuts: &[usize]) -> Seen {
    let mut handshake = ServerHandshake::new(config, vec![0u8; 32 * 1024]);
    let mut head = Vec::new();
    let mut used_total = 0;
    let mut bounds = cuts.to_vec();
    bounds.push(bytes.len());
    let mut start = 0;
    for end in bounds {
        let mut input = &bytes[start..end];
        start = end;
        loop {
            let received = match handshake.receive(input) {
                Ok(received) => received,
                Err(error) => return Seen::Rejected(error),
            };
            assert!(received.used <= input.len());
            used_total += received.used;
            input = &input[received.used..];
            match received.outcome {
                Outcome::Partial => {
                    assert!(input.is_empty(), "partial with input left");
                    break;
                }
                Outcome::Request(pending) => {
                    let choice = pending.request().protocols().next().map(|p| p.choice());
                    let mut out = [0u8; 1024];
                    let n = pending
                        .accept(&accept.protocol(choice), &mut out)
                        .expect("accept");
                    head.extend_from_slice(&out[..n]);
                }
                Outcome::Answer(answer) => {
                    return Seen::Answer {
                        head,
                        answer: answer.as_bytes().to_vec(),
                        used: used_total,
                    }
                }
                Outcome::OtherVersion(handover) => {
                    return Seen::Other {
                        version: handover.version(),
                        bytes: handover.bytes().to_vec(),
                        used: used_total,
                    }
                }
                other => panic!("unexpected outcome {other:?}"),
            }
        }
    }
    Seen::NeedMore {
        head,
        used: used_total,
    }
}

fn expected_error(kind: &str) -> fn(&Error) -> bool {
    match kind {
        "no-spaces" => |e| matches!(e, Error::KeyNoSpaces(_)),
        "not-integral" => |e| matches!(e, Error::KeyNotIntegral(_)),
        "key-number-too-large" => |e| matches!(e, Error::KeyNumberTooLarge(_)),
        "missing-field" => |e| matches!(e, Error::MissingField(_)),
        "bad-upgrade" => |e| *e == Error::BadUpgrade,
        "bad-method" => |e| *e == Error::BadMethod,
        "bad-request-line" => |e| *e == Error::BadRequestLine,
        "duplicate-field" => |e| matches!(e, Error::DuplicateField(_)),
        "bad-field" => |e| {
            matches!(
                e,
                Error::BadField | Error::BareCrOrLf | Error::FoldedLine | Error::UnexpectedBody
            )
        },
        "head-too-large" => |e| *e == Error::HeadTooLarge,
        "no-digits" => |e| matches!(e, Error::KeyNoDigits(_)),
        other => panic!("unknown reject kind {other}"),
    }
}

/// Checks one vector row against what the server saw.
fn check_row(name: &str, bytes: &[u8], expect: &str, frame_bytes: &[u8], seen: &Seen, how: &str) {
    let context = format!("{name} ({how})");
    if let Some(answer) = expect.strip_prefix("answer:") {
        let Seen::Answer {
            head, answer: got, ..
        } = seen
        else {
            panic!("{context}: expected an answer, saw {seen:?}");
        };
        assert_eq!(*got, hex(answer), "{context}: answer");
        assert!(head.starts_with(b"HTTP/1.1 101 WebSocket Protocol Handshake\r\n"));
        let Seen::Answer { used, .. } = seen else {
            unreachable!()
        };
        assert_eq!(&bytes[*used..], frame_bytes, "{context}: bytes left over");
    } else if expect == "need-more" {
        assert!(
            matches!(seen, Seen::NeedMore { used, .. } if *used == bytes.len()),
            "{context}: {seen:?}"
        );
    } else if let Some(kind) = expect.strip_prefix("reject:") {
        let Seen::Rejected(error) = seen else {
            panic!("{context}: expected reject {kind}, saw {seen:?}");
        };
        assert!(
            expected_error(kind)(error),
            "{context}: {error:?} is not {kind}"
        );
        assert_eq!(error.fault(), Fault::Peer, "{context}");
        assert!(error.status().is_some(), "{context}");
    } else if let Some(version) = expect.strip_prefix("other-version:") {
        let want = match version {
            "rfc6455" => Version::Rfc6455,
            "hybi" => Version::Hybi,
            "hixie75" => Version::Hixie75,
            other => panic!("unknown version {other}"),
        };
        let Seen::Other {
            version,
            bytes: handed,
            used,
        } = seen
        else {
            panic!("{context}: expected other version, saw {seen:?}");
        };
        assert_eq!(*version, want, "{context}");
        // Nothing lost: the handed-over head followed by the unused input is the input.
        let mut rebuilt = handed.clone();
        rebuilt.extend_from_slice(&bytes[*used..]);
        assert_eq!(rebuilt, bytes, "{context}: handover loses bytes");
    } else {
        panic!("{context}: unknown expectation {expect}");
    }
}

fn rows() -> impl Iterator<Item = (String, Vec<u8>, String, Vec<u8>)> {
    TABLE
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            (
                cols[0].to_string(),
                request_file(cols[1]),
                cols[2].to_string(),
                hex(cols.get(3).copied().unwrap_or("")),
            )
        })
}

#[test]
fn every_vector_fed_whole() {
    let mut count = 0;
    for (name, bytes, expect, frame) in rows() {
        let seen = drive(ServerConfig::default(), Accept::new(), &bytes, &[]);
        check_row(&name, &bytes, &expect, &frame, &seen, "whole");
        count += 1;
    }
    assert_eq!(count, 26, "every row of the table is read");
}

#[test]
fn every_vector_one_byte_at_a_time() {
    for (name, bytes, expect, frame) in rows() {
        let cuts: Vec<usize> = (1..bytes.len()).collect();
        let seen = drive(ServerConfig::default(), Accept::new(), &bytes, &cuts);
        check_row(&name, &bytes, &expect, &frame, &seen, "bytewise");
    }
}

#[test]
fn every_vector_split_at_every_point() {
    for (name, bytes, expect, frame) in rows() {
        let whole = drive(ServerConfig::default(), Accept::new(), &bytes, &[]);
        for cut in 1..bytes.len() {
            let seen = drive(ServerConfig::default(), Accept::new(), &bytes, &[cut]);
            check_row(&name, &bytes, &expect, &frame, &seen, &format!("cut {cut}"));
            assert_eq!(seen, whole, "{name}: cut at {cut} changes the outcome");
        }
    }
}

const V1: &[u8] = b"GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nSec-WebSocket-Protocol: sample\r\n\
Upgrade: WebSocket\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
Origin: http://example.com\r\n\r\n^n:ds[4U";

fn v1_with(host: &str, resource: &str) -> Vec<u8> {
    String::from_utf8(V1.to_vec())
        .unwrap()
        .replace("Host: example.com", &format!("Host: {host}"))
        .replace("GET /demo", &format!("GET {resource}"))
        .into_bytes()
}

fn response(config: ServerConfig, accept: Accept<'_>, request: &[u8], protocol: bool) -> Vec<u8> {
    let mut handshake = ServerHandshake::new(config, [0u8; 8192]);
    let received = handshake.receive(request).unwrap();
    let used = received.used;
    let Outcome::Request(pending) = received.outcome else {
        panic!("no request");
    };
    let choice = if protocol {
        pending.request().protocols().next().map(|p| p.choice())
    } else {
        None
    };
    let mut out = [0u8; 512];
    let n = pending.accept(&accept.protocol(choice), &mut out).unwrap();
    let mut bytes = out[..n].to_vec();
    let received = handshake.receive(&request[used..]).unwrap();
    let Outcome::Answer(answer) = received.outcome else {
        panic!("no answer");
    };
    bytes.extend_from_slice(answer.as_bytes());
    bytes
}

#[test]
fn v1_response_bytes_exact() {
    let config = ServerConfig::default();
    assert_eq!(
        response(config, Accept::new(), V1, true),
        &b"HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Origin: http://example.com\r\n\
Sec-WebSocket-Location: ws://example.com/demo\r\nSec-WebSocket-Protocol: sample\r\n\r\n\
8jKS'y:G*Co,Wxa-"[..]
    );
    assert_eq!(
        response(config, Accept::new(), V1, false),
        &b"HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Origin: http://example.com\r\n\
Sec-WebSocket-Location: ws://example.com/demo\r\n\r\n8jKS'y:G*Co,Wxa-"[..]
    );
    let secure = response(config, Accept::new().secure(true), V1, false);
    let needle = b"\r\nSec-WebSocket-Location: wss://example.com/demo\r\n";
    assert!(secure.windows(needle.len()).any(|w| w == needle));
}

fn location(request: &[u8], secure: bool) -> String {
    let bytes = response(
        ServerConfig::default(),
        Accept::new().secure(secure),
        request,
        false,
    );
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let line = text
        .split("\r\n")
        .find(|l| l.starts_with("Sec-WebSocket-Location: "))
        .unwrap();
    line["Sec-WebSocket-Location: ".len()..].to_string()
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
    let Outcome::Request(pending) = received.outcome else {
        panic!()
    };
    let view = pending.request();
    assert_eq!(view.resource(), "/demo?room=7");
    assert_eq!(view.path(), "/demo");
    assert_eq!(view.query(), Some("room=7"));
    assert_eq!(view.host(), "example.com");
    assert_eq!(view.origin(), Some("http://example.com"));
    let names: Vec<&str> = view.protocols().map(|p| p.name()).collect();
    assert_eq!(names, ["chat", "superchat"]);
    let cookies: Vec<&[u8]> = view.cookies().collect();
    assert_eq!(cookies, [&b"a=1"[..], b"b=2"]);
    assert_eq!(view.field("x-thing"), Some(&b"spaced value"[..]));
    assert_eq!(view.fields().count(), 10);
    assert_eq!(view.field("absent"), None);
}

#[test]
fn missing_origin_is_reported_and_not_echoed() {
    let request = String::from_utf8(V1.to_vec())
        .unwrap()
        .replace("Origin: http://example.com\r\n", "");
    let bytes = response(
        ServerConfig::default(),
        Accept::new(),
        request.as_bytes(),
        false,
    );
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("Origin"), "{text}");
    let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = handshake.receive(request.as_bytes()).unwrap();
    let Outcome::Request(pending) = received.outcome else {
        panic!()
    };
    assert_eq!(pending.request().origin(), None);
}

#[test]
fn extra_fields_are_written_and_checked() {
    let cookies = [("Set-Cookie", "id=1; HttpOnly")];
    let bytes = response(
        ServerConfig::default(),
        Accept::new().fields(&cookies),
        V1,
        false,
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
        let Outcome::Request(pending) = received.outcome else {
            panic!()
        };
        let mut out = [0u8; 512];
        let error = pending
            .accept(&Accept::new().fields(&bad), &mut out)
            .unwrap_err();
        assert_eq!(error, Error::InvalidValue);
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
    let Outcome::Request(pending) = received.outcome else {
        panic!()
    };
    let mut small = [0u8; 40];
    let error = pending.accept(&Accept::new(), &mut small).unwrap_err();
    let Error::BufferTooSmall { needed } = error else {
        panic!("{error:?}")
    };
    assert_eq!(error.fault(), Fault::Caller);
    assert!(small.iter().all(|&b| b == 0));
    let mut out = vec![0u8; needed];
    let pending = handshake.pending().expect("still pending");
    assert_eq!(pending.accept(&Accept::new(), &mut out), Ok(needed));
    assert!(handshake.pending().is_none(), "accepted once only");
    let received = handshake.receive(&V1[used..]).unwrap();
    assert!(matches!(received.outcome, Outcome::Answer(_)));
    assert!(handshake.is_done());
    assert_eq!(handshake.receive(b"x").unwrap_err(), Error::InvalidState);
}

#[test]
fn protocol_choice_must_come_from_this_request() {
    let other = v1_with("example.com", "/demo");
    let other = String::from_utf8(other)
        .unwrap()
        .replace("Protocol: sample", "Protocol: a-much-longer-name sample");
    let mut first = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = first.receive(other.as_bytes()).unwrap();
    let Outcome::Request(pending) = received.outcome else {
        panic!()
    };
    let foreign = pending.request().protocols().next().unwrap().choice();
    let mut second = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = second.receive(V1).unwrap();
    let Outcome::Request(pending) = received.outcome else {
        panic!()
    };
    let mut out = [0u8; 512];
    assert_eq!(
        pending.accept(&Accept::new().protocol(Some(foreign)), &mut out),
        Err(Error::ProtocolNotOffered)
    );
}

#[test]
fn reject_gives_a_fixed_response() {
    let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = handshake.receive(V1).unwrap();
    let Outcome::Request(pending) = received.outcome else {
        panic!()
    };
    assert_eq!(
        pending.reject(StatusCode::Forbidden),
        b"HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    assert!(handshake.pending().is_none());
    assert_eq!(handshake.receive(b"x").unwrap_err(), Error::InvalidState);
}

/// Replaces one field line of V1 (or adds one before the blank line) and returns the error.
fn error_of(request: &[u8], config: ServerConfig) -> Error {
    match drive(config, Accept::new(), request, &[]) {
        Seen::Rejected(error) => error,
        other => panic!("not rejected: {other:?}"),
    }
}

fn edit(from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(V1.to_vec()).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
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

    let small = Limits {
        max_head: 100,
        ..Limits::DEFAULT
    };
    assert_eq!(error_of(V1, config.with_limits(small)), Error::HeadTooLarge);
    let few = Limits {
        max_fields: 3,
        ..Limits::DEFAULT
    };
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
        assert!(matches!(
            handshake.receive(head).map(|r| r.outcome),
            Ok(Outcome::Partial)
        ));
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
    let limits = Limits {
        max_head: head_len,
        ..Limits::DEFAULT
    };
    let seen = drive(
        ServerConfig::default().with_limits(limits),
        Accept::new(),
        V1,
        &[],
    );
    assert!(matches!(seen, Seen::Answer { .. }), "{seen:?}");
    let limits = Limits {
        max_head: head_len - 1,
        ..Limits::DEFAULT
    };
    assert_eq!(
        error_of(V1, ServerConfig::default().with_limits(limits)),
        Error::HeadTooLarge
    );
}

#[test]
fn connection_token_list_is_accepted() {
    let request = edit("Connection: Upgrade", "Connection: keep-alive, upgrade");
    let seen = drive(ServerConfig::default(), Accept::new(), &request, &[]);
    assert!(matches!(seen, Seen::Answer { .. }), "{seen:?}");
}

#[test]
fn pending_request_uses_no_input_until_decided() {
    let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let used = handshake.receive(V1).unwrap().used;
    // Asking again without deciding: the same request, nothing used.
    let again = handshake.receive(&V1[used..]).unwrap();
    assert_eq!(again.used, 0);
    assert!(matches!(again.outcome, Outcome::Request(_)));
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
        match drive(ServerConfig::default(), Accept::new(), &request, &[]) {
            Seen::Other { version, bytes, .. } => {
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
    assert_eq!(error, Error::BufferTooSmall { needed: 8192 });
    assert_eq!(error.fault(), Fault::Caller);
}

#[test]
fn a_choice_kept_from_another_request_is_refused() {
    // Same layout, different name at the same offsets.
    let offer = |protocols: &str| {
        String::from_utf8(V1.to_vec())
            .unwrap()
            .replace("Protocol: sample", &format!("Protocol: {protocols}"))
    };
    let (a, b) = (offer("chat v2"), offer("evil v2"));
    let mut first = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = first.receive(a.as_bytes()).unwrap();
    let Outcome::Request(pending) = received.outcome else {
        panic!()
    };
    let kept = pending.request().protocols().next().unwrap().choice();
    let mut second = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
    let received = second.receive(b.as_bytes()).unwrap();
    let Outcome::Request(pending) = received.outcome else {
        panic!()
    };
    let mut out = [0u8; 512];
    assert_eq!(
        pending.accept(&Accept::new().protocol(Some(kept)), &mut out),
        Err(Error::ProtocolNotOffered)
    );
    // Its own choice of the same entry works.
    let own = handshake_choice(&mut second);
    let pending = second.pending().unwrap();
    let n = pending
        .accept(&Accept::new().protocol(Some(own)), &mut out)
        .unwrap();
    assert!(out[..n].ends_with(b"Sec-WebSocket-Protocol: evil\r\n\r\n"));
}

fn handshake_choice<S: AsRef<[u8]> + AsMut<[u8]>>(
    handshake: &mut ServerHandshake<S>,
) -> hixie76::server::ProtocolChoice {
    let pending = handshake.pending().unwrap();
    pending.request().protocols().next().unwrap().choice()
}
