//! The blocking adapter: hixie-76 over any `Read + Write`, in the shape of tungstenite's
//! (`accept_hdr`, `connect`, [`WebSocket<S>`]). Requires the `std` feature.
//!
//! A server calls [`accept_hdr`] with the stream and a decision function that sees the
//! [`Request`] and accepts (choosing a subprotocol, adding fields, `ws` or `wss`) or rejects
//! with a status; a client calls [`connect`]. Both give a [`WebSocket`] that reads and sends
//! whole messages. Bytes that arrived with key3 or the answer are its first frames: nothing is
//! lost. With the `tungstenite` feature, `accept_any` serves RFC 6455 on the same port.
//!
//! States of a server connection: reading the request → deciding → (accepted) the 101 head
//! written, reading key3 → the answer written, open → closed; a request that is not answered
//! here comes back as [`Unanswered`], with its bytes and the stream.
//!
//! Time-outs are the stream's: a blocking read cannot be interrupted, so set them on the
//! stream (`TcpStream::set_read_timeout`); a read that times out ends the connection with
//! an [`Error::Io`].
//!
//! ```no_run
//! use std::net::TcpListener;
//! use hixie76::blocking::{accept_hdr, Accepted};
//! use hixie76::io::{AcceptConfig, AcceptOptions, Decision, Message};
//! use hixie76::StatusCode;
//!
//! let listener = TcpListener::bind("127.0.0.1:8076")?;
//! for stream in listener.incoming() {
//!     let decide = |request: &hixie76::io::Request<'_>| match request.origin() {
//!         Some("http://tv.example") => Decision::Accept(AcceptOptions::new()),
//!         _ => Decision::Reject(StatusCode::Forbidden),
//!     };
//!     let Ok(Accepted::WebSocket(mut socket)) = accept_hdr(stream?, AcceptConfig::new(), decide)
//!     else {
//!         continue; // refused, failed, or not a hixie-76 request
//!     };
//!     while let Ok(Message::Text(text)) = socket.read() {
//!         socket.send_text(&text)?;
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "tungstenite")]
mod any;

#[cfg(feature = "tungstenite")]
pub use any::{accept_any, AnyAccepted, AnyWebSocket};

use std::io::{self, Read, Write};
use std::string::String;
use std::vec::Vec;

use crate::client::{ClientConfig, ClientHandshake, Url};
use crate::io::{
    client_keys, AcceptConfig, Accepting, ConnectConfig, Decision, Error, Message, Protocol,
    Request, SocketCore, Step, Unanswered,
};

/// How much is read from the stream at a time.
const READ_CHUNK: usize = 4096;

/// What [`accept_hdr`] made of a connection.
// Returned once per connection and taken apart at once: boxing the large variant would
// cost an allocation per connection for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Accepted<S> {
    /// A hixie-76 (or hixie-75) connection, open.
    WebSocket(WebSocket<S>),
    /// A request this adapter does not answer (another WebSocket version, or plain HTTP),
    /// with its bytes and the stream.
    Unanswered(Unanswered<S>),
}

/// Accepts a hixie-76 connection on `stream` with the default configuration: any origin, the
/// first offered subprotocol.
///
/// # Errors
///
/// Those of [`accept_hdr`].
pub fn accept<S: Read + Write>(stream: S) -> Result<Accepted<S>, Error> {
    accept_hdr(stream, AcceptConfig::DEFAULT, |request: &Request<'_>| {
        Accepting::default_decision(request)
    })
}

