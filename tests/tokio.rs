//! The async adapter over real loopback sockets: our tokio client and our blocking client
//! against our tokio server for hixie-76 and hixie-75, the two-step decision, frames glued to
//! the handshake, and the time-outs.
//!
//! Time-outs are short and real; the tests check what happened, never how long it took. Every
//! test runs under a guard that fails it instead of letting it hang.

mod io_support;

use std::future::Future;
use std::io::{Read, Write};
use std::net::Shutdown;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hixie76::frame::FrameConfig;
use hixie76::io::{AcceptConfig, AcceptOptions, ConnectConfig, Decision, Error, Message, Protocol};
use hixie76::server::{error_response, ServerConfig};
use hixie76::tokio::{accept_hdr, connect, read_request, Accepted, Incoming, WebSocketStream};
use hixie76::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use io_support::*;

const MULTIBYTE: &str = "h\u{e9}llo \u{2713} \u{65e5}\u{672c} \u{1f600}";
/// Sixteen bytes in eight two-byte characters.
const AT_LIMIT: &str = "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}";
const LIMIT: usize = 16;
/// A deadline short enough to keep the tests quick; the tests never measure it.
const SHORT: Duration = Duration::from_millis(300);

/// Runs `test` on a fresh runtime, failing it if it does not finish within the guard.
fn run<F: Future<Output = ()>>(test: F) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        tokio::time::timeout(GUARD, test)
            .await
            .expect("the test hung");
    });
}

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

async fn listen_async() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address").to_string();
    (listener, addr)
}

/// Accepts the next connection with `config`, accepting any request without a subprotocol.
async fn accept_plain(listener: &TcpListener, config: AcceptConfig) -> WebSocketStream<TcpStream> {
    let (stream, _) = listener.accept().await.expect("accept");
    match accept_hdr(stream, config, |_| Decision::Accept(AcceptOptions::new())).await {
        Ok(Accepted::WebSocket(socket)) => socket,
        Ok(Accepted::Unanswered(request)) => {
            panic!("unanswered: {:?}", String::from_utf8_lossy(request.head()))
        }
        Err(error) => panic!("accept failed: {error}"),
    }
}

async fn open_client(addr: &str, config: &ConnectConfig) -> WebSocketStream<TcpStream> {
    let stream = TcpStream::connect(addr).await.expect("connect");
    connect(stream, &ws_url(addr, "/echo"), config)
        .await
        .expect("handshake")
}

fn text(message: Option<Result<Message, Error>>) -> String {
    match message {
        Some(Ok(Message::Text(text))) => text,
        other => panic!("expected a text message, got {other:?}"),
    }
}

/// Reads until the peer ends the stream (a reset counts as the end too).
async fn read_to_end_async(stream: &mut TcpStream) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => return all,
            Err(error) => panic!("read failed after {} bytes: {error}", all.len()),
        }
    }
}

/// The server side of the echo tests: greets, then answers each message with `echo: TEXT`
/// until the close; what it saw, and what the stream gave after the close.
fn echo_server(
    listener: TcpListener,
    config: AcceptConfig,
) -> JoinHandle<(Protocol, Vec<String>, Option<String>)> {
    tokio::spawn(async move {
        let mut socket = accept_plain(&listener, config).await;
        let protocol = socket.protocol();
        // Through the Sink, as tokio-tungstenite users would.
        socket
            .send(Message::Text(MULTIBYTE.into()))
            .await
            .expect("greeting");
        let mut seen = Vec::new();
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    SinkExt::send(&mut socket, Message::Text(format!("echo: {text}")))
                        .await
                        .expect("echo");
                    seen.push(text);
                }
                Some(Ok(Message::Close)) => break,
                other => panic!("server read {other:?}"),
            }
        }
        let after = socket.next().await.map(|item| format!("{item:?}"));
        (protocol, seen, after)
    })
}

const SENT: [&str; 4] = ["hello", "", MULTIBYTE, "\u{10ffff}"];

fn expected_protocol(hixie75: bool) -> Protocol {
    if hixie75 {
        Protocol::Hixie75
    } else {
        Protocol::Hixie76
    }
}

fn tokio_client_and_server(hixie75: bool) {
    run(async move {
        let (listener, addr) = listen_async().await;
        let server = echo_server(listener, accept_config(hixie75, 1 << 20));
        let mut client = open_client(&addr, &connect_config(hixie75)).await;
        assert_eq!(client.protocol(), expected_protocol(hixie75));
        assert_eq!(text(client.read().await), MULTIBYTE);
        for message in SENT {
            client
                .send(Message::Text(message.into()))
                .await
                .expect("send");
            assert_eq!(text(client.read().await), format!("echo: {message}"));
        }
        client.close().await.expect("close");
        // hixie-76: the server's answer; hixie-75: the end of the server's stream.
        let answer = client.read().await;
        assert!(matches!(answer, Some(Ok(Message::Close))), "{answer:?}");
        assert!(client.is_closed());
        // After the close the stream ends.
        assert!(client.read().await.is_none());
        let (protocol, seen, after) = server.await.expect("server task");
        assert_eq!(protocol, expected_protocol(hixie75));
        assert_eq!(seen, SENT);
        assert_eq!(after, None, "the server's stream went on after the close");
    });
}

#[test]
fn hixie76_tokio_client_and_tokio_server() {
    tokio_client_and_server(false);
}

#[test]
fn hixie75_tokio_client_and_tokio_server() {
    tokio_client_and_server(true);
}

