//! The hixie-76 extractor, its rejection, and the upgraded connection its socket runs on.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::boxed::Box;
use std::string::String;
use std::vec::Vec;

use ::axum::body::Body;
use ::axum::extract::{FromRequest, OptionalFromRequest, Request};
use ::axum::http::header::CONTENT_LENGTH;
use ::axum::http::request::Parts;
use ::axum::response::{IntoResponse, Response};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

use super::head;
use crate::io::{AcceptConfig, AcceptOptions, Accepting, Decision, Error, Request as Head, Step};
use crate::server::{error_response, Version};
use crate::tokio::{open_accepted, within, WebSocketStream};
use crate::StatusCode;

/// An open hixie-76 connection inside an axum app: the tokio adapter's
/// [`WebSocketStream`], a `Stream` of messages and a `Sink` of messages, over the connection
/// hyper handed over.
pub type WebSocket = WebSocketStream<Upgraded>;

/// Extractor for a hixie-76 opening handshake: a route takes it (or [`AnyWebSocketUpgrade`],
/// for hixie-76 and RFC 6455 alike) and answers with [`on_upgrade`](Self::on_upgrade) or
/// [`reject`](Self::reject).
///
/// The request was judged by the same rules as [`ServerHandshake`](crate::server::ServerHandshake)'s:
/// its head is rebuilt from the method, target, version and fields hyper parsed, and fed to
/// the core. A request that is not hixie-76 (RFC 6455, plain HTTP, hixie-75 unless allowed) is
/// refused with [`Hixie76UpgradeRejection::OtherVersion`] or
/// [`NotWebSocket`](Hixie76UpgradeRejection::NotWebSocket); one that breaks the draft with
/// [`Invalid`](Hixie76UpgradeRejection::Invalid) and the core's status.
///
/// The configuration is the [`AcceptConfig`] found in the request's extensions (add it with
/// `.layer(axum::Extension(config))`), or [`AcceptConfig::DEFAULT`]: its head and frame limits,
/// handshake deadline (which runs from extraction until the answer is written), idle time-out
/// and keep-alive. Its hixie-75 switch is ignored: a hixie-75 client compares the first 85
/// bytes of the 101 exactly, and hyper writes the field names in lowercase, so hixie-75
/// requests are refused.
///
/// The handler decides the origin ([`request`](Self::request)), the subprotocol
/// ([`protocols`](Self::protocols)) and extra fields ([`with_options`](Self::with_options)).
///
/// [`AnyWebSocketUpgrade`]: super::AnyWebSocketUpgrade
pub struct Hixie76Upgrade {
    accepting: Box<Accepting>,
    config: AcceptConfig,
    deadline: Option<Instant>,
    on_upgrade: OnUpgrade,
    /// key3, when the client sent it as a `Content-Length: 8` body.
    key3_body: Option<Body>,
    options: AcceptOptions,
    on_failed_upgrade: Option<Box<dyn FnOnce(Error) + Send>>,
}

impl fmt::Debug for Hixie76Upgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hixie76Upgrade")
            .field("request", &self.request())
            .field("config", &self.config)
            .field("key3_in_body", &self.key3_body.is_some())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Why a request was not taken as a hixie-76 handshake. As a response it is the core's refusal
/// for the status (an empty body, `Connection: close`: the client may already have sent key3,
/// which hyper must not read as a next request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hixie76UpgradeRejection {
    /// The request asks for another WebSocket version: RFC 6455, hybi-01 to hybi-03, or
    /// hixie-75 (never answered under hyper, which writes the field names its client compares
    /// byte for byte in lowercase). 400.
    OtherVersion(Version),
    /// The request asks for no WebSocket at all. 400.
    NotWebSocket,
    /// A hixie-76 request that breaks the draft: the core's error, answered with its
    /// [`status`](crate::Error::status) (400 for most, 405 for another method, 431 for a head
    /// over the limit).
    Invalid(crate::Error),
    /// hyper left no upgrade with the request: it is not served by hyper's HTTP/1.1 server
    /// (`axum::serve`), or another extractor took the upgrade. 500.
    ConnectionNotUpgradable,
}

