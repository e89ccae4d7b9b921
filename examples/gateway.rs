//! A gateway for old devices: hixie-76 clients (TVs, set-top boxes, iOS 5, QtWebKit panels)
//! in front, an RFC 6455 backend behind. Each client gets its own RFC 6455 connection to the
//! backend, opened *before* the client is answered, and its messages are relayed both ways.
//!
//! ```text
//! cargo run --release --example gateway -- --listen 127.0.0.1:8076 --backend ws://127.0.0.1:9000/app
//!     [--protocol NAME]... [--origin ORIGIN]... [--binary drop|base64]
//!     [--proxy-protocol] [--keepalive SECS [--keepalive-frame KIND]] [--secure]
//!     [--handshake-timeout SECS]
//! ```
//!
//! - The request is read with the two-step [`read_any_request`]: the gateway looks at it,
//!   connects to the backend (the URL as given, whatever resource the client asked for),
//!   passes on the offered subprotocols (those named with `--protocol`, or all), `Origin` and
//!   the client's address in `X-Forwarded-For`, and only then answers the client: with the
//!   backend's subprotocol, or `502 Bad Gateway` when the backend cannot be reached or refuses,
//!   `403 Forbidden` for an origin not named with `--origin`, `400 Bad Request` when the client
//!   offered subprotocols and none of them is agreed on.
//! - Text messages go both ways in order. hixie-76 has no binary frames: a binary message from
//!   the backend is dropped with a log line, or with `--binary base64` sent as base64 text.
//!   RFC 6455 clients, served on the same port, get binary messages as they are.
//! - A client's close closes the backend with 1000 (1001 when the client just went away); the
//!   backend's close, or its failure, starts the hixie-76 closing handshake with the client
//!   (for hixie-75, which has none, the TCP connection is closed).
//! - At most one message waits in the gateway in each direction: a device that reads slowly
//!   holds back the reading from the backend, and a slow backend the reading from the device.
//!
//! Logs to stderr, as the demo servers do, one line when the handshake is decided and one when
//! the connection ends, each beginning with the client's address (with `--proxy-protocol`, the
//! one the PROXY header names).

#[path = "common/mod.rs"]
mod common;

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::process::ExitCode;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use common::{Parsed, ServerOptions};
use futures_util::{Sink, Stream, StreamExt};
use hixie76::io::{AcceptOptions, Error, Message, Prefixed, Protocol};
use hixie76::proxy::ProxyConfig;
use hixie76::tokio::AnyWebSocketStream;
use hixie76::tokio::{read_any_request, read_proxy_header, AnyIncoming, AnyPendingRequest};
use hixie76::StatusCode;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{timeout, timeout_at, Instant};
use tokio_tungstenite::tungstenite;
use tungstenite::client::IntoClientRequest;
use tungstenite::error::{ProtocolError, SubProtocolError};
use tungstenite::http::{HeaderValue, Uri};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::{CloseFrame, WebSocketConfig};

/// The device's side: a hixie-76, hixie-75 or RFC 6455 connection.
pub type ClientSocket = AnyWebSocketStream<Prefixed<TcpStream>>;
/// The backend's side.
pub type BackendSocket = tokio_tungstenite::WebSocketStream<TcpStream>;

/// How long a refusal may take to write, and a closing handshake to finish, once the
/// handshake's own deadline no longer applies.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// How many messages one direction relays before letting the other have its turn.
const BURST: usize = 32;

pub const USAGE: &str = "usage: gateway --backend ws://HOST[:PORT]/PATH [FLAGS]

A gateway for old devices: hixie-76 (and RFC 6455) clients on one port, each relayed over its
own RFC 6455 connection to the backend, which is connected before the client is answered.

  --backend URL               the RFC 6455 backend, ws:// (required; used as given: the
                              client's resource is not appended; wss:// is not supported)
  --listen ADDR:PORT          where to listen (default 127.0.0.1:8076; port 0 picks a free one)
  --protocol NAME             a subprotocol passed on to the backend when a client offers it
                              (repeatable; default: every offered one)
  --origin ORIGIN             an origin accepted (repeatable; default: any); others get 403
  --binary drop|base64        a binary message from the backend to a hixie client: dropped
                              with a log line (default), or sent as base64 text
  --allow-hixie75             also answer the older draft-hixie-thewebsocketprotocol-75
  --proxy-protocol            require a PROXY protocol header (v1 or v2) before each request,
                              as HAProxy's send-proxy sends it; its client address is the one
                              logged and passed on in X-Forwarded-For
  --secure                    the clients reach this gateway over TLS ended in a proxy in
                              front: hixie-76 answers carry wss:// in their Location
  --handshake-timeout SECS    a deadline for the whole handshake, the backend's included
                              (default 10; 0: none)
  --idle-timeout SECS         drop a client that sends nothing for SECS (default: never)
  --keepalive SECS            send the client a keep-alive frame after SECS without sending
                              (default: never)
  --keepalive-frame KIND      discard (80 00), sentinel (01 FF) or empty (00 FF, the default)
  --help                      this text";