fn blocking_client_and_tokio_server(hixie75: bool) {
    run(async move {
        let (listener, addr) = listen_async().await;
        let server = echo_server(listener, accept_config(hixie75, 1 << 20));
        let client = tokio::task::spawn_blocking(move || {
            let config = connect_config(hixie75);
            let mut client = hixie76::blocking::connect(dial(&addr), &ws_url(&addr, "/"), &config)
                .expect("connect");
            let protocol = client.protocol();
            let mut received = Vec::new();
            let greeting = client.read();
            for message in SENT {
                client.send_text(message).expect("send");
                received.push(client.read());
            }
            client.close().expect("close");
            let close = if hixie75 {
                client
                    .get_mut()
                    .shutdown(Shutdown::Write)
                    .expect("shutdown");
                None
            } else {
                Some(client.read())
            };
            (protocol, greeting, received, close)
        });
        let (protocol, greeting, received, close) = client.await.expect("client thread");
        assert_eq!(protocol, expected_protocol(hixie75));
        assert!(matches!(greeting, Ok(Message::Text(ref t)) if t == MULTIBYTE));
        for (message, got) in SENT.iter().zip(received) {
            assert_eq!(
                got.expect("echo"),
                Message::Text(format!("echo: {message}"))
            );
        }
        if let Some(close) = close {
            assert!(matches!(close, Ok(Message::Close)), "{close:?}");
        }
        let (protocol, seen, _) = server.await.expect("server task");
        assert_eq!(protocol, expected_protocol(hixie75));
        assert_eq!(seen, SENT);
    });
}

#[test]
fn hixie76_blocking_client_and_tokio_server() {
    blocking_client_and_tokio_server(false);
}

#[test]
fn hixie75_blocking_client_and_tokio_server() {
    blocking_client_and_tokio_server(true);
}

fn tokio_client_and_blocking_server(hixie75: bool) {
    run(async move {
        let (listener, addr) = listen();
        let config = accept_config(hixie75, 1 << 20);
        let server = tokio::task::spawn_blocking(move || {
            let stream = accept_one(&listener);
            let accepted = hixie76::blocking::accept_hdr(stream, config, |_| {
                Decision::Accept(AcceptOptions::new())
            });
            let Ok(hixie76::blocking::Accepted::WebSocket(mut socket)) = accepted else {
                panic!("accept failed");
            };
            let mut seen = Vec::new();
            loop {
                match socket.read() {
                    Ok(Message::Text(text)) => {
                        socket.send_text(&text).expect("echo");
                        seen.push(text);
                    }
                    Ok(Message::Close) => return seen,
                    other => panic!("server read {other:?}"),
                }
            }
        });
        let mut client = open_client(&addr, &connect_config(hixie75)).await;
        for message in SENT {
            client
                .send(Message::Text(message.into()))
                .await
                .expect("send");
            assert_eq!(text(client.read().await), message);
        }
        client.close().await.expect("close");
        if !hixie75 {
            assert!(matches!(client.read().await, Some(Ok(Message::Close))));
        }
        assert_eq!(server.await.expect("server thread"), SENT);
    });
}

#[test]
fn hixie76_tokio_client_and_blocking_server() {
    tokio_client_and_blocking_server(false);
}

#[test]
fn hixie75_tokio_client_and_blocking_server() {
    tokio_client_and_blocking_server(true);
}

// ---------------------------------------------------------------------------------------------
// Closing orders

#[test]
fn hixie76_close_started_by_the_tokio_server() {
    run(async {
        let (listener, addr) = listen_async().await;
        let server = tokio::spawn(async move {
            let mut socket = accept_plain(&listener, accept_config(false, 1 << 20)).await;
            socket.close().await.expect("close");
            let closed_early = socket.is_closed();
            let answer = socket.read().await.map(|m| format!("{m:?}"));
            let after = socket.read().await.map(|m| format!("{m:?}"));
            let send_after = socket.send(Message::Text("late".into())).await;
            (closed_early, answer, socket.is_closed(), after, send_after)
        });
        let mut client = open_client(&addr, &connect_config(false)).await;
        let close = client.read().await;
        assert!(matches!(close, Some(Ok(Message::Close))), "{close:?}");
        assert!(
            client.is_closed(),
            "the answer was not written before the close was handed out"
        );
        assert!(client.read().await.is_none());
        let late = client.send(Message::Text("late".into())).await;
        assert!(matches!(late, Err(Error::ConnectionClosed)), "{late:?}");
        let (closed_early, answer, closed, after, send_after) = server.await.expect("server task");
        assert!(!closed_early, "closed before the answer came");
        assert_eq!(answer.as_deref(), Some("Ok(Close)"));
        assert!(closed);
        assert_eq!(after, None);
        assert!(
            matches!(send_after, Err(Error::ConnectionClosed)),
            "{send_after:?}"
        );
    });
}

#[test]
fn hixie75_close_by_the_tokio_server_ends_the_stream() {
    run(async {
        let (listener, addr) = listen_async().await;
        let server = tokio::spawn(async move {
            let mut socket = accept_plain(&listener, accept_config(true, 1 << 20)).await;
            socket
                .send(Message::Text("last".into()))
                .await
                .expect("send");
            socket.close().await.expect("close");
            socket.is_closed()
        });
        let mut client = open_client(&addr, &connect_config(true)).await;
        assert_eq!(text(client.read().await), "last");
        let close = client.read().await;
        assert!(matches!(close, Some(Ok(Message::Close))), "{close:?}");
        assert!(client.read().await.is_none());
        assert!(
            server.await.expect("server task"),
            "a hixie-75 close ends the connection"
        );
    });
}

// ---------------------------------------------------------------------------------------------
// The frame limit

