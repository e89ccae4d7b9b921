//! The async adapter: hixie-76 over any tokio `AsyncRead + AsyncWrite + Unpin`, in the shape
//! of tokio-tungstenite's, with a [`WebSocketStream`] that is a `futures` `Stream` and `Sink`.
//! Requires the `tokio` feature.
//!
//! A server either decides at once with [`accept_hdr`] (a decision function, as the blocking
//! adapter), or in two steps: [`read_request`] gives a [`PendingRequest`] to look at, and the
//! application accepts or rejects it when it is ready (after asking a backend, say). A client
//! calls [`connect`]. With the `tokio-tungstenite` feature, `accept_any` and
//! `read_any_request` serve RFC 6455 on the same port.
//!
//! The handshake has a deadline ([`AcceptConfig::with_handshake_timeout`], 10 s by default) over
//! all of it, so a peer that sends its head a byte at a time cannot stretch it; an open
//! connection may have an idle time-out. Only the handshake holds head storage; an open
//! connection keeps no read buffer between reads.
//!
//! ```no_run
//! use hixie76::io::{AcceptConfig, AcceptOptions, Decision, Message};
//! use hixie76::tokio::{accept_hdr, Accepted};
//!
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8076").await?;
//! loop {
//!     let (stream, _) = listener.accept().await?;
//!     tokio::spawn(async move {
//!         let accept = |_: &hixie76::io::Request<'_>| Decision::Accept(AcceptOptions::new());
//!         let Ok(Accepted::WebSocket(mut socket)) =
//!             accept_hdr(stream, AcceptConfig::new(), accept).await
//!         else {
//!             return;
//!         };
//!         while let Some(Ok(Message::Text(text))) = socket.read().await {
//!             if socket.send(Message::Text(text)).await.is_err() {
//!                 break;
//!             }
//!         }
//!     });
//! }
//! # }
//! ```

#[cfg(feature = "tokio-tungstenite")]
mod any;
mod stream;

#[cfg(feature = "tokio-tungstenite")]
pub use any::{
    accept_any, read_any_request, AnyAccepted, AnyIncoming, AnyPendingRequest, AnyWebSocketStream,
};
pub(crate) use stream::Timers;
pub use stream::WebSocketStream;

use core::future::Future;
use std::boxed::Box;
use std::string::String;
use std::vec::Vec;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use crate::blocking::client_config;
use crate::client::{ClientHandshake, Url};
use crate::io::{
    client_keys, AcceptConfig, AcceptOptions, Accepting, ConnectConfig, Decision, Error, Request,
    SocketCore, Step, Unanswered,
};
use crate::StatusCode;

/// How much is read from the stream at a time during a handshake.
const READ_CHUNK: usize = 4096;

/// What [`accept_hdr`] made of a connection.
// Returned once per connection and taken apart at once: boxing the large variant would
// cost an allocation per connection for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Accepted<S> {
    /// A hixie-76 (or hixie-75) connection, open.
    WebSocket(WebSocketStream<S>),
    /// A request this adapter does not answer (another WebSocket version, or plain HTTP),
    /// with its bytes and the stream.
    Unanswered(Unanswered<S>),
}

/// What [`read_request`] found.
// Returned once per connection and taken apart at once: boxing the large variant would
// cost an allocation per connection for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Incoming<S> {
    /// A valid hixie-76 (or hixie-75) request, waiting for the application's decision.
    Request(PendingRequest<S>),
    /// A request this adapter does not answer, with its bytes and the stream.
    Unanswered(Unanswered<S>),
}

/// A valid request waiting for the application's decision, which may take its time (the
/// handshake's deadline still runs). Accepting or rejecting consumes it.
#[derive(Debug)]
pub struct PendingRequest<S> {
    accepting: Accepting,
    stream: S,
    deadline: Option<Instant>,
    config: AcceptConfig,
}

/// Accepts a hixie-76 connection on `stream` with the default configuration: any origin, the
/// first offered subprotocol.
///
/// # Errors
///
/// Those of [`accept_hdr`].
pub async fn accept<S>(stream: S) -> Result<Accepted<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    accept_hdr(stream, AcceptConfig::DEFAULT, |request: &Request<'_>| {
        Accepting::default_decision(request)
    })
    .await
}

