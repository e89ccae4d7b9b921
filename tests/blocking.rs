//! The blocking adapter over real loopback sockets: our client against our server for hixie-76
//! and hixie-75, frames glued to the handshake, one write per frame, and bad input.

mod io_support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread::{self, JoinHandle};

use hixie76::blocking::{accept_hdr, connect, Accepted, WebSocket};
use hixie76::frame::FrameConfig;
use hixie76::io::{AcceptConfig, AcceptOptions, ConnectConfig, Decision, Error, Message, Protocol};
use hixie76::server::{error_response, ServerConfig};
use hixie76::{HeadLimits, StatusCode};

use io_support::*;

/// Text that is not ASCII: two-, three- and four-byte UTF-8 sequences.
const MULTIBYTE: &str = "h\u{e9}llo \u{2713} \u{65e5}\u{672c} \u{1f600}";

/// The server's configuration: hixie-75 allowed or not, frames limited to `max_message`.
fn accept_config(hixie75: bool, max_message: usize) -> AcceptConfig {
    AcceptConfig::new().with_server(
        ServerConfig::new()
            .with_hixie75(hixie75)
            .with_frames(FrameConfig::new().with_max_message(max_message)),
    )
}

fn connect_config(hixie75: bool) -> ConnectConfig {
    ConnectConfig::new(ORIGIN).with_hixie75(hixie75)
}

/// Runs `serve` on a thread with a fresh listener; its address and the thread.
fn server<T: Send + 'static>(
    serve: impl FnOnce(TcpListener) -> T + Send + 'static,
) -> (String, JoinHandle<T>) {
    let (listener, addr) = listen();
    (addr, thread::spawn(move || serve(listener)))
}

/// Accepts one connection with `config`, accepting any request without a subprotocol.
fn accept_plain(listener: &TcpListener, config: AcceptConfig) -> WebSocket<TcpStream> {
    let stream = accept_one(listener);
    match accept_hdr(stream, config, |_: &hixie76::io::Request<'_>| {
        Decision::Accept(AcceptOptions::new())
    }) {
        Ok(Accepted::WebSocket(socket)) => socket,
        Ok(Accepted::Unanswered(request)) => {
            panic!("unanswered: {:?}", String::from_utf8_lossy(request.head()))
        }
        Err(error) => panic!("accept failed: {error}"),
    }
}

fn open_client(addr: &str, config: &ConnectConfig) -> WebSocket<TcpStream> {
    connect(dial(addr), &ws_url(addr, "/echo"), config).expect("connect")
}