impl Hixie76UpgradeRejection {
    /// The status the rejection is answered with.
    #[must_use]
    pub fn status(&self) -> ::axum::http::StatusCode {
        match self.core_status() {
            Some(status) => ::axum::http::StatusCode::from_u16(status.code())
                .unwrap_or(::axum::http::StatusCode::BAD_REQUEST),
            None => ::axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The core's status for the refusal, if it has one.
    fn core_status(&self) -> Option<StatusCode> {
        match self {
            Self::OtherVersion(_) | Self::NotWebSocket => Some(StatusCode::BadRequest),
            Self::Invalid(error) => Some(error.status().unwrap_or(StatusCode::BadRequest)),
            Self::ConnectionNotUpgradable => None,
        }
    }
}

impl fmt::Display for Hixie76UpgradeRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OtherVersion(version) => write!(f, "not a hixie-76 request: {version:?}"),
            Self::NotWebSocket => f.write_str("not a WebSocket request"),
            Self::Invalid(error) => write!(f, "invalid hixie-76 request: {error}"),
            Self::ConnectionNotUpgradable => {
                f.write_str("the connection cannot be upgraded (not served by hyper's HTTP/1.1)")
            }
        }
    }
}

impl std::error::Error for Hixie76UpgradeRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Invalid(error) => Some(error),
            _ => None,
        }
    }
}

impl IntoResponse for Hixie76UpgradeRejection {
    fn into_response(self) -> Response {
        match self.core_status() {
            Some(status) => head::response(error_response(status)),
            None => head::closing_response(self.status()),
        }
    }
}

/// The configuration a request carries in its extensions, or the default.
pub(super) fn config_of(parts: &Parts) -> AcceptConfig {
    parts
        .extensions
        .get::<AcceptConfig>()
        .copied()
        .unwrap_or_default()
}

/// Judges the request by the core's rules: a handshake waiting for the application's
/// decision, or why not.
///
/// hixie-75 is never answered here, whatever the configuration says: its client compares the
/// first 85 bytes of the 101 exactly, `Upgrade: WebSocket` and `Connection: Upgrade` included,
/// and hyper writes field names in lowercase.
pub(super) fn judge(
    parts: &Parts,
    config: &AcceptConfig,
) -> Result<Box<Accepting>, Hixie76UpgradeRejection> {
    let hixie76_only = config.with_server(config.server().with_hixie75(false));
    let mut accepting = Box::new(Accepting::new(&hixie76_only));
    accepting.input(&head::request_head(parts));
    let rejection = match accepting.step() {
        Ok(Step::Decide(_)) => None,
        Ok(Step::Unanswered(Some(version))) => Some(Hixie76UpgradeRejection::OtherVersion(version)),
        Ok(Step::Unanswered(None)) => Some(Hixie76UpgradeRejection::NotWebSocket),
        Err(Error::Protocol(error)) => Some(Hixie76UpgradeRejection::Invalid(error)),
        // A complete head is decided on at once; nothing opens before a decision.
        Ok(Step::Read | Step::Open) | Err(_) => {
            Some(Hixie76UpgradeRejection::Invalid(crate::Error::InvalidState))
        }
    };
    match rejection {
        Some(rejection) => Err(rejection),
        None => Ok(accepting),
    }
}