/// Reads a request from `stream`, asks `decide` about it, and completes the handshake.
///
/// A refusal (a bad request gets its 4xx, a rejection its status) is written before the error
/// is returned; drop the stream then.
///
/// # Errors
///
/// [`Error::Protocol`] for a request that breaks the draft (after its refusal was written) or
/// options the core cannot use; [`Error::Rejected`] when `decide` rejected; [`Error::Io`] when
/// the stream fails or ends mid-handshake.
pub fn accept_hdr<S, F>(
    mut stream: S,
    config: AcceptConfig,
    decide: F,
) -> Result<Accepted<S>, Error>
where
    S: Read + Write,
    F: FnOnce(&Request<'_>) -> Decision,
{
    let mut decide = Some(decide);
    Ok(match drive_accept(&mut stream, &config, &mut decide)? {
        Driven::Open(core) => Accepted::WebSocket(WebSocket { stream, core }),
        Driven::Unanswered(accepting, version) => {
            Accepted::Unanswered(accepting.into_unanswered(version, stream))
        }
    })
}

/// Where [`drive_accept`] stopped. Moved once per connection.
#[allow(clippy::large_enum_variant)]
enum Driven {
    Open(SocketCore),
    Unanswered(Accepting, Option<crate::server::Version>),
}

/// Runs a server handshake on `stream`; `decide` is taken when a hixie request needs it.
fn drive_accept<S, F>(
    stream: &mut S,
    config: &AcceptConfig,
    decide: &mut Option<F>,
) -> Result<Driven, Error>
where
    S: Read + Write,
    F: FnOnce(&Request<'_>) -> Decision,
{
    let mut accepting = Accepting::new(config);
    let mut buf = [0u8; READ_CHUNK];
    loop {
        let step = match accepting.step() {
            Ok(step) => step,
            Err(error) => return Err(flush_then(stream, &mut accepting, error)),
        };
        match step {
            Step::Read => {
                write_out(stream, &mut accepting)?;
                let n = read_some(stream, &mut buf)?;
                if n == 0 {
                    return Err(Error::Io(io::ErrorKind::UnexpectedEof.into()));
                }
                accepting.input(&buf[..n]);
            }
            Step::Decide(request) => {
                let decision = match decide.take() {
                    Some(decide) => decide(&request),
                    None => return Err(crate::Error::InvalidState.into()),
                };
                if let Err(error) = accepting.decide(decision) {
                    return Err(flush_then(stream, &mut accepting, error));
                }
                // The 101 head goes out with the answer when key3 is here (one write: some
                // clients take the first read after the head for the answer), or alone before
                // key3 is read (`Step::Read`: proxies hold key3 back until they see it).
            }
            Step::Open => {
                write_out(stream, &mut accepting)?;
                return Ok(Driven::Open(accepting.into_socket()?));
            }
            Step::Unanswered(version) => return Ok(Driven::Unanswered(accepting, version)),
        }
    }
}

/// Writes what `accepting` queued (a refusal), then gives `error` back.
fn flush_then<S: Write>(stream: &mut S, accepting: &mut Accepting, error: Error) -> Error {
    match write_out(stream, accepting) {
        Ok(()) => error,
        Err(write_error) => write_error,
    }
}

fn write_out<S: Write>(stream: &mut S, accepting: &mut Accepting) -> Result<(), Error> {
    let bytes = accepting.to_write();
    if !bytes.is_empty() {
        stream.write_all(bytes)?;
        stream.flush()?;
        accepting.wrote();
    }
    Ok(())
}

/// Reads the PROXY protocol header (v1 or v2) a load balancer sends before the request
/// (HAProxy's `send-proxy`/`send-proxy-v2`, nginx's `proxy_protocol on`), for a server behind
/// one. Returns the header, whose [`source`](crate::proxy::ProxyHeader::source) is the real
/// client, and the stream with whatever was read after the header in front of it: accept on
/// that.
///
/// Call it on every connection of a listener that only the proxy can reach, and drop the
/// connection when it fails: an optional header would let any client that reaches the port
/// directly choose the address the application sees.
///
/// ```no_run
/// use hixie76::blocking::{accept_any, read_proxy_header};
/// use hixie76::io::AcceptConfig;
/// use hixie76::proxy::ProxyConfig;
///
/// # fn serve(stream: std::net::TcpStream) -> Result<(), hixie76::io::Error> {
/// let peer = stream.peer_addr()?;
/// let (header, stream) = read_proxy_header(stream, ProxyConfig::new())?;
/// let client = header.source().unwrap_or(peer);
/// let accepted = accept_any(stream, AcceptConfig::new(), |_| {
///     hixie76::io::Decision::Accept(hixie76::io::AcceptOptions::new())
/// });
/// # let _ = (client, accepted);
/// # Ok(())
/// # }
/// ```
///
/// # Errors
///
/// [`Error::Protocol`] with [`BadProxyHeader`](crate::Error::BadProxyHeader) for a malformed,
/// truncated or oversized header (nothing is written: the peer is not the proxy);
/// [`Error::Io`] when the stream fails or ends first.
#[cfg(feature = "proxy-protocol")]
#[cfg_attr(docsrs, doc(cfg(feature = "proxy-protocol")))]
pub fn read_proxy_header<S: Read>(
    mut stream: S,
    config: crate::proxy::ProxyConfig,
) -> Result<(crate::proxy::ProxyHeader, crate::io::Prefixed<S>), Error> {
    let mut decoder = crate::proxy::ProxyDecoder::new(config);
    let mut buf = [0u8; READ_CHUNK];
    loop {
        let n = read_some(&mut stream, &mut buf)?;
        if n == 0 {
            return Err(Error::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        let received = decoder.receive(&buf[..n])?;
        if let Some(header) = received.event {
            let rest = buf[received.used..n].to_vec();
            return Ok((header, crate::io::Prefixed::new(rest, stream)));
        }
    }
}

/// Opens a hixie-76 (or, with [`ConnectConfig::with_hixie75`], hixie-75) connection to `url`
/// over `stream`, which must already be connected to the URL's host and port. The whole
/// request, head and key3, goes out in one write.
///
/// ```no_run
/// use std::net::TcpStream;
/// use hixie76::blocking::connect;
/// use hixie76::io::{ConnectConfig, Message};
///
/// let stream = TcpStream::connect("127.0.0.1:8076")?;
/// let mut socket = connect(stream, "ws://127.0.0.1:8076/chat", &ConnectConfig::new("http://example.com"))?;
/// socket.send_text("hello")?;
/// assert_eq!(socket.read()?, Message::Text("hello".into()));
/// socket.close()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`Error::Protocol`] for a bad URL or setting, or a response that fails the draft's checks
/// (a status other than 101 is [`crate::Error::UnexpectedStatus`]); [`Error::NoKeys`] without
/// keys or the `getrandom` feature; [`Error::Io`] when the stream fails or ends first.
pub fn connect<S: Read + Write>(
    mut stream: S,
    url: &str,
    config: &ConnectConfig,
) -> Result<WebSocket<S>, Error> {
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
    stream.write_all(&request[..n])?;
    stream.flush()?;

    let mut buf = [0u8; READ_CHUNK];
    loop {
        let n = read_some(&mut stream, &mut buf)?;
        if n == 0 {
            return Err(Error::Io(io::ErrorKind::UnexpectedEof.into()));
        }
        let received = handshake.receive(&buf[..n])?;
        if let Some(established) = received.event {
            let core = SocketCore::new(
                established.connection(),
                &buf[received.used..n],
                established.protocol().map(String::from),
            );
            return Ok(WebSocket { stream, core });
        }
    }
}

/// The core's client configuration for `config`, borrowing its values.
pub(crate) fn client_config<'a>(
    url: Url<'a>,
    config: &'a ConnectConfig,
    protocols: &'a [&'a str],
    fields: &'a [(&'a str, &'a str)],
) -> ClientConfig<'a> {
    ClientConfig::new(url, config.origin())
        .with_protocols(protocols)
        .with_fields(fields)
        .with_any_case_upgrade(config.allows_any_case_upgrade())
        .with_unasked_protocol_ignored(config.ignores_unasked_protocol())
        .with_content_length(config.sends_content_length())
        .with_limits(*config.limits())
        .with_frames(*config.frames())
}

/// Reads at least one byte, or 0 at the end of the stream; retries interrupted reads.
fn read_some<S: Read>(stream: &mut S, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match stream.read(buf) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// An open hixie-76 (or hixie-75) connection over a blocking stream: whole text messages in
/// and out.
///
/// [`read`](Self::read) returns the next message; the peer's close comes as
/// [`Message::Close`] (its answer is written at once), and every read after it is
/// [`Error::ConnectionClosed`]. [`send`](Self::send) writes each frame in one write.
/// [`close`](Self::close) starts the closing handshake; keep reading until the peer's
/// [`Message::Close`], then drop the stream (for hixie-75, which has none, drop it at once).
///
/// A server and a client over loopback, the server closing:
///
/// ```
/// use std::net::{TcpListener, TcpStream};
/// use hixie76::blocking::{accept, connect, Accepted};
/// use hixie76::io::{ConnectConfig, Error, Message};
///
/// let listener = TcpListener::bind("127.0.0.1:0")?;
/// let url = format!("ws://{}/chat", listener.local_addr()?);
/// let server = std::thread::spawn(move || -> Result<(), Error> {
///     let Accepted::WebSocket(mut socket) = accept(listener.accept()?.0)? else {
///         unreachable!("a hixie-76 request")
///     };
///     let message = socket.read()?;
///     socket.send(message)?;
///     socket.close()?;
///     assert_eq!(socket.read()?, Message::Close); // the client's answer
///     Ok(())
/// });
/// let stream = TcpStream::connect(url.trim_start_matches("ws://").trim_end_matches("/chat"))?;
/// let config = ConnectConfig::new("http://example.com").with_keys(hixie76::client::Keys::new(
///     "4 @1  46546xW%0l 1 5",
///     "12998 5 Y3 1  .P00",
///     *b"^n:ds[4U",
/// )?);
/// let mut socket = connect(stream, &url, &config)?;
/// socket.send_text("hello")?;
/// assert_eq!(socket.read()?, Message::Text("hello".into()));
/// assert_eq!(socket.read()?, Message::Close); // the server's close, answered at once
/// assert!(socket.is_closed());
/// server.join().expect("server")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct WebSocket<S> {
    stream: S,
    core: SocketCore,
}

impl<S: Read + Write> WebSocket<S> {
    /// Reads until a whole message (or the peer's close) has arrived.
    ///
    /// # Errors
    ///
    /// [`Error::Protocol`] for frames that break the draft or the message limit;
    /// [`Error::Io`] when the stream fails, or ends outside the closing handshake (a hixie-75
    /// stream that ends between frames gives [`Message::Close`] instead);
    /// [`Error::ConnectionClosed`] after the close.
    pub fn read(&mut self) -> Result<Message, Error> {
        loop {
            if self.core.is_read_closed() {
                return Err(Error::ConnectionClosed);
            }
            if let Some(message) = self.core.poll_unread()? {
                self.flush()?;
                return Ok(message);
            }
            self.flush()?;
            let mut buf = [0u8; READ_CHUNK];
            let n = read_some(&mut self.stream, &mut buf)?;
            let message = if n == 0 {
                Some(self.core.end_of_input()?)
            } else {
                self.core.receive(&buf[..n])?
            };
            if let Some(message) = message {
                self.flush()?;
                return Ok(message);
            }
        }
    }

    /// Sends `message`: a text frame, or for [`Message::Close`] the start of the closing
    /// handshake.
    ///
    /// # Errors
    ///
    /// [`Error::BinaryNotSupported`] for [`Message::Binary`]; [`Error::ConnectionClosed`] once a
    /// close was sent or received; [`Error::Io`] when the stream fails.
    pub fn send(&mut self, message: Message) -> Result<(), Error> {
        self.core.queue(&message)?;
        self.flush()
    }

    /// Sends a text message, its frame in one write.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub fn send_text(&mut self, text: &str) -> Result<(), Error> {
        self.core.queue_text(text)?;
        self.flush()
    }

    /// Starts the closing handshake (`FF 00`). The peer's answer arrives through
    /// [`read`](Self::read) as [`Message::Close`]. For hixie-75 nothing is sent: drop the
    /// stream to end the connection. Closing again does nothing.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the stream fails.
    pub fn close(&mut self) -> Result<(), Error> {
        self.core.queue_close()?;
        self.flush()
    }

    /// Sends a keep-alive frame of `kind` (see [`Keepalive`](crate::frame::Keepalive)), while the
    /// connection is open; afterwards it does nothing. A blocking socket has no timer: call it
    /// when the connection has been quiet for a while (a read time-out on the stream is one
    /// way to notice).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the stream fails.
    pub fn send_keepalive(&mut self, kind: crate::frame::Keepalive) -> Result<(), Error> {
        self.core.queue_keepalive(kind);
        self.flush()
    }

    /// Writes whatever the connection queued (the answer to the peer's close).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the stream fails.
    pub fn flush(&mut self) -> Result<(), Error> {
        let bytes = self.core.to_write();
        if bytes.is_empty() {
            return Ok(());
        }
        let len = bytes.len();
        self.stream.write_all(bytes)?;
        self.stream.flush()?;
        self.core.wrote(len);
        Ok(())
    }
}

impl<S> WebSocket<S> {
    /// The protocol spoken: [`Protocol::Hixie76`] or [`Protocol::Hixie75`].
    #[must_use]
    pub fn protocol(&self) -> Protocol {
        if self.core.connection().is_hixie75() {
            Protocol::Hixie75
        } else {
            Protocol::Hixie76
        }
    }

    /// The subprotocol agreed on, if any.
    #[must_use]
    pub fn subprotocol(&self) -> Option<&str> {
        self.core.protocol()
    }

    /// Whether the connection is over: both closes were exchanged (or a hixie-75 close sent)
    /// and written. Drop the stream.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.core.is_finished()
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The stream. Reading from or writing to it directly breaks the framing.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// The stream; unread bytes and the connection's state are dropped.
    pub fn into_inner(self) -> S {
        self.stream
    }
}
