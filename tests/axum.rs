//! The axum extractor over loopback, under `axum::serve` (hyper's HTTP/1.1 server): our
//! client and tungstenite's RFC 6455 client on one route, raw requests written the ways
//! clients write them (key3 with the head, key3 later, key3 as a `Content-Length: 8` body, a
//! first frame glued to key3), refusals, and the configuration an app gives the extractor.
//!
//! Every wait is bounded so a broken server fails a test instead of hanging it; no test
//! asserts how long anything took.

mod support;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::FromRequest;
use axum::http::StatusCode as HttpStatus;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Extension, Router};
use futures_util::{SinkExt, StreamExt};
use hixie76::axum::{
    AnyWebSocketUpgrade, AnyWebSocketUpgradeRejection, Hixie76Upgrade, Hixie76UpgradeRejection,
    WebSocket,
};
use hixie76::frame::FrameConfig;
use hixie76::io::{AcceptConfig, ConnectConfig, Error, Message, Protocol};
use hixie76::server::{ServerConfig, Version};
use hixie76::StatusCode;
use support::{find, V1_ANSWER, V1_KEY1, V1_KEY2, V1_KEY3};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const ORIGIN: &str = "http://example.com";
/// The subprotocols the test app serves.
const SERVED: [&str; 2] = ["sample", "chat"];

// ---------------------------------------------------------------------------------------------
// The app

/// The echo handler: one route for hixie-76 and RFC 6455, serving [`SERVED`]. A client that
/// offers only other subprotocols is refused with 400 either way.
async fn echo(upgrade: AnyWebSocketUpgrade) -> Response {
    match upgrade {
        AnyWebSocketUpgrade::Hixie76(upgrade) => {
            let upgrade = upgrade.protocols(SERVED);
            // The choice is the first offered that is served (else the test's client, which
            // checks the 101, fails).
            let first_served = upgrade
                .request()
                .protocols()
                .find(|offered| SERVED.contains(offered));
            if upgrade.selected_protocol() != first_served {
                return HttpStatus::INTERNAL_SERVER_ERROR.into_response();
            }
            upgrade.on_upgrade(echo_hixie)
        }
        AnyWebSocketUpgrade::Rfc6455(upgrade) => {
            let upgrade = upgrade.protocols(SERVED);
            if upgrade.requested_protocols().next().is_some()
                && upgrade.selected_protocol().is_none()
            {
                return HttpStatus::BAD_REQUEST.into_response();
            }
            upgrade.on_upgrade(|mut socket| async move {
                use axum::extract::ws::Message as Rfc;
                while let Some(Ok(message)) = socket.recv().await {
                    let echo = match message {
                        Rfc::Text(_) | Rfc::Binary(_) => message,
                        Rfc::Close(_) => break,
                        Rfc::Ping(_) | Rfc::Pong(_) => continue,
                    };
                    if socket.send(echo).await.is_err() {
                        break;
                    }
                }
            })
        }
    }
}