/// What a binary message from the backend becomes for a hixie client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryPolicy {
    /// Dropped, with a log line.
    Drop,
    /// Sent as a text message: its base64 (RFC 4648, with padding).
    Base64,
}

/// The backend: its URL as given, and where to connect.
#[derive(Debug, Clone)]
pub struct Backend {
    url: String,
    host: String,
    port: u16,
}

impl Backend {
    /// A `ws://` URL. `wss://` is refused: this gateway has no TLS.
    ///
    /// # Errors
    ///
    /// The reason, naming the flag, for anything else.
    pub fn parse(url: &str) -> Result<Backend, String> {
        let bad = |why: &dyn fmt::Display| format!("--backend {url:?}: {why}");
        let uri: Uri = url.parse().map_err(|error| bad(&error))?;
        match uri.scheme_str() {
            Some("ws") => {}
            Some("wss") => {
                return Err(bad(
                    &"wss:// backends are not supported (this gateway has no \
                                 TLS): use ws://, or a TLS proxy in between",
                ))
            }
            _ => return Err(bad(&"expected a ws:// URL")),
        }
        let host = uri
            .host()
            .map(|host| host.trim_start_matches('[').trim_end_matches(']'))
            .filter(|host| !host.is_empty())
            .ok_or_else(|| bad(&"no host"))?
            .to_string();
        let port = uri.port_u16().unwrap_or(80);
        // Whatever tungstenite would refuse for every client is refused now.
        url.into_client_request().map_err(|error| bad(&error))?;
        Ok(Backend {
            url: url.to_string(),
            host,
            port,
        })
    }
}

/// Everything the gateway is told.
#[derive(Debug, Clone)]
pub struct Config {
    /// The flags every demo server takes (`protocols` are the ones passed on).
    pub server: ServerOptions,
    pub backend: Backend,
    /// The origins accepted; empty: any.
    pub origins: Vec<String>,
    pub binary: BinaryPolicy,
}

impl Config {
    /// A gateway to `backend` with the demo servers' defaults: any origin, every offered
    /// subprotocol passed on, binary messages dropped, a 10 s handshake deadline.
    pub fn new(listen: &str, backend: Backend) -> Config {
        Config {
            server: ServerOptions {
                listen: listen.to_string(),
                protocols: Vec::new(),
                allow_hixie75: false,
                proxy_protocol: false,
                secure: false,
                handshake_timeout: Some(Duration::from_secs(10)),
                idle_timeout: None,
                keepalive: None,
                keepalive_frame: hixie76::frame::Keepalive::Empty,
            },
            backend,
            origins: Vec::new(),
            binary: BinaryPolicy::Drop,
        }
    }

    /// Whether a client with this `Origin` is served (origins compare without regard to
    /// letter case; a client without one is served only when any origin is).
    fn allows_origin(&self, origin: Option<&str>) -> bool {
        self.origins.is_empty()
            || origin.is_some_and(|origin| {
                self.origins
                    .iter()
                    .any(|allowed| allowed.eq_ignore_ascii_case(origin))
            })
    }

    /// The offered subprotocols passed on to the backend: those named with `--protocol` (all
    /// without it), and only names RFC 6455 can carry in its comma-separated list.
    fn passed_protocols(&self, offered: &[String]) -> Vec<String> {
        offered
            .iter()
            .filter(|name| is_token(name))
            .filter(|name| self.server.protocols.is_empty() || self.server.protocols.contains(name))
            .cloned()
            .collect()
    }

