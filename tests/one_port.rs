//! One port for hixie-76 and RFC 6455, over real loopback sockets: tungstenite's RFC 6455
//! client and our hixie-76 client against `blocking::accept_any` and `tokio::accept_any`, under
//! one decision and one message limit; versions neither side speaks get 426; plain HTTP comes
//! back with its bytes and a stream to answer it on.
//!
//! Each server runs the same echo handler on every connection it accepts and reports what it
//! served; every test runs against both servers.

mod io_support;

use std::io::Write;
use std::net::TcpStream;
use std::sync::mpsc;
use std::thread;

use hixie76::blocking::{AnyAccepted, AnyWebSocket};
use hixie76::frame::FrameConfig;
use hixie76::io::{AcceptConfig, AcceptOptions, ConnectConfig, Decision, Error, Message, Protocol};
use hixie76::server::{error_response, ServerConfig, Version};
use hixie76::StatusCode;
use tungstenite::client::IntoClientRequest;
use tungstenite::http::HeaderValue;

use io_support::*;

const MULTIBYTE: &str = "h\u{e9}llo \u{2713} \u{65e5}\u{672c} \u{1f600}";
/// Sixteen bytes in eight two-byte characters.
const AT_LIMIT: &str = "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}";
const LIMIT: usize = 16;
/// The origin the decision refuses.
const REFUSED_ORIGIN: &str = "http://refused.example";
/// A text message that asks the server to send a binary message back.
const ASK_BINARY: &str = "send binary";
const BINARY: [u8; 4] = [0x00, 0x01, 0xFE, 0xFF];
/// A text message that asks the server to start the closing handshake.
const ASK_CLOSE: &str = "close, please";
/// A text message that asks the blocking server for a keep-alive: an empty text frame on a
/// hixie socket, a ping on an RFC 6455 one.
const ASK_KEEPALIVE: &str = "keep me alive";

#[derive(Debug, Clone, Copy)]
enum Kind {
    Blocking,
    Tokio,
}

const KINDS: [Kind; 2] = [Kind::Blocking, Kind::Tokio];

/// What the decision saw of a request.
#[derive(Debug, Clone, Default)]
struct Seen {
    protocol: Option<Protocol>,
    offered: Vec<String>,
}

/// What a server made of one connection.
#[derive(Debug)]
enum Served {
    Socket {
        seen: Seen,
        protocol: Protocol,
        subprotocol: Option<String>,
        messages: Vec<Message>,
        /// What a binary message sent back gave, for [`ASK_BINARY`].
        binary: Option<String>,
        end: Result<(), Error>,
    },
    Http {
        version: Option<Version>,
        head: Vec<u8>,
        bytes: Vec<u8>,
        /// The method, the resource, the path and two fields, as [`describe`] writes them.
        path: String,
    },
    Failed(Seen, Error),
}

/// The one decision both servers make, for either protocol: a refused origin gets 403,
/// `sample` is agreed on when offered.
fn decide(request: &hixie76::io::Request<'_>, seen: &mut Seen) -> Decision {
    seen.protocol = Some(request.protocol());
    seen.offered = request.protocols().map(String::from).collect();
    if request.origin() == Some(REFUSED_ORIGIN) {
        return Decision::Reject(StatusCode::Forbidden);
    }
    let options = AcceptOptions::new().with_field("Set-Cookie", "seen=1");
    if request.protocols().any(|p| p == "sample") {
        Decision::Accept(options.with_protocol("sample"))
    } else {
        Decision::Accept(options)
    }
}

/// The answer to a plain HTTP request.
const HTTP_ANSWER: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";

fn config(hixie75: bool) -> AcceptConfig {
    AcceptConfig::new().with_server(ServerConfig::new().with_hixie75(hixie75))
}

/// Messages limited to [`LIMIT`] bytes, for either protocol.
fn limited() -> AcceptConfig {
    AcceptConfig::new()
        .with_server(ServerConfig::new().with_frames(FrameConfig::new().with_max_message(LIMIT)))
}

/// A plain HTTP request as the server saw it: `GET /x?y /x host=127.0.0.1 x-none=-`.
fn describe(
    method: &str,
    resource: &str,
    path: &str,
    field: impl Fn(&str) -> Option<Vec<u8>>,
) -> String {
    let value = |name| field(name).map_or("-".into(), |v| String::from_utf8_lossy(&v).into_owned());
    format!(
        "{method} {resource} {path} host={} x-none={}",
        value("host"),
        value("x-none")
    )
}

/// A one-port server of `kind` on a thread of its own; it reports each connection it served.
struct Server {
    addr: String,
    served: mpsc::Receiver<Served>,
}

impl Server {
    fn start(kind: Kind, config: AcceptConfig) -> Server {
        let (listener, addr) = listen();
        let (report, served) = mpsc::channel();
        match kind {
            Kind::Blocking => {
                thread::spawn(move || loop {
                    let stream = accept_one(&listener);
                    let report = report.clone();
                    thread::spawn(move || {
                        let _ = report.send(serve_blocking(stream, config));
                    });
                });
            }
            Kind::Tokio => {
                listener.set_nonblocking(true).expect("non-blocking");
                thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime");
                    runtime.block_on(async move {
                        let listener =
                            tokio::net::TcpListener::from_std(listener).expect("listener");
                        loop {
                            let (stream, _) = listener.accept().await.expect("accept");
                            let report = report.clone();
                            tokio::spawn(async move {
                                let _ = report.send(serve_tokio(stream, config).await);
                            });
                        }
                    });
                });
            }
        }
        Server { addr, served }
    }

    /// What the server made of the next connection.
    fn served(&self) -> Served {
        self.served
            .recv_timeout(GUARD)
            .expect("the server reported nothing")
    }
}