fn tokio_server_limit(hixie75: bool) {
    run(async move {
        let (listener, addr) = listen_async().await;
        let config = accept_config(hixie75, LIMIT);
        // One task per connection, as a server runs them.
        let server = tokio::spawn(async move {
            let mut tasks = Vec::new();
            for _ in 0..2 {
                let mut socket = accept_plain(&listener, config).await;
                tasks.push(tokio::spawn(async move {
                    let mut seen = Vec::new();
                    loop {
                        match socket.read().await {
                            Some(Ok(Message::Text(text))) => {
                                socket
                                    .send(Message::Text(text.clone()))
                                    .await
                                    .expect("echo");
                                seen.push(Ok(text));
                            }
                            Some(Ok(Message::Close)) | None => return seen,
                            Some(Ok(Message::Binary(_))) => panic!("binary on hixie"),
                            Some(Err(error)) => {
                                seen.push(Err(error));
                                return seen;
                            }
                        }
                    }
                }));
            }
            let mut results = Vec::new();
            for task in tasks {
                results.push(task.await.expect("connection task"));
            }
            results
        });
        let mut first = open_client(&addr, &connect_config(hixie75)).await;
        let mut second = open_client(&addr, &connect_config(hixie75)).await;
        first
            .send(Message::Text(AT_LIMIT.into()))
            .await
            .expect("at the limit");
        assert_eq!(text(first.read().await), AT_LIMIT);
        first
            .send(Message::Text(format!("{AT_LIMIT}x")))
            .await
            .expect("over the limit");
        let ended = first.read().await;
        if hixie75 {
            assert!(matches!(ended, Some(Ok(Message::Close))), "{ended:?}");
        } else {
            assert!(matches!(ended, Some(Err(Error::Io(_)))), "{ended:?}");
        }
        // The other connection goes on.
        second
            .send(Message::Text("other".into()))
            .await
            .expect("other");
        assert_eq!(text(second.read().await), "other");
        second.close().await.expect("close");
        drop(second);
        let results = server.await.expect("server task");
        assert_eq!(results.len(), 2);
        let first_seen = &results[0];
        assert_eq!(first_seen.len(), 2, "{first_seen:?}");
        assert!(matches!(&first_seen[0], Ok(t) if t == AT_LIMIT));
        assert!(
            matches!(
                first_seen[1],
                Err(Error::Protocol(hixie76::Error::MessageTooLarge))
            ),
            "{first_seen:?}"
        );
        assert!(
            matches!(&results[1][..], [Ok(t)] if t == "other"),
            "{:?}",
            results[1]
        );
    });
}

#[test]
fn hixie76_oversized_message_ends_that_connection_alone() {
    tokio_server_limit(false);
}

#[test]
fn hixie75_oversized_message_ends_that_connection_alone() {
    tokio_server_limit(true);
}

#[test]
fn tokio_client_takes_a_message_at_the_limit_and_ends_one_byte_over() {
    run(async {
        let (listener, addr) = listen_async().await;
        let server = tokio::spawn(async move {
            let mut socket = accept_plain(&listener, accept_config(false, 1 << 20)).await;
            socket
                .send(Message::Text(AT_LIMIT.into()))
                .await
                .expect("at");
            socket
                .send(Message::Text(format!("{AT_LIMIT}x")))
                .await
                .expect("over");
            socket.read().await.map(|m| format!("{m:?}"))
        });
        let config = connect_config(false).with_frames(FrameConfig::new().with_max_message(LIMIT));
        let mut client = open_client(&addr, &config).await;
        assert_eq!(text(client.read().await), AT_LIMIT);
        let over = client.read().await;
        assert!(
            matches!(
                over,
                Some(Err(Error::Protocol(hixie76::Error::MessageTooLarge)))
            ),
            "{over:?}"
        );
        assert!(
            client.read().await.is_none(),
            "the stream went on after the error"
        );
        drop(client);
        let server_saw = server.await.expect("server task");
        assert!(
            server_saw
                .as_deref()
                .is_some_and(|s| s.starts_with("Err(Io(")),
            "{server_saw:?}"
        );
    });
}

// ---------------------------------------------------------------------------------------------
// Subprotocols and decisions

fn subprotocol_agreed_and_403_seen_by_the_tokio_client(hixie75: bool) {
    run(async move {
        let (listener, addr) = listen_async().await;
        let server_config = accept_config(hixie75, 1 << 20);
        let server = tokio::spawn(async move {
            let mut results = Vec::new();
            for _ in 0..2 {
                let (stream, _) = listener.accept().await.expect("accept");
                let accepted = accept_hdr(stream, server_config, |request| {
                    assert_eq!(request.protocol(), expected_protocol(hixie75));
                    if request.protocols().any(|p| p == "chat") {
                        Decision::Accept(AcceptOptions::new().with_protocol("chat"))
                    } else {
                        Decision::Reject(StatusCode::Forbidden)
                    }
                })
                .await;
                results.push(match accepted {
                    Ok(Accepted::WebSocket(socket)) => Ok(socket.subprotocol().map(String::from)),
                    Ok(Accepted::Unanswered(_)) => panic!("unanswered"),
                    Err(error) => Err(error),
                });
            }
            results
        });
        let mut config = connect_config(hixie75);
        if !hixie75 {
            // hixie-75 offers one at most.
            config = config.with_protocol("other");
        }
        let client = open_client(&addr, &config.with_protocol("chat")).await;
        assert_eq!(client.subprotocol(), Some("chat"));
        let stream = TcpStream::connect(&addr).await.expect("connect");
        let refused = connect(stream, &ws_url(&addr, "/"), &connect_config(hixie75)).await;
        assert!(
            matches!(
                refused,
                Err(Error::Protocol(hixie76::Error::UnexpectedStatus(403)))
            ),
            "{:?}",
            refused.map(|_| ())
        );
        let results = server.await.expect("server task");
        assert!(
            matches!(&results[0], Ok(Some(p)) if p == "chat"),
            "{results:?}"
        );
        assert!(
            matches!(results[1], Err(Error::Rejected(403))),
            "{results:?}"
        );
    });
}