/// Reads a request from `stream`, asks `decide` about it, and completes the handshake; the
/// async form of [`blocking::accept_hdr`](crate::blocking::accept_hdr).
///
/// # Errors
///
/// Those of [`read_request`] and [`PendingRequest::decide`].
pub async fn accept_hdr<S, F>(
    stream: S,
    config: AcceptConfig,
    decide: F,
) -> Result<Accepted<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnOnce(&Request<'_>) -> Decision,
{
    // Each stage is boxed: the future a server task keeps for its whole life then holds only
    // what the stage in progress needs, not room for every stage at once.
    let deciding = match Box::pin(read_request(stream, config)).await? {
        Incoming::Request(pending) => {
            let decision = decide(&pending.request());
            Box::pin(pending.decide(decision))
        }
        Incoming::Unanswered(unanswered) => return Ok(Accepted::Unanswered(unanswered)),
    };
    Ok(Accepted::WebSocket(deciding.await?))
}

/// Reads a request from `stream`, up to the point where the application must decide. A bad
/// request gets its 4xx before the error is returned.
///
/// ```no_run
/// use hixie76::io::{AcceptConfig, AcceptOptions};
/// use hixie76::tokio::{read_request, Incoming};
/// use hixie76::StatusCode;
///
/// # async fn serve(stream: tokio::net::TcpStream) -> Result<(), hixie76::io::Error> {
/// if let Incoming::Request(pending) = read_request(stream, AcceptConfig::new()).await? {
///     let allowed = pending.request().origin() == Some("http://tv.example");
///     // ... ask a backend, a database, anything that takes its time ...
///     if allowed {
///         let socket = pending.accept(AcceptOptions::new()).await?;
///         # drop(socket);
///     } else {
///         pending.reject(StatusCode::Forbidden).await?;
///     }
/// }
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// [`Error::Protocol`] for a request that breaks the draft (after its refusal was written);
/// [`Error::HandshakeTimeout`]; [`Error::Io`] when the stream fails or ends first.
pub async fn read_request<S>(mut stream: S, config: AcceptConfig) -> Result<Incoming<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let deadline = config
        .handshake_timeout()
        .map(|timeout| Instant::now() + timeout);
    let mut accepting = Accepting::new(&config);
    match within(deadline, drive(&mut stream, &mut accepting)).await? {
        Stop::Decide => Ok(Incoming::Request(PendingRequest {
            accepting,
            stream,
            deadline,
            config,
        })),
        Stop::Unanswered(version) => Ok(Incoming::Unanswered(
            accepting.into_unanswered(version, stream),
        )),
        // Nothing opens before a decision.
        Stop::Open => Err(crate::Error::InvalidState.into()),
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> PendingRequest<S> {
    /// The request, to decide on.
    #[must_use]
    pub fn request(&self) -> Request<'_> {
        self.accepting.request()
    }

    /// Accepts with `options` and completes the handshake.
    ///
    /// # Errors
    ///
    /// As [`decide`](Self::decide).
    pub async fn accept(self, options: AcceptOptions) -> Result<WebSocketStream<S>, Error> {
        self.decide(Decision::Accept(options)).await
    }

    /// Rejects with `status`: the refusal is written, then the stream dropped.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the refusal cannot be written.
    pub async fn reject(self, status: StatusCode) -> Result<(), Error> {
        match self.decide(Decision::Reject(status)).await {
            Err(Error::Rejected(_)) => Ok(()),
            Err(error) => Err(error),
            Ok(_) => Err(crate::Error::InvalidState.into()),
        }
    }

    /// Applies `decision`: writes the 101 head with its answer when key3 has arrived, or the
    /// head alone, then reads key3 and writes the answer.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] after a rejection was written; the core's caller errors for options
    /// it cannot use; [`Error::HandshakeTimeout`]; [`Error::Io`].
    pub async fn decide(mut self, decision: Decision) -> Result<WebSocketStream<S>, Error> {
        if let Err(error) = self.accepting.decide(decision) {
            // The refusal is queued: it goes out before the error comes back.
            within(
                self.deadline,
                write_out(&mut self.stream, &mut self.accepting),
            )
            .await?;
            return Err(error);
        }
        // The head goes out with the answer in one write when key3 is here (some clients take
        // the first read after the head for the answer), else alone before key3 is read.
        // Boxed, as the stages of `accept_hdr` are: see there.
        let opening = Box::pin(open_accepted(self.stream, self.accepting, &self.config));
        within(self.deadline, opening).await
    }
}

/// Ends a handshake whose 101 head was written: reads the rest of key3 from `stream` (after
/// the bytes `accepting` was given), writes the answer and opens the socket, with the first
/// frames read alongside key3. Also the end of a handshake whose head an HTTP server wrote.
pub(crate) async fn open_accepted<S>(
    mut stream: S,
    mut accepting: Accepting,
    config: &AcceptConfig,
) -> Result<WebSocketStream<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match drive(&mut stream, &mut accepting).await? {
        Stop::Open => Ok(WebSocketStream::new(
            stream,
            accepting.into_socket()?,
            Timers::accepted(config),
            config.keepalive_frame(),
        )),
        Stop::Decide | Stop::Unanswered(_) => Err(crate::Error::InvalidState.into()),
    }
}

/// Where [`drive`] stopped.
enum Stop {
    Decide,
    Open,
    Unanswered(Option<crate::server::Version>),
}