    /// tungstenite's configuration for the backend connection: the clients' message limit,
    /// a small read buffer, and every message written at once.
    fn backend_config(&self) -> WebSocketConfig {
        let limit = self.server.accept_config().server().frames().max_message();
        WebSocketConfig::default()
            .read_buffer_size(4096)
            .write_buffer_size(0)
            .max_message_size(Some(limit))
            .max_frame_size(Some(limit))
    }
}

/// Parses the command line.
///
/// # Errors
///
/// A message naming the bad argument.
pub fn parse_args() -> Result<Parsed<Config>, String> {
    let mut backend = None;
    let mut origins = Vec::new();
    let mut binary = BinaryPolicy::Drop;
    let parsed = common::parse_server_args(USAGE, |flag, args| {
        match flag {
            "--backend" => backend = Some(common::value(args, "--backend", "URL")?),
            "--origin" => origins.push(common::value(args, "--origin", "ORIGIN")?),
            "--binary" => {
                binary = match common::value(args, "--binary", "drop or base64")?.as_str() {
                    "drop" => BinaryPolicy::Drop,
                    "base64" => BinaryPolicy::Base64,
                    other => return Err(format!("--binary {other:?}: expected drop or base64")),
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    let server = match parsed {
        Parsed::Run(server) => server,
        Parsed::Help => return Ok(Parsed::Help),
    };
    let url = backend.ok_or("--backend URL is required")?;
    Ok(Parsed::Run(Config {
        server,
        backend: Backend::parse(&url)?,
        origins,
        binary,
    }))
}

fn main() -> ExitCode {
    let config = match parse_args() {
        Ok(Parsed::Run(config)) => Arc::new(config),
        Ok(Parsed::Help) => return ExitCode::SUCCESS,
        Err(message) => return common::usage_error(&message, USAGE),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let listener = match TcpListener::bind(&config.server.listen).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("cannot listen on {}: {error}", config.server.listen);
                return ExitCode::FAILURE;
            }
        };
        match listener.local_addr() {
            Ok(addr) => println!("listening on {addr}"),
            Err(error) => {
                eprintln!("cannot read the listening address: {error}");
                return ExitCode::FAILURE;
            }
        }
        serve(listener, config).await;
        ExitCode::SUCCESS
    })
}

/// Serves every connection `listener` accepts, one task each. Runs until the runtime stops.
pub async fn serve(listener: TcpListener, config: Arc<Config>) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                let config = Arc::clone(&config);
                tokio::spawn(async move { session(stream, peer, &config).await });
            }
            Err(error) => {
                // Out of file descriptors, say: wait for connections to end rather than spin.
                eprintln!("cannot accept: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// One client: its request, the backend, the answer, then the relay until either side closes.
async fn session(stream: TcpStream, peer: SocketAddr, config: &Config) {
    // The handshake's futures are large (both sides' handshakes, the refusals and their
    // timers: some 9 KB): on the heap, and given back once the relay starts, rather than
    // inline in the session's task for as long as the connection lasts.
    let opened = Box::pin(handshake(stream, peer, config)).await;
    let Some((client, mut socket, mut backend)) = opened else {
        return;
    };
    let end = Relay::new(&mut socket, &mut backend, client, config.binary).await;
    let ended = finish(end, &mut socket, &mut backend).await;
    common::log(client, ended);
}

/// The opening handshakes on both sides, under the handshake's deadline: the client's address
/// and both sockets, or `None` once the client was refused (or served a plain HTTP answer).
async fn handshake(
    stream: TcpStream,
    peer: SocketAddr,
    config: &Config,
) -> Option<(SocketAddr, ClientSocket, BackendSocket)> {
    let _ = stream.set_nodelay(true);
    let deadline = config
        .server
        .handshake_timeout
        .map(|timeout| Instant::now() + timeout);
    let (client, incoming) = within(deadline, read_client(stream, peer, config))
        .await
        .unwrap_or((peer, Err(Error::HandshakeTimeout)));
    let pending = match incoming {
        Ok(AnyIncoming::Request(pending)) => pending,
        Ok(AnyIncoming::Http(mut request)) => {
            common::log(
                client,
                format_args!("http {} {} status=404", request.method(), request.path()),
            );
            let response = hixie76::server::error_response(StatusCode::NotFound);
            let _ = timeout(CLOSE_TIMEOUT, async {
                let _ = request.get_mut().write_all(response).await;
                let _ = request.get_mut().shutdown().await;
            })
            .await;
            return None;
        }
        Err(error) => {
            common::log(client, common::refused_line(&error));
            return None;
        }
    };
    let (socket, backend) = open(pending, client, config, deadline).await?;
    Some((client, socket, backend))
}

/// Reads the PROXY header when one is required, then the request: the client's address, and
/// what arrived.
async fn read_client(
    stream: TcpStream,
    peer: SocketAddr,
    config: &Config,
) -> (SocketAddr, Result<AnyIncoming<Prefixed<TcpStream>>, Error>) {
    let (client, stream) = if config.server.proxy_protocol {
        match read_proxy_header(stream, ProxyConfig::new()).await {
            Ok((header, stream)) => (common::client_address(peer, header), stream),
            Err(error) => return (peer, Err(error)),
        }
    } else {
        (peer, Prefixed::new(Vec::new(), stream))
    };
    (
        client,
        read_any_request(stream, config.server.accept_config()).await,
    )
}

/// The decision, which waits for the backend: refuses the client (403, 400, 502) or connects
/// the backend and accepts with the subprotocol it chose. Logs the outcome.
async fn open(
    pending: AnyPendingRequest<Prefixed<TcpStream>>,
    client: SocketAddr,
    config: &Config,
    deadline: Option<Instant>,
) -> Option<(ClientSocket, BackendSocket)> {
    let request = pending.request();
    let path = request.path().to_string();
    let origin = request.origin().map(String::from);
    let offered: Vec<String> = request.protocols().map(String::from).collect();
    let forwarded_for = forwarded_for(request.field("x-forwarded-for"), client.ip());

    if !config.allows_origin(origin.as_deref()) {
        refuse(pending, StatusCode::Forbidden).await;
        let origin = origin.as_deref().unwrap_or("-");
        common::log(
            client,
            format_args!("refused status=403 (origin not allowed: {origin})"),
        );
        return None;
    }
    let protocols = config.passed_protocols(&offered);
    if protocols.is_empty() && !offered.is_empty() {
        refuse(pending, StatusCode::BadRequest).await;
        common::log(
            client,
            format_args!(
                "refused status=400 (no offered subprotocol is passed on: {})",
                offered.join(" ")
            ),
        );
        return None;
    }

    let connecting = connect_backend(config, &protocols, origin.as_deref(), &forwarded_for);
    let connected = within(deadline, connecting)
        .await
        .unwrap_or(Err(BackendFailure::TimedOut));
    let (mut backend, chosen) = match connected {
        Ok(connected) => connected,
        Err(failure) => {
            let status = failure.status();
            refuse(pending, status).await;
            common::log(
                client,
                format_args!("refused status={} ({failure})", status.code()),
            );
            return None;
        }
    };

    let mut options = AcceptOptions::new().with_secure(config.server.secure);
    if let Some(protocol) = &chosen {
        options = options.with_protocol(protocol.clone());
    }
    let accepted = within(deadline, pending.accept(options))
        .await
        .unwrap_or(Err(Error::HandshakeTimeout));
    let subprotocol = chosen.as_deref().unwrap_or("-");
    match accepted {
        Ok(socket) => {
            common::log(
                client,
                format_args!(
                    "accepted path={path} protocol={} backend=101 subprotocol={subprotocol}",
                    common::protocol_name(socket.protocol())
                ),
            );
            Some((socket, backend))
        }
        Err(error) => {
            common::log(
                client,
                format_args!(
                    "{} backend=101 subprotocol={subprotocol}",
                    common::refused_line(&error)
                ),
            );
            close_backend(&mut backend, CloseCode::Away).await;
            None
        }
    }
}

/// Writes a refusal, within its own short time limit (the handshake's may be over).
async fn refuse(pending: AnyPendingRequest<Prefixed<TcpStream>>, status: StatusCode) {
    let _ = timeout(CLOSE_TIMEOUT, pending.reject(status)).await;
}

/// Why the backend connection did not open.
#[derive(Debug)]
enum BackendFailure {
    /// TCP.
    Connect(std::io::Error),
    /// tungstenite's handshake: the backend's refusal, a bad answer, or the transport.
    Handshake(tungstenite::Error),
    /// The handshake's deadline ran out first.
    TimedOut,
    /// A value of the client's request cannot go into an RFC 6455 request.
    Field(&'static str),
}

impl BackendFailure {
    /// The status the client is refused with.
    fn status(&self) -> StatusCode {
        match self {
            BackendFailure::Handshake(error) if chose_no_subprotocol(error) => {
                StatusCode::BadRequest
            }
            BackendFailure::Field(_) => StatusCode::BadRequest,
            _ => StatusCode::BadGateway,
        }
    }
}

/// Whether tungstenite refused a 101 because it named none of the offered subprotocols.
fn chose_no_subprotocol(error: &tungstenite::Error) -> bool {
    matches!(
        error,
        tungstenite::Error::Protocol(ProtocolError::SecWebSocketSubProtocolError(
            SubProtocolError::NoSubProtocol
        ))
    )
}

impl fmt::Display for BackendFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendFailure::Handshake(error) if chose_no_subprotocol(error) => {
                f.write_str("backend=101 subprotocol=-: it agreed on none of those offered")
            }
            BackendFailure::Connect(error) => write!(f, "backend failed: {}", io_text(error)),
            BackendFailure::Handshake(error) => {
                write!(f, "backend failed: {}", tungstenite_text(error))
            }
            BackendFailure::TimedOut => f.write_str("backend failed: timed out"),
            BackendFailure::Field(name) => {
                write!(f, "the client's {name} cannot be passed on to the backend")
            }
        }
    }
}

/// An IO error as a log line says it: the kind alone (`connection refused`) for the
/// operating system's errors, whose numbers add nothing.
fn io_text(error: &std::io::Error) -> String {
    if error.raw_os_error().is_some() {
        error.kind().to_string()
    } else {
        error.to_string()
    }
}

fn tungstenite_text(error: &tungstenite::Error) -> String {
    match error {
        tungstenite::Error::Io(error) => io_text(error),
        tungstenite::Error::Http(response) => format!("status {}", response.status().as_u16()),
        tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
            "the connection ended".to_string()
        }
        other => other.to_string(),
    }
}

