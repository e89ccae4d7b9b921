//! Every `Error` variant reached through the public API, with whose fault it is, whether a
//! server answers it with a status, and its message; every `Setting` an
//! `Error::InvalidValue` can name; and the smallest head limit either role takes.

mod support;

use std::collections::BTreeSet;

use hixie76::client::{ClientConfig, ClientHandshake, Keys, Url};
use hixie76::connection::Connection;
use hixie76::frame::{encode_text, Decoder, FrameConfig};
use hixie76::proxy::{ProxyConfig, ProxyDecoder};
use hixie76::server::{error_response, Accept, Outcome, ServerConfig, ServerHandshake};
use hixie76::{Error, Fault, Field, HeadLimits, Key, Setting};
use support::{
    establish, request_of, serve, v1_keys, Got, Pick, Served, V1_ANSWER, V1_KEY1, V1_KEY2, V1_KEY3,
    V1_REQUEST as V1,
};

/// Every variant of `Error`, by name. `Error` is `non_exhaustive`, so no `match` here can list
/// them for the compiler: a new variant must be added here by hand, and
/// `every_error_variant_is_reached` then fails until a call that reaches it is added too.
const VARIANTS: [&str; 36] = [
    "BareCrOrLf",
    "NulInHead",
    "FoldedLine",
    "HeadTooLarge",
    "TooManyFields",
    "BadField",
    "BadRequestLine",
    "BadMethod",
    "MissingField",
    "DuplicateField",
    "BadUpgrade",
    "BadConnection",
    "BadHost",
    "BadProtocol",
    "UnexpectedBody",
    "KeyNoDigits",
    "KeyNumberTooLarge",
    "KeyNoSpaces",
    "KeyNotIntegral",
    "BadProxyHeader",
    "BadStatusLine",
    "UnexpectedStatus",
    "ProxyAuthenticationRequired",
    "OriginMismatch",
    "LocationMismatch",
    "ProtocolMismatch",
    "ChallengeMismatch",
    "FrameTooLarge",
    "MessageTooLarge",
    "InvalidUtf8",
    "BufferTooSmall",
    "InvalidValue",
    "ProtocolNotOffered",
    "NoProtocolChosen",
    "InvalidUrl",
    "InvalidState",
];

/// Variants no public call produces, and why. None today: keep it empty, and give any entry
/// a reason.
const NOT_YET_REACHABLE: [(&str, &str); 0] = [];

/// The variant's name: its `Debug` form up to the payload.
fn variant(error: &Error) -> String {
    format!("{error:?}")
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The draft's example request with the first `from` replaced by `to`.
fn edit(from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(V1.to_vec()).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1).into_bytes()
}

/// The error a server's `receive` gives for `request`.
fn refused(config: ServerConfig, request: &[u8]) -> Error {
    match serve(config, &Accept::new(), Pick::First, &[request]) {
        Served::Refused(error) => error,
        other => panic!("not refused: {other:?}"),
    }
}

/// The error `accept` gives for the draft's example request.
fn not_accepted(accept: Accept<'_>) -> Error {
    match serve(ServerConfig::default(), &accept, Pick::AsGiven, &[V1]) {
        Served::NotAccepted(error) => error,
        other => panic!("accepted: {other:?}"),
    }
}

/// The answer to the draft's example request, with the first `from` replaced by `to`.
fn response(from: &str, to: &str) -> Vec<u8> {
    let head = "HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Origin: http://example.com\r\n\
Sec-WebSocket-Location: ws://example.com/demo\r\n\r\n";
    assert!(head.contains(from), "{from}");
    [head.replacen(from, to, 1).as_bytes(), V1_ANSWER].concat()
}

/// The error a client of the draft's example (offering nothing) gives for `response`.
fn failed(response: &[u8]) -> Error {
    let url = Url::parse("ws://example.com/demo").unwrap();
    let config = ClientConfig::new(url, "http://example.com");
    let mut handshake = ClientHandshake::new(config, v1_keys(), vec![0u8; 1024]).unwrap();
    request_of(&mut handshake);
    match establish(&mut handshake, &[response]).got {
        Got::Failed(error) => error,
        other => panic!("not failed: {other:?}"),
    }
}