impl Hixie76Upgrade {
    /// The extractor for a request the core accepted: takes hyper's upgrade and, when key3 is
    /// the body, the body.
    pub(super) fn new(
        accepting: Box<Accepting>,
        parts: &mut Parts,
        body: Body,
        config: AcceptConfig,
    ) -> Result<Self, Hixie76UpgradeRejection> {
        let deadline = config
            .handshake_timeout()
            .map(|timeout| Instant::now() + timeout);
        let on_upgrade = parts
            .extensions
            .remove::<OnUpgrade>()
            .ok_or(Hixie76UpgradeRejection::ConnectionNotUpgradable)?;
        // The core accepts a body only as `Content-Length: 8` on a hixie-76 request: key3,
        // which hyper reads as the body and never hands over with the connection.
        let key3_body = parts.headers.contains_key(CONTENT_LENGTH).then_some(body);
        Ok(Hixie76Upgrade {
            accepting,
            config,
            deadline,
            on_upgrade,
            key3_body,
            options: AcceptOptions::new(),
            on_failed_upgrade: None,
        })
    }

    /// The request, as the core judged it: resource (as the client sent it, before any
    /// nesting), host, origin, offered subprotocols, cookies and fields (names in lowercase).
    #[must_use]
    pub fn request(&self) -> Head<'_> {
        self.accepting.request()
    }

    /// Chooses the subprotocol: the first the client offered that is in `served`, or none when
    /// none is. A hixie-76 client that offered subprotocols fails a 101 without one, so
    /// [`on_upgrade`](Self::on_upgrade) then refuses it with 400.
    #[must_use]
    pub fn protocols<I>(mut self, served: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let served: Vec<I::Item> = served.into_iter().collect();
        let chosen = self
            .request()
            .protocols()
            .find(|offered| served.iter().any(|name| name.as_ref() == *offered))
            .map(String::from);
        self.options = choose_protocol(&self.options, chosen);
        self
    }

    /// The subprotocol chosen so far, if any.
    #[must_use]
    pub fn selected_protocol(&self) -> Option<&str> {
        self.options.protocol()
    }

    /// How to accept: the subprotocol (one the client offered), extra response fields such as
    /// `Set-Cookie` (checked by the core when the request is accepted), and whether the client
    /// came over TLS (the Location then says `wss://`). Replaces what was set before.
    #[must_use]
    pub fn with_options(mut self, options: AcceptOptions) -> Self {
        self.options = options;
        self
    }

    /// Called with the reason when a connection accepted with
    /// [`on_upgrade`](Self::on_upgrade) never reaches its callback: options the core refused
    /// (the refusal was sent), hyper's upgrade failing, key3 not arriving before the handshake
    /// deadline, the transport failing. Without it such failures are dropped silently.
    #[must_use]
    pub fn on_failed_upgrade<C>(mut self, callback: C) -> Self
    where
        C: FnOnce(Error) + Send + 'static,
    {
        self.on_failed_upgrade = Some(Box::new(callback));
        self
    }

    /// Accepts: returns the 101 response for the handler to return (status 101 with the reason
    /// phrase `WebSocket Protocol Handshake` and the fields the core wrote), and runs
    /// `callback` with the socket once the connection is upgraded, key3 is in and the 16-byte
    /// answer was written. Bytes the client sent after key3 are the socket's first frames.
    ///
    /// The response goes out before key3 is read ([rule R6](crate::rules#r6)); key3 then comes
    /// from the `Content-Length: 8` body, or from the upgraded connection, where hyper hands
    /// over what it read after the head first.
    ///
    /// When the core refuses the options, the response is a refusal instead (400 when the
    /// client offered subprotocols and none was chosen, 500 for a field that cannot be sent),
    /// and [`on_failed_upgrade`](Self::on_failed_upgrade) is told why.
    #[must_use = "return the response: the connection is upgraded only once it is sent"]
    pub fn on_upgrade<C, Fut>(self, callback: C) -> Response
    where
        C: FnOnce(WebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let Hixie76Upgrade {
            mut accepting,
            config,
            deadline,
            on_upgrade,
            key3_body,
            options,
            on_failed_upgrade,
        } = self;
        if let Err(error) = accepting.decide(Decision::Accept(options)) {
            let refusal = match error {
                Error::Protocol(crate::Error::NoProtocolChosen) => {
                    head::response(error_response(StatusCode::BadRequest))
                }
                _ => head::closing_response(::axum::http::StatusCode::INTERNAL_SERVER_ERROR),
            };
            report(on_failed_upgrade, error);
            return refusal;
        }
        let response = head::response(accepting.to_write());
        // hyper writes the head.
        accepting.wrote();
        tokio::spawn(async move {
            let opened = within(deadline, open(*accepting, on_upgrade, key3_body, &config)).await;
            match opened {
                Ok(socket) => callback(socket).await,
                Err(error) => report(on_failed_upgrade, error),
            }
        });
        response
    }

    /// Refuses the request with `status`: the core's refusal (a fixed reason phrase, no body,
    /// `Connection: close`). A response of the handler's own must carry `Connection: close`
    /// too, or hyper reads key3 as the start of a next request.
    #[must_use = "return the response"]
    pub fn reject(self, status: StatusCode) -> Response {
        head::response(error_response(status))
    }
}