/// Opens the backend connection: TCP, then tungstenite's client handshake with the client's
/// subprotocols, origin and address. The backend's answer: the socket and its subprotocol.
async fn connect_backend(
    config: &Config,
    protocols: &[String],
    origin: Option<&str>,
    forwarded_for: &str,
) -> Result<(BackendSocket, Option<String>), BackendFailure> {
    let backend = &config.backend;
    let stream = TcpStream::connect((backend.host.as_str(), backend.port))
        .await
        .map_err(BackendFailure::Connect)?;
    let _ = stream.set_nodelay(true);
    let mut request = backend
        .url
        .as_str()
        .into_client_request()
        .map_err(BackendFailure::Handshake)?;
    let headers = request.headers_mut();
    if !protocols.is_empty() {
        let value = HeaderValue::from_str(&protocols.join(", "))
            .map_err(|_| BackendFailure::Field("Sec-WebSocket-Protocol"))?;
        headers.insert("sec-websocket-protocol", value);
    }
    if let Some(origin) = origin {
        let value = HeaderValue::from_str(origin).map_err(|_| BackendFailure::Field("Origin"))?;
        headers.insert("origin", value);
    }
    let value = HeaderValue::from_str(forwarded_for)
        .map_err(|_| BackendFailure::Field("X-Forwarded-For"))?;
    headers.insert("x-forwarded-for", value);
    let (socket, response) =
        tokio_tungstenite::client_async_with_config(request, stream, Some(config.backend_config()))
            .await
            .map_err(BackendFailure::Handshake)?;
    let chosen = response
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|value| value.to_str().ok())
        .map(String::from);
    Ok((socket, chosen))
}

