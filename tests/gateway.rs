//! The gateway example (`examples/gateway.rs`) against a real RFC 6455 backend started here: a
//! tokio-tungstenite server that answers `"echo:" + message`, closes first when told `close`,
//! sends a binary message when told `binary`, and floods when told `flood`; a down backend is
//! a port bound and not listening.
//!
//! The gateway runs in this process: the example's file is compiled in as a module, so plain
//! `cargo test` needs no binary built beforehand and the tests reach its configuration
//! directly. The `#[ignore]`d tests drive the built binary instead (`GATEWAY_BIN`): its
//! command line and log lines, Perl's client through it, and 1,000 concurrent sessions with
//! its memory. `tests/gateway/run.sh` and `tests/gateway/load.sh` run them.
//!
//! Time limits here only keep a broken gateway from hanging the run; nothing asserts timing.

#[path = "../examples/gateway.rs"]
#[allow(dead_code)]
mod gateway;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hixie76::io::{ConnectConfig, Error, Message};
use hixie76::tokio::WebSocketStream;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite;
use tungstenite::handshake::server::{Request as HttpRequest, Response as HttpResponse};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;

/// How long anything may take before the test calls it hung.
const GUARD: Duration = Duration::from_secs(30);

/// The subprotocols the backend serves: the first offered one of these is chosen.
const SERVED: [&str; 2] = ["chat", "superchat"];

/// The backend's flood: this many messages of `FLOOD_SIZE` bytes, far more than the kernel's
/// socket buffers between it and the device can hold.
const FLOOD_COUNT: usize = 512;
const FLOOD_SIZE: usize = 256 * 1024;

const ORIGIN: &str = "http://tv.example";

// ---------------------------------------------------------------------------------------------
// The backend

/// What the backend saw of a request.
#[derive(Debug, Clone, Default, PartialEq)]
struct Seen {
    path: String,
    protocols: Vec<String>,
    origin: Option<String>,
    forwarded_for: Option<String>,
}

#[derive(Debug, PartialEq)]
enum Event {
    /// A connection opened with this request.
    Opened(Seen),
    /// A close arrived, with this status.
    Closed(Option<u16>),
}

struct Backend {
    addr: SocketAddr,
    events: mpsc::UnboundedReceiver<Event>,
    /// How many flood messages were written so far.
    flooded: Arc<AtomicUsize>,
}

impl Backend {
    async fn start() -> Backend {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the backend");
        Backend::on(listener)
    }

    /// A backend on `listener`. Accepted sockets inherit its buffer sizes.
    fn on(listener: TcpListener) -> Backend {
        let addr = listener.local_addr().expect("the backend's address");
        let (sender, events) = mpsc::unbounded_channel();
        let flooded = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&flooded);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(backend_connection(
                    stream,
                    sender.clone(),
                    Arc::clone(&counter),
                ));
            }
        });
        Backend {
            addr,
            events,
            flooded,
        }
    }

    fn url(&self) -> String {
        format!("ws://{}/app", self.addr)
    }

    async fn event(&mut self) -> Event {
        timeout(GUARD, self.events.recv())
            .await
            .expect("a backend event in time")
            .expect("the backend runs")
    }

    /// The next request the backend saw.
    async fn opened(&mut self) -> Seen {
        loop {
            if let Event::Opened(seen) = self.event().await {
                return seen;
            }
        }
    }

    /// The status of the next close the backend received.
    async fn closed(&mut self) -> Option<u16> {
        loop {
            if let Event::Closed(code) = self.event().await {
                return code;
            }
        }
    }
}

fn header(request: &HttpRequest, name: &str) -> Option<String> {
    let value = request.headers().get(name)?;
    Some(value.to_str().expect("a visible ASCII field").to_string())
}