/// Tells the application's failure callback, if it gave one.
fn report(on_failed_upgrade: Option<Box<dyn FnOnce(Error) + Send>>, error: Error) {
    if let Some(callback) = on_failed_upgrade {
        callback(error);
    }
}

/// `options` with `protocol` chosen instead of its own.
fn choose_protocol(options: &AcceptOptions, protocol: Option<String>) -> AcceptOptions {
    let mut rebuilt = AcceptOptions::new().with_secure(options.is_secure());
    if let Some(protocol) = protocol {
        rebuilt = rebuilt.with_protocol(protocol);
    }
    for (name, value) in options.fields() {
        rebuilt = rebuilt.with_field(name.as_str(), value.as_str());
    }
    rebuilt
}

/// After the 101 went out: key3 from the body if it is there, the upgraded connection from
/// hyper, then the rest of the handshake on it.
async fn open(
    mut accepting: Accepting,
    on_upgrade: OnUpgrade,
    key3_body: Option<Body>,
    config: &AcceptConfig,
) -> Result<WebSocket, Error> {
    if let Some(body) = key3_body {
        // hyper's connection is upgraded only once the body was read, so it comes first.
        let key3 = ::axum::body::to_bytes(body, 8)
            .await
            .map_err(|error| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, error))?;
        accepting.input(&key3);
    }
    let upgraded = on_upgrade.await.map_err(std::io::Error::other)?;
    let io = Upgraded {
        io: TokioIo::new(upgraded),
    };
    open_accepted(io, accepting, config).await
}

impl<S: Send + Sync> FromRequest<S> for Hixie76Upgrade {
    type Rejection = Hixie76UpgradeRejection;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let config = config_of(&parts);
        let accepting = judge(&parts, &config)?;
        Hixie76Upgrade::new(accepting, &mut parts, body, config)
    }
}

/// `Option<Hixie76Upgrade>`: `None` for a request that is not hixie-76
/// ([`OtherVersion`](Hixie76UpgradeRejection::OtherVersion),
/// [`NotWebSocket`](Hixie76UpgradeRejection::NotWebSocket)), the rejection for a hixie-76
/// request that breaks the draft.
impl<S: Send + Sync> OptionalFromRequest<S> for Hixie76Upgrade {
    type Rejection = Hixie76UpgradeRejection;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        match <Self as FromRequest<S>>::from_request(request, state).await {
            Ok(upgrade) => Ok(Some(upgrade)),
            Err(
                Hixie76UpgradeRejection::OtherVersion(_) | Hixie76UpgradeRejection::NotWebSocket,
            ) => Ok(None),
            Err(rejection) => Err(rejection),
        }
    }
}

/// The connection hyper hands over after the 101, as tokio's `AsyncRead + AsyncWrite`: what
/// hyper read after the request head comes first.
pub struct Upgraded {
    io: TokioIo<hyper::upgrade::Upgraded>,
}

impl fmt::Debug for Upgraded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upgraded").finish_non_exhaustive()
    }
}

impl AsyncRead for Upgraded {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Upgraded {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