/// The error a decoder gives for `bytes`, once it gives one.
fn decode_error(mut decoder: Decoder, mut bytes: &[u8]) -> Error {
    loop {
        match decoder.receive(bytes) {
            Err(error) => return error,
            Ok(received) if received.event.is_none() => panic!("no error in {bytes:02x?}"),
            Ok(received) => bytes = &bytes[received.used..],
        }
    }
}

/// Where an error was reached from: it decides whether it has a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// A server reading a request: answered with a status.
    Request,
    /// A client reading a response, or a decoder reading frames: closed without a word.
    Peer,
    /// The application's own call.
    Caller,
}

/// Every error a public call can give, each from one such call.
fn reached() -> Vec<(Error, Source)> {
    let config = ServerConfig::default();
    let few_fields = config.with_limits(HeadLimits::new().with_max_fields(3));
    let short_head = config.with_limits(HeadLimits::new().with_max_head(100));
    let small = FrameConfig::new().with_max_message(1);
    let mut wrong_answer = response(" 101 ", " 101 ");
    *wrong_answer.last_mut().unwrap() ^= 1;
    let mut closed = Connection::default();
    closed.close(&mut [0u8; 2]).unwrap();
    vec![
        (
            refused(config, &edit("Host: example.com\r\n", "Host: x\n")),
            Source::Request,
        ),
        (
            refused(config, &edit("Host: exa", "Host: exa\0")),
            Source::Request,
        ),
        (
            refused(config, &edit("Host: example.com\r\n", "Host: a\r\n b\r\n")),
            Source::Request,
        ),
        (refused(short_head, V1), Source::Request),
        (refused(few_fields, V1), Source::Request),
        (
            refused(config, &edit("Host: example.com\r\n", "Bad Name: x\r\n")),
            Source::Request,
        ),
        (
            refused(config, &edit("GET /demo", "GET demo")),
            Source::Request,
        ),
        (
            refused(config, &edit("GET /demo", "POST /demo")),
            Source::Request,
        ),
        (
            refused(config, &edit("Host: example.com\r\n", "")),
            Source::Request,
        ),
        (
            refused(
                config,
                &edit("Host: example.com\r\n", "Host: a\r\nHost: b\r\n"),
            ),
            Source::Request,
        ),
        (
            refused(config, &edit("Upgrade: WebSocket", "Upgrade: h2c")),
            Source::Request,
        ),
        (
            refused(config, &edit("Connection: Upgrade", "Connection: close")),
            Source::Request,
        ),
        (
            refused(config, &edit("Host: example.com", "Host: a b")),
            Source::Request,
        ),
        (
            refused(config, &edit("Protocol: sample", "Protocol: a  b")),
            Source::Request,
        ),
        (
            refused(
                config,
                &edit("Host: example.com\r\n", "Host: a\r\nContent-Length: 0\r\n"),
            ),
            Source::Request,
        ),
        (refused(config, &edit(V1_KEY1, "x y")), Source::Request),
        (
            refused(config, &edit(V1_KEY1, "99999999999 x")),
            Source::Request,
        ),
        (
            refused(config, &edit(V1_KEY1, "1299853100")),
            Source::Request,
        ),
        (refused(config, &edit(V1_KEY1, "1 a b")), Source::Request),
        (
            failed(&response(
                "HTTP/1.1 101 WebSocket Protocol Handshake",
                "HTTP/1.1 101",
            )),
            Source::Peer,
        ),
        (failed(&response(" 101 ", " 200 ")), Source::Peer),
        (failed(&response(" 101 ", " 407 ")), Source::Peer),
        (
            failed(&response("http://example.com", "http://example.org")),
            Source::Peer,
        ),
        (failed(&response("ws://", "wss://")), Source::Peer),
        (
            failed(&response(
                "\r\n\r\n",
                "\r\nSec-WebSocket-Protocol: chat\r\n\r\n",
            )),
            Source::Peer,
        ),
        (failed(&wrong_answer), Source::Peer),
        (
            decode_error(Decoder::default(), b"\xFF\xFF\xFF\xFF\xFF\x7F"),
            Source::Peer,
        ),
        (
            decode_error(Decoder::new(small), b"\x00ab\xFF"),
            Source::Peer,
        ),
        (
            decode_error(Decoder::default(), b"\x00\xC0\xFF"),
            Source::Peer,
        ),
        (encode_text("x", &mut [0u8; 2]).unwrap_err(), Source::Caller),
        (
            Keys::new("11", V1_KEY2, V1_KEY3).unwrap_err(),
            Source::Caller,
        ),
        (
            not_accepted(Accept::new().with_protocol(Some("chat"))),
            Source::Caller,
        ),
        (not_accepted(Accept::new()), Source::Caller),
        (
            Url::parse("http://example.com/").unwrap_err(),
            Source::Caller,
        ),
        (
            closed.send_text("late", &mut [0u8; 8]).unwrap_err(),
            Source::Caller,
        ),
        // A server that requires a PROXY header gets a request instead.
        (
            ProxyDecoder::new(ProxyConfig::new())
                .receive(b"GET / HTTP/1.1\r\n")
                .unwrap_err(),
            Source::Peer,
        ),
    ]
}