async fn backend_connection(
    stream: TcpStream,
    events: mpsc::UnboundedSender<Event>,
    flooded: Arc<AtomicUsize>,
) {
    let mut seen = Seen::default();
    // The error type is the one tungstenite's callback must return.
    #[allow(clippy::result_large_err)]
    let callback = |request: &HttpRequest, mut response: HttpResponse| {
        seen.path = request.uri().path().to_string();
        seen.protocols = header(request, "sec-websocket-protocol")
            .map(|list| list.split(',').map(|p| p.trim().to_string()).collect())
            .unwrap_or_default();
        seen.origin = header(request, "origin");
        seen.forwarded_for = header(request, "x-forwarded-for");
        let chosen = seen.protocols.iter().find(|p| SERVED.contains(&p.as_str()));
        if let Some(protocol) = chosen {
            let value = protocol.parse().expect("a token");
            response
                .headers_mut()
                .insert("sec-websocket-protocol", value);
        }
        Ok(response)
    };
    let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
        return;
    };
    let _ = events.send(Event::Opened(seen));
    while let Some(Ok(message)) = socket.next().await {
        let sent = match message {
            tungstenite::Message::Text(text) => match text.as_str() {
                "close" => {
                    let bye = socket.send(tungstenite::Message::text("bye")).await;
                    let frame = CloseFrame {
                        code: CloseCode::Normal,
                        reason: "bye".into(),
                    };
                    bye.and(socket.close(Some(frame)).await)
                }
                "binary" => {
                    let bytes = vec![0x00, 0x01, 0xFE, 0xFF, b'h', b'i'];
                    let binary = socket.send(tungstenite::Message::binary(bytes)).await;
                    binary.and(socket.send(tungstenite::Message::text("echo:binary")).await)
                }
                "flood" => {
                    let mut sent = Ok(());
                    for i in 0..FLOOD_COUNT {
                        sent = socket.send(tungstenite::Message::text(flood(i))).await;
                        if sent.is_err() {
                            break;
                        }
                        flooded.fetch_add(1, Ordering::SeqCst);
                    }
                    sent
                }
                text => {
                    let echo = format!("echo:{text}");
                    socket.send(tungstenite::Message::text(echo)).await
                }
            },
            tungstenite::Message::Binary(bytes) => {
                socket.send(tungstenite::Message::Binary(bytes)).await
            }
            tungstenite::Message::Close(frame) => {
                let _ = events.send(Event::Closed(frame.map(|f| u16::from(f.code))));
                Ok(())
            }
            _ => Ok(()),
        };
        if sent.is_err() {
            return;
        }
    }
}

/// The flood's message `i`: its number, then filler.
fn flood(i: usize) -> String {
    let mut text = format!("{i:08}:");
    text.extend(std::iter::repeat('x').take(FLOOD_SIZE - text.len()));
    text
}

/// A port bound and not listening: connections to it are refused until it listens.
fn down_backend() -> (TcpSocket, SocketAddr) {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket
        .bind("127.0.0.1:0".parse().expect("an address"))
        .expect("bind");
    let addr = socket.local_addr().expect("its address");
    (socket, addr)
}

// ---------------------------------------------------------------------------------------------
// The gateway, in this process, and clients

fn config(backend_url: &str) -> gateway::Config {
    let backend = gateway::Backend::parse(backend_url).expect("a ws:// URL");
    gateway::Config::new("127.0.0.1:0", backend)
}

/// Starts the gateway on a free port; it runs until the test's runtime ends.
async fn start(config: gateway::Config) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the gateway");
    let addr = listener.local_addr().expect("the gateway's address");
    tokio::spawn(gateway::serve(listener, Arc::new(config)));
    addr
}

/// Our hixie-76 client through the gateway at `addr`, from `ORIGIN`, offering `protocols`.
async fn connect(
    addr: SocketAddr,
    protocols: &[&str],
) -> Result<WebSocketStream<TcpStream>, Error> {
    let stream = TcpStream::connect(addr).await?;
    connect_over(stream, addr, client_config(protocols)).await
}

fn client_config(protocols: &[&str]) -> ConnectConfig {
    protocols
        .iter()
        .fold(ConnectConfig::new(ORIGIN), |config, p| {
            config.with_protocol(*p)
        })
}

async fn connect_over(
    stream: TcpStream,
    addr: SocketAddr,
    config: ConnectConfig,
) -> Result<WebSocketStream<TcpStream>, Error> {
    let url = format!("ws://{addr}/device");
    timeout(GUARD, hixie76::tokio::connect(stream, &url, &config))
        .await
        .expect("the handshake ends in time")
}

async fn read(socket: &mut WebSocketStream<TcpStream>) -> Option<Message> {
    let next = timeout(GUARD, socket.read())
        .await
        .expect("a message in time");
    next.map(|message| message.expect("a message, not an error"))
}

async fn send(socket: &mut WebSocketStream<TcpStream>, text: &str) {
    socket
        .send(Message::Text(text.to_string()))
        .await
        .expect("send");
}

fn text(text: &str) -> Option<Message> {
    Some(Message::Text(text.to_string()))
}

/// The status a refused handshake carried.
fn refusal(result: Result<WebSocketStream<TcpStream>, Error>) -> u16 {
    match result {
        Err(Error::Protocol(hixie76::Error::UnexpectedStatus(code))) => code,
        Err(error) => panic!("refused without a status: {error}"),
        Ok(_) => panic!("accepted"),
    }
}

/// Closes from the client and sees the closing handshake through.
async fn close(socket: &mut WebSocketStream<TcpStream>) {
    socket.close().await.expect("close");
    assert_eq!(read(socket).await, Some(Message::Close));
    assert_eq!(read(socket).await, None);
}

