//! What the adapters are told: how to accept (server), how to connect (client), and the
//! application's decision on a request.

use std::string::String;
use std::time::Duration;
use std::vec::Vec;

use crate::client::Keys;
use crate::frame::{FrameConfig, Keepalive};
use crate::server::ServerConfig;
use crate::{HeadLimits, StatusCode};

/// How a server adapter accepts connections: the core's [`ServerConfig`] (head limits, frame
/// limits, hixie-75) and the time-outs.
///
/// ```
/// use std::time::Duration;
/// use hixie76::io::AcceptConfig;
/// use hixie76::server::ServerConfig;
///
/// let config = AcceptConfig::new()
///     .with_server(ServerConfig::new().with_hixie75(true))
///     .with_handshake_timeout(Some(Duration::from_secs(5)));
/// assert!(config.server().allows_hixie75());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AcceptConfig {
    server: ServerConfig,
    handshake_timeout: Option<Duration>,
    idle_timeout: Option<Duration>,
    keepalive: Option<Duration>,
    keepalive_frame: Keepalive,
}

impl AcceptConfig {
    /// The defaults: [`ServerConfig::DEFAULT`], a 10 s handshake time-out, no idle time-out
    /// (silent TV clients are normal).
    pub const DEFAULT: AcceptConfig = AcceptConfig {
        server: ServerConfig::DEFAULT,
        handshake_timeout: Some(Duration::from_secs(10)),
        idle_timeout: None,
        keepalive: None,
        keepalive_frame: Keepalive::Empty,
    };

    /// The defaults, as [`AcceptConfig::DEFAULT`].
    #[must_use]
    pub const fn new() -> Self {
        Self::DEFAULT
    }

    /// The core's configuration: head limits, frame limits and UTF-8 policy, hixie-75. On a
    /// one-port server the message limit applies to RFC 6455 messages and frames too; the
    /// UTF-8 policy does not (RFC 6455 section 8.1 fails a connection on invalid UTF-8).
    #[must_use]
    pub const fn with_server(mut self, server: ServerConfig) -> Self {
        self.server = server;
        self
    }

    /// A deadline for the whole opening handshake, from the first byte read to the answer
    /// written, so a peer that sends its head a byte at a time cannot stretch it. `None`: no
    /// deadline. The async adapter enforces it; the blocking one cannot interrupt a read, so
    /// there it is the caller's, with the stream's own time-outs
    /// (`TcpStream::set_read_timeout`).
    #[must_use]
    pub const fn with_handshake_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// How long the peer may send nothing at all once the connection is open before it is
    /// dropped. `None` (the default): no limit. Counts time without bytes *from* the peer:
    /// what the server sends does not reset it. Enforced by the async adapter, like the
    /// handshake time-out.
    #[must_use]
    pub const fn with_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sends a keep-alive frame whenever nothing was sent to the peer for this long, so that
    /// proxies (nginx closes a tunnel after `proxy_read_timeout`, 60 s by default) keep the
    /// connection. `None` (the default): never. The first one goes out one interval after
    /// the handshake. Enforced by the async adapter (RFC 6455 connections get a ping); the
    /// blocking socket has [`send_keepalive`](crate::blocking::WebSocket::send_keepalive)
    /// for a caller with a timer of its own.
    #[must_use]
    pub const fn with_keepalive(mut self, interval: Option<Duration>) -> Self {
        self.keepalive = interval;
        self
    }

    /// Which frame keeps a hixie connection alive (default [`Keepalive::Empty`], the only kind
    /// every client measured survives, as an empty message). See [`Keepalive`].
    #[must_use]
    pub const fn with_keepalive_frame(mut self, frame: Keepalive) -> Self {
        self.keepalive_frame = frame;
        self
    }

    /// The keep-alive interval ([`with_keepalive`](Self::with_keepalive)).
    #[must_use]
    pub const fn keepalive(&self) -> Option<Duration> {
        self.keepalive
    }