#[test]
fn hixie76_subprotocol_agreed_and_403_seen_by_the_tokio_client() {
    subprotocol_agreed_and_403_seen_by_the_tokio_client(false);
}

#[test]
fn hixie75_subprotocol_agreed_and_403_seen_by_the_tokio_client() {
    subprotocol_agreed_and_403_seen_by_the_tokio_client(true);
}

#[test]
fn two_step_read_request_then_decide_later() {
    run(async {
        let (listener, addr) = listen_async().await;
        let (verdict_tx, verdict_rx) = tokio::sync::oneshot::channel::<bool>();
        let (seen_tx, seen_rx) = tokio::sync::oneshot::channel::<(String, Option<String>)>();
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            let Incoming::Request(pending) = read_request(stream, AcceptConfig::new())
                .await
                .expect("read_request")
            else {
                panic!("unanswered");
            };
            let request = pending.request();
            let seen = (
                request.resource().to_string(),
                request.origin().map(String::from),
            );
            seen_tx.send(seen).expect("seen");
            // The decision comes from elsewhere, later: the handshake waits for it.
            let allowed = verdict_rx.await.expect("verdict");
            assert!(allowed);
            let mut socket = pending
                .accept(AcceptOptions::new().with_protocol("chat"))
                .await
                .expect("accept");
            let message = socket.read().await;
            socket
                .send(Message::Text("decided".into()))
                .await
                .expect("send");
            message.map(|m| format!("{m:?}"))
        });
        let client = tokio::spawn({
            let addr = addr.clone();
            async move {
                let stream = TcpStream::connect(&addr).await.expect("connect");
                let config = connect_config(false).with_protocol("chat");
                let mut client = connect(stream, &ws_url(&addr, "/room?id=7"), &config)
                    .await
                    .expect("handshake");
                client
                    .send(Message::Text("after the decision".into()))
                    .await
                    .expect("send");
                let reply = text(client.read().await);
                (client.subprotocol().map(String::from), reply)
            }
        });
        let (resource, origin) = seen_rx.await.expect("the request was read");
        assert_eq!(resource, "/room?id=7");
        assert_eq!(origin.as_deref(), Some(ORIGIN));
        verdict_tx.send(true).expect("verdict");
        let (protocol, reply) = client.await.expect("client task");
        assert_eq!(protocol.as_deref(), Some("chat"));
        assert_eq!(reply, "decided");
        assert_eq!(
            server.await.expect("server task").as_deref(),
            Some("Ok(Text(\"after the decision\"))")
        );
    });
}

#[test]
fn two_step_reject_writes_the_status_and_ends() {
    run(async {
        let (listener, addr) = listen_async().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            let Incoming::Request(pending) = read_request(stream, AcceptConfig::new())
                .await
                .expect("read_request")
            else {
                panic!("unanswered");
            };
            tokio::task::yield_now().await;
            pending.reject(StatusCode::Forbidden).await
        });
        let mut peer = TcpStream::connect(&addr).await.expect("connect");
        peer.write_all(&draft_request()).await.expect("write");
        let response = read_to_end_async(&mut peer).await;
        assert_eq!(response, error_response(StatusCode::Forbidden));
        server.await.expect("server task").expect("reject");
    });
}

#[test]
fn read_request_hands_back_plain_http_with_its_bytes() {
    run(async {
        let (listener, addr) = listen_async().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            let Incoming::Unanswered(mut request) = read_request(stream, AcceptConfig::new())
                .await
                .expect("read_request")
            else {
                panic!("a plain GET was taken for a WebSocket request");
            };
            let seen = (
                request.version(),
                request.head().to_vec(),
                request.bytes().to_vec(),
                request.path().to_string(),
            );
            request
                .get_mut()
                .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                .await
                .expect("answer");
            seen
        });
        let head = b"GET /page?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        let pipelined = b"GET /next HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        let mut peer = TcpStream::connect(&addr).await.expect("connect");
        peer.write_all(&[&head[..], &pipelined[..]].concat())
            .await
            .expect("write");
        let response = read_to_end_async(&mut peer).await;
        assert_eq!(
            response,
            b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"
        );
        let (version, got_head, bytes, path) = server.await.expect("server task");
        assert_eq!(version, None);
        assert_eq!(got_head, head);
        assert_eq!(bytes, [&head[..], &pipelined[..]].concat());
        assert_eq!(path, "/page");
    });
}

// ---------------------------------------------------------------------------------------------
// Frames glued to the handshake

#[test]
fn tokio_server_a_frame_glued_to_key3_is_the_first_message() {
    run(async {
        let (listener, addr) = listen_async().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            let accepted = accept_hdr(stream, AcceptConfig::new(), |_| {
                Decision::Accept(AcceptOptions::new().with_protocol("sample"))
            })
            .await;
            let Ok(Accepted::WebSocket(mut socket)) = accepted else {
                panic!("accept failed");
            };
            let first = socket.read().await.map(|m| format!("{m:?}"));
            let second = socket.read().await.map(|m| format!("{m:?}"));
            (first, second)
        });
        let mut peer = TcpStream::connect(&addr).await.expect("connect");
        let bytes = [draft_request(), text_frame("hello"), text_frame(MULTIBYTE)].concat();
        peer.write_all(&bytes).await.expect("write");
        let expected = draft_response();
        let mut response = vec![0u8; expected.len()];
        peer.read_exact(&mut response).await.expect("response");
        assert_eq!(response, expected);
        let (first, second) = server.await.expect("server task");
        assert_eq!(first.as_deref(), Some("Ok(Text(\"hello\"))"));
        assert_eq!(
            second,
            Some(format!(
                "{:?}",
                Ok::<_, ()>(Message::Text(MULTIBYTE.into()))
            ))
        );
    });
}

