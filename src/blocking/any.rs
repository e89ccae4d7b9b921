//! One port for hixie-76 and RFC 6455 on the blocking adapter: the request is read once, a
//! hixie request is answered here, an RFC 6455 one is handed to tungstenite with the bytes
//! already read, under the same decision and the same message limit.

use std::io::{Read, Write};
use std::string::String;
use std::sync::Mutex;

use super::{drive_accept, write_out, Driven, WebSocket};
use crate::io::rfc6455::{self, from_rfc6455, take, to_rfc6455};
use crate::io::{AcceptConfig, Decision, Error, Message, Prefixed, Protocol, Request, Unanswered};
use crate::server::Version;
use crate::StatusCode;

/// What [`accept_any`] made of a connection.
// Returned once per connection and taken apart at once: boxing the large variant would
// cost an allocation per connection for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum AnyAccepted<S> {
    /// A WebSocket connection, open, in either protocol.
    WebSocket(AnyWebSocket<S>),
    /// A request that asks for no WebSocket (the page that opens the socket, say), with its
    /// bytes and the stream, for the application to answer.
    Http(Unanswered<S>),
}

/// An open WebSocket connection in either protocol, with one surface for both:
/// [`read`](Self::read), [`send`](Self::send), [`close`](Self::close), and
/// [`protocol`](Self::protocol) to ask which it is.
#[derive(Debug)]
pub struct AnyWebSocket<S> {
    inner: Inner<S>,
    subprotocol: Option<String>,
}

#[derive(Debug)]
enum Inner<S> {
    Hixie(WebSocket<S>),
    Rfc6455(tungstenite::WebSocket<Prefixed<S>>),
}

