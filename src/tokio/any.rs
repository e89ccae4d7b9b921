//! One port for hixie-76 and RFC 6455 on the async adapter: the request is read once, a hixie
//! request is answered here, an RFC 6455 one is handed to tokio-tungstenite with the bytes
//! already read, under the same decision (which may take its time) and the same message limit.

use core::pin::Pin;
use core::task::{Context, Poll};
use std::boxed::Box;
use std::string::String;
use std::sync::Mutex;
use std::vec::Vec;

use futures_core::Stream;
use futures_sink::Sink;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::{read_request, within, Incoming, PendingRequest, Timers, WebSocketStream};
use crate::io::rfc6455::{self, from_rfc6455, take, to_rfc6455};
use crate::io::{
    AcceptConfig, AcceptOptions, Decision, Error, Message, Prefixed, Protocol, Request, Unanswered,
};
use crate::server::{error_response, Handover, Version};
use crate::StatusCode;

type Rfc6455Stream<S> = tokio_tungstenite::WebSocketStream<Prefixed<S>>;

/// What [`accept_any`] made of a connection.
// Returned once per connection and taken apart at once: boxing the large variant would
// cost an allocation per connection for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum AnyAccepted<S> {
    /// A WebSocket connection, open, in either protocol.
    WebSocket(AnyWebSocketStream<S>),
    /// A request that asks for no WebSocket (the page that opens the socket, say), with its
    /// bytes and the stream.
    Http(Unanswered<S>),
}

/// What [`read_any_request`] found.
// Returned once per connection and taken apart at once: boxing the large variant would
// cost an allocation per connection for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum AnyIncoming<S> {
    /// A WebSocket request in either protocol, waiting for the application's decision.
    Request(AnyPendingRequest<S>),
    /// A request that asks for no WebSocket, with its bytes and the stream.
    Http(Unanswered<S>),
}

/// A WebSocket request in either protocol waiting for the application's decision.
#[derive(Debug)]
pub struct AnyPendingRequest<S> {
    inner: PendingInner<S>,
}

// Returned once per connection and taken apart at once: boxing the large variant would
// cost an allocation per connection for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
enum PendingInner<S> {
    Hixie(PendingRequest<S>),
    Rfc6455 {
        request: Unanswered<S>,
        config: AcceptConfig,
        deadline: Option<Instant>,
    },
}

/// An open WebSocket connection in either protocol, with one surface for both: a `Stream` of
/// messages and a `Sink` of messages, [`protocol`](Self::protocol) to ask which it is.
#[derive(Debug)]
pub struct AnyWebSocketStream<S> {
    inner: Inner<S>,
    subprotocol: Option<String>,
    /// An RFC 6455 close was read; it is handed out once tungstenite's answer is written.
    closing: bool,
    /// An RFC 6455 connection's idle time-out and keep-alive (a ping); a hixie socket keeps
    /// its own.
    timers: Timers,
}

#[derive(Debug)]
enum Inner<S> {
    Hixie(WebSocketStream<S>),
    Rfc6455(Rfc6455Stream<S>),
}