#[test]
fn every_error_variant_is_reached() {
    let reached = reached();
    let names: BTreeSet<String> = reached.iter().map(|(error, _)| variant(error)).collect();
    assert_eq!(names.len(), reached.len(), "one call per variant");
    let expected: BTreeSet<String> = VARIANTS
        .iter()
        .filter(|name| {
            !NOT_YET_REACHABLE
                .iter()
                .any(|(skipped, _)| skipped == *name)
        })
        .map(|name| name.to_string())
        .collect();
    assert_eq!(names, expected);
    assert_eq!(
        names.len() + NOT_YET_REACHABLE.len(),
        VARIANTS.len(),
        "every variant is reached or listed as not yet reachable"
    );
}

#[test]
fn each_error_says_whose_fault_and_what_to_answer() {
    let mut messages = BTreeSet::new();
    for (error, from) in reached() {
        let fault = match from {
            Source::Request | Source::Peer => Fault::Peer,
            Source::Caller => Fault::Caller,
        };
        assert_eq!(error.fault(), fault, "{error:?}");
        match error.status() {
            Some(status) => {
                assert_eq!(from, Source::Request, "{error:?} has a status");
                let response = error_response(status);
                let line = format!("HTTP/1.1 {} {}\r\n", status.code(), status.reason());
                assert!(response.starts_with(line.as_bytes()), "{error:?}");
                assert!((400..500).contains(&status.code()), "{error:?}");
            }
            None => assert_ne!(from, Source::Request, "{error:?} has no status"),
        }
        let message = error.to_string();
        assert!(!message.is_empty() && message != format!("{error:?}"));
        assert!(messages.insert(message), "{error:?}: a message of its own");
    }
}

#[cfg(feature = "std")]
#[test]
fn io_errors_keep_the_fault() {
    use std::io::ErrorKind;
    for (error, from) in reached() {
        let kind = std::io::Error::from(error).kind();
        let expected = match from {
            Source::Caller => ErrorKind::InvalidInput,
            Source::Request | Source::Peer => ErrorKind::InvalidData,
        };
        assert_eq!(kind, expected, "{error:?}");
        let inner = std::io::Error::from(error)
            .into_inner()
            .expect("the error inside");
        assert_eq!(inner.downcast_ref::<Error>(), Some(&error));
    }
}

// ----- InvalidValue -----