fn serve_blocking(stream: TcpStream, config: AcceptConfig) -> Served {
    let mut seen = Seen::default();
    let accepted =
        hixie76::blocking::accept_any(stream, config, |request| decide(request, &mut seen));
    match accepted {
        Ok(AnyAccepted::WebSocket(socket)) => echo_blocking(socket, seen),
        Ok(AnyAccepted::Http(mut request)) => {
            let served = Served::Http {
                version: request.version(),
                head: request.head().to_vec(),
                bytes: request.bytes().to_vec(),
                path: describe(
                    request.method(),
                    request.resource(),
                    request.path(),
                    |name| request.field(name).map(|value| value.to_vec()),
                ),
            };
            request.get_mut().write_all(HTTP_ANSWER).expect("answer");
            served
        }
        Err(error) => Served::Failed(seen, error),
    }
}

fn echo_blocking(mut socket: AnyWebSocket<TcpStream>, seen: Seen) -> Served {
    let (protocol, subprotocol) = (socket.protocol(), socket.subprotocol().map(String::from));
    // The socket of its protocol, and only that one, is reachable (a panic here leaves the
    // connection unreported, which fails the test).
    let rfc6455 = protocol == Protocol::Rfc6455;
    assert_eq!(socket.as_hixie().is_some(), !rfc6455, "{protocol:?}");
    assert_eq!(socket.as_rfc6455().is_some(), rfc6455, "{protocol:?}");
    let mut messages = Vec::new();
    let mut binary = None;
    let end = loop {
        let message = match socket.read() {
            Ok(Message::Close) => break Ok(()),
            Ok(message) => message,
            Err(error) => break Err(error),
        };
        messages.push(message.clone());
        let sent = if message == Message::Text(ASK_CLOSE.into()) {
            socket.close()
        } else if message == Message::Text(ASK_KEEPALIVE.into()) {
            socket.send_keepalive(hixie76::frame::Keepalive::Empty)
        } else if message == Message::Text(ASK_BINARY.into()) {
            let result = socket.send(Message::Binary(BINARY.to_vec()));
            binary = Some(format!("{result:?}"));
            match result {
                Err(error) => socket.send_text(&format!("{error:?}")),
                ok => ok,
            }
        } else {
            socket.send(message)
        };
        if let Err(error) = sent {
            break Err(error);
        }
    };
    Served::Socket {
        seen,
        protocol,
        subprotocol,
        messages,
        binary,
        end,
    }
}

async fn serve_tokio(stream: tokio::net::TcpStream, config: AcceptConfig) -> Served {
    use tokio::io::AsyncWriteExt;
    let mut seen = Seen::default();
    let accepted =
        hixie76::tokio::accept_any(stream, config, |request| decide(request, &mut seen)).await;
    let mut socket = match accepted {
        Ok(hixie76::tokio::AnyAccepted::WebSocket(socket)) => socket,
        Ok(hixie76::tokio::AnyAccepted::Http(mut request)) => {
            let served = Served::Http {
                version: request.version(),
                head: request.head().to_vec(),
                bytes: request.bytes().to_vec(),
                path: describe(
                    request.method(),
                    request.resource(),
                    request.path(),
                    |name| request.field(name).map(|value| value.to_vec()),
                ),
            };
            request
                .get_mut()
                .write_all(HTTP_ANSWER)
                .await
                .expect("answer");
            return served;
        }
        Err(error) => return Served::Failed(seen, error),
    };
    let (protocol, subprotocol) = (socket.protocol(), socket.subprotocol().map(String::from));
    // The socket of its protocol, and only that one, is reachable (a panic here leaves the
    // connection unreported, which fails the test).
    let rfc6455 = protocol == Protocol::Rfc6455;
    assert_eq!(socket.as_hixie().is_some(), !rfc6455, "{protocol:?}");
    assert_eq!(socket.as_rfc6455().is_some(), rfc6455, "{protocol:?}");
    let mut messages = Vec::new();
    let mut binary = None;
    let end = loop {
        let message = match socket.read().await {
            Some(Ok(Message::Close)) | None => break Ok(()),
            Some(Ok(message)) => message,
            Some(Err(error)) => break Err(error),
        };
        messages.push(message.clone());
        let sent = if message == Message::Text(ASK_CLOSE.into()) {
            socket.close().await
        } else if message == Message::Text(ASK_BINARY.into()) {
            let result = socket.send(Message::Binary(BINARY.to_vec())).await;
            binary = Some(format!("{result:?}"));
            match result {
                Err(error) => socket.send(Message::Text(format!("{error:?}"))).await,
                ok => ok,
            }
        } else {
            socket.send(message).await
        };
        if let Err(error) = sent {
            break Err(error);
        }
    };
    Served::Socket {
        seen,
        protocol,
        subprotocol,
        messages,
        binary,
        end,
    }
}