#[test]
fn tokio_client_a_frame_glued_to_the_answer_is_the_first_message() {
    run(async {
        let (listener, addr) = listen();
        let server = tokio::task::spawn_blocking(move || {
            let mut peer = accept_one(&listener);
            let _head = read_head(&mut peer);
            let key3 = read_exactly(&mut peer, 8);
            let bytes = [draft_response(), text_frame("hello"), text_frame(MULTIBYTE)].concat();
            peer.write_all(&bytes).expect("write");
            let mut rest = Vec::new();
            let _ = peer.read_to_end(&mut rest);
            (key3, rest)
        });
        let config = ConnectConfig::new(ORIGIN)
            .with_protocol("sample")
            .with_keys(draft_keys());
        let stream = TcpStream::connect(&addr).await.expect("connect");
        let mut client = connect(stream, "ws://example.com/demo", &config)
            .await
            .expect("handshake");
        assert_eq!(client.subprotocol(), Some("sample"));
        assert_eq!(text(client.read().await), "hello");
        assert_eq!(text(client.read().await), MULTIBYTE);
        drop(client);
        let (key3, rest) = server.await.expect("server thread");
        assert_eq!(key3, DRAFT_KEY3);
        assert!(rest.is_empty(), "{rest:?}");
    });
}

// ---------------------------------------------------------------------------------------------
// Bad input and time-outs

#[test]
fn tokio_bad_request_gets_its_status_and_the_connection_ends() {
    run(async {
        let (listener, addr) = listen_async().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            accept_hdr(stream, AcceptConfig::new(), |_| {
                Decision::Accept(AcceptOptions::new())
            })
            .await
            .map(|_| ())
        });
        let head = String::from_utf8(DRAFT_HEAD.to_vec())
            .expect("ASCII")
            .replacen("GET /demo", "POST /demo", 1);
        let mut peer = TcpStream::connect(&addr).await.expect("connect");
        peer.write_all(head.as_bytes()).await.expect("write");
        let response = read_to_end_async(&mut peer).await;
        assert_eq!(status_line(&response), "HTTP/1.1 405 Method Not Allowed");
        assert_eq!(response, error_response(StatusCode::MethodNotAllowed));
        let error = server.await.expect("server task");
        assert!(
            matches!(error, Err(Error::Protocol(hixie76::Error::BadMethod))),
            "{error:?}"
        );
    });
}

/// Accepts one connection under a short handshake deadline; the adapter's result.
fn deadline_server(listener: TcpListener) -> JoinHandle<Result<(), Error>> {
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("accept");
        let config = AcceptConfig::new().with_handshake_timeout(Some(SHORT));
        // The draft's request offers `sample`: agree on it.
        let decide = |request: &hixie76::io::Request<'_>| match request.protocols().next() {
            Some(protocol) => Decision::Accept(AcceptOptions::new().with_protocol(protocol)),
            None => Decision::Accept(AcceptOptions::new()),
        };
        accept_hdr(stream, config, decide).await.map(|_| ())
    })
}

#[test]
fn a_peer_that_stalls_inside_the_head_is_cut_by_the_handshake_deadline() {
    run(async {
        let (listener, addr) = listen_async().await;
        let server = deadline_server(listener);
        let mut peer = TcpStream::connect(&addr).await.expect("connect");
        peer.write_all(&DRAFT_HEAD[..50]).await.expect("write");
        // The peer sends nothing more; the server ends the connection without a word.
        let response = read_to_end_async(&mut peer).await;
        let result = server.await.expect("server task");
        assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
        assert!(response.is_empty(), "{response:?}");
    });
}

#[test]
fn a_peer_that_stalls_before_key3_is_cut_by_the_handshake_deadline() {
    run(async {
        let (listener, addr) = listen_async().await;
        let server = deadline_server(listener);
        let mut peer = TcpStream::connect(&addr).await.expect("connect");
        // The whole head, no key3: the server answers with its 101 head and waits for key3.
        peer.write_all(DRAFT_HEAD).await.expect("write");
        let response = read_to_end_async(&mut peer).await;
        let result = server.await.expect("server task");
        assert!(matches!(result, Err(Error::HandshakeTimeout)), "{result:?}");
        let text = String::from_utf8_lossy(&response);
        assert!(
            text.starts_with("HTTP/1.1 101 WebSocket Protocol Handshake\r\n")
                && text.ends_with("\r\n\r\n"),
            "{text:?}"
        );
    });
}

#[test]
fn a_slowloris_head_is_cut_by_the_whole_handshake_deadline() {
    run(async {
        let (listener, addr) = listen_async().await;
        let server = deadline_server(listener);
        let mut peer = TcpStream::connect(&addr).await.expect("connect");
        let request = draft_request();
        // One byte at a time, each well within the deadline: only a deadline over the whole
        // handshake ends it. The peer stops at the server's end of the connection.
        let interval = SHORT / 10;
        let mut sent = 0;
        let mut buf = [0u8; 512];
        let ended = loop {
            tokio::select! {
                read = peer.read(&mut buf) => break read.map_or(0, |n| n),
                () = tokio::time::sleep(interval), if sent < request.len() => {
                    peer.write_all(&request[sent..=sent]).await.expect("write");
                    sent += 1;
                }
            }
        };
        let result = server.await.expect("server task");
        assert!(
            matches!(result, Err(Error::HandshakeTimeout)),
            "{result:?} after {sent} bytes"
        );
        assert_eq!(
            ended, 0,
            "the server wrote to a connection it should have cut"
        );
        assert!(
            sent < request.len(),
            "the whole request got through before the deadline"
        );
    });
}