async fn echo_hixie(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.read().await {
        match message {
            Message::Close => break,
            message => {
                if socket.send(message).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// Closes from the server's side, then keeps the connection's task alive: the client sees the
/// end of the stream only if the close shut the transport down.
async fn close_and_linger(upgrade: Hixie76Upgrade) -> Response {
    let debug = format!("{upgrade:?}");
    if !debug.starts_with("Hixie76Upgrade {") {
        return (HttpStatus::INTERNAL_SERVER_ERROR, debug).into_response();
    }
    upgrade
        .protocols(SERVED)
        .on_upgrade(|mut socket| async move {
            // The connection prints as itself, with nothing of its state; if it does not, the
            // client gets no close.
            if format!("{:?}", socket.get_ref()) != "Upgraded { .. }" {
                return;
            }
            if socket.close().await.is_err() {
                return;
            }
            // The client's answer to the close.
            while let Some(Ok(message)) = socket.read().await {
                if message == Message::Close {
                    break;
                }
            }
            if socket.close().await.is_ok() {
                tokio::time::sleep(Duration::from_secs(120)).await;
            }
        })
}

/// `/echo` with [`echo`]; `/any` the same for every method; `/linger` with
/// [`close_and_linger`].
fn app() -> Router {
    Router::new()
        .route("/echo", get(echo))
        .route("/any", any(echo))
        .route("/linger", get(close_and_linger))
}

/// Serves `app` on a loopback port of its own, until the test's runtime ends.
async fn serve(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// A listener whose connections keep what is written until a flush, as TLS and every buffered
/// transport do: a write the server does not flush never reaches the client.
struct Buffered(TcpListener);

impl axum::serve::Listener for Buffered {
    type Io = tokio::io::BufWriter<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = self.0.accept().await.expect("accept");
        (tokio::io::BufWriter::new(stream), addr)
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// [`serve`] over [`Buffered`] connections.
async fn serve_buffered(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(Buffered(listener), app).await.unwrap() });
    addr
}

/// `future`, or a panic if it is not done in a generous while (a hang, not a slow machine).
async fn bounded<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), future)
        .await
        .expect("the exchange hung")
}

// ---------------------------------------------------------------------------------------------
// Raw bytes

/// The draft's example request (section 1.3) for `path`, with `extra` fields, without key3.
fn example_head(path: &str, extra: &str) -> Vec<u8> {
    format!(
        "GET {path} HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key2: {V1_KEY2}\r\nSec-WebSocket-Protocol: sample\r\n\
         Upgrade: WebSocket\r\nSec-WebSocket-Key1: {V1_KEY1}\r\nOrigin: {ORIGIN}\r\n{extra}\r\n"
    )
    .into_bytes()
}

/// Reads a response head through its blank line; returns it and what came after it.
async fn read_head(stream: &mut TcpStream) -> (String, Vec<u8>) {
    let mut bytes = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        if let Some(end) = find(&bytes, b"\r\n\r\n") {
            let rest = bytes.split_off(end + 4);
            return (String::from_utf8(bytes).expect("an ASCII head"), rest);
        }
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the connection ended inside the head: {bytes:?}");
        bytes.extend_from_slice(&buf[..n]);
    }
}

/// Reads until `have` holds at least `len` bytes.
async fn read_up_to(stream: &mut TcpStream, have: &mut Vec<u8>, len: usize) {
    let mut buf = [0u8; 1024];
    while have.len() < len {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the connection ended after {have:?}");
        have.extend_from_slice(&buf[..n]);
    }
}

/// Everything the server sends until it closes the connection.
async fn read_to_close(stream: &mut TcpStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    // A reset after the server's close counts as the close.
    let _ = stream.read_to_end(&mut bytes).await;
    bytes
}