/// Runs a server handshake until it needs the application, opens, or hands the request back.
async fn drive<S>(stream: &mut S, accepting: &mut Accepting) -> Result<Stop, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = std::vec![0u8; READ_CHUNK];
    loop {
        let step = match accepting.step() {
            Ok(step) => step,
            Err(error) => {
                write_out(stream, accepting).await?;
                return Err(error);
            }
        };
        match step {
            Step::Read => {
                write_out(stream, accepting).await?;
                let n = stream.read(&mut buf).await?;
                if n == 0 {
                    return Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
                }
                accepting.input(&buf[..n]);
            }
            Step::Decide(_) => return Ok(Stop::Decide),
            Step::Open => {
                write_out(stream, accepting).await?;
                return Ok(Stop::Open);
            }
            Step::Unanswered(version) => return Ok(Stop::Unanswered(version)),
        }
    }
}

async fn write_out<S: AsyncWrite + Unpin>(
    stream: &mut S,
    accepting: &mut Accepting,
) -> Result<(), Error> {
    let bytes = accepting.to_write();
    if !bytes.is_empty() {
        stream.write_all(bytes).await?;
        stream.flush().await?;
        accepting.wrote();
    }
    Ok(())
}

/// Runs `future` until `deadline`, if there is one.
pub(crate) async fn within<T>(
    deadline: Option<Instant>,
    future: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, future)
            .await
            .unwrap_or(Err(Error::HandshakeTimeout)),
        None => future.await,
    }
}

/// Reads the PROXY protocol header (v1 or v2) a load balancer sends before the request; the
/// async form of [`blocking::read_proxy_header`](crate::blocking::read_proxy_header). Put it
/// and the accept under one deadline (`tokio::time::timeout`) when the header counts as part
/// of the handshake.
///
/// # Errors
///
/// As [`blocking::read_proxy_header`](crate::blocking::read_proxy_header).
#[cfg(feature = "proxy-protocol")]
#[cfg_attr(docsrs, doc(cfg(feature = "proxy-protocol")))]
pub async fn read_proxy_header<S: AsyncRead + Unpin>(
    mut stream: S,
    config: crate::proxy::ProxyConfig,
) -> Result<(crate::proxy::ProxyHeader, crate::io::Prefixed<S>), Error> {
    let mut decoder = crate::proxy::ProxyDecoder::new(config);
    let mut buf = std::vec![0u8; READ_CHUNK];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
        let received = decoder.receive(&buf[..n])?;
        if let Some(header) = received.event {
            let rest = buf[received.used..n].to_vec();
            return Ok((header, crate::io::Prefixed::new(rest, stream)));
        }
    }
}

/// Opens a hixie-76 (or hixie-75) connection to `url` over `stream`, which must already be
/// connected to the URL's host and port; the async form of
/// [`blocking::connect`](crate::blocking::connect).
///
/// ```no_run
/// use hixie76::io::{ConnectConfig, Message};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let stream = tokio::net::TcpStream::connect("127.0.0.1:8076").await?;
/// let config = ConnectConfig::new("http://example.com");
/// let mut socket = hixie76::tokio::connect(stream, "ws://127.0.0.1:8076/chat", &config).await?;
/// socket.send(Message::Text("hello".into())).await?;
/// let echo = socket.read().await;
/// # drop(echo);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// Those of [`blocking::connect`](crate::blocking::connect), and [`Error::HandshakeTimeout`].
pub async fn connect<S>(
    mut stream: S,
    url: &str,
    config: &ConnectConfig,
) -> Result<WebSocketStream<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let deadline = config
        .handshake_timeout()
        .map(|timeout| Instant::now() + timeout);
    let core = within(deadline, connect_core(&mut stream, url, config)).await?;
    Ok(WebSocketStream::new(
        stream,
        core,
        Timers::default(),
        crate::frame::Keepalive::Empty,
    ))
}

async fn connect_core<S>(
    stream: &mut S,
    url: &str,
    config: &ConnectConfig,
) -> Result<SocketCore, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let url = Url::parse(url)?;
    let protocols: Vec<&str> = config.protocols().iter().map(String::as_str).collect();
    let fields: Vec<(&str, &str)> = config
        .fields()
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    let client = client_config(url, config, &protocols, &fields);
    let storage = std::vec![0u8; config.limits().max_head()];
    let mut handshake = if config.is_hixie75() {
        ClientHandshake::new_hixie75(client, storage)?
    } else {
        ClientHandshake::new(client, client_keys(config)?, storage)?
    };
    let mut request = std::vec![0u8; handshake.request_len()];
    let n = handshake.write_request(&mut request)?;
    stream.write_all(&request[..n]).await?;
    stream.flush().await?;
    let mut buf = std::vec![0u8; READ_CHUNK];
    loop {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            return Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
        let received = handshake.receive(&buf[..n])?;
        if let Some(established) = received.event {
            let core = SocketCore::new(
                established.connection(),
                &buf[received.used..n],
                established.protocol().map(String::from),
            );
            return Ok(core);
        }
    }
}