#[test]
fn the_idle_timeout_ends_a_silent_connection() {
    run(async {
        let (listener, addr) = listen_async().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            let config = AcceptConfig::new().with_idle_timeout(Some(SHORT));
            let accepted =
                accept_hdr(stream, config, |_| Decision::Accept(AcceptOptions::new())).await;
            let Ok(Accepted::WebSocket(mut socket)) = accepted else {
                panic!("accept failed");
            };
            let first = socket.read().await.map(|m| format!("{m:?}"));
            let timed_out = socket.read().await;
            let after = socket.read().await.map(|m| format!("{m:?}"));
            (first, timed_out, after)
        });
        let mut client = open_client(&addr, &connect_config(false)).await;
        client
            .send(Message::Text("one".into()))
            .await
            .expect("send");
        // Then silence: the server gives up on the connection and drops it.
        let ended = client.read().await;
        assert!(matches!(ended, Some(Err(Error::Io(_)))), "{ended:?}");
        let (first, timed_out, after) = server.await.expect("server task");
        assert_eq!(first.as_deref(), Some("Ok(Text(\"one\"))"));
        assert!(
            matches!(timed_out, Some(Err(Error::IdleTimeout))),
            "{timed_out:?}"
        );
        assert_eq!(after, None, "the stream went on after the idle time-out");
    });
}

// ---------------------------------------------------------------------------------------------
// One write per frame, through the Sink

/// An async stream that records every `poll_write` call that wrote its whole buffer; a short
/// write fails the test, since the pipe below has room for every write here.
struct AsyncRecording<S> {
    inner: S,
    writes: Writes,
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for AsyncRecording<S> {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for AsyncRecording<S> {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let result = std::pin::Pin::new(&mut this.inner).poll_write(cx, buf);
        if let std::task::Poll::Ready(Ok(n)) = result {
            assert_eq!(n, buf.len(), "the pipe took a short write");
            this.writes.record(buf);
        }
        result
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// When key3 came with the request, the 101 head and its answer go out in one write, through
/// `read_request` and a later decision too: some clients (the Ruby websocket gem, 1.2.9) take
/// the first read after the head for the answer.
#[test]
fn tokio_the_head_and_the_answer_go_out_in_one_write() {
    run(async {
        let (mut client_end, server_end) = tokio::io::duplex(1 << 16);
        client_end
            .write_all(&draft_request())
            .await
            .expect("request");
        let writes = Writes::default();
        let stream = AsyncRecording {
            inner: server_end,
            writes: writes.clone(),
        };
        let Incoming::Request(pending) = read_request(stream, AcceptConfig::new())
            .await
            .expect("read_request")
        else {
            panic!("the draft's request came back unanswered");
        };
        let socket = pending
            .accept(AcceptOptions::new().with_protocol("sample"))
            .await
            .expect("accept");
        drop(socket);
        assert_eq!(writes.all(), [draft_response()]);
    });
}

#[test]
fn tokio_every_frame_goes_to_the_transport_in_one_write() {
    run(async {
        // A pipe with room for everything sent here, so no write is cut short below us.
        let (client_end, server_end) = tokio::io::duplex(1 << 20);
        let server = tokio::spawn(async move {
            let writes = Writes::default();
            let stream = AsyncRecording {
                inner: server_end,
                writes: writes.clone(),
            };
            let accepted = accept_hdr(stream, AcceptConfig::new(), |_| {
                Decision::Accept(AcceptOptions::new())
            })
            .await;
            let Ok(Accepted::WebSocket(mut socket)) = accepted else {
                panic!("accept failed");
            };
            // Several messages fed, then one flush: they may share a write, never split one.
            let messages = ["", "a", MULTIBYTE, &"y".repeat(5000), &"z".repeat(70_000)];
            for message in messages {
                socket
                    .feed(Message::Text(message.to_string()))
                    .await
                    .expect("feed");
            }
            socket.flush().await.expect("flush");
            let close = socket.read().await.map(|m| format!("{m:?}"));
            (writes.all(), close)
        });
        let config = connect_config(false);
        let mut client = connect(client_end, "ws://127.0.0.1/", &config)
            .await
            .expect("handshake");
        for _ in 0..5 {
            text(client.read().await);
        }
        client.close().await.expect("close");
        assert!(matches!(client.read().await, Some(Ok(Message::Close))));
        let (writes, close) = server.await.expect("server task");
        assert_eq!(close.as_deref(), Some("Ok(Close)"));
        let all = writes.concat();
        let handshake = all.windows(4).position(|w| w == b"\r\n\r\n").expect("head") + 4 + 16;
        // Five messages and the answer to the close.
        assert_eq!(assert_frames_in_one_write(&writes, handshake), 6);
    });
}

#[test]
fn tokio_the_101_head_goes_out_before_key3_is_read() {
    run(async {
        let (listener, addr) = listen_async().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            // The default decision: any origin, the first offered subprotocol.
            match hixie76::tokio::accept(stream).await {
                Ok(Accepted::WebSocket(mut socket)) => {
                    let protocol = socket.subprotocol().map(String::from);
                    (protocol, text(socket.read().await))
                }
                other => panic!("accept: {:?}", other.map(|_| ())),
            }
        });
        let mut peer = TcpStream::connect(&addr).await.expect("connect");
        peer.write_all(DRAFT_HEAD).await.expect("head");
        let expected = draft_response();
        let mut head = vec![0u8; expected.len() - 16];
        peer.read_exact(&mut head)
            .await
            .expect("the 101 head before key3");
        assert_eq!(head, expected[..expected.len() - 16]);
        peer.write_all(&DRAFT_KEY3).await.expect("key3");
        let mut answer = [0u8; 16];
        peer.read_exact(&mut answer).await.expect("answer");
        assert_eq!(answer, DRAFT_ANSWER);
        peer.write_all(&text_frame("after")).await.expect("frame");
        let (protocol, first) = server.await.expect("server task");
        assert_eq!(protocol.as_deref(), Some("sample"));
        assert_eq!(first, "after");
    });
}

#[test]
fn what_the_server_sends_does_not_keep_a_silent_peer_alive() {
    run(async {
        let (listener, addr) = listen_async().await;
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.expect("accept");
            let config = AcceptConfig::new().with_idle_timeout(Some(SHORT));
            let accepted =
                accept_hdr(stream, config, |_| Decision::Accept(AcceptOptions::new())).await;
            let Ok(Accepted::WebSocket(socket)) = accepted else {
                panic!("accept failed");
            };
            let (mut sink, mut stream) = socket.split();
            let (done_tx, mut done_rx) = tokio::sync::oneshot::channel::<()>();
            // The server keeps talking, far more often than the idle time-out...
            let talker = tokio::spawn(async move {
                let mut sent = 0;
                while sent < 200 {
                    tokio::select! {
                        _ = &mut done_rx => break,
                        () = tokio::time::sleep(SHORT / 10) => {
                            if sink.send(Message::Text("tick".into())).await.is_err() {
                                break;
                            }
                            sent += 1;
                        }
                    }
                }
                sent
            });
            // ...while the peer says nothing: the read still times out.
            let read = stream.next().await;
            let _ = done_tx.send(());
            let sent = talker.await.expect("talker");
            (read, sent)
        });
        let mut client = open_client(&addr, &connect_config(false)).await;
        // The client only listens.
        let mut ticks = 0;
        let end = loop {
            match client.read().await {
                Some(Ok(Message::Text(_))) => ticks += 1,
                other => break other,
            }
        };
        let (read, sent) = server.await.expect("server task");
        assert!(matches!(read, Some(Err(Error::IdleTimeout))), "{read:?}");
        assert!(
            sent < 200,
            "the time-out waited for the server to stop talking"
        );
        assert!(ticks <= sent, "{ticks} > {sent}");
        assert!(matches!(end, Some(Err(Error::Io(_)))), "{end:?}");
    });
}