/// Reads a request from `stream` and serves it whatever its protocol: hixie-76 (and hixie-75
/// when the configuration allows it) here, RFC 6455 by tungstenite, both under `decide` and
/// the configuration's message limit. A request for a version neither speaks (hybi-01..03, an
/// RFC 6455 `Sec-WebSocket-Version` other than 13, hixie-75 when not allowed) gets `426 Upgrade
/// Required` naming version 13. A request that asks for no WebSocket comes back as
/// [`AnyAccepted::Http`].
///
/// ```no_run
/// use std::net::TcpListener;
/// use hixie76::blocking::{accept_any, AnyAccepted};
/// use hixie76::io::{AcceptConfig, AcceptOptions, Decision, Message};
///
/// let listener = TcpListener::bind("127.0.0.1:8076")?;
/// for stream in listener.incoming() {
///     let accept = |_: &hixie76::io::Request<'_>| Decision::Accept(AcceptOptions::new());
///     if let Ok(AnyAccepted::WebSocket(mut socket)) = accept_any(stream?, AcceptConfig::new(), accept) {
///         println!("{:?}", socket.protocol()); // Hixie76, Hixie75 or Rfc6455
///         while let Ok(Message::Text(text)) = socket.read() {
///             socket.send(Message::Text(text))?;
///         }
///     }
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// Those of [`accept_hdr`](super::accept_hdr), [`Error::UnsupportedVersion`] after a 426, and
/// [`Error::Rfc6455`] when tungstenite's handshake fails.
// tungstenite's callback returns its own, large, error response.
#[allow(clippy::result_large_err)]
pub fn accept_any<S, F>(
    mut stream: S,
    config: AcceptConfig,
    decide: F,
) -> Result<AnyAccepted<S>, Error>
where
    S: Read + Write,
    F: FnOnce(&Request<'_>) -> Decision,
{
    let mut decide = Some(decide);
    let (mut accepting, version) = match drive_accept(&mut stream, &config, &mut decide)? {
        Driven::Open(core) => {
            return Ok(AnyAccepted::WebSocket(WebSocket { stream, core }.into()));
        }
        Driven::Unanswered(accepting, version) => (accepting, version),
    };
    let (Some(Version::Rfc6455), Some(decide)) = (version, decide) else {
        if version.is_none() {
            return Ok(AnyAccepted::Http(accepting.into_unanswered(None, stream)));
        }
        accepting.refuse(StatusCode::UpgradeRequired);
        write_out(&mut stream, &mut accepting)?;
        return Err(Error::UnsupportedVersion);
    };
    let Unanswered {
        bytes,
        head_len,
        mut stream,
        ..
    } = accepting.into_unanswered(version, stream);
    let head = bytes[..head_len].to_vec();
    if let Err(status) = rfc6455::check(&head) {
        stream.write_all(crate::server::error_response(status))?;
        return Err(match status {
            StatusCode::UpgradeRequired => Error::UnsupportedVersion,
            status => status.into(),
        });
    }
    let refused = Mutex::new(None);
    let subprotocol = Mutex::new(None);
    let callback = |_: &tungstenite::handshake::server::Request, response| {
        rfc6455::decide(&head, decide, response, &refused, &subprotocol)
    };
    let socket = tungstenite::accept_hdr_with_config(
        Prefixed::new(bytes, stream),
        callback,
        Some(rfc6455::config(&config)),
    );
    match socket {
        Ok(socket) => Ok(AnyAccepted::WebSocket(AnyWebSocket {
            inner: Inner::Rfc6455(socket),
            subprotocol: take(&subprotocol),
        })),
        Err(tungstenite::HandshakeError::Failure(error)) => {
            Err(take(&refused).unwrap_or_else(|| error.into()))
        }
        Err(tungstenite::HandshakeError::Interrupted(_)) => {
            Err(Error::Io(std::io::ErrorKind::WouldBlock.into()))
        }
    }
}

impl<S: Read + Write> AnyWebSocket<S> {
    /// Reads until a whole message (or the peer's close) has arrived. RFC 6455 pings are
    /// answered by tungstenite and not shown.
    ///
    /// # Errors
    ///
    /// As [`WebSocket::read`]; [`Error::Rfc6455`] for tungstenite's errors.
    pub fn read(&mut self) -> Result<Message, Error> {
        match &mut self.inner {
            Inner::Hixie(socket) => socket.read(),
            Inner::Rfc6455(socket) => loop {
                match from_rfc6455(socket.read()?) {
                    Some(Message::Close) => {
                        // tungstenite queued its answer: out before the close is handed on,
                        // as on a hixie connection. Its failure no longer matters.
                        let _ = socket.flush();
                        return Ok(Message::Close);
                    }
                    Some(message) => return Ok(message),
                    None => {}
                }
            },
        }
    }

    /// Sends `message` (a close starts the closing handshake).
    ///
    /// # Errors
    ///
    /// As [`WebSocket::send`]: [`Error::BinaryNotSupported`] for a binary message on a hixie
    /// connection.
    pub fn send(&mut self, message: Message) -> Result<(), Error> {
        match &mut self.inner {
            Inner::Hixie(socket) => socket.send(message),
            // tungstenite sends a close message as its own `close` does, and flushes it.
            Inner::Rfc6455(socket) => Ok(socket.send(to_rfc6455(message))?),
        }
    }

    /// Sends a text message.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.send(Message::Text(String::from(text)))
    }

    /// Keeps an idle connection alive: the hixie keep-alive frame `kind`
    /// ([`WebSocket::send_keepalive`]), or an RFC 6455 ping.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] or [`Error::Rfc6455`] when the stream fails.
    pub fn send_keepalive(&mut self, kind: crate::frame::Keepalive) -> Result<(), Error> {
        match &mut self.inner {
            Inner::Hixie(socket) => socket.send_keepalive(kind),
            Inner::Rfc6455(socket) => {
                Ok(socket.send(tungstenite::Message::Ping(std::vec::Vec::new().into()))?)
            }
        }
    }

    /// Starts the closing handshake; the peer's answer arrives through
    /// [`read`](Self::read).
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub fn close(&mut self) -> Result<(), Error> {
        self.send(Message::Close)
    }
}

impl<S> AnyWebSocket<S> {
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
    pub fn as_hixie(&mut self) -> Option<&mut WebSocket<S>> {
        match &mut self.inner {
            Inner::Hixie(socket) => Some(socket),
            Inner::Rfc6455(_) => None,
        }
    }

    /// tungstenite's socket, if this is an RFC 6455 connection.
    pub fn as_rfc6455(&mut self) -> Option<&mut tungstenite::WebSocket<Prefixed<S>>> {
        match &mut self.inner {
            Inner::Hixie(_) => None,
            Inner::Rfc6455(socket) => Some(socket),
        }
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        match &self.inner {
            Inner::Hixie(socket) => socket.get_ref(),
            Inner::Rfc6455(socket) => socket.get_ref().get_ref(),
        }
    }

    /// The stream. Reading from or writing to it directly breaks the framing.
    pub fn get_mut(&mut self) -> &mut S {
        match &mut self.inner {
            Inner::Hixie(socket) => socket.get_mut(),
            Inner::Rfc6455(socket) => socket.get_mut().get_mut(),
        }
    }
}

impl<S> From<WebSocket<S>> for AnyWebSocket<S> {
    fn from(socket: WebSocket<S>) -> Self {
        AnyWebSocket {
            subprotocol: socket.subprotocol().map(String::from),
            inner: Inner::Hixie(socket),
        }
    }
}
