//! The opt-in draft-hixie-thewebsocketprotocol-75 handshake, both roles: the draft's example
//! request and response, fed whole, a byte at a time and split at every point; every way a
//! response or a request can be refused; injection attempts; the subprotocol choice; our client
//! and server paired in memory (the shared `Pair`) with the framing that follows (where `FF 00`
//! is only a discarded frame); and that the default server still hands hixie-75 over untouched
//! while hixie-76 is unaffected.

mod support;

use hixie76::client::{ClientConfig, ClientHandshake, Url};
use hixie76::connection::ConnectionState;
use hixie76::server::{Accept, Outcome, ServerConfig, ServerHandshake, Version};
use hixie76::{Error, Fault, Field, Setting};
use support::{
    establish, find, near_names, request_of, serve, split, v1_keys, with_field_first, Got, Heard,
    Pair, Pick, Piece, Role, Say, Served, Setup, V1_ANSWER, V1_REQUEST as REQUEST_76,
};

// The two vectors below are derived from the text of draft-hixie-thewebsocketprotocol-75: the
// example handshake of its introduction (a client at http://example.com opening
// ws://example.com/demo with the subprotocol `sample`), with the request fields in the order
// of the client's steps and the response in the order of the server's steps. The response's
// first 85 bytes are the fixed start the draft's client compares byte for byte.
const REQUEST: &[u8] = b"GET /demo HTTP/1.1\r\n\
Upgrade: WebSocket\r\n\
Connection: Upgrade\r\n\
Host: example.com\r\n\
Origin: http://example.com\r\n\
WebSocket-Protocol: sample\r\n\
\r\n";

const RESPONSE: &[u8] = b"HTTP/1.1 101 Web Socket Protocol Handshake\r\n\
Upgrade: WebSocket\r\n\
Connection: Upgrade\r\n\
WebSocket-Origin: http://example.com\r\n\
WebSocket-Location: ws://example.com/demo\r\n\
WebSocket-Protocol: sample\r\n\
\r\n";

/// What follows either head in the same read: a text frame, then `FF 00`.
const FRAMES: &[u8] = b"\x00hi\xff\xff\x00";

// ---------------------------------------------------------------------------------------------
// server

fn allow75() -> ServerConfig {
    ServerConfig::new().with_hixie75(true)
}

/// Feeds `pieces` to a server that accepts with the first offered subprotocol.
fn drive(config: ServerConfig, accept: Accept<'_>, pieces: &[&[u8]]) -> Served {
    serve(config, &accept, Pick::First, pieces)
}

#[test]
fn server_answers_the_draft_example_however_split() {
    let stream = [REQUEST, FRAMES].concat();
    let expected = Served::Answer {
        head: RESPONSE.to_vec(),
        answer: Vec::new(),
        hixie75: true,
        used: REQUEST.len(),
    };
    for (how, pieces) in split::every_way(&stream) {
        assert_eq!(drive(allow75(), Accept::new(), &pieces), expected, "{how}");
    }
}

/// Fields named one byte away from those a hixie-75 request is read by are ordinary ones;
/// the names themselves, in any case, are read.
#[test]
fn server_reads_near_names_as_ordinary_fields() {
    let known = [
        "Host",
        "Origin",
        "Upgrade",
        "Connection",
        "WebSocket-Protocol",
    ];
    let mut names: Vec<String> = known.iter().flat_map(|name| near_names(name)).collect();
    names.retain(|name| !known.iter().any(|k| k.eq_ignore_ascii_case(name)));
    for name in names {
        let field = format!("{name}: 1 1");
        assert_eq!(
            drive(
                allow75(),
                Accept::new(),
                &[&with_field_first(REQUEST, &field)]
            ),
            Served::Answer {
                head: RESPONSE.to_vec(),
                answer: Vec::new(),
                hixie75: true,
                used: REQUEST.len() + field.len() + 2,
            },
            "{name}"
        );
    }
    for name in known {
        for name in [name.to_owned(), name.to_lowercase(), name.to_uppercase()] {
            let request = with_field_first(REQUEST, &format!("{name}: 1 1"));
            assert!(
                !matches!(
                    drive(allow75(), Accept::new(), &[&request]),
                    Served::Answer { head, .. } if head == RESPONSE
                ),
                "{name}"
            );
        }
    }
}

#[test]
fn server_request_view_knows_the_version() {
    let mut handshake = ServerHandshake::new(allow75(), [0u8; 1024]);
    let received = handshake.receive(REQUEST).unwrap();
    let Some(Outcome::Request(pending)) = received.event else {
        panic!("no request")
    };
    let request = pending.request();
    assert!(request.is_hixie75());
    assert_eq!(request.origin(), Some("http://example.com"));
    let offered: Vec<_> = request.protocols().collect();
    assert_eq!(offered, ["sample"]);

    let mut handshake = ServerHandshake::new(allow75(), [0u8; 1024]);
    let received = handshake.receive(REQUEST_76).unwrap();
    let Some(Outcome::Request(pending)) = received.event else {
        panic!("no request")
    };
    assert!(!pending.request().is_hixie75());
}