#[test]
fn the_tokio_client_gives_up_on_a_server_that_never_answers() {
    run(async {
        let (listener, addr) = listen_async().await;
        let server = tokio::spawn(async move {
            let (mut peer, _) = listener.accept().await.expect("accept");
            // Reads the request and answers nothing; the client's end ends the wait.
            read_to_end_async(&mut peer).await
        });
        let stream = TcpStream::connect(&addr).await.expect("connect");
        let config = connect_config(false).with_handshake_timeout(Some(SHORT));
        let result = connect(stream, &ws_url(&addr, "/"), &config).await;
        assert!(
            matches!(result, Err(Error::HandshakeTimeout)),
            "{:?}",
            result.map(|_| ())
        );
        let request = server.await.expect("server task");
        // The whole request went out (head and key3) before the wait began.
        assert!(request.starts_with(b"GET / HTTP/1.1\r\n"), "{request:?}");
        let head_end = request
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a whole head")
            + 4;
        assert_eq!(request.len(), head_end + 8);
    });
}

// ---------------------------------------------------------------------------------------------
// Clocks, on a paused clock: time moves only when every task waits, so these are exact.

/// Runs `test` on a current-thread runtime whose clock is paused.
fn run_paused<F: Future<Output = ()>>(test: F) {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime")
        .block_on(test);
}

/// A server socket over one end of an in-memory pipe of `capacity` bytes, accepted with
/// `config`; the other end, connected by our client.
async fn paused_pair(
    capacity: usize,
    config: AcceptConfig,
) -> (
    JoinHandle<WebSocketStream<tokio::io::DuplexStream>>,
    WebSocketStream<tokio::io::DuplexStream>,
) {
    let (client_end, server_end) = tokio::io::duplex(capacity);
    let server = tokio::spawn(async move {
        let accepted = accept_hdr(server_end, config, |_| {
            Decision::Accept(AcceptOptions::new())
        })
        .await;
        match accepted {
            Ok(Accepted::WebSocket(socket)) => socket,
            other => panic!("accept: {:?}", other.map(|_| ())),
        }
    });
    let client = connect(client_end, "ws://127.0.0.1/", &connect_config(false))
        .await
        .expect("handshake");
    (server, client)
}

#[test]
fn a_peer_that_keeps_talking_outlives_the_idle_timeout() {
    run_paused(async {
        let config = AcceptConfig::new().with_idle_timeout(Some(Duration::from_secs(1)));
        let (server, mut client) = paused_pair(1 << 16, config).await;
        let server = tokio::spawn(async move {
            let mut socket = server.await.expect("accept");
            let mut heard = Vec::new();
            loop {
                match socket.read().await {
                    Some(Ok(Message::Text(text))) => heard.push(text),
                    other => return (heard, format!("{other:?}")),
                }
            }
        });
        // Five messages 0.6 s apart: every gap is within the idle time-out, the whole is not.
        for i in 0..5 {
            tokio::time::sleep(Duration::from_millis(600)).await;
            client
                .send(Message::Text(i.to_string()))
                .await
                .expect("send");
        }
        // Then silence, and the server gives up.
        let (heard, end) = server.await.expect("server task");
        assert_eq!(heard, ["0", "1", "2", "3", "4"]);
        assert_eq!(end, "Some(Err(IdleTimeout))");
    });
}