/// The value of field `name` in `head` (names compared without regard to case).
fn field<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.split("\r\n").skip(1).find_map(|line| {
        let (n, value) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// Checks the 101 for the draft's example request on `path`, as hyper writes the core's head.
fn assert_example_101(head: &str, path: &str) {
    assert!(
        head.starts_with("HTTP/1.1 101 WebSocket Protocol Handshake\r\n"),
        "{head}"
    );
    assert_eq!(field(head, "upgrade"), Some("WebSocket"), "{head}");
    assert_eq!(field(head, "connection"), Some("Upgrade"), "{head}");
    assert_eq!(field(head, "sec-websocket-origin"), Some(ORIGIN), "{head}");
    let location = format!("ws://example.com{path}");
    assert_eq!(
        field(head, "sec-websocket-location"),
        Some(location.as_str()),
        "{head}"
    );
    assert_eq!(
        field(head, "sec-websocket-protocol"),
        Some("sample"),
        "{head}"
    );
    assert_eq!(field(head, "content-length"), None, "{head}");
}

/// Opens a connection on `/linger` with the draft's example request: the server answers, sends
/// its close, and once it has the client's answer the connection ends.
async fn closed_by_the_server(addr: SocketAddr) {
    bounded(async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut request = example_head("/linger", "");
        request.extend_from_slice(&V1_KEY3);
        stream.write_all(&request).await.unwrap();
        let (head, mut rest) = read_head(&mut stream).await;
        assert_example_101(&head, "/linger");
        read_up_to(&mut stream, &mut rest, 18).await;
        assert_eq!(&rest[..16], V1_ANSWER);
        assert_eq!(&rest[16..], b"\xff\x00", "the server's close");
        stream.write_all(b"\xff\x00").await.unwrap();
        assert_eq!(read_to_close(&mut stream).await, b"");
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Clients

async fn hixie_client(
    addr: SocketAddr,
    path: &str,
    config: &ConnectConfig,
) -> Result<hixie76::tokio::WebSocketStream<TcpStream>, Error> {
    let stream = TcpStream::connect(addr).await?;
    let url = format!("ws://{addr}{path}");
    hixie76::tokio::connect(stream, &url, config).await
}

/// Sends each text and expects it back, then closes and expects the server's close.
async fn hixie_echoes(
    mut socket: hixie76::tokio::WebSocketStream<TcpStream>,
    texts: &[&str],
) -> Result<(), Error> {
    for text in texts {
        socket.send(Message::Text(text.to_string())).await?;
        let echo = socket.read().await.expect("an echo")?;
        assert_eq!(echo, Message::Text(text.to_string()));
    }
    socket.close().await?;
    assert_eq!(socket.read().await.expect("the close")?, Message::Close);
    Ok(())
}

/// Checks that our client's handshake failed on a response with `status`.
fn assert_refused(error: &Error, status: u16) {
    assert!(
        matches!(error, Error::Protocol(hixie76::Error::UnexpectedStatus(code)) if *code == status),
        "expected a {status}, got {error}"
    );
}

type Rfc6455Client = tokio_tungstenite::WebSocketStream<TcpStream>;

async fn rfc6455_client(
    addr: SocketAddr,
    path: &str,
    protocol: Option<&str>,
) -> Result<Rfc6455Client, tungstenite::Error> {
    let mut request = format!("ws://{addr}{path}").into_client_request()?;
    if let Some(protocol) = protocol {
        request
            .headers_mut()
            .insert("sec-websocket-protocol", protocol.parse().unwrap());
    }
    let stream = TcpStream::connect(addr).await?;
    let (socket, _response) = tokio_tungstenite::client_async(request, stream).await?;
    Ok(socket)
}

// ---------------------------------------------------------------------------------------------
// One route, both protocols

#[tokio::test]
async fn one_route_serves_our_client_and_an_rfc6455_client() {
    let addr = serve(app()).await;
    bounded(async {
        let config = ConnectConfig::new(ORIGIN).with_protocol("chat");
        let socket = hixie_client(addr, "/echo", &config).await.unwrap();
        assert_eq!(socket.protocol(), Protocol::Hixie76);
        assert_eq!(socket.subprotocol(), Some("chat"));
        hixie_echoes(socket, &["hello", "wörld", ""]).await.unwrap();

        let mut socket = rfc6455_client(addr, "/echo", Some("chat")).await.unwrap();
        socket
            .send(tungstenite::Message::Text("hello rfc".into()))
            .await
            .unwrap();
        let echo = socket.next().await.unwrap().unwrap();
        assert_eq!(echo, tungstenite::Message::Text("hello rfc".into()));
        socket.close(None).await.unwrap();
    })
    .await;
}

/// Over a transport that buffers writes, every frame the socket sends is flushed through the
/// upgraded connection, and its close shuts it down.
#[tokio::test]
async fn frames_are_flushed_through_a_buffered_transport() {
    let addr = serve_buffered(app()).await;
    bounded(async {
        let config = ConnectConfig::new(ORIGIN).with_protocol("chat");
        let socket = hixie_client(addr, "/echo", &config).await.unwrap();
        hixie_echoes(socket, &["hello", "wörld"]).await.unwrap();
    })
    .await;
    closed_by_the_server(addr).await;
}

#[tokio::test]
async fn the_101_is_the_cores_head_as_hyper_writes_it() {
    let addr = serve(app()).await;
    bounded(async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut request = example_head("/echo?room=1", "");
        request.extend_from_slice(&V1_KEY3);
        stream.write_all(&request).await.unwrap();
        let (head, mut rest) = read_head(&mut stream).await;
        assert_example_101(&head, "/echo?room=1");
        // hyper writes the names in lowercase and adds a date; the values are the core's.
        assert!(head.contains("\r\nupgrade: WebSocket\r\n"), "{head}");
        assert!(field(&head, "date").is_some(), "{head}");
        read_up_to(&mut stream, &mut rest, 16).await;
        assert_eq!(rest, V1_ANSWER);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Where key3 comes from

#[tokio::test]
async fn a_first_frame_glued_to_key3_is_the_first_message() {
    let addr = serve(app()).await;
    bounded(async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut request = example_head("/echo", "");
        request.extend_from_slice(&V1_KEY3);
        request.extend_from_slice(b"\x00hi\xff");
        stream.write_all(&request).await.unwrap();
        let (head, mut rest) = read_head(&mut stream).await;
        assert_example_101(&head, "/echo");
        read_up_to(&mut stream, &mut rest, 20).await;
        assert_eq!(&rest[..16], V1_ANSWER);
        assert_eq!(&rest[16..], b"\x00hi\xff", "the echo of the glued frame");
        stream.write_all(b"\xff\x00").await.unwrap();
        assert_eq!(read_to_close(&mut stream).await, b"\xff\x00");
    })
    .await;
}

/// A close the server starts ends in a shutdown of the upgraded connection, which the client
/// sees as the end of the stream while the server's task is still alive.
#[tokio::test]
async fn a_close_from_the_server_shuts_the_upgraded_connection_down() {
    closed_by_the_server(serve(app()).await).await;
}

#[tokio::test]
async fn key3_in_later_writes_after_the_101() {
    let addr = serve(app()).await;
    bounded(async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(&example_head("/echo", "")).await.unwrap();
        // The 101 comes before key3 was sent (rule R6): proxies hold key3 back until then.
        let (head, rest) = read_head(&mut stream).await;
        assert_example_101(&head, "/echo");
        assert!(rest.is_empty(), "no answer before key3: {rest:?}");
        stream.write_all(&V1_KEY3[..3]).await.unwrap();
        stream.flush().await.unwrap();
        tokio::task::yield_now().await;
        let mut second = V1_KEY3[3..].to_vec();
        second.extend_from_slice(b"\x00later\xff");
        stream.write_all(&second).await.unwrap();
        let mut rest = Vec::new();
        read_up_to(&mut stream, &mut rest, 16 + 7).await;
        assert_eq!(&rest[..16], V1_ANSWER);
        assert_eq!(&rest[16..], b"\x00later\xff");
    })
    .await;
}

#[tokio::test]
async fn key3_as_a_content_length_body() {
    let addr = serve(app()).await;
    bounded(async {
        // Our client, asked to send `Content-Length: 8` as Perl's Protocol::WebSocket does.
        let config = ConnectConfig::new(ORIGIN).with_content_length(true);
        let socket = hixie_client(addr, "/echo", &config).await.unwrap();
        hixie_echoes(socket, &["body", "key3"]).await.unwrap();

        // Head, key3 and a first frame in one write: the frame is the first message.
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut request = example_head("/echo", "Content-Length: 8\r\n");
        request.extend_from_slice(&V1_KEY3);
        request.extend_from_slice(b"\x00hi\xff");
        stream.write_all(&request).await.unwrap();
        let (head, mut rest) = read_head(&mut stream).await;
        assert_example_101(&head, "/echo");
        read_up_to(&mut stream, &mut rest, 20).await;
        assert_eq!(&rest[..16], V1_ANSWER);
        assert_eq!(&rest[16..], b"\x00hi\xff");

        // The body sent only once the 101 is in: the 101 does not wait for it.
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(&example_head("/echo", "Content-Length: 8\r\n"))
            .await
            .unwrap();
        let (head, rest) = read_head(&mut stream).await;
        assert_example_101(&head, "/echo");
        assert!(rest.is_empty(), "no answer before key3: {rest:?}");
        let mut later = V1_KEY3.to_vec();
        later.extend_from_slice(b"\x00after\xff");
        stream.write_all(&later).await.unwrap();
        let mut rest = Vec::new();
        read_up_to(&mut stream, &mut rest, 16 + 7).await;
        assert_eq!(&rest[..16], V1_ANSWER);
        assert_eq!(&rest[16..], b"\x00after\xff");
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// Refusals

/// Writes `request` (key3 included) and returns the status line and everything the server
/// sent before it closed the connection; checks that it was one response with
/// `Connection: close` and no second one made of key3.
async fn refused(addr: SocketAddr, request: &[u8]) -> (String, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let bytes = read_to_close(&mut stream).await;
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(text.matches("HTTP/1.").count(), 1, "one response: {text}");
    assert_eq!(field(&text, "connection"), Some("close"), "{text}");
    assert!(text.ends_with("\r\n\r\n"), "no body: {text}");
    let status = text.split("\r\n").next().unwrap().to_string();
    (status, text)
}

#[tokio::test]
async fn a_bad_hixie76_request_gets_its_4xx_and_the_connection_closes() {
    let addr = serve(app()).await;
    let with_key3 = |head: Vec<u8>| [head, V1_KEY3.to_vec()].concat();
    let example = String::from_utf8(example_head("/echo", "")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a key without spaces",
            with_key3(example.replace(V1_KEY1, "4@146546xW%0l15").into_bytes()),
            "HTTP/1.1 400 Bad Request",
        ),
        (
            "a key number over 2^32 - 1",
            with_key3(example.replace(V1_KEY1, "4294967296 1").into_bytes()),
            "HTTP/1.1 400 Bad Request",
        ),
        (
            "a second Sec-WebSocket-Key1",
            with_key3(example_head("/echo", "Sec-WebSocket-Key1: 1 2\r\n")),
            "HTTP/1.1 400 Bad Request",
        ),
        (
            "no Host",
            with_key3(example.replace("Host: example.com\r\n", "").into_bytes()),
            "HTTP/1.1 400 Bad Request",
        ),
        (
            "Upgrade other than WebSocket",
            with_key3(
                example
                    .replace("Upgrade: WebSocket", "Upgrade: h2c")
                    .into_bytes(),
            ),
            "HTTP/1.1 400 Bad Request",
        ),
        (
            "a body other than key3",
            [
                example_head("/echo", "Content-Length: 5\r\n"),
                b"abcde".to_vec(),
            ]
            .concat(),
            "HTTP/1.1 400 Bad Request",
        ),
        (
            "HTTP/1.0",
            with_key3(example.replace("HTTP/1.1", "HTTP/1.0").into_bytes()),
            // hyper answers in the request's version.
            "HTTP/1.0 400 Bad Request",
        ),
        (
            "hybi-03 (Sec-WebSocket-Draft), which neither side speaks",
            with_key3(example_head("/echo", "Sec-WebSocket-Draft: 3\r\n")),
            "HTTP/1.1 400 Bad Request",
        ),
        (
            "another method, on a route for every method",
            with_key3(example.replace("GET /echo", "POST /any").into_bytes()),
            "HTTP/1.1 405 Method Not Allowed",
        ),
    ];
    bounded(async {
        for (name, request, expected) in cases {
            let (status, text) = refused(addr, &request).await;
            assert_eq!(status, expected, "{name}: {text}");
            if expected.contains("405") {
                assert_eq!(field(&text, "allow"), Some("GET"), "{name}: {text}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn a_client_offering_only_unserved_subprotocols_is_refused() {
    let addr = serve(app()).await;
    bounded(async {
        let config = ConnectConfig::new(ORIGIN).with_protocol("other");
        let refused = hixie_client(addr, "/echo", &config).await.unwrap_err();
        assert_refused(&refused, 400);

        let refused = rfc6455_client(addr, "/echo", Some("other"))
            .await
            .unwrap_err();
        match refused {
            tungstenite::Error::Http(response) => assert_eq!(response.status(), 400),
            other => panic!("expected a 400, got {other}"),
        }
    })
    .await;
}

#[tokio::test]
async fn the_handler_rejects_with_the_cores_refusal() {
    let app = Router::new().route(
        "/",
        get(|upgrade: Hixie76Upgrade| async move {
            if upgrade.request().origin() == Some("http://allowed.example") {
                upgrade.on_upgrade(echo_hixie)
            } else {
                upgrade.reject(StatusCode::Forbidden)
            }
        }),
    );
    let addr = serve(app).await;
    bounded(async {
        let config = ConnectConfig::new("http://allowed.example");
        let socket = hixie_client(addr, "/", &config).await.unwrap();
        hixie_echoes(socket, &["allowed"]).await.unwrap();

        let mut request = example_head("/", "");
        request.extend_from_slice(&V1_KEY3);
        let (status, _) = refused(addr, &request).await;
        assert_eq!(status, "HTTP/1.1 403 Forbidden");
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// The hixie-76 extractor alone

#[tokio::test]
async fn the_hixie76_extractor_alone_refuses_other_requests() {
    let app = Router::new()
        .route(
            "/only",
            get(|upgrade: Hixie76Upgrade| async move { upgrade.on_upgrade(echo_hixie) }),
        )
        .route(
            "/maybe",
            get(|upgrade: Option<Hixie76Upgrade>| async move {
                match upgrade {
                    Some(upgrade) => upgrade.on_upgrade(echo_hixie),
                    None => "plain".into_response(),
                }
            }),
        );
    let addr = serve(app).await;
    bounded(async {
        let refused = rfc6455_client(addr, "/only", None).await.unwrap_err();
        match refused {
            tungstenite::Error::Http(response) => assert_eq!(response.status(), 400),
            other => panic!("expected a 400, got {other}"),
        }
        let (status, _) = refused_plain(addr, "/only").await;
        assert_eq!(status, "HTTP/1.1 400 Bad Request");

        let (status, text) = refused_plain(addr, "/maybe").await;
        assert_eq!(status, "HTTP/1.1 200 OK");
        assert!(text.ends_with("plain"), "{text}");
        let socket = hixie_client(addr, "/maybe", &ConnectConfig::new(ORIGIN))
            .await
            .unwrap();
        hixie_echoes(socket, &["maybe"]).await.unwrap();
    })
    .await;
}

/// A plain GET of `path` (closing the connection after it); the status line and the response.
async fn refused_plain(addr: SocketAddr, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let text = String::from_utf8(read_to_close(&mut stream).await).unwrap();
    (text.split("\r\n").next().unwrap().to_string(), text)
}

/// The extractor's verdicts without a server: the core's version rules, and no upgrade
/// without hyper.
#[tokio::test]
async fn the_core_judges_the_rebuilt_head() {
    fn request(fields: &[(&str, &str)]) -> axum::extract::Request {
        let mut request = axum::http::Request::get("/chat");
        for (name, value) in fields {
            request = request.header(*name, *value);
        }
        request.body(axum::body::Body::empty()).unwrap()
    }
    let hixie76 = [
        ("Host", "example.com"),
        ("Connection", "Upgrade"),
        ("Upgrade", "WebSocket"),
        ("Sec-WebSocket-Key1", V1_KEY1),
        ("Sec-WebSocket-Key2", V1_KEY2),
    ];
    let rfc6455 = [
        ("Host", "example.com"),
        ("Connection", "Upgrade"),
        ("Upgrade", "websocket"),
        ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];
    async fn judged(fields: &[(&str, &str)]) -> Result<(), Hixie76UpgradeRejection> {
        Hixie76Upgrade::from_request(request(fields), &())
            .await
            .map(drop)
    }
    // Without hyper's server there is no upgrade to take.
    let rejection = judged(&hixie76).await.unwrap_err();
    assert_eq!(rejection, Hixie76UpgradeRejection::ConnectionNotUpgradable);
    assert_eq!(rejection.status(), HttpStatus::INTERNAL_SERVER_ERROR);
    let response = rejection.into_response();
    assert_eq!(response.headers()["connection"], "close");

    assert_eq!(
        judged(&rfc6455).await.unwrap_err(),
        Hixie76UpgradeRejection::OtherVersion(Version::Rfc6455)
    );
    let rejection = judged(&[("Host", "example.com")]).await.unwrap_err();
    assert_eq!(rejection, Hixie76UpgradeRejection::NotWebSocket);
    assert_eq!(rejection.to_string(), "not a WebSocket request");
    let hixie75 = [
        ("Host", "example.com"),
        ("Connection", "Upgrade"),
        ("Upgrade", "WebSocket"),
    ];
    let rejection = judged(&hixie75).await.unwrap_err();
    assert_eq!(
        rejection,
        Hixie76UpgradeRejection::OtherVersion(Version::Hixie75)
    );
    assert_eq!(rejection.status(), HttpStatus::BAD_REQUEST);
    let bad = [
        ("Host", "example.com"),
        ("Connection", "Upgrade"),
        ("Upgrade", "WebSocket"),
        ("Sec-WebSocket-Key1", "1 2"),
    ];
    let rejection = judged(&bad).await.unwrap_err();
    let missing = hixie76::Error::MissingField(hixie76::Field::Key2);
    assert_eq!(rejection, Hixie76UpgradeRejection::Invalid(missing));
    assert_eq!(
        rejection.to_string(),
        format!("invalid hixie-76 request: {missing}")
    );
    // The core's error is the source; the other rejections have none.
    let source = std::error::Error::source(&rejection).expect("the core's error");
    assert_eq!(source.to_string(), missing.to_string());
    assert!(
        std::error::Error::source(&Hixie76UpgradeRejection::NotWebSocket).is_none(),
        "a rejection of the crate's own has no source"
    );

    // The enum leaves RFC 6455 to axum, which also finds no upgrade without hyper.
    let rejection = AnyWebSocketUpgrade::from_request(request(&rfc6455), &())
        .await
        .unwrap_err();
    assert!(
        matches!(rejection, AnyWebSocketUpgradeRejection::Rfc6455(_)),
        "{rejection:?}"
    );
    assert!(std::error::Error::source(&rejection).is_some());
    let rejection = AnyWebSocketUpgrade::from_request(request(&hixie76), &())
        .await
        .unwrap_err();
    assert!(
        matches!(
            rejection,
            AnyWebSocketUpgradeRejection::Hixie76(Hixie76UpgradeRejection::ConnectionNotUpgradable)
        ),
        "{rejection:?}"
    );
    let source = std::error::Error::source(&rejection).expect("the hixie-76 rejection");
    let not_upgradable = Hixie76UpgradeRejection::ConnectionNotUpgradable.to_string();
    assert_eq!(source.to_string(), not_upgradable);
    // It reads as the rejection it carries.
    assert_eq!(rejection.to_string(), not_upgradable);
}

// ---------------------------------------------------------------------------------------------
// Configuration, nesting, failures

#[tokio::test]
async fn the_configuration_comes_from_an_extension() {
    let (errors, mut errors_seen) = mpsc::unbounded_channel();
    let handler = move |upgrade: AnyWebSocketUpgrade| {
        let errors = errors.clone();
        async move {
            match upgrade {
                AnyWebSocketUpgrade::Hixie76(upgrade) => {
                    upgrade.on_upgrade(move |mut socket| async move {
                        while let Some(message) = socket.read().await {
                            match message {
                                Ok(Message::Close) => break,
                                Ok(message) => {
                                    let _ = socket.send(message).await;
                                }
                                Err(error) => {
                                    let _ = errors.send(error);
                                    break;
                                }
                            }
                        }
                    })
                }
                AnyWebSocketUpgrade::Rfc6455(upgrade) => upgrade.on_upgrade(|_| async {}),
            }
        }
    };
    let config = AcceptConfig::new().with_server(
        ServerConfig::new()
            .with_hixie75(true)
            .with_frames(FrameConfig::new().with_max_message(16)),
    );
    let configured = Router::new()
        .route("/", get(handler))
        .layer(Extension(config));
    let addr = serve(configured).await;
    bounded(async {
        // hixie-75, though the configuration allows it: hyper cannot write the 101 its client
        // compares byte for byte.
        let config = ConnectConfig::new(ORIGIN).with_hixie75(true);
        let refused = hixie_client(addr, "/", &config).await.unwrap_err();
        assert_refused(&refused, 400);

        // The frame limit: 16 bytes pass, 17 do not.
        let config = ConnectConfig::new(ORIGIN);
        let mut socket = hixie_client(addr, "/", &config).await.unwrap();
        let sixteen = "0123456789abcdef".to_string();
        socket.send(Message::Text(sixteen.clone())).await.unwrap();
        assert_eq!(
            socket.read().await.unwrap().unwrap(),
            Message::Text(sixteen)
        );
        socket
            .send(Message::Text("0123456789abcdefg".into()))
            .await
            .unwrap();
        let error = errors_seen.recv().await.unwrap();
        assert!(
            matches!(error, Error::Protocol(hixie76::Error::MessageTooLarge)),
            "{error}"
        );
    })
    .await;

    // Without the extension, the same.
    let addr = serve(app()).await;
    bounded(async {
        let config = ConnectConfig::new(ORIGIN).with_hixie75(true);
        let refused = hixie_client(addr, "/echo", &config).await.unwrap_err();
        assert_refused(&refused, 400);
    })
    .await;
}

#[tokio::test]
async fn a_nested_route_locates_the_url_the_client_asked_for() {
    let app = Router::new().nest("/api", app());
    let addr = serve(app).await;
    bounded(async {
        // Our client checks the Location exactly: it must name /api/echo?x=1.
        let socket = hixie_client(addr, "/api/echo?x=1", &ConnectConfig::new(ORIGIN))
            .await
            .unwrap();
        hixie_echoes(socket, &["nested"]).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn key3_that_never_comes_fails_the_upgrade() {
    let (failures, mut failures_seen) = mpsc::unbounded_channel();
    let handler = move |upgrade: Hixie76Upgrade| {
        let failures = failures.clone();
        async move {
            upgrade
                .protocols(SERVED)
                .on_failed_upgrade(move |error| {
                    let _ = failures.send(error);
                })
                .on_upgrade(echo_hixie)
        }
    };
    let config = AcceptConfig::new().with_handshake_timeout(Some(Duration::from_millis(200)));
    let app = Router::new()
        .route("/", get(handler))
        .layer(Extension(config));
    let addr = serve(app).await;
    bounded(async {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(&example_head("/", "")).await.unwrap();
        let (head, _) = read_head(&mut stream).await;
        assert_example_101(&head, "/");
        let error = failures_seen.recv().await.unwrap();
        assert!(matches!(error, Error::HandshakeTimeout), "{error}");
        assert!(read_to_close(&mut stream).await.is_empty());
    })
    .await;
}