// ---------------------------------------------------------------------------------------------
// RFC 6455 clients

type Rfc6455 = tungstenite::WebSocket<TcpStream>;

/// tungstenite's client on a fresh connection to `addr`, with these subprotocols and origin.
fn rfc6455_client(
    addr: &str,
    protocols: Option<&str>,
    origin: &str,
) -> Result<(Rfc6455, tungstenite::handshake::client::Response), tungstenite::Error> {
    let mut request = ws_url(addr, "/echo")
        .into_client_request()
        .expect("request");
    let headers = request.headers_mut();
    headers.insert("Origin", HeaderValue::from_str(origin).expect("origin"));
    if let Some(protocols) = protocols {
        headers.insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(protocols).expect("protocols"),
        );
    }
    tungstenite::client(request, dial(addr)).map_err(|error| match error {
        tungstenite::HandshakeError::Failure(error) => error,
        tungstenite::HandshakeError::Interrupted(_) => panic!("a blocking handshake interrupted"),
    })
}

/// Sends a close and reads until tungstenite reports the connection closed.
fn rfc6455_close(client: &mut Rfc6455) {
    client.close(None).expect("close");
    loop {
        match client.read() {
            Ok(_) => {}
            Err(tungstenite::Error::ConnectionClosed) => return,
            Err(error) => panic!("closing: {error}"),
        }
    }
}

fn rfc6455_text(client: &mut Rfc6455) -> String {
    match client.read().expect("read") {
        tungstenite::Message::Text(text) => text.as_str().to_string(),
        other => panic!("expected text, got {other:?}"),
    }
}

#[test]
fn rfc6455_text_and_binary_echo_on_both_servers() {
    for kind in KINDS {
        let server = Server::start(kind, config(false));
        let (mut client, response) = rfc6455_client(&server.addr, None, ORIGIN).expect("handshake");
        assert_eq!(response.status(), 101, "{kind:?}");
        client
            .send(tungstenite::Message::text(MULTIBYTE))
            .expect("text");
        assert_eq!(rfc6455_text(&mut client), MULTIBYTE, "{kind:?}");
        client
            .send(tungstenite::Message::binary(BINARY.to_vec()))
            .expect("binary");
        match client.read().expect("read") {
            tungstenite::Message::Binary(bytes) => assert_eq!(bytes.as_ref(), BINARY, "{kind:?}"),
            other => panic!("{kind:?}: expected binary, got {other:?}"),
        }
        // A binary message the server sends of its own.
        client
            .send(tungstenite::Message::text(ASK_BINARY))
            .expect("ask");
        match client.read().expect("read") {
            tungstenite::Message::Binary(bytes) => assert_eq!(bytes.as_ref(), BINARY, "{kind:?}"),
            other => panic!("{kind:?}: expected binary, got {other:?}"),
        }
        rfc6455_close(&mut client);
        match server.served() {
            Served::Socket {
                seen,
                protocol,
                subprotocol,
                messages,
                binary,
                end,
            } => {
                assert_eq!(seen.protocol, Some(Protocol::Rfc6455), "{kind:?}");
                assert_eq!(protocol, Protocol::Rfc6455, "{kind:?}");
                assert_eq!(subprotocol, None, "{kind:?}");
                assert_eq!(
                    messages,
                    [
                        Message::Text(MULTIBYTE.into()),
                        Message::Binary(BINARY.to_vec()),
                        Message::Text(ASK_BINARY.into()),
                    ],
                    "{kind:?}"
                );
                assert_eq!(binary.as_deref(), Some("Ok(())"), "{kind:?}");
                assert!(end.is_ok(), "{kind:?}: {end:?}");
            }
            other => panic!("{kind:?}: {other:?}"),
        }
    }
}

/// The blocking socket's keep-alive, on either protocol: the hixie frame asked for, or a ping.
#[test]
fn keepalives_from_the_blocking_socket() {
    let server = Server::start(Kind::Blocking, config(false));
    let (mut client, _) = rfc6455_client(&server.addr, None, ORIGIN).expect("handshake");
    client
        .send(tungstenite::Message::text(ASK_KEEPALIVE))
        .expect("send");
    let ping = client.read().expect("the ping");
    assert!(
        matches!(&ping, tungstenite::Message::Ping(data) if data.is_empty()),
        "{ping:?}"
    );
    rfc6455_close(&mut client);

    let config = ConnectConfig::new(ORIGIN).with_protocol("sample");
    let url = ws_url(&server.addr, "/echo");
    let mut client =
        hixie76::blocking::connect(dial(&server.addr), &url, &config).expect("connect");
    client.send_text(ASK_KEEPALIVE).expect("send");
    assert_eq!(
        client.read().expect("the keep-alive"),
        Message::Text(String::new())
    );
    client.close().expect("close");
    assert_eq!(client.read().expect("the close's answer"), Message::Close);
    for protocol in [Protocol::Rfc6455, Protocol::Hixie76] {
        match server.served() {
            Served::Socket {
                protocol: served,
                messages,
                end,
                ..
            } => {
                assert_eq!(served, protocol);
                assert_eq!(
                    messages,
                    [Message::Text(ASK_KEEPALIVE.into())],
                    "{protocol:?}"
                );
                assert!(end.is_ok(), "{protocol:?}: {end:?}");
            }
            other => panic!("{other:?}"),
        }
    }
}