#[test]
fn default_server_hands_hixie75_over_untouched() {
    let stream = [REQUEST, FRAMES].concat();
    for (how, pieces) in split::every_way(&stream) {
        assert_eq!(
            drive(ServerConfig::default(), Accept::new(), &pieces),
            Served::OtherVersion {
                version: Version::Hixie75,
                bytes: REQUEST.to_vec(),
                used: REQUEST.len(),
            },
            "{how}"
        );
    }
    // Even a request hixie-75 would refuse is handed over, not judged.
    let with_body = with_field(REQUEST, "Content-Length: 0");
    assert!(matches!(
        drive(ServerConfig::default(), Accept::new(), &[&with_body]),
        Served::OtherVersion {
            version: Version::Hixie75,
            ..
        }
    ));
}

#[test]
fn hixie76_is_unaffected_by_the_option() {
    let with = drive(allow75(), Accept::new(), &[REQUEST_76]);
    let without = drive(ServerConfig::default(), Accept::new(), &[REQUEST_76]);
    assert_eq!(with, without);
    let Served::Answer {
        head,
        answer,
        hixie75,
        ..
    } = with
    else {
        panic!("{with:?}")
    };
    assert!(!hixie75);
    assert_eq!(answer, b"8jKS'y:G*Co,Wxa-");
    assert!(head.starts_with(b"HTTP/1.1 101 WebSocket Protocol Handshake\r\n"));
    assert!(head.ends_with(b"Sec-WebSocket-Protocol: sample\r\n\r\n"));
}

/// `request` with `field` (a whole line without CR LF) added before the blank line.
fn with_field(request: &[u8], field: &str) -> Vec<u8> {
    let head = &request[..request.len() - 2];
    [head, field.as_bytes(), b"\r\n\r\n"].concat()
}

/// `request` without the field line starting with `name:`.
fn without_field(request: &[u8], name: &str) -> Vec<u8> {
    let text = std::str::from_utf8(request).unwrap();
    text.split_inclusive("\r\n")
        .filter(|line| !line.starts_with(&format!("{name}:")))
        .collect::<String>()
        .into_bytes()
}

/// `request` with the first line starting with `from` replaced by `to`.
fn replaced(request: &[u8], from: &str, to: &[u8]) -> Vec<u8> {
    let mut done = false;
    let mut out = Vec::new();
    for line in request.split_inclusive(|&b| b == b'\n') {
        if !done && line.starts_with(from.as_bytes()) {
            out.extend_from_slice(to);
            out.extend_from_slice(b"\r\n");
            done = true;
        } else {
            out.extend_from_slice(line);
        }
    }
    assert!(done, "no line starts with {from}");
    out
}

fn head_of(served: Served) -> Vec<u8> {
    match served {
        Served::Answer { head, .. } => head,
        other => panic!("not accepted: {other:?}"),
    }
}