/// Reads a request from `stream` and serves it whatever its protocol, deciding with `decide`
/// at once; the async form of [`blocking::accept_any`](crate::blocking::accept_any).
///
/// ```no_run
/// use hixie76::io::{AcceptConfig, AcceptOptions, Decision, Message};
/// use hixie76::tokio::{accept_any, AnyAccepted};
///
/// # async fn serve(stream: tokio::net::TcpStream) -> Result<(), hixie76::io::Error> {
/// let accept = |_: &hixie76::io::Request<'_>| Decision::Accept(AcceptOptions::new());
/// if let AnyAccepted::WebSocket(mut socket) = accept_any(stream, AcceptConfig::new(), accept).await? {
///     while let Some(Ok(Message::Text(text))) = socket.read().await {
///         socket.send(Message::Text(text)).await?;
///     }
/// }
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// Those of [`read_any_request`] and [`AnyPendingRequest::decide`].
pub async fn accept_any<S, F>(
    stream: S,
    config: AcceptConfig,
    decide: F,
) -> Result<AnyAccepted<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnOnce(&Request<'_>) -> Decision,
{
    // Each stage is boxed: the future a server task keeps for its whole life then holds only
    // what the stage in progress needs, not room for every stage at once.
    let deciding = match Box::pin(read_any_request(stream, config)).await? {
        AnyIncoming::Request(pending) => {
            let decision = decide(&pending.request());
            Box::pin(pending.decide(decision))
        }
        AnyIncoming::Http(unanswered) => return Ok(AnyAccepted::Http(unanswered)),
    };
    Ok(AnyAccepted::WebSocket(deciding.await?))
}

/// Reads a request from `stream`, whatever its protocol, up to the point where the application
/// must decide. A request for a version neither side speaks gets `426 Upgrade Required` naming
/// version 13.
///
/// # Errors
///
/// Those of [`read_request`](super::read_request), and [`Error::UnsupportedVersion`] after a
/// 426.
pub async fn read_any_request<S>(stream: S, config: AcceptConfig) -> Result<AnyIncoming<S>, Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let deadline = config
        .handshake_timeout()
        .map(|timeout| Instant::now() + timeout);
    let unanswered = match Box::pin(read_request(stream, config)).await? {
        Incoming::Request(pending) => {
            return Ok(AnyIncoming::Request(AnyPendingRequest {
                inner: PendingInner::Hixie(pending),
            }))
        }
        Incoming::Unanswered(unanswered) => unanswered,
    };
    match unanswered.version() {
        None => Ok(AnyIncoming::Http(unanswered)),
        Some(version) => {
            let judged = match version {
                Version::Rfc6455 => rfc6455::check(unanswered.head()),
                _ => Err(StatusCode::UpgradeRequired),
            };
            let Err(status) = judged else {
                return Ok(AnyIncoming::Request(AnyPendingRequest {
                    inner: PendingInner::Rfc6455 {
                        request: unanswered,
                        config,
                        deadline,
                    },
                }));
            };
            let mut stream = unanswered.stream;
            let refusal = error_response(status);
            within(deadline, async { Ok(stream.write_all(refusal).await?) }).await?;
            Err(match status {
                StatusCode::UpgradeRequired => Error::UnsupportedVersion,
                status => status.into(),
            })
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AnyPendingRequest<S> {
    /// The request, to decide on.
    #[must_use]
    pub fn request(&self) -> Request<'_> {
        match &self.inner {
            PendingInner::Hixie(pending) => pending.request(),
            PendingInner::Rfc6455 { request, .. } => {
                Request::rfc6455(Handover::new(request.head()))
            }
        }
    }

    /// Accepts with `options` and completes the handshake.
    ///
    /// # Errors
    ///
    /// As [`decide`](Self::decide).
    pub async fn accept(self, options: AcceptOptions) -> Result<AnyWebSocketStream<S>, Error> {
        self.decide(Decision::Accept(options)).await
    }

    /// Rejects with `status`: the refusal is written.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] or [`Error::Rfc6455`] when the refusal cannot be written.
    pub async fn reject(self, status: StatusCode) -> Result<(), Error> {
        match self.decide(Decision::Reject(status)).await {
            Err(Error::Rejected(_)) => Ok(()),
            Err(error) => Err(error),
            Ok(_) => Err(crate::Error::InvalidState.into()),
        }
    }

    /// Applies `decision` and completes the handshake in the request's protocol.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] after a rejection was written; the core's caller errors for options
    /// it cannot use; [`Error::HandshakeTimeout`]; [`Error::Io`]; [`Error::Rfc6455`] when
    /// tokio-tungstenite's handshake fails.
    // tungstenite's callback returns its own, large, error response.
    #[allow(clippy::result_large_err)]
    pub async fn decide(self, decision: Decision) -> Result<AnyWebSocketStream<S>, Error> {
        let (request, config, deadline) = match self.inner {
            PendingInner::Hixie(pending) => {
                return Ok(Box::pin(pending.decide(decision)).await?.into())
            }
            PendingInner::Rfc6455 {
                request,
                config,
                deadline,
            } => (request, config, deadline),
        };
        let Unanswered {
            bytes,
            head_len,
            stream,
            ..
        } = request;
        let head = bytes[..head_len].to_vec();
        let refused = Mutex::new(None);
        let subprotocol = Mutex::new(None);
        let callback = |_: &tungstenite::handshake::server::Request, response| {
            rfc6455::decide(&head, |_| decision, response, &refused, &subprotocol)
        };
        let handshake = tokio_tungstenite::accept_hdr_async_with_config(
            Prefixed::new(bytes, stream),
            callback,
            Some(rfc6455::config(&config)),
        );
        let handshake = Box::pin(handshake);
        let socket = within(deadline, async { handshake.await.map_err(Error::from) }).await;
        match socket {
            Ok(socket) => Ok(AnyWebSocketStream {
                inner: Inner::Rfc6455(socket),
                subprotocol: take(&subprotocol),
                closing: false,
                timers: Timers::accepted(&config),
            }),
            Err(error) => Err(take(&refused).unwrap_or(error)),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AnyWebSocketStream<S> {
    /// The next message, or `None` once the connection is over. RFC 6455 pings are answered by
    /// tungstenite and not shown.
    ///
    /// # Errors
    ///
    /// As [`WebSocketStream::read`]; [`Error::Rfc6455`] for tungstenite's errors.
    pub async fn read(&mut self) -> Option<Result<Message, Error>> {
        core::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Sends `message` and writes it out.
    ///
    /// # Errors
    ///
    /// As [`WebSocketStream::send`]: [`Error::BinaryNotSupported`] for a binary message on a
    /// hixie connection.
    pub async fn send(&mut self, message: Message) -> Result<(), Error> {
        let mut message = Some(message);
        core::future::poll_fn(|cx| {
            let mut this = Pin::new(&mut *self);
            core::task::ready!(this.as_mut().poll_ready(cx))?;
            if let Some(message) = message.take() {
                this.as_mut().start_send(message)?;
            }
            this.poll_flush(cx)
        })
        .await
    }

    /// Starts the closing handshake and writes it out.
    ///
    /// # Errors
    ///
    /// As [`WebSocketStream::close`].
    pub async fn close(&mut self) -> Result<(), Error> {
        core::future::poll_fn(|cx| Pin::new(&mut *self).poll_close(cx)).await
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        match &self.inner {
            Inner::Hixie(socket) => socket.get_ref(),
            Inner::Rfc6455(socket) => socket.get_ref().get_ref(),
        }
    }
}

impl<S> AnyWebSocketStream<S> {
    /// The protocol spoken.
    #[must_use]
    pub fn protocol(&self) -> Protocol {
        match &self.inner {
            Inner::Hixie(socket) => socket.protocol(),
            Inner::Rfc6455(_) => Protocol::Rfc6455,
        }
    }

    /// The subprotocol agreed on, if any.
    #[must_use]
    pub fn subprotocol(&self) -> Option<&str> {
        self.subprotocol.as_deref()
    }

    /// The hixie socket, if this is one.
    pub fn as_hixie(&mut self) -> Option<&mut WebSocketStream<S>> {
        match &mut self.inner {
            Inner::Hixie(socket) => Some(socket),
            Inner::Rfc6455(_) => None,
        }
    }

    /// tokio-tungstenite's socket, if this is an RFC 6455 connection.
    pub fn as_rfc6455(&mut self) -> Option<&mut Rfc6455Stream<S>> {
        match &mut self.inner {
            Inner::Hixie(_) => None,
            Inner::Rfc6455(socket) => Some(socket),
        }
    }
}

impl<S> From<WebSocketStream<S>> for AnyWebSocketStream<S> {
    fn from(socket: WebSocketStream<S>) -> Self {
        AnyWebSocketStream {
            subprotocol: socket.subprotocol().map(String::from),
            closing: false,
            timers: Timers::default(),
            inner: Inner::Hixie(socket),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for AnyWebSocketStream<S> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match &mut this.inner {
            Inner::Hixie(socket) => Pin::new(socket).poll_next(cx),
            Inner::Rfc6455(socket) => loop {
                if this.closing {
                    // tungstenite queued its answer to the close: out before the close is
                    // handed on, as on a hixie connection. Its failure no longer matters.
                    let _ = core::task::ready!(Pin::new(&mut *socket).poll_flush(cx));
                    this.closing = false;
                    return Poll::Ready(Some(Ok(Message::Close)));
                }
                let next = match Pin::new(&mut *socket).poll_next(cx) {
                    Poll::Ready(next) => next,
                    Poll::Pending => {
                        if this.timers.poll_idle(cx) {
                            return Poll::Ready(Some(Err(Error::IdleTimeout)));
                        }
                        if this.timers.poll_keepalive(cx) {
                            // tungstenite writes the ping at its next flush.
                            let ping = tungstenite::Message::Ping(Vec::new().into());
                            if Pin::new(&mut *socket).start_send(ping).is_ok() {
                                let _ = Pin::new(&mut *socket).poll_flush(cx);
                            }
                        }
                        return Poll::Pending;
                    }
                };
                this.timers.heard();
                match next {
                    None => return Poll::Ready(None),
                    Some(Err(error)) => return Poll::Ready(Some(Err(error.into()))),
                    Some(Ok(message)) => match from_rfc6455(message) {
                        Some(Message::Close) => this.closing = true,
                        Some(message) => return Poll::Ready(Some(Ok(message))),
                        None => {}
                    },
                }
            },
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for AnyWebSocketStream<S> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        match &mut self.get_mut().inner {
            Inner::Hixie(socket) => Pin::new(socket).poll_ready(cx),
            Inner::Rfc6455(socket) => Pin::new(socket).poll_ready(cx).map_err(Error::from),
        }
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        match &mut self.get_mut().inner {
            Inner::Hixie(socket) => Pin::new(socket).start_send(message),
            Inner::Rfc6455(socket) => Pin::new(socket)
                .start_send(to_rfc6455(message))
                .map_err(Error::from),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        match &mut this.inner {
            Inner::Hixie(socket) => Pin::new(socket).poll_flush(cx),
            Inner::Rfc6455(socket) => {
                this.timers.spoke();
                Pin::new(socket).poll_flush(cx).map_err(Error::from)
            }
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        match &mut self.get_mut().inner {
            Inner::Hixie(socket) => Pin::new(socket).poll_close(cx),
            Inner::Rfc6455(socket) => Pin::new(socket).poll_close(cx).map_err(Error::from),
        }
    }
}