/// The server starts the closing handshake: the client gets its close frame, answers it, and
/// the server reads that answer as the end.
#[test]
fn rfc6455_close_started_by_the_server() {
    for kind in KINDS {
        let server = Server::start(kind, config(false));
        let (mut client, _) = rfc6455_client(&server.addr, None, ORIGIN).expect("handshake");
        client
            .send(tungstenite::Message::text(ASK_CLOSE))
            .expect("send");
        let close = client.read();
        assert!(
            matches!(close, Ok(tungstenite::Message::Close(None))),
            "{kind:?}: {close:?}"
        );
        // tungstenite answers the close on this read, and then reports the connection closed.
        let end = client.read();
        assert!(
            matches!(end, Err(tungstenite::Error::ConnectionClosed)),
            "{kind:?}: {end:?}"
        );
        match server.served() {
            Served::Socket { messages, end, .. } => {
                assert_eq!(messages, [Message::Text(ASK_CLOSE.into())], "{kind:?}");
                assert!(end.is_ok(), "{kind:?}: {end:?}");
            }
            other => panic!("{kind:?}: {other:?}"),
        }
    }
}

#[test]
fn rfc6455_subprotocol_chosen_by_the_same_decision() {
    for kind in KINDS {
        let server = Server::start(kind, config(false));
        let (mut client, response) =
            rfc6455_client(&server.addr, Some("chat, sample"), ORIGIN).expect("handshake");
        assert_eq!(
            response.headers().get("Sec-WebSocket-Protocol"),
            Some(&HeaderValue::from_static("sample")),
            "{kind:?}"
        );
        // The decision's extra field reaches the RFC 6455 response too.
        assert_eq!(
            response.headers().get("Set-Cookie"),
            Some(&HeaderValue::from_static("seen=1")),
            "{kind:?}"
        );
        rfc6455_close(&mut client);
        match server.served() {
            Served::Socket {
                seen, subprotocol, ..
            } => {
                assert_eq!(seen.offered, ["chat", "sample"], "{kind:?}");
                assert_eq!(subprotocol.as_deref(), Some("sample"), "{kind:?}");
            }
            other => panic!("{kind:?}: {other:?}"),
        }
    }
}

#[test]
fn rfc6455_message_limit_is_the_configured_one() {
    for kind in KINDS {
        let server = Server::start(kind, limited());
        let (mut client, _) = rfc6455_client(&server.addr, None, ORIGIN).expect("handshake");
        client
            .send(tungstenite::Message::text(AT_LIMIT))
            .expect("at the limit");
        assert_eq!(rfc6455_text(&mut client), AT_LIMIT, "{kind:?}");
        client
            .send(tungstenite::Message::text(format!("{AT_LIMIT}x")))
            .expect("over the limit");
        // The server gives up on this connection.
        assert!(client.read().is_err(), "{kind:?}: the connection went on");
        match server.served() {
            Served::Socket { messages, end, .. } => {
                assert_eq!(messages, [Message::Text(AT_LIMIT.into())], "{kind:?}");
                assert!(
                    matches!(
                        end,
                        Err(Error::Rfc6455(tungstenite::Error::Capacity(
                            tungstenite::error::CapacityError::MessageTooLong {
                                size: 17,
                                max_size: 16
                            }
                        )))
                    ),
                    "{kind:?}: {end:?}"
                );
            }
            other => panic!("{kind:?}: {other:?}"),
        }
    }
}

#[test]
fn rfc6455_rejection_by_the_decision() {
    for kind in KINDS {
        let server = Server::start(kind, config(false));
        match rfc6455_client(&server.addr, None, REFUSED_ORIGIN) {
            Err(tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 403, "{kind:?}")
            }
            Err(other) => panic!("{kind:?}: {other:?}"),
            Ok(_) => panic!("{kind:?}: a refused origin was accepted"),
        }
        match server.served() {
            Served::Failed(seen, Error::Rejected(403)) => {
                assert_eq!(seen.protocol, Some(Protocol::Rfc6455), "{kind:?}")
            }
            other => panic!("{kind:?}: {other:?}"),
        }
    }
}