#[test]
fn keepalives_come_once_an_interval() {
    run_paused(async {
        let config = AcceptConfig::new().with_keepalive(Some(Duration::from_secs(1)));
        let (server, mut client) = paused_pair(1 << 16, config).await;
        // The server only reads; its keep-alive timer does the talking.
        let server = tokio::spawn(async move {
            let mut socket = server.await.expect("accept");
            socket.read().await.map(|message| format!("{message:?}"))
        });
        let deadline = tokio::time::sleep(Duration::from_millis(3500));
        tokio::pin!(deadline);
        let mut keepalives = 0;
        loop {
            tokio::select! {
                () = &mut deadline => break,
                message = client.read() => {
                    assert!(matches!(&message, Some(Ok(Message::Text(text))) if text.is_empty()), "{message:?}");
                    keepalives += 1;
                    assert!(keepalives <= 3, "a keep-alive before its time");
                }
            }
        }
        assert_eq!(keepalives, 3, "one a second for 3.5 s");
        client.close().await.expect("close");
        assert_eq!(
            server.await.expect("server task").as_deref(),
            Some("Ok(Close)")
        );
    });
}

/// A message fed to the Sink is written by the flush, whatever the feed did.
#[test]
fn a_fed_message_goes_out_on_flush() {
    run_paused(async {
        let (server, mut client) = paused_pair(1 << 16, AcceptConfig::new()).await;
        let mut socket = server.await.expect("accept");
        socket
            .feed(Message::Text("fed".into()))
            .await
            .expect("queued");
        socket.flush().await.expect("flush");
        let message = tokio::time::timeout(Duration::from_secs(60), client.read()).await;
        assert!(
            matches!(&message, Ok(Some(Ok(Message::Text(text)))) if text == "fed"),
            "{message:?}"
        );
    });
}

/// The same back-pressure through the one-port socket: its Sink is ready only when the
/// message before has been written.
#[test]
fn a_peer_that_reads_nothing_holds_the_one_port_sender_back() {
    run_paused(async {
        let (client_end, server_end) = tokio::io::duplex(256);
        let server = tokio::spawn(async move {
            let accepted = hixie76::tokio::accept_any(server_end, AcceptConfig::new(), |_| {
                Decision::Accept(AcceptOptions::new())
            })
            .await;
            match accepted {
                Ok(hixie76::tokio::AnyAccepted::WebSocket(socket)) => socket,
                other => panic!("accept: {:?}", other.map(|_| ())),
            }
        });
        let client = connect(client_end, "ws://127.0.0.1/", &connect_config(false))
            .await
            .expect("handshake");
        let mut socket = server.await.expect("accept");
        assert_eq!(socket.protocol(), Protocol::Hixie76);
        assert_second_message_held_back(&mut socket).await;
        drop(client);
    });
}

#[test]
fn a_server_that_speaks_needs_no_keepalive() {
    run_paused(async {
        let config = AcceptConfig::new().with_keepalive(Some(Duration::from_secs(1)));
        let (server, mut client) = paused_pair(1 << 16, config).await;
        // The server reads throughout (which drives its timers) and sends a message every
        // 0.6 s, five times: it never stays silent for the keep-alive interval.
        let server = tokio::spawn(async move {
            let mut socket = server.await.expect("accept");
            for i in 0..5 {
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(600)) => {}
                    message = socket.read() => panic!("{message:?}"),
                }
                socket
                    .send(Message::Text(i.to_string()))
                    .await
                    .expect("send");
            }
            socket.read().await.map(|message| format!("{message:?}"))
        });
        let start = tokio::time::Instant::now();
        let mut heard = Vec::new();
        // The last message went at 3.0 s; the first keep-alive is due a second later.
        for until in [3500, 4500] {
            let deadline = tokio::time::sleep_until(start + Duration::from_millis(until));
            tokio::pin!(deadline);
            loop {
                tokio::select! {
                    () = &mut deadline => break,
                    message = client.read() => match message {
                        Some(Ok(Message::Text(text))) => heard.push(text),
                        other => panic!("{other:?}"),
                    },
                }
            }
            heard.push(format!("at {until} ms"));
        }
        assert_eq!(
            heard,
            ["0", "1", "2", "3", "4", "at 3500 ms", "", "at 4500 ms"]
        );
        client.close().await.expect("close");
        assert_eq!(
            server.await.expect("server task").as_deref(),
            Some("Ok(Close)")
        );
    });
}

/// Feeds two messages of 1,000 bytes to `socket`, whose peer reads nothing through a pipe
/// smaller than one: the first is queued, the second waits for it to be written.
async fn assert_second_message_held_back<T>(socket: &mut T)
where
    T: futures_util::Sink<Message, Error = Error> + Unpin,
{
    let message = Message::Text("x".repeat(1000));
    socket
        .feed(message.clone())
        .await
        .expect("the first is queued");
    let second = tokio::time::timeout(Duration::from_secs(60), socket.feed(message)).await;
    assert!(
        second.is_err(),
        "a second message queued behind an unwritten one"
    );
}

#[test]
fn a_peer_that_reads_nothing_holds_the_sender_back() {
    run_paused(async {
        // A pipe with room for the handshake, and a quarter of the first message.
        let (server, client) = paused_pair(256, AcceptConfig::new()).await;
        let mut socket = server.await.expect("accept");
        assert_second_message_held_back(&mut socket).await;
        drop(client);
    });
}