// ---------------------------------------------------------------------------------------------
// Relaying

#[tokio::test(flavor = "multi_thread")]
async fn relays_text_both_ways_and_a_client_close() {
    let mut backend = Backend::start().await;
    let addr = start(config(&backend.url())).await;
    let mut socket = connect(addr, &[]).await.expect("connected");
    assert_eq!(socket.subprotocol(), None);
    send(&mut socket, "hello").await;
    send(&mut socket, "wörld").await;
    assert_eq!(read(&mut socket).await, text("echo:hello"));
    assert_eq!(read(&mut socket).await, text("echo:wörld"));
    close(&mut socket).await;

    let seen = backend.opened().await;
    // The backend URL as given: the client's resource is not appended.
    assert_eq!(seen.path, "/app");
    assert_eq!(seen.protocols, Vec::<String>::new());
    assert_eq!(backend.closed().await, Some(1000));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_blocking_client_too() {
    let backend = Backend::start().await;
    let addr = start(config(&backend.url())).await;
    let echo = tokio::task::spawn_blocking(move || {
        let stream = std::net::TcpStream::connect(addr).expect("connect");
        stream
            .set_read_timeout(Some(GUARD))
            .expect("a read time-out");
        let url = format!("ws://{addr}/device");
        let mut socket =
            hixie76::blocking::connect(stream, &url, &client_config(&[])).expect("connected");
        socket.send_text("hello").expect("send");
        let echo = socket.read().expect("the echo");
        socket.close().expect("close");
        assert_eq!(socket.read().expect("the close"), Message::Close);
        echo
    })
    .await
    .expect("the blocking client");
    assert_eq!(echo, Message::Text("echo:hello".to_string()));
}

#[tokio::test(flavor = "multi_thread")]
async fn many_messages_keep_their_order() {
    let backend = Backend::start().await;
    let addr = start(config(&backend.url())).await;
    let mut socket = connect(addr, &[]).await.expect("connected");
    for i in 0..300 {
        socket
            .feed(Message::Text(format!("m{i}")))
            .await
            .expect("feed");
    }
    socket.flush().await.expect("flush");
    for i in 0..300 {
        assert_eq!(read(&mut socket).await, text(&format!("echo:m{i}")));
    }
    close(&mut socket).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn passes_on_origin_and_the_client_address() {
    let mut backend = Backend::start().await;
    let addr = start(config(&backend.url())).await;
    let mut socket = connect(addr, &[]).await.expect("connected");
    close(&mut socket).await;
    let seen = backend.opened().await;
    assert_eq!(seen.origin.as_deref(), Some(ORIGIN));
    assert_eq!(seen.forwarded_for.as_deref(), Some("127.0.0.1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_proxy_header_names_the_client() {
    let mut backend = Backend::start().await;
    let mut config = config(&backend.url());
    config.server.proxy_protocol = true;
    let addr = start(config).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"PROXY TCP4 203.0.113.7 127.0.0.1 40000 8076\r\n")
        .await
        .expect("the PROXY header");
    let mut socket = connect_over(stream, addr, client_config(&[]))
        .await
        .expect("connected");
    send(&mut socket, "hello").await;
    assert_eq!(read(&mut socket).await, text("echo:hello"));
    close(&mut socket).await;
    let seen = backend.opened().await;
    assert_eq!(seen.forwarded_for.as_deref(), Some("203.0.113.7"));
}

// ---------------------------------------------------------------------------------------------
// Subprotocols

#[tokio::test(flavor = "multi_thread")]
async fn the_backends_subprotocol_reaches_the_client() {
    let mut backend = Backend::start().await;
    let addr = start(config(&backend.url())).await;
    let mut socket = connect(addr, &["other", "chat"]).await.expect("connected");
    assert_eq!(socket.subprotocol(), Some("chat"));
    send(&mut socket, "hello").await;
    assert_eq!(read(&mut socket).await, text("echo:hello"));
    close(&mut socket).await;
    // Every offered one was passed on, in the client's order.
    assert_eq!(backend.opened().await.protocols, ["other", "chat"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn offered_and_not_chosen_is_refused() {
    let mut backend = Backend::start().await;
    let addr = start(config(&backend.url())).await;
    assert_eq!(refusal(connect(addr, &["other"]).await), 400);
    assert_eq!(backend.opened().await.protocols, ["other"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_protocol_flag_restricts_what_is_passed_on() {
    let mut backend = Backend::start().await;
    let mut config = config(&backend.url());
    config.server.protocols = vec!["chat".to_string()];
    let addr = start(config).await;
    let mut socket = connect(addr, &["superchat", "chat"])
        .await
        .expect("connected");
    assert_eq!(socket.subprotocol(), Some("chat"));
    close(&mut socket).await;
    assert_eq!(backend.opened().await.protocols, ["chat"]);
    // Nothing offered is passed on: refused without asking the backend, which then sees the
    // next client only.
    assert_eq!(refusal(connect(addr, &["superchat"]).await), 400);
    let mut socket = connect(addr, &[]).await.expect("connected");
    close(&mut socket).await;
    assert_eq!(backend.opened().await.protocols, Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// Closes and failures

#[tokio::test(flavor = "multi_thread")]
async fn a_backend_that_closes_first_closes_the_client() {
    let backend = Backend::start().await;
    let addr = start(config(&backend.url())).await;
    let mut socket = connect(addr, &[]).await.expect("connected");
    send(&mut socket, "close").await;
    assert_eq!(read(&mut socket).await, text("bye"));
    // The gateway's FF 00, answered by the client before it is handed out.
    assert_eq!(read(&mut socket).await, Some(Message::Close));
    assert_eq!(read(&mut socket).await, None);
    assert!(socket.is_closed());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_vanishes_closes_the_backend_with_1001() {
    let mut backend = Backend::start().await;
    let addr = start(config(&backend.url())).await;
    let mut socket = connect(addr, &[]).await.expect("connected");
    send(&mut socket, "hello").await;
    assert_eq!(read(&mut socket).await, text("echo:hello"));
    drop(socket);
    assert_eq!(backend.closed().await, Some(1001));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_down_backend_gets_502_and_the_next_client_is_served() {
    let (socket, backend_addr) = down_backend();
    let addr = start(config(&format!("ws://{backend_addr}/app"))).await;
    assert_eq!(refusal(connect(addr, &[]).await), 502);
    assert_eq!(refusal(connect(addr, &["chat"]).await), 502);
    // The same port comes up.
    let listener = socket.listen(1024).expect("listen");
    let _backend = Backend::on(listener);
    let mut socket = connect(addr, &[]).await.expect("connected");
    send(&mut socket, "hello").await;
    assert_eq!(read(&mut socket).await, text("echo:hello"));
    close(&mut socket).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_backend_gets_502_at_the_deadline() {
    // Accepts TCP and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let backend_addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let mut config = config(&format!("ws://{backend_addr}/app"));
    config.server.handshake_timeout = Some(Duration::from_secs(1));
    let addr = start(config).await;
    assert_eq!(refusal(connect(addr, &[]).await), 502);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_origin_not_allowed_gets_403() {
    let mut backend = Backend::start().await;
    let mut config = config(&backend.url());
    config.origins = vec!["http://TV.example".to_string()];
    let addr = start(config).await;
    let stream = TcpStream::connect(addr).await.expect("connect");
    let elsewhere = ConnectConfig::new("http://evil.example");
    assert_eq!(refusal(connect_over(stream, addr, elsewhere).await), 403);
    // Allowed (origins compare without regard to case): served, and the backend saw only it.
    let mut socket = connect(addr, &[]).await.expect("connected");
    close(&mut socket).await;
    assert_eq!(backend.opened().await.origin.as_deref(), Some(ORIGIN));
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_gets_404() {
    let backend = Backend::start().await;
    let addr = start(config(&backend.url())).await;
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .expect("write");
    let mut response = Vec::new();
    timeout(GUARD, stream.read_to_end(&mut response))
        .await
        .expect("in time")
        .expect("read");
    assert!(response.starts_with(b"HTTP/1.1 404 Not Found\r\n"));
}

// ---------------------------------------------------------------------------------------------
// Binary messages, hixie-75, RFC 6455 clients

#[tokio::test(flavor = "multi_thread")]
async fn binary_from_the_backend_is_dropped() {
    let backend = Backend::start().await;
    let addr = start(config(&backend.url())).await;
    let mut socket = connect(addr, &[]).await.expect("connected");
    send(&mut socket, "binary").await;
    // The binary message came first; the text after it is the next message the client sees.
    assert_eq!(read(&mut socket).await, text("echo:binary"));
    close(&mut socket).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn binary_from_the_backend_as_base64() {
    let backend = Backend::start().await;
    let mut config = config(&backend.url());
    config.binary = gateway::BinaryPolicy::Base64;
    let addr = start(config).await;
    let mut socket = connect(addr, &[]).await.expect("connected");
    send(&mut socket, "binary").await;
    assert_eq!(read(&mut socket).await, text("AAH+/2hp"));
    assert_eq!(read(&mut socket).await, text("echo:binary"));
    close(&mut socket).await;
}

#[test]
fn base64_as_rfc_4648_says() {
    let vectors = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (bytes, text) in vectors {
        assert_eq!(gateway::base64(bytes.as_bytes()), text);
    }
    assert_eq!(gateway::base64(&[0xFB, 0xFF, 0xBF]), "+/+/");
}

#[tokio::test(flavor = "multi_thread")]
async fn hixie75_clients_too() {
    let backend = Backend::start().await;
    let mut config = config(&backend.url());
    config.server.allow_hixie75 = true;
    let addr = start(config).await;
    let stream = TcpStream::connect(addr).await.expect("connect");
    let hixie75 = client_config(&[]).with_hixie75(true);
    let mut socket = connect_over(stream, addr, hixie75)
        .await
        .expect("connected");
    send(&mut socket, "hello").await;
    assert_eq!(read(&mut socket).await, text("echo:hello"));
    // The backend's close ends a hixie-75 connection with the end of TCP.
    send(&mut socket, "close").await;
    assert_eq!(read(&mut socket).await, text("bye"));
    assert_eq!(read(&mut socket).await, Some(Message::Close));
    assert_eq!(read(&mut socket).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn rfc6455_clients_are_relayed_too() {
    let mut backend = Backend::start().await;
    let mut config = config(&backend.url());
    config.binary = gateway::BinaryPolicy::Base64;
    let addr = start(config).await;
    let stream = TcpStream::connect(addr).await.expect("connect");
    let mut request =
        tungstenite::client::IntoClientRequest::into_client_request(format!("ws://{addr}/x"))
            .expect("a request");
    let headers = request.headers_mut();
    headers.insert("sec-websocket-protocol", "chat".parse().expect("a value"));
    headers.insert("origin", ORIGIN.parse().expect("a value"));
    let (mut socket, response) = timeout(GUARD, tokio_tungstenite::client_async(request, stream))
        .await
        .expect("in time")
        .expect("connected");
    let chosen = response.headers().get("sec-websocket-protocol");
    assert_eq!(chosen.map(|v| v.as_bytes()), Some(&b"chat"[..]));
    socket
        .send(tungstenite::Message::text("hello"))
        .await
        .expect("send");
    assert_eq!(
        next(&mut socket).await,
        tungstenite::Message::text("echo:hello")
    );
    // Binary goes through as it is, both ways, whatever --binary says for hixie clients.
    socket
        .send(tungstenite::Message::binary(vec![1, 2, 3]))
        .await
        .expect("send");
    assert_eq!(
        next(&mut socket).await,
        tungstenite::Message::binary(vec![1, 2, 3])
    );
    socket
        .send(tungstenite::Message::text("binary"))
        .await
        .expect("send");
    let bytes = vec![0x00, 0x01, 0xFE, 0xFF, b'h', b'i'];
    assert_eq!(next(&mut socket).await, tungstenite::Message::binary(bytes));
    assert_eq!(
        next(&mut socket).await,
        tungstenite::Message::text("echo:binary")
    );
    socket.close(None).await.expect("close");
    let seen = backend.opened().await;
    assert_eq!(seen.protocols, ["chat"]);
    assert_eq!(seen.origin.as_deref(), Some(ORIGIN));
    assert_eq!(backend.closed().await, Some(1000));
}

async fn next(socket: &mut tokio_tungstenite::WebSocketStream<TcpStream>) -> tungstenite::Message {
    timeout(GUARD, socket.next())
        .await
        .expect("in time")
        .expect("a message")
        .expect("not an error")
}

// ---------------------------------------------------------------------------------------------
// Backpressure

/// The backend floods a device that reads nothing: the backend is held back long before it
/// has sent everything (what it sent fits the kernel's socket buffers and the one message the
/// gateway holds, far less than the flood), and when the device reads, all of it arrives, in
/// order.
#[tokio::test(flavor = "multi_thread")]
async fn a_slow_device_holds_the_backend_back() {
    // Small buffers on the backend's side of its TCP connection (accepted sockets inherit
    // the listener's) and on the device's, so the kernel holds little of the flood.
    let listener = TcpSocket::new_v4().expect("a socket");
    listener.set_send_buffer_size(64 * 1024).expect("SO_SNDBUF");
    listener
        .bind("127.0.0.1:0".parse().expect("an address"))
        .expect("bind");
    let backend = Backend::on(listener.listen(1024).expect("listen"));
    let addr = start(config(&backend.url())).await;
    let device = TcpSocket::new_v4().expect("a socket");
    device.set_recv_buffer_size(64 * 1024).expect("SO_RCVBUF");
    let stream = device.connect(addr).await.expect("connect");
    let mut socket = connect_over(stream, addr, client_config(&[]))
        .await
        .expect("connected");
    send(&mut socket, "flood").await;

    // Wait until the backend makes no progress for a while (or has sent everything, which
    // fails the test below).
    let mut last = usize::MAX;
    let mut still = 0;
    for _ in 0..600 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = backend.flooded.load(Ordering::SeqCst);
        if now == FLOOD_COUNT {
            break;
        }
        still = if now == last { still + 1 } else { 0 };
        last = now;
        if still == 10 {
            break;
        }
    }
    let held_back_at = backend.flooded.load(Ordering::SeqCst);
    println!("the backend was held back after {held_back_at} of {FLOOD_COUNT} messages");
    assert!(
        held_back_at < FLOOD_COUNT,
        "the backend sent all {FLOOD_COUNT} messages of {FLOOD_SIZE} bytes to a device that \
         read none: the gateway buffered them"
    );
    for i in 0..FLOOD_COUNT {
        assert_eq!(read(&mut socket).await, Some(Message::Text(flood(i))));
    }
    assert_eq!(backend.flooded.load(Ordering::SeqCst), FLOOD_COUNT);
    close(&mut socket).await;
}

// ---------------------------------------------------------------------------------------------
// The built binary (`GATEWAY_BIN`), run by tests/gateway/run.sh and tests/gateway/load.sh

/// The gateway binary, killed and reaped when dropped; its stderr lines as they arrive.
struct GatewayProcess {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<Vec<String>>>,
}

fn gateway_bin() -> String {
    std::env::var("GATEWAY_BIN").expect(
        "GATEWAY_BIN names the built gateway example (tests/gateway/run.sh sets it: \
         cargo build --release --example gateway)",
    )
}

impl GatewayProcess {
    fn start(args: &[&str]) -> GatewayProcess {
        let mut child = Command::new(gateway_bin())
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the gateway");
        let stdout = child.stdout.take().expect("its stdout");
        let mut first = String::new();
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("its first line");
        let addr = first
            .strip_prefix("listening on ")
            .and_then(|addr| addr.trim_end().parse().ok())
            .unwrap_or_else(|| panic!("first stdout line {first:?}, not `listening on ADDR`"));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&stderr);
        let reader = BufReader::new(child.stderr.take().expect("its stderr"));
        std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                lines.lock().expect("the lines").push(line);
            }
        });
        GatewayProcess {
            child,
            addr,
            stderr,
        }
    }

    fn lines(&self) -> Vec<String> {
        self.stderr.lock().expect("the lines").clone()
    }

    /// Waits until `count` stderr lines contain `needle`; the lines.
    async fn wait_for(&self, needle: &str, count: usize) -> Vec<String> {
        for _ in 0..600 {
            let lines = self.lines();
            if lines.iter().filter(|line| line.contains(needle)).count() >= count {
                return lines;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "fewer than {count} lines with {needle:?}:\n{}",
            self.lines().join("\n")
        );
    }

    /// `VmRSS` and `VmHWM` from /proc, in KiB.
    fn memory(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("/proc/PID/status");
        let field = |name: &str| {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or_else(|| panic!("{name} in /proc/PID/status"))
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for GatewayProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the gateway binary with `args` to its exit: the status and both outputs.
fn run_to_exit(args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::new(gateway_bin())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run the gateway");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
#[ignore = "needs GATEWAY_BIN: tests/gateway/run.sh"]
fn binary_command_line() {
    let (code, stdout, _) = run_to_exit(&["--help"]);
    assert_eq!(code, Some(0));
    assert!(stdout.starts_with("usage: gateway"), "{stdout}");

    let (code, _, stderr) = run_to_exit(&["--backend", "ws://127.0.0.1:9/", "--bogus"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--bogus"), "{stderr}");
    for (args, named) in [
        (&["--listen", "127.0.0.1:0"][..], "--backend"),
        (&["--backend", "wss://127.0.0.1:9/"][..], "wss://"),
        (&["--backend", "http://127.0.0.1:9/"][..], "ws://"),
        (
            &["--backend", "ws://127.0.0.1:9/", "--binary", "hex"][..],
            "--binary",
        ),
        (
            &["--backend", "ws://127.0.0.1:9/", "--keepalive", "x"][..],
            "--keepalive",
        ),
    ] {
        let (code, _, stderr) = run_to_exit(args);
        assert_eq!(code, Some(2), "{args:?}");
        assert!(
            stderr.lines().next().unwrap_or("").contains(named),
            "{args:?}: {stderr}"
        );
    }

    let running = GatewayProcess::start(&["--backend", "ws://127.0.0.1:9/"]);
    let taken = running.addr.to_string();
    let (code, _, stderr) = run_to_exit(&["--listen", &taken, "--backend", "ws://127.0.0.1:9/"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("cannot listen"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs GATEWAY_BIN: tests/gateway/run.sh"]
async fn binary_relays_and_logs() {
    let mut backend = Backend::start().await;
    let url = backend.url();
    let gateway = GatewayProcess::start(&["--backend", &url, "--keepalive", "30"]);
    let addr = gateway.addr;

    let mut socket = connect(addr, &["chat"]).await.expect("connected");
    let client = socket.get_ref().local_addr().expect("our address");
    send(&mut socket, "hello").await;
    assert_eq!(read(&mut socket).await, text("echo:hello"));
    close(&mut socket).await;
    assert_eq!(backend.closed().await, Some(1000));
    let lines = gateway.wait_for("ended:", 1).await;
    let expected = [
        format!("{client} accepted path=/device protocol=hixie-76 backend=101 subprotocol=chat"),
        format!("{client} ended: closed by the client"),
    ];
    assert_eq!(lines, expected, "the log");

    let mut socket = connect(addr, &[]).await.expect("connected");
    let client = socket.get_ref().local_addr().expect("our address");
    send(&mut socket, "binary").await;
    assert_eq!(read(&mut socket).await, text("echo:binary"));
    send(&mut socket, "close").await;
    assert_eq!(read(&mut socket).await, text("bye"));
    assert_eq!(read(&mut socket).await, Some(Message::Close));
    let lines = gateway.wait_for("ended:", 2).await;
    let expected = [
        format!("{client} accepted path=/device protocol=hixie-76 backend=101 subprotocol=-"),
        format!("{client} dropped a binary message from the backend (6 bytes)"),
        format!("{client} ended: closed by the backend (1000)"),
    ];
    assert_eq!(lines[2..], expected, "the log");

    // A backend that is down.
    let (_socket, down) = down_backend();
    let url = format!("ws://{down}/app");
    let gateway = GatewayProcess::start(&["--backend", &url]);
    let stream = TcpStream::connect(gateway.addr).await.expect("connect");
    let client = stream.local_addr().expect("our address");
    assert_eq!(
        refusal(connect_over(stream, gateway.addr, client_config(&[])).await),
        502
    );
    let lines = gateway.wait_for("refused", 1).await;
    let expected = format!("{client} refused status=502 (backend failed: connection refused)");
    assert_eq!(lines, [expected], "the log");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs GATEWAY_BIN and Protocol::WebSocket: tests/gateway/run.sh"]
async fn binary_serves_perls_client() {
    let backend = Backend::start().await;
    let url = backend.url();
    let gateway = GatewayProcess::start(&["--backend", &url, "--origin", ORIGIN]);
    let port = gateway.addr.port().to_string();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/gateway/perl_client.pl");
    let perl = |args: Vec<String>| {
        tokio::task::spawn_blocking(move || {
            let output = Command::new("perl")
                .arg(script)
                .args(args)
                .stdin(Stdio::null())
                .output()
                .expect("run perl");
            (
                output.status.code(),
                String::from_utf8_lossy(&output.stdout).into_owned(),
                String::from_utf8_lossy(&output.stderr).into_owned(),
            )
        })
    };
    let args = |extra: &[&str], origin: &str| {
        let mut args: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        for arg in ["127.0.0.1", &port, "/device", origin, "hello", "echo:hello"] {
            args.push(arg.to_string());
        }
        args
    };
    let (code, stdout, stderr) = perl(args(&[], ORIGIN)).await.expect("perl");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "connected\n< echo:hello\nclosed\n");
    let (code, stdout, stderr) = perl(args(&["--protocol", "chat"], ORIGIN))
        .await
        .expect("perl");
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, "connected protocol=chat\n< echo:hello\nclosed\n");
    let (code, _, stderr) = perl(args(&[], "http://evil.example")).await.expect("perl");
    assert_eq!(code, Some(1));
    assert!(stderr.contains("status 403"), "{stderr}");
    gateway.wait_for("ended: closed by the client", 2).await;
}

/// Sessions through the binary, all open at once, each relaying messages both ways; the
/// gateway's memory before, with all of them open, after relaying and after they closed.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs GATEWAY_BIN and a raised open-files limit: tests/gateway/load.sh"]
async fn load_sessions() {
    let count = |name: &str, default: usize| {
        std::env::var(name).map_or(default, |value| value.parse().expect("a number"))
    };
    let sessions = count("GATEWAY_SESSIONS", 1000);
    let messages = count("GATEWAY_MESSAGES", 10);
    // This process holds a client and a backend socket per session.
    let limit = open_files_limit();
    assert!(
        limit > 2 * sessions as u64 + 64,
        "the open-files limit {limit} is too low for {sessions} sessions: raise it (ulimit -n)"
    );

    let mut backend = Backend::start().await;
    let url = backend.url();
    let gateway = GatewayProcess::start(&["--backend", &url, "--handshake-timeout", "60"]);
    let addr = gateway.addr;
    let before = gateway.memory();
    let started = std::time::Instant::now();

    let opened = Arc::new(tokio::sync::Barrier::new(sessions + 1));
    let relayed = Arc::new(tokio::sync::Barrier::new(sessions + 1));
    // Handshakes a few at a time, so no listen queue overflows; sessions then stay open.
    let handshakes = Arc::new(tokio::sync::Semaphore::new(64));
    let errors = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for session in 0..sessions {
        let (opened, relayed) = (Arc::clone(&opened), Arc::clone(&relayed));
        let (handshakes, errors) = (Arc::clone(&handshakes), Arc::clone(&errors));
        tasks.push(tokio::spawn(async move {
            let permit = handshakes.acquire_owned().await.expect("the semaphore");
            let socket = connect(addr, &[]).await;
            drop(permit);
            let failed = |what: String| errors.lock().expect("errors").push(what);
            opened.wait().await;
            let mut socket = match socket {
                Ok(socket) => Some(socket),
                Err(error) => {
                    failed(format!("session {session}: handshake: {error}"));
                    None
                }
            };
            if let Some(ws) = &mut socket {
                if let Err(error) = exchange(ws, session, messages).await {
                    failed(format!("session {session}: {error}"));
                }
            }
            relayed.wait().await;
            if let Some(ws) = &mut socket {
                let closed = timeout(GUARD, async {
                    ws.close().await.map_err(|error| error.to_string())?;
                    match ws.read().await {
                        Some(Ok(Message::Close)) => Ok(()),
                        other => Err(format!("{other:?} instead of the close")),
                    }
                });
                match closed.await {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => failed(format!("session {session}: close: {error}")),
                    Err(_) => failed(format!("session {session}: close: timed out")),
                }
            }
        }));
    }
    let run = async {
        opened.wait().await;
        let open = gateway.memory();
        relayed.wait().await;
        let after_relay = gateway.memory();
        for task in tasks {
            task.await.expect("a session");
        }
        (open, after_relay)
    };
    let (open, after_relay) = timeout(Duration::from_secs(300), run)
        .await
        .expect("the sessions end within 5 minutes");
    let lines = gateway.wait_for("ended:", sessions).await;
    let elapsed = started.elapsed();
    let after = gateway.memory();
    let errors = errors.lock().expect("errors").clone();
    let closed_by_client = lines
        .iter()
        .filter(|line| line.ends_with(" ended: closed by the client"))
        .count();
    let accepted = lines
        .iter()
        .filter(|line| line.contains(" accepted "))
        .count();
    let mut backend_closes = 0;
    while let Ok(event) = backend.events.try_recv() {
        if event == Event::Closed(Some(1000)) {
            backend_closes += 1;
        }
    }

    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "gateway load: {sessions} concurrent sessions, {messages} messages each way per session \
         ({} relayed), errors={}, elapsed {:.1} s",
        2 * sessions * messages,
        errors.len(),
        elapsed.as_secs_f64()
    );
    // The kernel updates VmHWM lazily: a sample taken earlier may be a little higher.
    let peak = after.1.max(open.0).max(after_relay.0);
    println!(
        "gateway RSS (VmRSS): before {:.1} MiB, all {sessions} open {:.1} MiB, after relaying \
         {:.1} MiB, after all closed {:.1} MiB; peak {:.1} MiB ({:.1} KiB per session over \
         the start)",
        mib(before.0),
        mib(open.0),
        mib(after_relay.0),
        mib(after.0),
        mib(peak),
        (peak.saturating_sub(before.0)) as f64 / sessions as f64
    );
    println!(
        "gateway log: {accepted} accepted, {closed_by_client} ended: closed by the client; \
         backend: {backend_closes} closes with 1000"
    );
    assert!(
        errors.is_empty(),
        "{} errors, the first: {:?}",
        errors.len(),
        &errors[..errors.len().min(5)]
    );
    assert_eq!(accepted, sessions);
    assert_eq!(closed_by_client, sessions);
}

/// One session's part of the load: `messages` sent at once, their echoes read in order.
async fn exchange(
    socket: &mut WebSocketStream<TcpStream>,
    session: usize,
    messages: usize,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    for i in 0..messages {
        socket
            .feed(Message::Text(format!("s{session}m{i}")))
            .await?;
    }
    socket.flush().await?;
    for i in 0..messages {
        let expected = Message::Text(format!("echo:s{session}m{i}"));
        match timeout(GUARD, socket.read()).await {
            Ok(Some(Ok(message))) if message == expected => {}
            Ok(other) => return Err(format!("{other:?} instead of {expected:?}").into()),
            Err(_) => return Err("timed out waiting for an echo".into()),
        }
    }
    Ok(())
}

/// This process's soft limit on open files, from /proc.
fn open_files_limit() -> u64 {
    let limits = std::fs::read_to_string("/proc/self/limits").expect("/proc/self/limits");
    limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|soft| soft.parse().ok())
        .unwrap_or(u64::MAX)
}