    /// The keep-alive frame ([`with_keepalive_frame`](Self::with_keepalive_frame)).
    #[must_use]
    pub const fn keepalive_frame(&self) -> Keepalive {
        self.keepalive_frame
    }

    /// The core's configuration ([`with_server`](Self::with_server)).
    #[must_use]
    pub const fn server(&self) -> &ServerConfig {
        &self.server
    }

    /// The handshake deadline ([`with_handshake_timeout`](Self::with_handshake_timeout)).
    #[must_use]
    pub const fn handshake_timeout(&self) -> Option<Duration> {
        self.handshake_timeout
    }

    /// The idle time-out ([`with_idle_timeout`](Self::with_idle_timeout)).
    #[must_use]
    pub const fn idle_timeout(&self) -> Option<Duration> {
        self.idle_timeout
    }
}

impl Default for AcceptConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The application's answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Accept, with these options.
    Accept(AcceptOptions),
    /// Refuse with this status (the response has a fixed reason phrase and no body).
    Reject(StatusCode),
}

/// How to accept a request: the subprotocol, extra response fields, and whether the client
/// reached the server over TLS.
///
/// ```
/// use hixie76::io::{AcceptOptions, Decision};
/// let decision = Decision::Accept(
///     AcceptOptions::new().with_protocol("chat").with_field("Set-Cookie", "id=1"),
/// );
/// # let _ = decision;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AcceptOptions {
    protocol: Option<String>,
    fields: Vec<(String, String)>,
    secure: bool,
}

impl AcceptOptions {
    /// No subprotocol, no extra fields, `ws://`.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Agree on this subprotocol, which must be one the client offered. A hixie-76 client
    /// that offered subprotocols fails a response naming none: choose one, or reject.
    #[must_use]
    pub fn with_protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocol = Some(protocol.into());
        self
    }

    /// Add a response field (`Set-Cookie`, say). Names must be tokens and not the handshake's
    /// own; values free of control bytes.
    #[must_use]
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// Whether the client reached the server over TLS (here or in a proxy in front): a
    /// hixie-76 Location then says `wss://`.
    #[must_use]
    pub fn with_secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// The chosen subprotocol.
    #[must_use]
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }

    /// The extra response fields.
    #[must_use]
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// Whether the Location says `wss://`.
    #[must_use]
    pub fn is_secure(&self) -> bool {
        self.secure
    }
}

/// How a client adapter connects: the origin, the subprotocols to offer, extra request fields,
/// the keys, the limits and the named leniencies.
///
/// ```
/// use hixie76::io::ConnectConfig;
/// let config = ConnectConfig::new("http://example.com")
///     .with_protocol("chat")
///     .with_field("Cookie", "id=1");
/// assert_eq!(config.protocols(), ["chat"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectConfig {
    origin: String,
    protocols: Vec<String>,
    fields: Vec<(String, String)>,
    keys: Option<Keys>,
    hixie75: bool,
    any_case_upgrade: bool,
    ignore_unasked_protocol: bool,
    content_length: bool,
    limits: HeadLimits,
    frames: FrameConfig,
    handshake_timeout: Option<Duration>,
}

impl ConnectConfig {
    /// A connection from the page or application at `origin` (sent lowercased), offering no
    /// subprotocol, with keys from the operating system (feature `getrandom`), strict checks and
    /// the default limits.
    #[must_use]
    pub fn new(origin: impl Into<String>) -> Self {
        ConnectConfig {
            origin: origin.into(),
            protocols: Vec::new(),
            fields: Vec::new(),
            keys: None,
            hixie75: false,
            any_case_upgrade: false,
            ignore_unasked_protocol: false,
            content_length: false,
            limits: HeadLimits::DEFAULT,
            frames: FrameConfig::DEFAULT,
            handshake_timeout: Some(Duration::from_secs(10)),
        }
    }