#[test]
fn server_refuses_what_hixie75_forbids() {
    let cases: Vec<(Vec<u8>, Error)> = vec![
        // A body: hixie-75 has no key3, so no Content-Length at all.
        (
            with_field(REQUEST, "Content-Length: 0"),
            Error::UnexpectedBody,
        ),
        (
            with_field(REQUEST, "Content-Length: 8"),
            Error::UnexpectedBody,
        ),
        (
            with_field(REQUEST, "Transfer-Encoding: chunked"),
            Error::UnexpectedBody,
        ),
        // One key is a hixie-76 request with the other missing, never hixie-75.
        (
            with_field(REQUEST, "Sec-WebSocket-Key1: 1 1"),
            Error::MissingField(Field::Key2),
        ),
        (
            with_field(REQUEST, "Sec-WebSocket-Key2: 1 1"),
            Error::MissingField(Field::Key1),
        ),
        (
            without_field(REQUEST, "Host"),
            Error::MissingField(Field::Host),
        ),
        (
            without_field(REQUEST, "Connection"),
            Error::MissingField(Field::Connection),
        ),
        (
            with_field(REQUEST, "Host: example.org"),
            Error::DuplicateField(Field::Host),
        ),
        (
            with_field(REQUEST, "Origin: http://example.org"),
            Error::DuplicateField(Field::Origin),
        ),
        (
            with_field(REQUEST, "Upgrade: WebSocket"),
            Error::DuplicateField(Field::Upgrade),
        ),
        (
            with_field(REQUEST, "WebSocket-Protocol: other"),
            Error::DuplicateField(Field::WebSocketProtocol),
        ),
        (
            replaced(REQUEST, "Connection:", b"Connection: keep-alive"),
            Error::BadConnection,
        ),
        (
            replaced(REQUEST, "Host:", b"Host: exa mple.com"),
            Error::BadHost,
        ),
        (
            replaced(REQUEST, "Host:", b"Host: example.com:0"),
            Error::BadHost,
        ),
        (
            replaced(REQUEST, "Host:", b"Host: example.com/x"),
            Error::BadHost,
        ),
        (
            replaced(REQUEST, "WebSocket-Protocol:", b"WebSocket-Protocol: a b"),
            Error::BadProtocol,
        ),
        (
            replaced(
                REQUEST,
                "WebSocket-Protocol:",
                b"WebSocket-Protocol: \xc3\xa9",
            ),
            Error::BadProtocol,
        ),
        (
            replaced(REQUEST, "GET", b"POST /demo HTTP/1.1"),
            Error::BadMethod,
        ),
        (
            replaced(REQUEST, "GET", b"GET /demo HTTP/1.0"),
            Error::BadRequestLine,
        ),
        // Injection attempts: nothing with CR, LF, NUL or another control byte is echoed.
        (
            replaced(REQUEST, "Origin:", b"Origin: http://a\rX-Injected: 1"),
            Error::BareCrOrLf,
        ),
        (
            replaced(REQUEST, "Origin:", b"Origin: http://a\nX-Injected: 1"),
            Error::BareCrOrLf,
        ),
        (
            replaced(REQUEST, "Origin:", b"Origin: http://a\0"),
            Error::NulInHead,
        ),
        (
            replaced(REQUEST, "Origin:", b"Origin: http://a\x0bb"),
            Error::BadField,
        ),
        (
            replaced(REQUEST, "Origin:", b"Origin: http://\xc3\xa9"),
            Error::BadField,
        ),
        (
            replaced(REQUEST, "Origin:", b"Origin: http://a b"),
            Error::BadField,
        ),
        (
            replaced(REQUEST, "WebSocket-Protocol:", b"WebSocket-Protocol: a\rb"),
            Error::BareCrOrLf,
        ),
        (
            replaced(REQUEST, "Origin:", b"Origin: http://a\r\n X-Folded: 1"),
            Error::FoldedLine,
        ),
    ];
    for (request, error) in cases {
        for (how, pieces) in split::every_way(&request) {
            assert_eq!(
                drive(allow75(), Accept::new(), &pieces),
                Served::Refused(error),
                "{how}: {}",
                String::from_utf8_lossy(&request).escape_debug()
            );
        }
    }
    // Another Upgrade token without keys is no WebSocket request at all: handed back, not
    // refused.
    let h2c = replaced(REQUEST, "Upgrade:", b"Upgrade: h2c");
    assert_eq!(
        drive(allow75(), Accept::new(), &[&h2c]),
        Served::NotWebSocket {
            bytes: h2c.clone(),
            used: h2c.len()
        }
    );
}

#[test]
fn server_subprotocol_choice_is_checked_as_for_76() {
    for (choice, error) in [
        (Some("other"), Error::ProtocolNotOffered),
        (Some("sampl"), Error::ProtocolNotOffered),
        (Some("Sample"), Error::ProtocolNotOffered),
    ] {
        let mut handshake = ServerHandshake::new(allow75(), [0u8; 1024]);
        let received = handshake.receive(REQUEST).unwrap();
        let Some(Outcome::Request(pending)) = received.event else {
            panic!("no request")
        };
        let mut out = [0xAAu8; 512];
        let accept = Accept::new().with_protocol(choice);
        assert_eq!(pending.accept(&accept, &mut out), Err(error), "{choice:?}");
        assert!(
            out.iter().all(|&b| b == 0xAA),
            "{choice:?}: nothing written"
        );

        // The request is given back; the offered name then gives the example's response.
        let pending = handshake.pending().expect("the request is given back");
        assert!(pending.request().is_hixie75());
        let accept = Accept::new().with_protocol(Some("sample"));
        let n = pending.accept(&accept, &mut out).unwrap();
        assert_eq!(&out[..n], RESPONSE);
        let received = handshake.receive(FRAMES).unwrap();
        assert_eq!(
            received.used, 0,
            "no key3 in hixie-75: the frames are the connection's"
        );
        let Some(Outcome::Answer(answer)) = received.event else {
            panic!("no answer")
        };
        assert!(answer.is_hixie75() && answer.as_bytes().is_empty());
        assert!(answer.connection().is_hixie75());
        assert!(handshake.is_done());
    }
    // hixie-75 makes the echo optional: accepting without a choice agrees on none, and the
    // 101 names none.
    let mut handshake = ServerHandshake::new(allow75(), [0u8; 1024]);
    let Some(Outcome::Request(pending)) = handshake.receive(REQUEST).unwrap().event else {
        panic!("no request")
    };
    let mut out = [0u8; 512];
    let n = pending.accept(&Accept::new(), &mut out).unwrap();
    let head = String::from_utf8(out[..n].to_vec()).unwrap();
    assert!(head.starts_with("HTTP/1.1 101 Web Socket Protocol Handshake\r\n"));
    assert!(!head.contains("Protocol:"), "{head}");
    // Nothing offered: a name is refused.
    let unoffered = without_field(REQUEST, "WebSocket-Protocol");
    let named = Accept::new().with_protocol(Some("sample"));
    assert_eq!(
        serve(allow75(), &named, Pick::AsGiven, &[&unoffered]),
        Served::NotAccepted(Error::ProtocolNotOffered)
    );
}