/// `X-Forwarded-For` for the backend: the client's own field, if it came through a proxy
/// that set one, with the client's address appended (as nginx's
/// `$proxy_add_x_forwarded_for`).
fn forwarded_for(existing: Option<&[u8]>, client: IpAddr) -> String {
    match existing
        .and_then(|value| std::str::from_utf8(value).ok())
        .filter(|value| !value.is_empty())
    {
        Some(existing) => format!("{existing}, {client}"),
        None => client.to_string(),
    }
}

/// Whether `name` is an HTTP token (RFC 9110, section 5.6.2), as an RFC 6455 subprotocol
/// must be.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// How the relay stopped.
#[derive(Debug)]
enum End {
    /// The client's close arrived (for hixie-76 it is answered already).
    ClientClosed,
    /// The client's connection failed or ended without a close, or was idle too long.
    ClientFailed(Error),
    /// The backend's close arrived, with its status.
    BackendClosed(Option<u16>),
    /// The backend's connection failed or ended without a close.
    BackendFailed(tungstenite::Error),
}

/// Both directions of one session, as one future: at most one message waits in each.
///
/// A message read from one side is held until the other side can take it (`poll_ready`), and
/// nothing more is read from that side meanwhile; what was handed over is flushed whenever the
/// reading side has nothing more. A slow device so holds back the backend's messages in the
/// backend's TCP connection, not in the gateway, and the other way round.
struct Relay<'a> {
    client: &'a mut ClientSocket,
    backend: &'a mut BackendSocket,
    /// A client message waiting for the backend.
    up: Option<tungstenite::Message>,
    /// A backend message waiting for the client.
    down: Option<Message>,
    /// For the log line about a dropped binary message.
    address: SocketAddr,
    binary: BinaryPolicy,
}