#[test]
fn tokio_tungstenite_client_against_the_tokio_server() {
    let server = Server::start(Kind::Tokio, config(false));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        use futures_util::{SinkExt, StreamExt};
        let stream = tokio::net::TcpStream::connect(&server.addr)
            .await
            .expect("connect");
        let mut request = ws_url(&server.addr, "/echo")
            .into_client_request()
            .expect("request");
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("sample"));
        let (mut client, response) =
            tokio::time::timeout(GUARD, tokio_tungstenite::client_async(request, stream))
                .await
                .expect("the handshake hung")
                .expect("handshake");
        assert_eq!(
            response.headers().get("Sec-WebSocket-Protocol"),
            Some(&HeaderValue::from_static("sample"))
        );
        client
            .send(tungstenite::Message::text(MULTIBYTE))
            .await
            .expect("send");
        let echo = tokio::time::timeout(GUARD, client.next())
            .await
            .expect("hung");
        assert_eq!(
            echo.expect("a message").expect("read"),
            tungstenite::Message::text(MULTIBYTE)
        );
        client.close(None).await.expect("close");
    });
    match server.served() {
        Served::Socket {
            protocol,
            subprotocol,
            messages,
            ..
        } => {
            assert_eq!(protocol, Protocol::Rfc6455);
            assert_eq!(subprotocol.as_deref(), Some("sample"));
            assert_eq!(messages, [Message::Text(MULTIBYTE.into())]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn tokio_read_any_request_decides_an_rfc6455_request_later() {
    let (listener, addr) = listen();
    let client = thread::spawn(move || {
        let (mut client, _) = rfc6455_client(&addr, Some("sample"), ORIGIN).expect("handshake");
        client
            .send(tungstenite::Message::text("later"))
            .expect("send");
        let echo = rfc6455_text(&mut client);
        rfc6455_close(&mut client);
        // A second request, which the server refuses.
        let refused = match rfc6455_client(&addr, None, ORIGIN) {
            Err(tungstenite::Error::Http(response)) => response.status().as_u16(),
            other => panic!("{:?}", other.map(|_| ())),
        };
        (echo, refused)
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        listener.set_nonblocking(true).expect("non-blocking");
        let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
        // The time-out covers the whole handshake, decision included, and is far off.
        let config =
            AcceptConfig::new().with_handshake_timeout(Some(std::time::Duration::from_secs(600)));
        let (stream, _) = listener.accept().await.expect("accept");
        let incoming = hixie76::tokio::read_any_request(stream, config)
            .await
            .expect("read_any_request");
        let hixie76::tokio::AnyIncoming::Request(pending) = incoming else {
            panic!("an RFC 6455 request came back as plain HTTP");
        };
        assert_eq!(pending.request().protocol(), Protocol::Rfc6455);
        assert_eq!(pending.request().resource(), "/echo");
        tokio::task::yield_now().await;
        let mut socket = pending
            .accept(AcceptOptions::new().with_protocol("sample"))
            .await
            .expect("accept");
        assert_eq!(socket.subprotocol(), Some("sample"));
        let message = socket.read().await.expect("a message").expect("read");
        // Through the Sink: queued, then flushed.
        futures_util::SinkExt::send(&mut socket, message)
            .await
            .expect("echo");
        let close = socket.read().await;
        assert!(matches!(close, Some(Ok(Message::Close))), "{close:?}");
        // The server ends the TCP connection, which the client waits for.
        drop(socket);

        let (stream, _) = listener.accept().await.expect("accept");
        let incoming = hixie76::tokio::read_any_request(stream, config)
            .await
            .expect("read_any_request");
        let hixie76::tokio::AnyIncoming::Request(pending) = incoming else {
            panic!("an RFC 6455 request came back as plain HTTP");
        };
        pending.reject(StatusCode::Forbidden).await.expect("reject");
    });
    assert_eq!(client.join().expect("client thread"), ("later".into(), 403));
}

/// The handshake time-out of a request read first and decided later counts from the read: a
/// 101 that cannot be written (the peer reads nothing) within it fails the handshake, one the
/// peer reads in time completes it. On a paused clock, over a pipe too small for the 101.
#[test]
fn tokio_read_any_request_keeps_its_deadline_for_the_decision() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const REQUEST: &[u8] = b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";
    for (reader_waits, completed) in [(5, true), (15, false)] {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .expect("runtime");
        let result = runtime.block_on(async move {
            let (mut peer, server_end) = tokio::io::duplex(32);
            let peer_task = tokio::spawn(async move {
                peer.write_all(REQUEST).await.expect("request");
                tokio::time::sleep(std::time::Duration::from_secs(reader_waits)).await;
                // The whole 101, as far as it comes.
                let mut head = Vec::new();
                let mut buf = [0u8; 64];
                while !head.ends_with(b"\r\n\r\n") {
                    match peer.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                peer
            });
            let config = AcceptConfig::new()
                .with_handshake_timeout(Some(std::time::Duration::from_secs(10)));
            let incoming = hixie76::tokio::read_any_request(server_end, config)
                .await
                .expect("read_any_request");
            let hixie76::tokio::AnyIncoming::Request(pending) = incoming else {
                panic!("an RFC 6455 request came back as plain HTTP");
            };
            let accepted = pending.accept(AcceptOptions::new()).await.map(|_| ());
            drop(peer_task.await.expect("peer"));
            accepted
        });
        match result {
            Ok(()) => assert!(completed, "the peer read after {reader_waits} s"),
            Err(Error::HandshakeTimeout) => {
                assert!(!completed, "the peer read after {reader_waits} s")
            }
            Err(other) => panic!("{other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// hixie-76 clients on the same port

#[test]
fn hixie76_on_the_same_port_with_the_same_decision_and_limit() {
    for kind in KINDS {
        let server = Server::start(kind, limited());
        let connect_config = ConnectConfig::new(ORIGIN).with_protocol("sample");
        let mut client = hixie76::blocking::connect(
            dial(&server.addr),
            &ws_url(&server.addr, "/echo"),
            &connect_config,
        )
        .expect("connect");
        assert_eq!(client.subprotocol(), Some("sample"), "{kind:?}");
        client.send_text(AT_LIMIT).expect("at the limit");
        assert_eq!(client.read().expect("echo"), Message::Text(AT_LIMIT.into()));
        // The server's binary message cannot go out on a hixie socket: it says why instead.
        client.send_text(ASK_BINARY).expect("ask");
        assert_eq!(
            client.read().expect("answer"),
            Message::Text("BinaryNotSupported".into()),
            "{kind:?}"
        );
        client.send_text(&format!("{AT_LIMIT}x")).expect("over");
        assert!(client.read().is_err(), "{kind:?}: the connection went on");
        match server.served() {
            Served::Socket {
                seen,
                protocol,
                subprotocol,
                messages,
                binary,
                end,
            } => {
                assert_eq!(seen.protocol, Some(Protocol::Hixie76), "{kind:?}");
                assert_eq!(seen.offered, ["sample"], "{kind:?}");
                assert_eq!(protocol, Protocol::Hixie76, "{kind:?}");
                assert_eq!(subprotocol.as_deref(), Some("sample"), "{kind:?}");
                assert_eq!(
                    messages,
                    [
                        Message::Text(AT_LIMIT.into()),
                        Message::Text(ASK_BINARY.into())
                    ],
                    "{kind:?}"
                );
                assert_eq!(
                    binary.as_deref(),
                    Some("Err(BinaryNotSupported)"),
                    "{kind:?}"
                );
                assert!(
                    matches!(end, Err(Error::Protocol(hixie76::Error::MessageTooLarge))),
                    "{kind:?}: {end:?}"
                );
            }
            other => panic!("{kind:?}: {other:?}"),
        }
    }
}

#[test]
fn hixie76_rejection_on_the_same_port() {
    for kind in KINDS {
        let server = Server::start(kind, config(false));
        let refused = hixie76::blocking::connect(
            dial(&server.addr),
            &ws_url(&server.addr, "/echo"),
            &ConnectConfig::new(REFUSED_ORIGIN),
        );
        assert!(
            matches!(
                refused,
                Err(Error::Protocol(hixie76::Error::UnexpectedStatus(403)))
            ),
            "{kind:?}: {:?}",
            refused.map(|_| ())
        );
        assert!(
            matches!(server.served(), Served::Failed(_, Error::Rejected(403))),
            "{kind:?}"
        );
    }
}

#[test]
fn hixie75_on_the_same_port_when_allowed() {
    for kind in KINDS {
        let server = Server::start(kind, config(true));
        let mut client = hixie76::blocking::connect(
            dial(&server.addr),
            &ws_url(&server.addr, "/echo"),
            &ConnectConfig::new(ORIGIN).with_hixie75(true),
        )
        .expect("connect");
        client.send_text(MULTIBYTE).expect("send");
        assert_eq!(
            client.read().expect("echo"),
            Message::Text(MULTIBYTE.into())
        );
        drop(client);
        match server.served() {
            Served::Socket { protocol, end, .. } => {
                assert_eq!(protocol, Protocol::Hixie75, "{kind:?}");
                assert!(end.is_ok(), "{kind:?}: {end:?}");
            }
            other => panic!("{kind:?}: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Versions neither side speaks

/// Sends `request` in one write; everything the server answered before the end.
fn exchange(addr: &str, request: &[u8]) -> Vec<u8> {
    let mut peer = dial(addr);
    peer.write_all(request).expect("write");
    read_until_end(&mut peer)
}

#[test]
fn other_versions_get_426_naming_version_13() {
    let rfc6455_version_8 = b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 8\r\n\r\n"
        .to_vec();
    let hybi_03 = [
        &b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
Origin: http://example.com\r\nSec-WebSocket-Draft: 3\r\n\
Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\nSec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n\r\n"[..],
        &DRAFT_KEY3[..],
    ]
    .concat();
    let hixie_75 = b"GET /echo HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
Host: 127.0.0.1\r\nOrigin: http://example.com\r\n\r\n"
        .to_vec();
    let cases = [
        ("RFC 6455 version 8", rfc6455_version_8),
        ("hybi-03", hybi_03),
        ("hixie-75 not allowed", hixie_75),
    ];
    for kind in KINDS {
        let server = Server::start(kind, config(false));
        for (name, request) in &cases {
            let response = exchange(&server.addr, request);
            assert_eq!(
                status_line(&response),
                "HTTP/1.1 426 Upgrade Required",
                "{kind:?} {name}"
            );
            let text = String::from_utf8_lossy(&response);
            assert!(
                text.contains("\r\nSec-WebSocket-Version: 13\r\n"),
                "{kind:?} {name}: {text:?}"
            );
            assert_eq!(
                response,
                error_response(StatusCode::UpgradeRequired),
                "{kind:?} {name}"
            );
            let served = server.served();
            assert!(
                matches!(served, Served::Failed(_, Error::UnsupportedVersion)),
                "{kind:?} {name}: {served:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Plain HTTP on the same port

#[test]
fn plain_http_comes_back_with_its_exact_bytes_and_can_be_answered() {
    let get = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n";
    let pipelined = b"GET /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    let post = b"POST /form?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\n\r\n";
    let cases: [(&[u8], &[u8], &str); 3] = [
        (get, b"", "GET / / host=127.0.0.1 x-none=-"),
        (get, pipelined, "GET / / host=127.0.0.1 x-none=-"),
        (
            post,
            b"hello",
            "POST /form?x=1 /form host=127.0.0.1 x-none=-",
        ),
    ];
    for kind in KINDS {
        let server = Server::start(kind, config(false));
        for (head, after, path) in cases {
            let request = [head, after].concat();
            let response = exchange(&server.addr, &request);
            assert_eq!(response, HTTP_ANSWER, "{kind:?} {path}");
            match server.served() {
                Served::Http {
                    version,
                    head: got_head,
                    bytes,
                    path: got_path,
                } => {
                    assert_eq!(version, None, "{kind:?} {path}");
                    assert_eq!(got_head, head, "{kind:?} {path}");
                    assert_eq!(bytes, request, "{kind:?} {path}");
                    assert_eq!(got_path, path, "{kind:?}");
                }
                other => panic!("{kind:?} {path}: {other:?}"),
            }
        }
    }
}

#[test]
fn rfc6455_raw_handshake_from_the_rfc_then_a_masked_frame() {
    // RFC 6455's own examples: the key of section 1.3 and the masked "Hello" of section 5.7.
    // The frame waits for the 101, as RFC 6455 section 4.1 has a client do (tungstenite refuses
    // bytes glued to the request).
    let request = b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";
    let hello = [
        0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58,
    ];
    let close = [0x88, 0x80, 0x01, 0x02, 0x03, 0x04];
    for kind in KINDS {
        let server = Server::start(kind, config(false));
        let mut peer = dial(&server.addr);
        peer.write_all(request).expect("request");
        let head = String::from_utf8(read_head(&mut peer)).expect("ASCII head");
        assert!(head.starts_with("HTTP/1.1 101 "), "{kind:?}: {head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("\r\nsec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n"),
            "{kind:?}: {head}"
        );
        peer.write_all(&hello).expect("frame");
        assert_eq!(
            read_exactly(&mut peer, 7),
            [0x81, 0x05, b'H', b'e', b'l', b'l', b'o'],
            "{kind:?}"
        );
        peer.write_all(&close).expect("close");
        match server.served() {
            Served::Socket { messages, end, .. } => {
                assert_eq!(messages, [Message::Text("Hello".into())], "{kind:?}");
                assert!(end.is_ok(), "{kind:?}: {end:?}");
            }
            other => panic!("{kind:?}: {other:?}"),
        }
    }
}

#[test]
fn heads_that_arrive_a_byte_at_a_time_are_served_whole() {
    let rfc6455 = b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Protocol: sample\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";
    let plain = b"GET /?send=x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    for kind in KINDS {
        let server = Server::start(kind, config(false));
        // RFC 6455, its subprotocols over two fields.
        let mut peer = dial(&server.addr);
        peer.set_nodelay(true).expect("nodelay");
        for byte in rfc6455 {
            peer.write_all(&[*byte]).expect("write");
        }
        let head = String::from_utf8(read_head(&mut peer)).expect("ASCII head");
        assert!(head.starts_with("HTTP/1.1 101 "), "{kind:?}: {head}");
        assert!(
            head.to_ascii_lowercase()
                .contains("\r\nsec-websocket-protocol: sample\r\n"),
            "{kind:?}: {head}"
        );
        drop(peer);
        match server.served() {
            Served::Socket {
                seen, subprotocol, ..
            } => {
                assert_eq!(seen.offered, ["chat", "sample"], "{kind:?}");
                assert_eq!(subprotocol.as_deref(), Some("sample"), "{kind:?}");
            }
            other => panic!("{kind:?}: {other:?}"),
        }
        // Plain HTTP.
        let mut peer = dial(&server.addr);
        peer.set_nodelay(true).expect("nodelay");
        for byte in plain {
            peer.write_all(&[*byte]).expect("write");
        }
        assert_eq!(read_until_end(&mut peer), HTTP_ANSWER, "{kind:?}");
        match server.served() {
            Served::Http { head, bytes, .. } => {
                assert_eq!(head, plain, "{kind:?}");
                assert_eq!(bytes, plain, "{kind:?}");
            }
            other => panic!("{kind:?}: {other:?}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What RFC 6455 connections should share with hixie ones

#[test]
fn bad_rfc6455_requests_get_an_http_error_like_bad_hixie_requests() {
    // RFC 6455 section 4.2.1: a server that finds the client's handshake malformed MUST
    // answer with an HTTP error (such as 400) — as a bad hixie-76 request gets its 4xx here.
    let key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    let cases = [
        (
            "no Sec-WebSocket-Key",
            "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n"
                .to_string(),
            &["HTTP/1.1 400 Bad Request"][..],
        ),
        (
            "no Connection: Upgrade",
            format!(
                "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n{key}\
Sec-WebSocket-Version: 13\r\n\r\n"
            ),
            &["HTTP/1.1 400 Bad Request"][..],
        ),
        (
            "POST",
            format!(
                "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\n{key}Sec-WebSocket-Version: 13\r\n\r\n"
            ),
            &[
                "HTTP/1.1 400 Bad Request",
                "HTTP/1.1 405 Method Not Allowed",
            ][..],
        ),
    ];
    for kind in KINDS {
        let server = Server::start(kind, config(false));
        for (name, request, statuses) in &cases {
            let response = exchange(&server.addr, request.as_bytes());
            let served = server.served();
            assert!(
                matches!(served, Served::Failed(..)),
                "{kind:?} {name}: {served:?}"
            );
            assert!(
                statuses.contains(&status_line(&response).as_str()),
                "{kind:?} {name}: the server answered {:?} ({served:?})",
                String::from_utf8_lossy(&response)
            );
        }
    }
}

#[test]
fn the_idle_timeout_ends_a_silent_rfc6455_connection_too() {
    // AcceptConfig::with_idle_timeout holds for every connection a one-port server accepts.
    let (listener, addr) = listen();
    let client = thread::spawn(move || {
        let (mut client, _) = rfc6455_client(&addr, None, ORIGIN).expect("handshake");
        client
            .send(tungstenite::Message::text("then silence"))
            .expect("send");
        // Reads until the server gives up on the connection.
        loop {
            if client.read().is_err() {
                return;
            }
        }
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (first, timed_out) = runtime.block_on(async move {
        listener.set_nonblocking(true).expect("non-blocking");
        let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
        let (stream, _) = listener.accept().await.expect("accept");
        let config =
            AcceptConfig::new().with_idle_timeout(Some(std::time::Duration::from_millis(300)));
        let accepted =
            hixie76::tokio::accept_any(stream, config, |_| Decision::Accept(AcceptOptions::new()))
                .await;
        let Ok(hixie76::tokio::AnyAccepted::WebSocket(mut socket)) = accepted else {
            panic!("accept failed");
        };
        assert_eq!(socket.protocol(), Protocol::Rfc6455);
        let first = socket.read().await.map(|m| format!("{m:?}"));
        let timed_out = tokio::time::timeout(GUARD, socket.read())
            .await
            .map(|read| format!("{read:?}"))
            .unwrap_or_else(|_| "no idle time-out: the silent peer was kept".to_string());
        (first, timed_out)
    });
    assert_eq!(first.as_deref(), Some("Ok(Text(\"then silence\"))"));
    assert_eq!(timed_out, "Some(Err(IdleTimeout))");
    client.join().expect("client thread");
}

#[test]
fn rfc6455_text_must_be_utf8_whatever_the_hixie_policy() {
    // RFC 6455 section 8.1: invalid UTF-8 in a text message fails the connection, so the
    // hixie-76 replacement policy cannot apply to RFC 6455 messages.
    let request = b"GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";
    // A masked text frame (zero mask) holding the single byte FF.
    let invalid = [0x81, 0x81, 0x00, 0x00, 0x00, 0x00, 0xFF];
    let replacing = AcceptConfig::new().with_server(
        ServerConfig::new().with_frames(FrameConfig::new().with_replace_invalid_utf8(true)),
    );
    for kind in KINDS {
        let server = Server::start(kind, replacing);
        let mut peer = dial(&server.addr);
        peer.write_all(request).expect("request");
        read_head(&mut peer);
        peer.write_all(&invalid).expect("frame");
        match server.served() {
            Served::Socket { messages, end, .. } => {
                assert!(messages.is_empty(), "{kind:?}: {messages:?}");
                assert!(
                    matches!(end, Err(Error::Rfc6455(tungstenite::Error::Utf8(_)))),
                    "{kind:?}: {end:?}"
                );
            }
            other => panic!("{kind:?}: {other:?}"),
        }
        // The same policy replaces on a hixie-76 connection.
        let mut client = hixie76::blocking::connect(
            dial(&server.addr),
            &ws_url(&server.addr, "/echo"),
            &ConnectConfig::new(ORIGIN)
                .with_frames(FrameConfig::new().with_replace_invalid_utf8(true)),
        )
        .expect("connect");
        client
            .get_mut()
            .write_all(&[0x00, b'a', 0xFF])
            .expect("raw frame");
        let echo = client.read().expect("echo");
        assert_eq!(echo, Message::Text("a".into()), "{kind:?}");
        client
            .get_mut()
            .write_all(&[0x00, 0xC3, 0xFF])
            .expect("raw frame");
        assert_eq!(
            client.read().expect("echo"),
            Message::Text("\u{fffd}".into()),
            "{kind:?}"
        );
        drop(client);
        let _ = server.served();
    }
}

/// tungstenite's errors become the adapters': its io errors and closes as this crate's own,
/// anything else kept with its source.
#[test]
fn tungstenite_errors_become_the_adapters() {
    use std::error::Error as _;
    let io = Error::from(tungstenite::Error::Io(
        std::io::ErrorKind::BrokenPipe.into(),
    ));
    assert!(matches!(&io, Error::Io(error) if error.kind() == std::io::ErrorKind::BrokenPipe));
    assert!(matches!(
        Error::from(tungstenite::Error::ConnectionClosed),
        Error::ConnectionClosed
    ));
    assert!(matches!(
        Error::from(tungstenite::Error::AlreadyClosed),
        Error::ConnectionClosed
    ));
    let other = Error::from(tungstenite::Error::Utf8(String::from("bad")));
    assert!(matches!(other, Error::Rfc6455(_)), "{other:?}");
    assert!(other.source().is_some());
    assert!(other.to_string().starts_with("RFC 6455: "), "{other}");
}