#[test]
fn invalid_value_names_each_setting() {
    let url = Url::parse("ws://example.com/").unwrap();
    let base = ClientConfig::new(url, "http://example.com");
    let storage = || vec![0u8; 1024];
    let client = |config| ClientHandshake::new(config, v1_keys(), storage()).err();
    let hixie75 = |config| ClientHandshake::new_hixie75(config, storage()).err();
    let first_read = |mut handshake: ClientHandshake<'_, Vec<u8>>| {
        request_of(&mut handshake);
        handshake.receive(b"").err()
    };
    let tiny = HeadLimits::new().with_max_head(15);
    let server_read = |config, storage: Vec<u8>| {
        let mut handshake = ServerHandshake::new(config, storage);
        handshake.receive(b"").err()
    };
    let fields = [("Upgrade", "x")];
    let cases: Vec<(Option<Error>, Setting)> = vec![
        (client(ClientConfig::new(url, "")), Setting::Origin),
        (client(base.with_protocols(&["a b"])), Setting::Protocol),
        (
            hixie75(base.with_protocols(&["a", "b"])),
            Setting::Protocols,
        ),
        (client(base.with_fields(&[("Host", "x")])), Setting::Field),
        (
            Some(not_accepted(
                Accept::new()
                    .with_protocol(Some("sample"))
                    .with_fields(&fields),
            )),
            Setting::Field,
        ),
        (
            Keys::new("11", V1_KEY2, V1_KEY3).err(),
            Setting::Key(Key::Key1),
        ),
        (
            Keys::new(V1_KEY1, "x y", V1_KEY3).err(),
            Setting::Key(Key::Key2),
        ),
        (
            hixie75(base.with_content_length(true)),
            Setting::ContentLength,
        ),
        (
            server_read(ServerConfig::new().with_limits(tiny), vec![0u8; 1024]),
            Setting::MaxHead,
        ),
        (
            server_read(ServerConfig::new(), vec![0u8; 15]),
            Setting::MaxHead,
        ),
        (
            first_read(ClientHandshake::new(base.with_limits(tiny), v1_keys(), storage()).unwrap()),
            Setting::MaxHead,
        ),
        (
            first_read(ClientHandshake::new(base, v1_keys(), vec![0u8; 15]).unwrap()),
            Setting::MaxHead,
        ),
    ];
    let mut named = BTreeSet::new();
    for (got, setting) in cases {
        let error = Error::InvalidValue(setting);
        assert_eq!(got, Some(error), "{setting:?}");
        assert_eq!(error.fault(), Fault::Caller);
        assert_eq!(error.status(), None);
        assert_eq!(error.to_string(), format!("invalid {}", setting.name()));
        named.insert(format!("{setting:?}"));
    }
    assert_eq!(named.len(), 8, "every setting is named: {named:?}");
}

#[test]
fn a_head_limit_under_16_bytes_is_the_callers_and_fails_nothing() {
    let tiny = HeadLimits::new().with_max_head(15);
    for (how, mut handshake) in [
        (
            "limit",
            ServerHandshake::new(ServerConfig::new().with_limits(tiny), vec![0u8; 1024]),
        ),
        (
            "storage",
            ServerHandshake::new(ServerConfig::new(), vec![0u8; 15]),
        ),
    ] {
        let error = Error::InvalidValue(Setting::MaxHead);
        // From the first read, whatever it holds, and before any byte is judged.
        assert_eq!(handshake.receive(b"").err(), Some(error), "{how}");
        assert_eq!(handshake.receive(V1).err(), Some(error), "{how}");
        // Not a failed handshake: the state is private, and its Debug form is the only
        // window on it.
        assert!(!format!("{handshake:?}").contains("Failed"), "{how}");
        assert!(handshake.pending().is_none() && !handshake.is_done());
    }
    let url = Url::parse("ws://example.com/demo").unwrap();
    let config = ClientConfig::new(url, "http://example.com");
    for (how, mut handshake) in [
        (
            "limit",
            ClientHandshake::new(config.with_limits(tiny), v1_keys(), vec![0u8; 1024]).unwrap(),
        ),
        (
            "storage",
            ClientHandshake::new(config, v1_keys(), vec![0u8; 15]).unwrap(),
        ),
    ] {
        request_of(&mut handshake);
        let error = Error::InvalidValue(Setting::MaxHead);
        assert_eq!(handshake.receive(b"").err(), Some(error), "{how}");
        assert_eq!(handshake.receive(b"HTTP/1.1 101 x\r\n").err(), Some(error));
        assert!(!format!("{handshake:?}").contains("Failed"), "{how}");
        assert!(!handshake.is_done());
    }
}