fn text(message: Result<Message, Error>) -> String {
    match message {
        Ok(Message::Text(text)) => text,
        other => panic!("expected a text message, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Messages both ways

/// The server answers each message with `echo: TEXT` until the close, then says what it saw.
fn echo_until_close(mut socket: WebSocket<TcpStream>) -> Vec<String> {
    let mut seen = Vec::new();
    loop {
        match socket.read() {
            Ok(Message::Text(text)) => {
                socket.send_text(&format!("echo: {text}")).expect("echo");
                seen.push(text);
            }
            Ok(Message::Close) => return seen,
            other => panic!("server read {other:?}"),
        }
    }
}

fn messages_both_ways(hixie75: bool) {
    let config = accept_config(hixie75, 1 << 20);
    let (addr, server) = server(move |listener| {
        let mut socket = accept_plain(&listener, config);
        let protocol = socket.protocol();
        // The server speaks first, then echoes.
        socket.send_text(MULTIBYTE).expect("greeting");
        (protocol, echo_until_close(socket))
    });
    let mut client = open_client(&addr, &connect_config(hixie75));
    let expected = if hixie75 {
        Protocol::Hixie75
    } else {
        Protocol::Hixie76
    };
    assert_eq!(client.protocol(), expected);
    assert_eq!(text(client.read()), MULTIBYTE);
    let sent = ["hello", "", MULTIBYTE, "\u{10ffff}"];
    for message in sent {
        client.send_text(message).expect("send");
        assert_eq!(text(client.read()), format!("echo: {message}"));
    }
    client.close().expect("close");
    if hixie75 {
        // No closing handshake: the end of the stream is the close.
        client
            .get_mut()
            .shutdown(Shutdown::Write)
            .expect("shutdown");
    } else {
        assert_eq!(client.read().expect("close answer"), Message::Close);
    }
    let (protocol, seen) = server.join().expect("server thread");
    assert_eq!(protocol, expected);
    assert_eq!(seen, sent);
}

#[test]
fn hixie76_messages_both_ways_with_multibyte_utf8() {
    messages_both_ways(false);
}

#[test]
fn hixie75_messages_both_ways_with_multibyte_utf8() {
    messages_both_ways(true);
}

// ---------------------------------------------------------------------------------------------
// The frame limit

/// Sixteen bytes in eight two-byte characters: the limit counts bytes, not characters.
const AT_LIMIT: &str = "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}";
const LIMIT: usize = 16;

fn server_limit(hixie75: bool) {
    let config = accept_config(hixie75, LIMIT);
    assert_eq!(AT_LIMIT.len(), LIMIT);
    let (addr, server) = server(move |listener| {
        // Two connections: the one that goes over the limit ends, the other goes on.
        let mut first = accept_plain(&listener, config);
        let mut second = accept_plain(&listener, config);
        let at_limit = first.read();
        let over = first.read();
        drop(first);
        let other = second.read();
        second
            .send_text("still here")
            .expect("send on the other connection");
        let _ = second.read();
        (at_limit, over, other)
    });
    let mut first = open_client(&addr, &connect_config(hixie75));
    let mut second = open_client(&addr, &connect_config(hixie75));
    first.send_text(AT_LIMIT).expect("at the limit");
    first
        .send_text(&format!("{AT_LIMIT}x"))
        .expect("over the limit");
    // The server drops the connection that went over.
    let ended = first.read();
    second.send_text("other").expect("other connection");
    assert_eq!(text(second.read()), "still here");
    second.close().expect("close");
    // hixie-75 has no closing handshake: the stream's end is the close.
    drop(second);

    let (at_limit, over, other) = server.join().expect("server thread");
    assert_eq!(text(at_limit), AT_LIMIT);
    assert!(
        matches!(over, Err(Error::Protocol(hixie76::Error::MessageTooLarge))),
        "one byte over: {over:?}"
    );
    assert_eq!(text(other), "other");
    if hixie75 {
        // The stream's end between frames is a hixie-75 close.
        assert!(
            matches!(ended, Ok(Message::Close)),
            "client after the drop: {ended:?}"
        );
    } else {
        assert!(
            matches!(ended, Err(Error::Io(_))),
            "client after the drop: {ended:?}"
        );
    }
}

#[test]
fn hixie76_server_takes_a_message_at_the_limit_and_ends_one_byte_over() {
    server_limit(false);
}

#[test]
fn hixie75_server_takes_a_message_at_the_limit_and_ends_one_byte_over() {
    server_limit(true);
}

fn client_limit(hixie75: bool) {
    let config = accept_config(hixie75, 1 << 20);
    let (addr, server) = server(move |listener| {
        let mut socket = accept_plain(&listener, config);
        socket.send_text(AT_LIMIT).expect("at the limit");
        socket
            .send_text(&format!("{AT_LIMIT}x"))
            .expect("over the limit");
        // The client ends the connection: its end (or reset) is all that comes back.
        let mut rest = Vec::new();
        let _ = socket.get_mut().read_to_end(&mut rest);
        rest
    });
    let config = connect_config(hixie75).with_frames(FrameConfig::new().with_max_message(LIMIT));
    let mut client = open_client(&addr, &config);
    assert_eq!(text(client.read()), AT_LIMIT);
    let over = client.read();
    assert!(
        matches!(over, Err(Error::Protocol(hixie76::Error::MessageTooLarge))),
        "one byte over: {over:?}"
    );
    drop(client);
    let rest = server.join().expect("server thread");
    assert!(rest.is_empty(), "the client sent {rest:?} after failing");
}

#[test]
fn hixie76_client_takes_a_message_at_the_limit_and_ends_one_byte_over() {
    client_limit(false);
}

#[test]
fn hixie75_client_takes_a_message_at_the_limit_and_ends_one_byte_over() {
    client_limit(true);
}

// ---------------------------------------------------------------------------------------------
// The closing handshake

/// What one side saw of a hixie-76 closing handshake: reads after its close or the peer's.
#[derive(Debug, PartialEq)]
struct Closing {
    close: Message,
    closed: bool,
    read_after: String,
    send_after: String,
}

fn after_close(socket: &mut WebSocket<impl Read + Write>, close: Message) -> Closing {
    Closing {
        close,
        closed: socket.is_closed(),
        read_after: format!("{:?}", socket.read()),
        send_after: format!("{:?}", socket.send_text("late")),
    }
}

fn closed_properly() -> Closing {
    Closing {
        close: Message::Close,
        closed: true,
        read_after: format!("{:?}", Err::<Message, _>(Error::ConnectionClosed)),
        send_after: format!("{:?}", Err::<(), _>(Error::ConnectionClosed)),
    }
}

#[test]
fn hixie76_close_started_by_the_client() {
    let config = accept_config(false, 1 << 20);
    let (addr, server) = server(move |listener| {
        let stream = accept_one(&listener);
        let (stream, writes) = Recording::new(stream);
        let Ok(Accepted::WebSocket(mut socket)) =
            accept_hdr(stream, config, |_| Decision::Accept(AcceptOptions::new()))
        else {
            panic!("accept failed");
        };
        let close = socket.read().expect("the client's close");
        let seen = after_close(&mut socket, close);
        (seen, writes.all())
    });
    let (stream, writes) = Recording::new(dial(&addr));
    let mut client = connect(stream, &ws_url(&addr, "/"), &connect_config(false)).expect("connect");
    client.close().expect("close");
    assert!(!client.is_closed(), "closed before the answer came");
    let close = client.read().expect("the server's answer");
    let client_seen = after_close(&mut client, close);
    let (server_seen, server_writes) = server.join().expect("server thread");
    assert_eq!(client_seen, closed_properly());
    assert_eq!(server_seen, closed_properly());
    // On the wire: the request, then FF 00 alone; the server's answer is FF 00 after its
    // handshake.
    let client_writes = writes.all();
    assert_eq!(client_writes.len(), 2, "{client_writes:?}");
    assert_eq!(client_writes[1], [0xFF, 0x00]);
    assert_eq!(
        server_writes.last().map(Vec::as_slice),
        Some(&[0xFF, 0x00][..])
    );
}

#[test]
fn hixie76_close_started_by_the_server() {
    let config = accept_config(false, 1 << 20);
    let (addr, server) = server(move |listener| {
        let mut socket = accept_plain(&listener, config);
        socket.close().expect("close");
        let closed_early = socket.is_closed();
        let close = socket.read().expect("the client's answer");
        (closed_early, after_close(&mut socket, close))
    });
    let mut client = open_client(&addr, &connect_config(false));
    let close = client.read().expect("the server's close");
    let client_seen = after_close(&mut client, close);
    let (closed_early, server_seen) = server.join().expect("server thread");
    assert!(
        !closed_early,
        "the server was closed before the answer came"
    );
    assert_eq!(client_seen, closed_properly());
    assert_eq!(server_seen, closed_properly());
}

#[test]
fn hixie75_close_by_the_client_sends_nothing_and_the_stream_end_is_the_close() {
    let config = accept_config(true, 1 << 20);
    let (addr, server) = server(move |listener| {
        let mut socket = accept_plain(&listener, config);
        let first = socket.read();
        let close = socket.read();
        (first, close)
    });
    let (stream, writes) = Recording::new(dial(&addr));
    let mut client = connect(stream, &ws_url(&addr, "/"), &connect_config(true)).expect("connect");
    client.send_text("bye").expect("send");
    client.close().expect("close");
    assert!(client.is_closed(), "a hixie-75 close ends the connection");
    client
        .get_mut()
        .get_ref()
        .shutdown(Shutdown::Write)
        .expect("shutdown");
    let (first, close) = server.join().expect("server thread");
    assert_eq!(text(first), "bye");
    assert!(matches!(close, Ok(Message::Close)), "{close:?}");
    // The request, the message, and no FF 00.
    let client_writes = writes.all();
    assert_eq!(client_writes.len(), 2, "{client_writes:?}");
    assert_eq!(client_writes[1], text_frame("bye"));
}

#[test]
fn hixie75_close_by_the_server_sends_nothing_and_the_stream_end_is_the_close() {
    let config = accept_config(true, 1 << 20);
    let (addr, server) = server(move |listener| {
        let stream = accept_one(&listener);
        let (stream, writes) = Recording::new(stream);
        let Ok(Accepted::WebSocket(mut socket)) =
            accept_hdr(stream, config, |_| Decision::Accept(AcceptOptions::new()))
        else {
            panic!("accept failed");
        };
        let before = writes.all().len();
        socket.close().expect("close");
        let closed = socket.is_closed();
        socket
            .get_ref()
            .get_ref()
            .shutdown(Shutdown::Both)
            .expect("shutdown");
        (closed, writes.all().len() - before)
    });
    let mut client = open_client(&addr, &connect_config(true));
    let close = client.read();
    assert!(matches!(close, Ok(Message::Close)), "{close:?}");
    assert!(matches!(client.read(), Err(Error::ConnectionClosed)));
    let (closed, written_by_close) = server.join().expect("server thread");
    assert!(closed, "a hixie-75 close ends the connection");
    assert_eq!(written_by_close, 0, "a hixie-75 close wrote something");
}

// ---------------------------------------------------------------------------------------------
// Subprotocols and the decision

fn subprotocol_agreed(hixie75: bool) {
    let config = accept_config(hixie75, 1 << 20);
    let (addr, server) = server(move |listener| {
        let stream = accept_one(&listener);
        let mut offered = Vec::new();
        let accepted = accept_hdr(stream, config, |request: &hixie76::io::Request<'_>| {
            offered = request.protocols().map(String::from).collect();
            Decision::Accept(AcceptOptions::new().with_protocol("chat"))
        });
        let Ok(Accepted::WebSocket(mut socket)) = accepted else {
            panic!("accept failed");
        };
        let agreed = socket.subprotocol().map(String::from);
        let message = socket.read();
        (offered, agreed, message)
    });
    let mut config = connect_config(hixie75);
    if !hixie75 {
        // hixie-75 offers one at most.
        config = config.with_protocol("other");
    }
    let config = config.with_protocol("chat");
    let mut client = open_client(&addr, &config);
    assert_eq!(client.subprotocol(), Some("chat"));
    client.send_text("hi").expect("send");
    let (offered, agreed, message) = server.join().expect("server thread");
    let expected: &[&str] = if hixie75 {
        &["chat"]
    } else {
        &["other", "chat"]
    };
    assert_eq!(offered, expected);
    assert_eq!(agreed.as_deref(), Some("chat"));
    assert_eq!(text(message), "hi");
}

#[test]
fn hixie76_subprotocol_agreed() {
    subprotocol_agreed(false);
}

#[test]
fn hixie75_subprotocol_agreed() {
    subprotocol_agreed(true);
}

fn rejected_with_403(hixie75: bool) {
    let config = accept_config(hixie75, 1 << 20);
    let (addr, server) = server(move |listener| {
        let stream = accept_one(&listener);
        accept_hdr(stream, config, |_| Decision::Reject(StatusCode::Forbidden)).map(|_| ())
    });
    let client = connect(dial(&addr), &ws_url(&addr, "/"), &connect_config(hixie75));
    let refused = server.join().expect("server thread");
    assert!(
        matches!(refused, Err(Error::Rejected(403))),
        "server: {refused:?}"
    );
    assert!(
        matches!(
            client,
            Err(Error::Protocol(hixie76::Error::UnexpectedStatus(403)))
        ),
        "client: {:?}",
        client.map(|_| ())
    );
}

#[test]
fn hixie76_decision_rejects_with_403_and_the_client_sees_it() {
    rejected_with_403(false);
}

#[test]
fn hixie75_decision_rejects_with_403_and_the_client_sees_it() {
    rejected_with_403(true);
}

#[test]
fn rejection_is_the_exact_403_response_then_the_end() {
    let config = accept_config(false, 1 << 20);
    let (addr, server) = server(move |listener| {
        let stream = accept_one(&listener);
        accept_hdr(stream, config, |_| Decision::Reject(StatusCode::Forbidden)).map(|_| ())
    });
    let mut peer = dial(&addr);
    peer.write_all(&draft_request()).expect("request");
    let response = read_until_end(&mut peer);
    assert_eq!(response, error_response(StatusCode::Forbidden));
    assert_eq!(status_line(&response), "HTTP/1.1 403 Forbidden");
    assert!(matches!(
        server.join().expect("server thread"),
        Err(Error::Rejected(403))
    ));
}

// ---------------------------------------------------------------------------------------------
// Frames glued to the handshake

#[test]
fn a_frame_glued_to_key3_is_the_first_message() {
    let config = accept_config(false, 1 << 20);
    let (addr, server) = server(move |listener| {
        let stream = accept_one(&listener);
        let accepted = accept_hdr(stream, config, |request: &hixie76::io::Request<'_>| {
            assert_eq!(request.resource(), "/demo");
            Decision::Accept(AcceptOptions::new().with_protocol("sample"))
        });
        let Ok(Accepted::WebSocket(mut socket)) = accepted else {
            panic!("accept failed");
        };
        let first = socket.read();
        let second = socket.read();
        (first, second)
    });
    let mut peer = dial(&addr);
    // Request, key3 and two frames in one write.
    let bytes = [draft_request(), text_frame("hello"), text_frame(MULTIBYTE)].concat();
    peer.write_all(&bytes).expect("write");
    let expected = draft_response();
    assert_eq!(read_exactly(&mut peer, expected.len()), expected);
    let (first, second) = server.join().expect("server thread");
    assert_eq!(text(first), "hello");
    assert_eq!(text(second), MULTIBYTE);
}

#[test]
fn a_frame_glued_to_the_answer_is_the_first_message() {
    let (addr, server) = server(move |listener| {
        let mut peer = accept_one(&listener);
        let head = read_head(&mut peer);
        let key3 = read_exactly(&mut peer, 8);
        // Answer and two frames in one write.
        let bytes = [draft_response(), text_frame("hello"), text_frame(MULTIBYTE)].concat();
        peer.write_all(&bytes).expect("write");
        let rest = read_until_end(&mut peer);
        (head, key3, rest)
    });
    let config = ConnectConfig::new(ORIGIN)
        .with_protocol("sample")
        .with_keys(draft_keys());
    // The URL names the draft's host; the stream is connected to the test's port.
    let mut client = connect(dial(&addr), "ws://example.com/demo", &config).expect("connect");
    assert_eq!(client.subprotocol(), Some("sample"));
    assert_eq!(text(client.read()), "hello");
    assert_eq!(text(client.read()), MULTIBYTE);
    client.close().expect("close");
    drop(client);
    let (head, key3, rest) = server.join().expect("server thread");
    let head = String::from_utf8(head).expect("ASCII head");
    assert!(head.starts_with("GET /demo HTTP/1.1\r\n"), "{head}");
    assert!(
        head.contains("\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n"),
        "{head}"
    );
    assert!(
        head.contains("\r\nSec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n"),
        "{head}"
    );
    assert_eq!(key3, DRAFT_KEY3);
    assert_eq!(rest, [0xFF, 0x00]);
}

#[test]
fn hixie75_a_frame_glued_to_the_request_is_the_first_message() {
    let config = accept_config(true, 1 << 20);
    let (addr, server) = server(move |listener| {
        let mut socket = accept_plain(&listener, config);
        (socket.protocol(), socket.read())
    });
    let mut peer = dial(&addr);
    let request = b"GET /demo HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
Host: example.com\r\nOrigin: http://example.com\r\n\r\n";
    peer.write_all(&[&request[..], &text_frame("hello")].concat())
        .expect("write");
    let head = read_head(&mut peer);
    assert_eq!(
        String::from_utf8_lossy(&head),
        "HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\n\
Connection: Upgrade\r\nWebSocket-Origin: http://example.com\r\n\
WebSocket-Location: ws://example.com/demo\r\n\r\n"
    );
    let (protocol, first) = server.join().expect("server thread");
    assert_eq!(protocol, Protocol::Hixie75);
    assert_eq!(text(first), "hello");
}

// ---------------------------------------------------------------------------------------------
// One write per frame

#[test]
fn every_frame_goes_to_the_transport_in_one_write() {
    let big = "x".repeat(70_000);
    let bigger_multibyte = MULTIBYTE.repeat(5_000);
    let messages: Vec<String> = vec![
        String::new(),
        "a".into(),
        MULTIBYTE.into(),
        "y".repeat(4095),
        "z".repeat(4097),
        big,
        bigger_multibyte,
    ];
    let count = messages.len();
    let config = accept_config(false, 1 << 20);
    let (addr, server) = server(move |listener| {
        let stream = accept_one(&listener);
        let (stream, writes) = Recording::new(stream);
        let Ok(Accepted::WebSocket(mut socket)) =
            accept_hdr(stream, config, |_| Decision::Accept(AcceptOptions::new()))
        else {
            panic!("accept failed");
        };
        loop {
            match socket.read() {
                Ok(Message::Text(text)) => socket.send_text(&text).expect("echo"),
                Ok(Message::Close) => break,
                other => panic!("server read {other:?}"),
            }
        }
        writes.all()
    });
    let (stream, writes) = Recording::new(dial(&addr));
    let mut client = connect(stream, &ws_url(&addr, "/"), &connect_config(false)).expect("connect");
    for message in &messages {
        client.send(Message::Text(message.clone())).expect("send");
        assert_eq!(&text(client.read()), message);
    }
    client.close().expect("close");
    assert_eq!(client.read().expect("close answer"), Message::Close);

    // The client's first write is the whole request, head and key3.
    let client_writes = writes.all();
    let request = &client_writes[0];
    let head_end = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("head")
        + 4;
    assert_eq!(request.len(), head_end + 8, "the request is not one write");
    let frames = assert_frames_in_one_write(&client_writes, request.len());
    assert_eq!(frames, count + 1, "client frames");

    // The server's handshake is the 101 head and the 16-byte answer.
    let server_writes = server.join().expect("server thread");
    let all = server_writes.concat();
    let handshake = all.windows(4).position(|w| w == b"\r\n\r\n").expect("head") + 4 + 16;
    let frames = assert_frames_in_one_write(&server_writes, handshake);
    assert_eq!(frames, count + 1, "server frames");
}

// ---------------------------------------------------------------------------------------------
// Bad input

/// A hixie-76 request with `line` changed: every other field as in the draft's example.
fn draft_head_with(from: &str, to: &str) -> Vec<u8> {
    let head = String::from_utf8(DRAFT_HEAD.to_vec()).expect("ASCII");
    assert!(head.contains(from), "{from:?} is not in the draft's head");
    head.replacen(from, to, 1).into_bytes()
}

/// Sends `request` in one write to a server accepting with `config`; the server's error and
/// everything the peer received until the connection ended.
fn refused(config: AcceptConfig, request: Vec<u8>) -> (Error, Vec<u8>) {
    let (addr, server) = server(move |listener| {
        let stream = accept_one(&listener);
        match accept_hdr(stream, config, |_| Decision::Accept(AcceptOptions::new())) {
            Ok(_) => panic!("a bad request was accepted"),
            Err(error) => error,
        }
    });
    let mut peer = dial(&addr);
    peer.write_all(&request).expect("write");
    let response = read_until_end(&mut peer);
    (server.join().expect("server thread"), response)
}

#[test]
fn bad_requests_get_their_status_and_the_connection_ends() {
    let small = AcceptConfig::new()
        .with_server(ServerConfig::new().with_limits(HeadLimits::new().with_max_head(128)));
    let cases: Vec<(&str, AcceptConfig, Vec<u8>, StatusCode, hixie76::Error)> = vec![
        (
            "POST",
            AcceptConfig::new(),
            draft_head_with("GET /demo", "POST /demo"),
            StatusCode::MethodNotAllowed,
            hixie76::Error::BadMethod,
        ),
        (
            "a key without spaces",
            AcceptConfig::new(),
            draft_head_with("4 @1  46546xW%0l 1 5", "4@146546xW%0l15"),
            StatusCode::BadRequest,
            hixie76::Error::KeyNoSpaces(hixie76::Key::Key1),
        ),
        (
            "no Host",
            AcceptConfig::new(),
            draft_head_with("Host: example.com\r\n", ""),
            StatusCode::BadRequest,
            hixie76::Error::MissingField(hixie76::Field::Host),
        ),
        (
            "a head over the limit",
            small,
            DRAFT_HEAD.to_vec(),
            StatusCode::RequestHeaderFieldsTooLarge,
            hixie76::Error::HeadTooLarge,
        ),
    ];
    for (name, config, request, status, expected) in cases {
        let (error, response) = refused(config, request);
        assert!(
            matches!(&error, Error::Protocol(e) if *e == expected),
            "{name}: server error {error:?}"
        );
        let line = format!("HTTP/1.1 {} {}", status.code(), status.reason());
        assert_eq!(status_line(&response), line, "{name}");
        // The whole response, then the end of the stream (read_until_end returned).
        assert_eq!(response, error_response(status), "{name}");
    }
}

#[test]
fn a_stream_that_ends_mid_handshake_is_an_io_error() {
    let (addr, server) = server(move |listener| {
        let stream = accept_one(&listener);
        accept_hdr(stream, AcceptConfig::new(), |_| {
            Decision::Accept(AcceptOptions::new())
        })
        .map(|_| ())
    });
    let mut peer = dial(&addr);
    peer.write_all(&DRAFT_HEAD[..40]).expect("write");
    peer.shutdown(Shutdown::Write).expect("shutdown");
    let response = read_until_end(&mut peer);
    let error = server.join().expect("server thread");
    assert!(
        matches!(&error, Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof),
        "{error:?}"
    );
    assert!(response.is_empty(), "{response:?}");
}

#[test]
fn sending_binary_on_a_hixie_socket_is_refused() {
    let config = accept_config(false, 1 << 20);
    let (addr, server) = server(move |listener| {
        let mut socket = accept_plain(&listener, config);
        let refused = socket.send(Message::Binary(vec![1, 2, 3]));
        let next = socket.read();
        (refused, next)
    });
    let mut client = open_client(&addr, &connect_config(false));
    let refused = client.send(Message::Binary(vec![1]));
    assert!(
        matches!(refused, Err(Error::BinaryNotSupported)),
        "{refused:?}"
    );
    client.send_text("after").expect("send");
    let (server_refused, next) = server.join().expect("server thread");
    assert!(
        matches!(server_refused, Err(Error::BinaryNotSupported)),
        "{server_refused:?}"
    );
    // Nothing reached the wire for the binary message.
    assert_eq!(text(next), "after");
}

#[test]
#[should_panic(expected = "was split over writes")]
fn the_write_checker_catches_a_frame_split_over_two_writes() {
    // The check above must be able to fail: a frame whose FF comes in a write of its own.
    let writes = vec![text_frame("whole"), vec![0x00, b'a', b'b'], vec![0xFF]];
    assert_frames_in_one_write(&writes, 0);
}

#[test]
fn the_101_head_goes_out_before_key3_is_read() {
    // Some proxies hold key3 back until they see the server's head: a server that waits for
    // key3 before writing anything would hang here (and the guard would fail the test).
    let (addr, server) = server(move |listener| {
        let stream = accept_one(&listener);
        match hixie76::blocking::accept(stream) {
            Ok(Accepted::WebSocket(mut socket)) => {
                (socket.subprotocol().map(String::from), socket.read())
            }
            other => panic!("accept: {:?}", other.map(|_| ())),
        }
    });
    let mut peer = dial(&addr);
    peer.write_all(DRAFT_HEAD).expect("head");
    let head = read_head(&mut peer);
    let expected = draft_response();
    assert_eq!(head, expected[..expected.len() - 16]);
    peer.write_all(&DRAFT_KEY3).expect("key3");
    assert_eq!(read_exactly(&mut peer, 16), DRAFT_ANSWER);
    peer.write_all(&text_frame("after")).expect("frame");
    let (protocol, first) = server.join().expect("server thread");
    // The default decision agrees on the first offered subprotocol.
    assert_eq!(protocol.as_deref(), Some("sample"));
    assert_eq!(text(first), "after");
}

#[test]
fn a_client_sending_content_length_is_served() {
    let config = accept_config(false, 1 << 20);
    let (addr, server) = server(move |listener| {
        let mut socket = accept_plain(&listener, config);
        socket.read()
    });
    let (stream, writes) = Recording::new(dial(&addr));
    let config = connect_config(false).with_content_length(true);
    let mut client = connect(stream, &ws_url(&addr, "/"), &config).expect("connect");
    client.send_text("with a length").expect("send");
    assert_eq!(text(server.join().expect("server thread")), "with a length");
    let request = String::from_utf8_lossy(&writes.all()[0]).into_owned();
    assert!(request.contains("\r\nContent-Length: 8\r\n"), "{request:?}");
}

// ---------------------------------------------------------------------------------------------
// Heads in pieces, large answers, unusable options

#[test]
fn a_request_and_an_answer_that_arrive_a_byte_at_a_time() {
    let config = accept_config(false, 1 << 20);
    let (addr, first) = server(move |listener| {
        let stream = accept_one(&listener);
        let accepted = accept_hdr(stream, config, |_| {
            Decision::Accept(AcceptOptions::new().with_protocol("sample"))
        });
        let Ok(Accepted::WebSocket(mut socket)) = accepted else {
            panic!("accept failed");
        };
        socket.read()
    });
    let mut peer = dial(&addr);
    peer.set_nodelay(true).expect("nodelay");
    for byte in [draft_request(), text_frame(MULTIBYTE)].concat() {
        peer.write_all(&[byte]).expect("write");
    }
    let expected = draft_response();
    assert_eq!(read_exactly(&mut peer, expected.len()), expected);
    assert_eq!(text(first.join().expect("server thread")), MULTIBYTE);

    // The other way: the response and a frame a byte at a time to our client.
    let (addr, server) = server(move |listener| {
        let mut peer = accept_one(&listener);
        peer.set_nodelay(true).expect("nodelay");
        read_head(&mut peer);
        read_exactly(&mut peer, 8);
        for byte in [draft_response(), text_frame(MULTIBYTE)].concat() {
            peer.write_all(&[byte]).expect("write");
        }
        read_until_end(&mut peer)
    });
    let config = ConnectConfig::new(ORIGIN)
        .with_protocol("sample")
        .with_keys(draft_keys());
    let mut client = connect(dial(&addr), "ws://example.com/demo", &config).expect("connect");
    assert_eq!(text(client.read()), MULTIBYTE);
    drop(client);
    server.join().expect("server thread");
}

#[test]
fn an_answer_larger_than_the_first_guess_is_written_whole() {
    // The adapter sizes the 101 head at 512 bytes first: a cookie makes it larger.
    let cookie = format!("id={}", "c".repeat(2000));
    let value = cookie.clone();
    let (addr, server) = server(move |listener| {
        let stream = accept_one(&listener);
        let accepted = accept_hdr(stream, AcceptConfig::new(), |_| {
            Decision::Accept(
                AcceptOptions::new()
                    .with_protocol("sample")
                    .with_field("Set-Cookie", value),
            )
        });
        match accepted {
            Ok(Accepted::WebSocket(mut socket)) => socket.read().map_err(|e| e.to_string()),
            Ok(Accepted::Unanswered(_)) => Err("unanswered".to_string()),
            Err(error) => Err(error.to_string()),
        }
    });
    let mut peer = dial(&addr);
    peer.write_all(&draft_request()).expect("request");
    let head = String::from_utf8(read_head(&mut peer)).expect("ASCII head");
    assert!(
        head.starts_with("HTTP/1.1 101 WebSocket Protocol Handshake\r\n"),
        "{head}"
    );
    assert!(
        head.contains(&format!("\r\nSet-Cookie: {cookie}\r\n")),
        "{head}"
    );
    assert_eq!(read_exactly(&mut peer, 16), DRAFT_ANSWER);
    peer.write_all(&text_frame("ok")).expect("frame");
    let read = server.join().expect("server thread");
    assert_eq!(read, Ok(Message::Text("ok".into())));
}

#[test]
fn options_the_core_cannot_use_fail_without_a_101() {
    let cases: Vec<(&str, AcceptOptions, hixie76::Error)> = vec![
        (
            "a subprotocol not offered",
            AcceptOptions::new().with_protocol("other"),
            hixie76::Error::ProtocolNotOffered,
        ),
        (
            "no subprotocol although some were offered",
            AcceptOptions::new(),
            hixie76::Error::NoProtocolChosen,
        ),
        (
            "a field with a control byte",
            AcceptOptions::new()
                .with_protocol("sample")
                .with_field("X-Bad", "a\r\nb"),
            hixie76::Error::InvalidValue(hixie76::Setting::Field),
        ),
    ];
    for (name, options, expected) in cases {
        let (addr, server) = server(move |listener| {
            let stream = accept_one(&listener);
            match accept_hdr(stream, AcceptConfig::new(), |_| Decision::Accept(options)) {
                Ok(_) => panic!("accepted"),
                Err(error) => error,
            }
        });
        let mut peer = dial(&addr);
        peer.write_all(&draft_request()).expect("request");
        let response = read_until_end(&mut peer);
        let error = server.join().expect("server thread");
        assert!(
            matches!(&error, Error::Protocol(e) if *e == expected),
            "{name}: {error:?}"
        );
        assert_eq!(
            response,
            error_response(StatusCode::InternalServerError),
            "{name}: a 500, not a 101 or silence"
        );
    }
}

#[test]
fn accept_hdr_hands_back_an_rfc6455_request_untouched() {
    let (addr, server) = server(move |listener| {
        let stream = accept_one(&listener);
        match accept_hdr(stream, AcceptConfig::new(), |_| {
            Decision::Accept(AcceptOptions::new())
        }) {
            Ok(Accepted::Unanswered(request)) => (
                request.version(),
                request.bytes().to_vec(),
                request.head().len(),
            ),
            Ok(Accepted::WebSocket(_)) => panic!("an RFC 6455 request was answered"),
            Err(error) => panic!("{error}"),
        }
    });
    let request = b"GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";
    let mut peer = dial(&addr);
    peer.write_all(request).expect("request");
    let (version, bytes, head_len) = server.join().expect("server thread");
    assert_eq!(version, Some(hixie76::server::Version::Rfc6455));
    assert_eq!(bytes, request);
    assert_eq!(head_len, request.len());
    // Nothing was written to the peer: the application answers it.
    peer.shutdown(Shutdown::Write).expect("shutdown");
    assert!(read_until_end(&mut peer).is_empty());
}

/// A stream whose every other read is interrupted (a signal arriving), and which gives at most
/// five bytes a read.
#[derive(Debug)]
struct Interrupting {
    input: std::io::Cursor<Vec<u8>>,
    output: Vec<u8>,
    interrupt: bool,
}

impl Read for Interrupting {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.interrupt = !self.interrupt;
        if self.interrupt {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = buf.len().min(5);
        self.input.read(&mut buf[..n])
    }
}

impl Write for Interrupting {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.output.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn interrupted_reads_are_retried() {
    let mut input = draft_request();
    input.extend_from_slice(&text_frame("after a signal"));
    let stream = Interrupting {
        input: std::io::Cursor::new(input),
        output: Vec::new(),
        interrupt: false,
    };
    let config = AcceptConfig::new();
    let accepted = accept_hdr(stream, config, |_| {
        Decision::Accept(AcceptOptions::new().with_protocol("sample"))
    });
    let Ok(Accepted::WebSocket(mut socket)) = accepted else {
        panic!("{accepted:?}");
    };
    assert_eq!(
        socket.read().expect("the message"),
        Message::Text("after a signal".into())
    );
    assert!(socket.get_ref().output.starts_with(b"HTTP/1.1 101 "));
}

/// The adapters' errors: their status, their source, and the `io::ErrorKind` each becomes.
#[test]
fn adapter_errors_convert_as_documented() {
    use std::error::Error as _;
    use std::io::ErrorKind;
    assert_eq!(Error::Rejected(403).rejected_status(), Some(403));
    assert_eq!(
        Error::from(StatusCode::Forbidden).rejected_status(),
        Some(403)
    );
    assert_eq!(Error::HandshakeTimeout.rejected_status(), None);

    let pipe = std::io::Error::from(ErrorKind::BrokenPipe);
    let io = Error::Io(std::io::Error::from(ErrorKind::BrokenPipe));
    assert_eq!(
        io.source().expect("the io error").to_string(),
        pipe.to_string()
    );
    let protocol = Error::from(hixie76::Error::BadUpgrade);
    assert_eq!(
        protocol.source().expect("the core error").to_string(),
        hixie76::Error::BadUpgrade.to_string()
    );
    assert!(Error::IdleTimeout.source().is_none());

    // An io error comes back as it was, not wrapped.
    let back: std::io::Error = io.into();
    assert_eq!(back.kind(), ErrorKind::BrokenPipe);
    assert!(back.get_ref().is_none(), "{back:?}");
    let kinds = [
        (
            Error::from(hixie76::Error::BadUpgrade),
            ErrorKind::InvalidData,
        ),
        (
            Error::from(hixie76::Error::InvalidValue(hixie76::Setting::Origin)),
            ErrorKind::InvalidInput,
        ),
        (Error::HandshakeTimeout, ErrorKind::TimedOut),
        (Error::IdleTimeout, ErrorKind::TimedOut),
        (Error::ConnectionClosed, ErrorKind::NotConnected),
        (Error::Rejected(400), ErrorKind::ConnectionRefused),
        (Error::BinaryNotSupported, ErrorKind::InvalidInput),
        (Error::NoKeys, ErrorKind::InvalidInput),
        (Error::UnsupportedVersion, ErrorKind::InvalidData),
    ];
    for (error, kind) in kinds {
        let text = error.to_string();
        let io: std::io::Error = error.into();
        assert_eq!(io.kind(), kind, "{text}");
        assert_eq!(io.to_string(), text);
    }
}

/// What the decision callback sees of a request: its resource split into path and query, its
/// host, origin and subprotocols, its cookies and any field.
#[test]
fn the_decision_sees_the_request() {
    let request = String::from_utf8(draft_request())
        .unwrap()
        .replace("GET /demo ", "GET /demo?room=1&x ")
        .replace(
            "\r\nOrigin:",
            "\r\nCookie: a=1\r\nX-Any:  v w \r\ncookie:  b=2 \r\nOrigin:",
        );
    let stream = Interrupting {
        input: std::io::Cursor::new(request.into_bytes()),
        output: Vec::new(),
        interrupt: false,
    };
    let mut seen = Vec::new();
    let accepted = accept_hdr(stream, AcceptConfig::new(), |request| {
        assert_eq!(request.protocol(), Protocol::Hixie76);
        seen.push(request.resource().to_string());
        seen.push(request.path().to_string());
        seen.push(format!("{:?}", request.query()));
        seen.push(request.host().to_string());
        seen.push(format!("{:?}", request.origin()));
        seen.push(request.protocols().collect::<Vec<_>>().join(","));
        let cookies: Vec<_> = request.cookies().map(String::from_utf8_lossy).collect();
        seen.push(cookies.join(";"));
        seen.push(format!(
            "{:?}",
            request.field("x-any").map(String::from_utf8_lossy)
        ));
        seen.push(format!("{:?}", request.field("x-none")));
        seen.push(request.fields().count().to_string());
        Decision::Accept(AcceptOptions::new().with_protocol("sample"))
    });
    assert!(matches!(accepted, Ok(Accepted::WebSocket(_))));
    assert_eq!(
        seen,
        [
            "/demo?room=1&x",
            "/demo",
            "Some(\"room=1&x\")",
            "example.com",
            "Some(\"http://example.com\")",
            "sample",
            "a=1;b=2",
            "Some(\"v w\")",
            "None",
            "10",
        ]
    );
}

/// When key3 came with the request, the 101 head and its answer go out in one write: some
/// clients (the Ruby websocket gem, 1.2.9) take the first read after the head for the answer.
#[test]
fn the_head_and_the_answer_go_out_in_one_write() {
    let (stream, writes) = Recording::new(std::io::Cursor::new(draft_request()));
    let accepted = accept_hdr(stream, AcceptConfig::new(), |_| {
        Decision::Accept(AcceptOptions::new().with_protocol("sample"))
    });
    assert!(matches!(accepted, Ok(Accepted::WebSocket(_))));
    assert_eq!(writes.all(), [draft_response()]);
}