#[test]
fn server_builds_location_and_fields_as_for_76() {
    // Missing Origin is the application's call (rule R8): no WebSocket-Origin then.
    let head = head_of(drive(
        allow75(),
        Accept::new(),
        &[&without_field(REQUEST, "Origin")],
    ));
    assert_eq!(
        head,
        b"HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\n\
Connection: Upgrade\r\nWebSocket-Location: ws://example.com/demo\r\n\
WebSocket-Protocol: sample\r\n\r\n"
    );

    // Canonical Location: lowercased host, default port dropped, query kept, wss on request.
    let request = replaced(REQUEST, "GET", b"GET /demo?room=1&x HTTP/1.1");
    let request = replaced(&request, "Host:", b"Host: Example.COM:80");
    let head = head_of(drive(allow75(), Accept::new(), &[&request]));
    assert!(contains(
        &head,
        b"\r\nWebSocket-Location: ws://example.com/demo?room=1&x\r\n"
    ));
    let request = replaced(REQUEST, "Host:", b"Host: [::1]:443");
    let head = head_of(drive(
        allow75(),
        Accept::new().with_secure(true),
        &[&request],
    ));
    assert!(contains(
        &head,
        b"\r\nWebSocket-Location: wss://[::1]/demo\r\n"
    ));
    let request = replaced(REQUEST, "Host:", b"Host: 10.0.0.1:8075");
    let head = head_of(drive(allow75(), Accept::new(), &[&request]));
    assert!(contains(
        &head,
        b"\r\nWebSocket-Location: ws://10.0.0.1:8075/demo\r\n"
    ));

    // The same leniencies as hixie-76: any-case Upgrade, a Connection token list.
    let request = replaced(REQUEST, "Upgrade:", b"Upgrade: websocket");
    let request = replaced(&request, "Connection:", b"Connection: keep-alive, Upgrade");
    assert_eq!(
        head_of(drive(allow75(), Accept::new(), &[&request])),
        RESPONSE
    );

    // No subprotocol offered, none written.
    let request = without_field(REQUEST, "WebSocket-Protocol");
    let head = head_of(drive(allow75(), Accept::new(), &[&request]));
    assert!(!contains(&head, b"WebSocket-Protocol"));

    // Application fields: written after the handshake's, checked like hixie-76's.
    let cookies = [("Set-Cookie", "id=1")];
    let head = head_of(drive(
        allow75(),
        Accept::new().with_fields(&cookies),
        &[REQUEST],
    ));
    assert!(head.ends_with(b"WebSocket-Protocol: sample\r\nSet-Cookie: id=1\r\n\r\n"));
    for fields in [
        &[("Set-Cookie", "a\r\nWebSocket-Origin: evil")][..],
        &[("Set-Cookie", "a\nb")],
        &[("Set-Cookie", "a\0")],
        &[("WebSocket-Origin", "http://evil")],
        &[("websocket-location", "ws://evil/")],
        &[("Bad Name", "x")],
    ] {
        assert_eq!(
            drive(allow75(), Accept::new().with_fields(fields), &[REQUEST]),
            Served::NotAccepted(Error::InvalidValue(Setting::Field)),
            "{fields:?}"
        );
    }
}