impl<'a> Relay<'a> {
    fn new(
        client: &'a mut ClientSocket,
        backend: &'a mut BackendSocket,
        address: SocketAddr,
        binary: BinaryPolicy,
    ) -> Self {
        Relay {
            client,
            backend,
            up: None,
            down: None,
            address,
            binary,
        }
    }

    /// Client to backend, until something ends or nothing can move.
    fn poll_up(&mut self, cx: &mut Context<'_>) -> Poll<End> {
        for _ in 0..BURST {
            if let Some(message) = self.up.take() {
                match Pin::new(&mut *self.backend).poll_ready(cx) {
                    Poll::Pending => {
                        self.up = Some(message);
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(error)) => return Poll::Ready(End::BackendFailed(error)),
                    Poll::Ready(Ok(())) => {}
                }
                if let Err(error) = Pin::new(&mut *self.backend).start_send(message) {
                    return Poll::Ready(End::BackendFailed(error));
                }
            }
            match Pin::new(&mut *self.client).poll_next(cx) {
                Poll::Ready(Some(Ok(Message::Text(text)))) => {
                    self.up = Some(tungstenite::Message::Text(text.into()));
                }
                Poll::Ready(Some(Ok(Message::Binary(bytes)))) => {
                    self.up = Some(tungstenite::Message::Binary(bytes.into()));
                }
                Poll::Ready(Some(Ok(Message::Close))) => return Poll::Ready(End::ClientClosed),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(End::ClientFailed(error)),
                Poll::Ready(None) => {
                    return Poll::Ready(End::ClientFailed(Error::ConnectionClosed))
                }
                Poll::Pending => {
                    return match Pin::new(&mut *self.backend).poll_flush(cx) {
                        Poll::Ready(Err(error)) => Poll::Ready(End::BackendFailed(error)),
                        _ => Poll::Pending,
                    };
                }
            }
        }
        // A long run of messages: the other direction's turn, then this one's again.
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Backend to client, until something ends or nothing can move.
    fn poll_down(&mut self, cx: &mut Context<'_>) -> Poll<End> {
        for _ in 0..BURST {
            if let Some(message) = self.down.take() {
                match Pin::new(&mut *self.client).poll_ready(cx) {
                    Poll::Pending => {
                        self.down = Some(message);
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(error)) => return Poll::Ready(End::ClientFailed(error)),
                    Poll::Ready(Ok(())) => {}
                }
                if let Err(error) = Pin::new(&mut *self.client).start_send(message) {
                    return Poll::Ready(End::ClientFailed(error));
                }
            }
            match Pin::new(&mut *self.backend).poll_next(cx) {
                Poll::Ready(Some(Ok(message))) => match message {
                    tungstenite::Message::Text(text) => {
                        self.down = Some(Message::Text(text.as_str().to_string()));
                    }
                    tungstenite::Message::Binary(bytes) => self.down = self.binary(&bytes),
                    tungstenite::Message::Close(frame) => {
                        let code = frame.map(|frame| u16::from(frame.code));
                        return Poll::Ready(End::BackendClosed(code));
                    }
                    // tungstenite answers pings itself.
                    tungstenite::Message::Ping(_)
                    | tungstenite::Message::Pong(_)
                    | tungstenite::Message::Frame(_) => {}
                },
                Poll::Ready(Some(Err(error))) => return Poll::Ready(End::BackendFailed(error)),
                Poll::Ready(None) => {
                    return Poll::Ready(End::BackendFailed(tungstenite::Error::ConnectionClosed))
                }
                Poll::Pending => {
                    return match Pin::new(&mut *self.client).poll_flush(cx) {
                        Poll::Ready(Err(error)) => Poll::Ready(End::ClientFailed(error)),
                        _ => Poll::Pending,
                    };
                }
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// What a binary message from the backend becomes for this client.
    fn binary(&self, bytes: &[u8]) -> Option<Message> {
        if self.client.protocol() == Protocol::Rfc6455 {
            return Some(Message::Binary(bytes.to_vec()));
        }
        match self.binary {
            BinaryPolicy::Base64 => Some(Message::Text(base64(bytes))),
            BinaryPolicy::Drop => {
                common::log(
                    self.address,
                    format_args!(
                        "dropped a binary message from the backend ({} bytes)",
                        bytes.len()
                    ),
                );
                None
            }
        }
    }
}

impl Future for Relay<'_> {
    type Output = End;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<End> {
        let this = self.get_mut();
        if let Poll::Ready(end) = this.poll_up(cx) {
            return Poll::Ready(end);
        }
        this.poll_down(cx)
    }
}

/// Ends the session as `end` says, on both sides; the log line for it.
async fn finish(end: End, client: &mut ClientSocket, backend: &mut BackendSocket) -> String {
    match end {
        End::ClientClosed => {
            close_backend(backend, CloseCode::Normal).await;
            "ended: closed by the client".to_string()
        }
        End::ClientFailed(error) => {
            close_backend(backend, CloseCode::Away).await;
            match error {
                Error::IdleTimeout => "ended: idle timeout".to_string(),
                error => format!("ended: client failed: {error}"),
            }
        }
        End::BackendClosed(code) => {
            // tungstenite answers the close at the next read; the client's closing handshake
            // runs meanwhile.
            let drain = timeout(CLOSE_TIMEOUT, drain_backend(backend));
            let _ = tokio::join!(close_client(client), drain);
            match code {
                Some(code) => format!("ended: closed by the backend ({code})"),
                None => "ended: closed by the backend (no status)".to_string(),
            }
        }
        End::BackendFailed(error) => {
            close_client(client).await;
            format!("ended: backend failed: {}", tungstenite_text(&error))
        }
    }
}

/// Sends the backend a close with `code` and waits, a short while at most, for its answer.
async fn close_backend(backend: &mut BackendSocket, code: CloseCode) {
    let frame = CloseFrame {
        code,
        reason: "".into(),
    };
    let _ = timeout(CLOSE_TIMEOUT, async {
        if backend.close(Some(frame)).await.is_ok() {
            drain_backend(backend).await;
        }
    })
    .await;
}

/// Reads the backend until its connection is over (what still comes is not relayed).
async fn drain_backend(backend: &mut BackendSocket) {
    while let Some(Ok(_)) = backend.next().await {}
}

/// Starts the client's closing handshake and waits, a short while at most, for its close (a
/// hixie-75 connection, which has none, is simply closed).
async fn close_client(client: &mut ClientSocket) {
    let _ = timeout(CLOSE_TIMEOUT, async {
        if client.close().await.is_err() || client.protocol() == Protocol::Hixie75 {
            return;
        }
        while let Some(Ok(message)) = client.next().await {
            if message == Message::Close {
                break;
            }
        }
    })
    .await;
}

/// Runs `future` until `deadline`, if there is one; `None` when the deadline came first.
async fn within<T>(deadline: Option<Instant>, future: impl Future<Output = T>) -> Option<T> {
    match deadline {
        Some(deadline) => timeout_at(deadline, future).await.ok(),
        None => Some(future.await),
    }
}

/// `bytes` in base64 (RFC 4648, section 4: the standard alphabet, with padding).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk.iter().enumerate().fold(0u32, |group, (i, &byte)| {
            group | u32::from(byte) << (16 - 8 * i)
        });
        for i in 0..4 {
            if i <= chunk.len() {
                let index = (group >> (18 - 6 * i)) & 0x3F;
                text.push(char::from(ALPHABET[index as usize]));
            } else {
                text.push('=');
            }
        }
    }
    text
}