#[test]
fn what_a_head_limit_of_16_to_18_bytes_allows() {
    let server = |max_head| {
        let limits = HeadLimits::new().with_max_head(max_head);
        ServerHandshake::new(ServerConfig::new().with_limits(limits), [0u8; 64])
    };
    // 16 and 17 hold the shortest request line but never a whole head, so no request could
    // meet them: the caller's mistake, not a 431 for every client.
    for max_head in [16, 17] {
        let mut handshake = server(max_head);
        let error = handshake.receive(b"GET / HTTP/1.1\r\n\r\n").unwrap_err();
        assert_eq!(error, Error::InvalidValue(Setting::MaxHead), "{max_head}");
        assert_eq!(error.fault(), Fault::Caller);
    }
    // 18 holds the shortest whole request, `GET / HTTP/1.1` and the blank line.
    let mut handshake = server(18);
    let request = b"GET / HTTP/1.1\r\n\r\n";
    let received = handshake.receive(request).unwrap();
    assert_eq!(received.used, request.len());
    let Some(Outcome::NotWebSocket(handover)) = received.event else {
        panic!("{:?}", received.event)
    };
    assert_eq!(handover.bytes(), request);
}

/// Every field is named as the draft spells it, in the errors that name it too.
#[test]
fn fields_are_named_as_the_draft_spells_them() {
    let names = [
        (Field::Host, "Host"),
        (Field::Upgrade, "Upgrade"),
        (Field::Connection, "Connection"),
        (Field::Origin, "Origin"),
        (Field::Key1, "Sec-WebSocket-Key1"),
        (Field::Key2, "Sec-WebSocket-Key2"),
        (Field::Protocol, "Sec-WebSocket-Protocol"),
        (Field::ContentLength, "Content-Length"),
        (Field::SecOrigin, "Sec-WebSocket-Origin"),
        (Field::SecLocation, "Sec-WebSocket-Location"),
        (Field::WebSocketOrigin, "WebSocket-Origin"),
        (Field::WebSocketLocation, "WebSocket-Location"),
        (Field::WebSocketProtocol, "WebSocket-Protocol"),
    ];
    for (field, name) in names {
        assert_eq!(field.name(), name);
        assert_eq!(
            Error::MissingField(field).to_string(),
            format!("missing {name} field")
        );
        assert_eq!(
            Error::DuplicateField(field).to_string(),
            format!("duplicate {name} field")
        );
    }
    assert_eq!(Field::from(Key::Key2), Field::Key2);
}

/// Every setting is named in a few words, in the error that names it too.
#[test]
fn settings_are_named_in_their_errors() {
    let names = [
        (Setting::Origin, "origin"),
        (Setting::Protocol, "subprotocol"),
        (Setting::Protocols, "subprotocol list"),
        (Setting::Field, "extra header field"),
        (Setting::Key(Key::Key1), "Sec-WebSocket-Key1"),
        (Setting::Key(Key::Key2), "Sec-WebSocket-Key2"),
        (Setting::ContentLength, "Content-Length"),
        (Setting::MaxHead, "max_head"),
    ];
    for (setting, name) in names {
        assert_eq!(setting.name(), name);
        assert_eq!(
            Error::InvalidValue(setting).to_string(),
            format!("invalid {name}")
        );
    }
}