#[test]
fn each_version_reads_only_its_own_subprotocol_field() {
    // A hixie-75 request does not offer what sits in a Sec-WebSocket-Protocol field...
    let request = without_field(REQUEST, "WebSocket-Protocol");
    let request = with_field(&request, "Sec-WebSocket-Protocol: sample");
    let head = head_of(drive(allow75(), Accept::new(), &[&request]));
    assert!(!contains(&head, b"WebSocket-Protocol"));
    // ... nor a hixie-76 request what sits in a WebSocket-Protocol field.
    let request = REQUEST_76
        .split(|&b| b == b'\n')
        .filter(|line| !line.starts_with(b"Sec-WebSocket-Protocol"))
        .collect::<Vec<_>>()
        .join(&b'\n');
    let at = find(&request, b"\r\n\r\n").unwrap();
    let request = [
        &request[..at + 2],
        b"WebSocket-Protocol: sample\r\n",
        &request[at + 2..],
    ]
    .concat();
    let head = head_of(drive(allow75(), Accept::new(), &[&request]));
    assert!(
        !contains(&head, b"WebSocket-Protocol"),
        "{}",
        head.escape_ascii()
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

// ---------------------------------------------------------------------------------------------
// client

fn example_config<'a>(protocols: &'a [&'a str]) -> ClientConfig<'a> {
    ClientConfig::new(
        Url::parse("ws://example.com/demo").unwrap(),
        "http://example.com",
    )
    .with_protocols(protocols)
}

/// A started hixie-75 client: its request written.
fn started<'a>(config: ClientConfig<'a>) -> ClientHandshake<'a, Vec<u8>> {
    let mut handshake = ClientHandshake::new_hixie75(config, vec![0u8; 4096]).unwrap();
    request_of(&mut handshake);
    handshake
}

/// What a started client makes of `pieces`.
fn receive(config: ClientConfig<'_>, pieces: &[&[u8]]) -> Got {
    establish(&mut started(config), pieces).got
}

/// A hixie-75 connection established after `used` bytes, with `protocol` agreed.
fn established(protocol: Option<&str>, used: usize) -> Got {
    Got::Established {
        used,
        protocol: protocol.map(str::to_owned),
        cookies: Vec::new(),
        hixie75: true,
    }
}

#[test]
fn client_writes_the_draft_example_request() {
    let config = example_config(&["sample"]);
    let mut handshake = ClientHandshake::new_hixie75(config, [0u8; 512]).unwrap();
    assert_eq!(handshake.request_len(), REQUEST.len());
    let mut out = [0u8; 512];
    let n = handshake.write_request(&mut out).unwrap();
    assert_eq!(&out[..n], REQUEST, "{}", out[..n].escape_ascii());
    // hixie-75 is the machine's, not the configuration's, and it has no keys to send.
    assert!(handshake.is_hixie75());
    assert!(handshake.keys().is_none());
    let hixie76 = ClientHandshake::new(config, v1_keys(), [0u8; 512]).unwrap();
    assert!(!hixie76.is_hixie75());
    assert!(hixie76.keys().is_some());
    assert!(hixie76.request_len() > REQUEST.len());
    // Without a subprotocol, no WebSocket-Protocol field; extra fields after ours.
    let cookies = [("Cookie", "a=b")];
    let mut handshake =
        ClientHandshake::new_hixie75(example_config(&[]).with_fields(&cookies), [0u8; 512])
            .unwrap();
    let mut out = [0u8; 512];
    let n = handshake.write_request(&mut out).unwrap();
    assert_eq!(
        &out[..n],
        &b"GET /demo HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
Host: example.com\r\nOrigin: http://example.com\r\nCookie: a=b\r\n\r\n"[..]
    );
}

#[test]
fn client_refuses_impossible_hixie75_settings() {
    for (config, setting) in [
        (example_config(&["a", "b"]), Setting::Protocols),
        (example_config(&["a\r\nX: y"]), Setting::Protocol),
        (
            example_config(&[]).with_content_length(true),
            Setting::ContentLength,
        ),
    ] {
        let error = ClientHandshake::new_hixie75(config, [0u8; 64]).err();
        assert_eq!(error, Some(Error::InvalidValue(setting)));
        assert_eq!(error.map(|e| e.fault()), Some(Fault::Caller));
    }
    // What hixie-75 alone refuses, hixie-76 takes.
    for config in [
        example_config(&["a", "b"]),
        example_config(&[]).with_content_length(true),
    ] {
        assert!(ClientHandshake::new(config, v1_keys(), [0u8; 64]).is_ok());
    }
}

#[test]
fn client_accepts_the_draft_example_however_split() {
    let stream = [RESPONSE, FRAMES].concat();
    let expected = established(Some("sample"), RESPONSE.len());
    for (how, pieces) in split::every_way(&stream) {
        assert_eq!(
            receive(example_config(&["sample"]), &pieces),
            expected,
            "{how}"
        );
    }
    // Every proper prefix of the head is only partial.
    for end in 0..RESPONSE.len() {
        assert_eq!(
            receive(example_config(&["sample"]), &[&RESPONSE[..end]]),
            Got::NeedMore
        );
    }
}

/// Fields named one byte away from those a hixie-75 response is read by, after its fixed
/// start, are ordinary ones (hixie-76's names too); the names themselves, in any case, are
/// read.
#[test]
fn client_reads_near_names_as_ordinary_fields() {
    // After the status line, `Upgrade` and `Connection`: the fixed start.
    let fixed = find(RESPONSE, b"Connection: Upgrade\r\n").unwrap() + 21;
    let with_field = |field: &str| {
        [
            &RESPONSE[..fixed],
            field.as_bytes(),
            b"\r\n",
            &RESPONSE[fixed..],
        ]
        .concat()
    };
    let known = [
        "Upgrade",
        "Connection",
        "WebSocket-Origin",
        "WebSocket-Location",
        "WebSocket-Protocol",
    ];
    let mut names = vec![
        "Sec-WebSocket-Origin".to_owned(),
        "Sec-WebSocket-Location".to_owned(),
        "Sec-WebSocket-Protocol".to_owned(),
    ];
    names.extend(known.iter().flat_map(|name| near_names(name)));
    names.retain(|name| !known.iter().any(|k| k.eq_ignore_ascii_case(name)));
    for name in names {
        let field = format!("{name}: 1 1");
        assert_eq!(
            receive(example_config(&["sample"]), &[&with_field(&field)]),
            established(Some("sample"), RESPONSE.len() + field.len() + 2),
            "{name}"
        );
    }
    for name in known {
        for name in [name.to_owned(), name.to_lowercase(), name.to_uppercase()] {
            let response = with_field(&format!("{name}: 1 1"));
            assert!(
                matches!(
                    receive(example_config(&["sample"]), &[&response]),
                    Got::Failed(_)
                ),
                "{name}"
            );
        }
    }
}

/// The example response with the line starting with `from` replaced by `to` (`None`
/// removes it), or with `to` added before the blank line when `from` is empty.
fn response_with(from: &str, to: Option<&[u8]>) -> Vec<u8> {
    if from.is_empty() {
        return with_field(RESPONSE, std::str::from_utf8(to.unwrap()).unwrap());
    }
    match to {
        Some(to) => replaced(RESPONSE, from, to),
        None => without_field(RESPONSE, from),
    }
}

#[test]
fn client_checks_the_response_as_the_draft_says() {
    let cases: Vec<(Vec<u8>, Got)> = vec![
        // The fixed 85-byte start.
        (
            response_with("HTTP", Some(b"HTTP/1.1 101 WebSocket Protocol Handshake")),
            Got::Failed(Error::BadStatusLine),
        ),
        (
            response_with("HTTP", Some(b"HTTP/1.1 101 Switching Protocols")),
            Got::Failed(Error::BadStatusLine),
        ),
        (
            response_with("HTTP", Some(b"HTTP/1.0 101 Web Socket Protocol Handshake")),
            Got::Failed(Error::BadStatusLine),
        ),
        (
            response_with("HTTP", Some(b"HTTP/1.1 101 Web Socket Protocol Handshake ")),
            Got::Failed(Error::BadStatusLine),
        ),
        (
            response_with("HTTP", Some(b"HTTP/1.1 200 OK")),
            Got::Failed(Error::UnexpectedStatus(200)),
        ),
        (
            response_with("HTTP", Some(b"HTTP/1.1 407 Proxy Authentication Required")),
            Got::Failed(Error::ProxyAuthenticationRequired),
        ),
        (
            response_with("Upgrade", Some(b"Upgrade: websocket")),
            Got::Failed(Error::BadUpgrade),
        ),
        (
            response_with("Upgrade", Some(b"Upgrade:WebSocket")),
            Got::Failed(Error::BadUpgrade),
        ),
        (
            response_with("Upgrade", Some(b"upgrade: WebSocket")),
            Got::Failed(Error::BadUpgrade),
        ),
        (
            response_with("Connection", Some(b"Connection: upgrade")),
            Got::Failed(Error::BadConnection),
        ),
        (
            response_with("Connection", Some(b"Connection:  Upgrade")),
            Got::Failed(Error::BadConnection),
        ),
        // Upgrade and Connection in the other order: the fixed start differs.
        (
            RESPONSE.replace_bytes(
                b"Upgrade: WebSocket\r\nConnection: Upgrade\r\n",
                b"Connection: Upgrade\r\nUpgrade: WebSocket\r\n",
            ),
            Got::Failed(Error::BadUpgrade),
        ),
        (
            response_with("Upgrade", None),
            Got::Failed(Error::BadUpgrade),
        ),
        // The fields after it.
        (
            response_with("WebSocket-Origin", None),
            Got::Failed(Error::MissingField(Field::WebSocketOrigin)),
        ),
        (
            response_with("WebSocket-Location", None),
            Got::Failed(Error::MissingField(Field::WebSocketLocation)),
        ),
        (
            response_with(
                "WebSocket-Origin",
                Some(b"Sec-WebSocket-Origin: http://example.com"),
            ),
            Got::Failed(Error::MissingField(Field::WebSocketOrigin)),
        ),
        (
            response_with(
                "WebSocket-Origin",
                Some(b"WebSocket-Origin: http://example.org"),
            ),
            Got::Failed(Error::OriginMismatch),
        ),
        (
            response_with(
                "WebSocket-Origin",
                Some(b"WebSocket-Origin: HTTP://EXAMPLE.COM"),
            ),
            Got::Failed(Error::OriginMismatch),
        ),
        (
            response_with(
                "WebSocket-Origin",
                Some(b"WebSocket-Origin: http://example.com "),
            ),
            Got::Failed(Error::OriginMismatch),
        ),
        (
            response_with(
                "WebSocket-Location",
                Some(b"WebSocket-Location: ws://example.com/demo/"),
            ),
            Got::Failed(Error::LocationMismatch),
        ),
        (
            response_with(
                "WebSocket-Location",
                Some(b"WebSocket-Location: wss://example.com/demo"),
            ),
            Got::Failed(Error::LocationMismatch),
        ),
        (
            response_with(
                "WebSocket-Location",
                Some(b"WebSocket-Location: ws://example.com:80/demo"),
            ),
            Got::Failed(Error::LocationMismatch),
        ),
        (
            response_with("", Some(b"WebSocket-Origin: http://example.com")),
            Got::Failed(Error::DuplicateField(Field::WebSocketOrigin)),
        ),
        (
            response_with("", Some(b"WebSocket-Location: ws://example.com/demo")),
            Got::Failed(Error::DuplicateField(Field::WebSocketLocation)),
        ),
        (
            response_with("", Some(b"WebSocket-Protocol: sample")),
            Got::Failed(Error::DuplicateField(Field::WebSocketProtocol)),
        ),
        (
            response_with("", Some(b"Upgrade: WebSocket")),
            Got::Failed(Error::DuplicateField(Field::Upgrade)),
        ),
        (
            response_with("WebSocket-Protocol", Some(b"WebSocket-Protocol: other")),
            Got::Failed(Error::ProtocolMismatch),
        ),
        (
            response_with("WebSocket-Protocol", Some(b"WebSocket-Protocol: Sample")),
            Got::Failed(Error::ProtocolMismatch),
        ),
        // The echo is optional in hixie-75: without it, no subprotocol was agreed.
        (
            response_with("WebSocket-Protocol", None),
            established(
                None,
                RESPONSE.len() - b"WebSocket-Protocol: sample\r\n".len(),
            ),
        ),
        // Other fields are ignored, including hixie-76's.
        (
            response_with("", Some(b"Sec-WebSocket-Location: ws://evil/")),
            established(
                Some("sample"),
                RESPONSE.len() + b"Sec-WebSocket-Location: ws://evil/\r\n".len(),
            ),
        ),
        // Byte-level faults, as for hixie-76.
        (
            RESPONSE.replace_bytes(b"Handshake\r\n", b"Handshake\n"),
            Got::Failed(Error::BadStatusLine),
        ),
        (
            RESPONSE.replace_bytes(b"example.com\r\nWebSocket-L", b"example.com\nWebSocket-L"),
            Got::Failed(Error::BareCrOrLf),
        ),
        (
            response_with("", Some(b" folded")),
            Got::Failed(Error::FoldedLine),
        ),
    ];
    for (response, expected) in &cases {
        for (how, pieces) in split::every_way(response) {
            assert_eq!(
                &receive(example_config(&["sample"]), &pieces),
                expected,
                "{how}: {}",
                response.escape_ascii()
            );
        }
    }

    // A subprotocol the client never offered fails (as for hixie-76), and none is fine.
    assert_eq!(
        receive(example_config(&[]), &[RESPONSE]),
        Got::Failed(Error::ProtocolMismatch)
    );
    let plain = response_with("WebSocket-Protocol", None);
    assert!(matches!(
        receive(example_config(&[]), &[&plain]),
        Got::Established { protocol: None, .. }
    ));
    // The named leniency lets `WebSocket` come in another case, and nothing else.
    let lower = response_with("Upgrade", Some(b"Upgrade: websocket"));
    let lenient = example_config(&["sample"]).with_any_case_upgrade(true);
    assert!(matches!(
        receive(lenient, &[&lower]),
        Got::Established { .. }
    ));
    let other = response_with("Upgrade", Some(b"Upgrade: websockets"));
    assert_eq!(receive(lenient, &[&other]), Got::Failed(Error::BadUpgrade));
    // The fixed start is judged line by line: a wrong `Upgrade` is the error even when the
    // `Connection` after it is wrong too.
    let both = replaced(&lower, "Connection", b"Connection: keep-alive");
    assert_eq!(
        receive(example_config(&["sample"]), &[&both]),
        Got::Failed(Error::BadUpgrade)
    );
    let both = replaced(&other, "Connection", b"Connection: keep-alive");
    assert_eq!(receive(lenient, &[&both]), Got::Failed(Error::BadUpgrade));
    let connection = replaced(&lower, "Connection", b"Connection: keep-alive");
    assert_eq!(
        receive(lenient, &[&connection]),
        Got::Failed(Error::BadConnection)
    );
}

#[test]
fn hixie76_client_and_hixie75_response_do_not_mix() {
    // A hixie-76 answer to a hixie-75 client: the status line's reason differs.
    let response_76 = b"HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Origin: http://example.com\r\n\
Sec-WebSocket-Location: ws://example.com/demo\r\nSec-WebSocket-Protocol: sample\r\n\r\n\
8jKS'y:G*Co,Wxa-";
    assert_eq!(
        receive(example_config(&["sample"]), &[response_76]),
        Got::Failed(Error::BadStatusLine)
    );
    // A hixie-75 answer to a hixie-76 client: it lacks the Sec- fields.
    let mut handshake =
        ClientHandshake::new(example_config(&["sample"]), v1_keys(), [0u8; 1024]).unwrap();
    let mut out = [0u8; 512];
    handshake.write_request(&mut out).unwrap();
    assert_eq!(
        handshake.receive(RESPONSE).err(),
        Some(Error::MissingField(Field::SecOrigin))
    );
}

trait ReplaceBytes {
    fn replace_bytes(&self, from: &[u8], to: &[u8]) -> Vec<u8>;
}

impl ReplaceBytes for [u8] {
    fn replace_bytes(&self, from: &[u8], to: &[u8]) -> Vec<u8> {
        let at = find(self, from).expect("pattern present");
        [&self[..at], to, &self[at + from.len()..]].concat()
    }
}

// ---------------------------------------------------------------------------------------------
// our client and our server, in memory

/// One client–server pair over `url`: the handshake with both byte streams cut as `piece`
/// says, then messages both ways, `FF 00` discarded, and the end by closing the transport.
fn pair(url: &str, protocols: &[&str], served: &[&str], secure: bool, piece: Piece) {
    let config =
        ClientConfig::new(Url::parse(url).unwrap(), "http://App.example").with_protocols(protocols);
    let mut pair = Pair::connect(Setup {
        accept: Accept::new().with_secure(secure),
        pick: Pick::AnyOf(served),
        piece,
        // The client's first message travels in the same write as its request; the server's
        // right behind its head, then a hixie-76 close.
        client_says: &[Say::Text("from client")],
        server_says: &[Say::Raw(b"\x00from server\xff\xff\x00")],
        ..Setup::new(config, None)
    });
    assert!(pair.seen.hixie75);
    assert_eq!(pair.seen.origin.as_deref(), Some("http://app.example"));
    assert!(pair.answer_hixie75);
    assert!(pair.answer.is_empty(), "no answer bytes");
    assert_eq!(pair.server.handed, b"\x00from client\xff");
    let Got::Established { hixie75, .. } = pair.got else {
        unreachable!()
    };
    assert!(hixie75);
    let expected = protocols.iter().copied().find(|p| served.contains(p));
    assert_eq!(pair.protocol(), expected);

    // Framing: the same as hixie-76 but for the close.
    assert_eq!(
        pair.heard(Role::Client),
        [Heard::Text("from server".into()), Heard::Discarded]
    );
    assert_eq!(pair.client.connection.state(), ConnectionState::Open);
    assert!(!pair.client.connection.wants_transmit());
    assert_eq!(
        pair.heard(Role::Server),
        [Heard::Text("from client".into())]
    );

    pair.send(Role::Server, "more").unwrap();
    pair.drive();
    assert_eq!(pair.heard(Role::Client), [Heard::Text("more".into())]);
    // Closing writes nothing: the wrapper closes the transport.
    assert_eq!(pair.close(Role::Client), Ok(0));
    assert!(pair.client.connection.is_closed());
    assert_eq!(pair.send(Role::Client, "late"), Err(Error::InvalidState));
}

#[test]
fn our_client_and_server_speak_hixie75() {
    let cases: &[(&str, &[&str], &[&str], bool)] = &[
        ("ws://example.com/demo", &["sample"], &["sample"], false),
        ("ws://example.com", &[], &[], false),
        ("ws://Example.COM:80/a/b?c=d&e", &["chat"], &["chat"], false),
        ("ws://example.com/x", &["b"], &["c", "b"], false),
        ("ws://127.0.0.1:8075/?", &["chat"], &["chat"], false),
        ("wss://[::1]:443/x", &[], &[], true),
        (
            "wss://host.example:8443/",
            &["v1.proto"],
            &["v1.proto"],
            true,
        ),
    ];
    // Offered, and none served: the draft makes the echo optional, so the server accepts
    // without one and the client takes that as no subprotocol agreed.
    let url = Url::parse("ws://Example.COM:80/a/b?c=d&e").unwrap();
    let config = ClientConfig::new(url, "http://App.example").with_protocols(&["chat"]);
    let mut client = ClientHandshake::new_hixie75(config, vec![0u8; 1024]).unwrap();
    let request = request_of(&mut client);
    let Served::Answer { head, hixie75, .. } =
        serve(allow75(), &Accept::new(), Pick::AnyOf(&[]), &[&request])
    else {
        panic!("accepted without a subprotocol")
    };
    assert!(hixie75);
    let established = client.receive(&head).unwrap().event.expect("established");
    assert_eq!(established.protocol(), None);

    for &(url, protocols, served, secure) in cases {
        pair(url, protocols, served, secure, Piece::Whole);
        pair(url, protocols, served, secure, Piece::Of(1));
        for cut in 1..200 {
            pair(url, protocols, served, secure, Piece::Cut(cut));
        }
    }
}

#[test]
fn hixie76_pair_is_unaffected() {
    // A hixie-76 client against a server that also allows hixie-75 still gets hixie-76.
    let pair = Pair::connect(Setup {
        server: allow75(),
        ..Setup::new(example_config(&["sample"]), Some(v1_keys()))
    });
    assert!(!pair.seen.hixie75);
    assert!(!pair.answer_hixie75);
    assert_eq!(pair.answer, V1_ANSWER);
    let Got::Established { hixie75, .. } = pair.got else {
        unreachable!()
    };
    assert!(!hixie75);
    assert_eq!(pair.protocol(), Some("sample"));
    assert!(!pair.client.connection.is_hixie75());
    assert!(!pair.server.connection.is_hixie75());
}