    /// Offers one more subprotocol (most preferred first).
    #[must_use]
    pub fn with_protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocols.push(protocol.into());
        self
    }

    /// Adds a request field (`Cookie`, `Authorization`).
    #[must_use]
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push((name.into(), value.into()));
        self
    }

    /// The keys to send, from the caller's own entropy. Without them the adapter draws keys
    /// from the operating system (feature `getrandom`) or fails with
    /// [`Error::NoKeys`](crate::io::Error::NoKeys).
    #[must_use]
    pub fn with_keys(mut self, keys: Keys) -> Self {
        self.keys = Some(keys);
        self
    }

    /// Speaks the older draft-hixie-thewebsocketprotocol-75 (see
    /// [`ClientHandshake::new_hixie75`](crate::client::ClientHandshake::new_hixie75)).
    #[must_use]
    pub fn with_hixie75(mut self, hixie75: bool) -> Self {
        self.hixie75 = hixie75;
        self
    }

    /// Accepts `Upgrade: WebSocket` in any letter case
    /// ([`ClientConfig::with_any_case_upgrade`](crate::client::ClientConfig::with_any_case_upgrade)).
    #[must_use]
    pub fn with_any_case_upgrade(mut self, allow: bool) -> Self {
        self.any_case_upgrade = allow;
        self
    }

    /// Ignores a subprotocol the server names when none was offered
    /// ([`ClientConfig::with_unasked_protocol_ignored`](crate::client::ClientConfig::with_unasked_protocol_ignored)).
    #[must_use]
    pub fn with_unasked_protocol_ignored(mut self, ignore: bool) -> Self {
        self.ignore_unasked_protocol = ignore;
        self
    }

    /// Sends `Content-Length: 8`
    /// ([`ClientConfig::with_content_length`](crate::client::ClientConfig::with_content_length)).
    #[must_use]
    pub fn with_content_length(mut self, send: bool) -> Self {
        self.content_length = send;
        self
    }

    /// The response head's limits.
    #[must_use]
    pub fn with_limits(mut self, limits: HeadLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The connection's frame limits and UTF-8 policy.
    #[must_use]
    pub fn with_frames(mut self, frames: FrameConfig) -> Self {
        self.frames = frames;
        self
    }

    /// A deadline for the whole opening handshake (enforced by the async adapter).
    #[must_use]
    pub fn with_handshake_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// The origin.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The subprotocols offered.
    #[must_use]
    pub fn protocols(&self) -> &[String] {
        &self.protocols
    }

    /// The extra request fields.
    #[must_use]
    pub fn fields(&self) -> &[(String, String)] {
        &self.fields
    }

    /// The keys given, if any.
    #[must_use]
    pub fn keys(&self) -> Option<&Keys> {
        self.keys.as_ref()
    }

    /// Whether hixie-75 is spoken.
    #[must_use]
    pub fn is_hixie75(&self) -> bool {
        self.hixie75
    }

    /// Whether `Upgrade` may come in any letter case.
    #[must_use]
    pub fn allows_any_case_upgrade(&self) -> bool {
        self.any_case_upgrade
    }

    /// Whether an unasked subprotocol in the response is ignored.
    #[must_use]
    pub fn ignores_unasked_protocol(&self) -> bool {
        self.ignore_unasked_protocol
    }

    /// Whether `Content-Length: 8` is sent.
    #[must_use]
    pub fn sends_content_length(&self) -> bool {
        self.content_length
    }

    /// The response head's limits.
    #[must_use]
    pub fn limits(&self) -> &HeadLimits {
        &self.limits
    }

    /// The connection's frame configuration.
    #[must_use]
    pub fn frames(&self) -> &FrameConfig {
        &self.frames
    }

    /// The handshake deadline.
    #[must_use]
    pub fn handshake_timeout(&self) -> Option<Duration> {
        self.handshake_timeout
    }
}
