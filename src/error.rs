//! The crate's one error type.
//!
//! Every variant names the rule that failed. [`Error::fault`] tells whether the peer's bytes
//! broke the protocol ([`Fault::Peer`]: answer with [`Error::status`] if you are a server, then
//! close) or the application asked for something impossible ([`Fault::Caller`]: nothing was sent,
//! and the call can usually be retried differently).

use core::fmt;

use crate::status::StatusCode;

/// Whose mistake an [`Error`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The peer sent bytes that break the protocol. The connection cannot continue.
    Peer,
    /// The caller used the API in a way it cannot honour (a buffer too small, a value with CR or
    /// LF, a call in the wrong state). Nothing was consumed or produced by the failed call.
    Caller,
}

/// Which of the two handshake keys an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    /// `Sec-WebSocket-Key1`.
    Key1,
    /// `Sec-WebSocket-Key2`.
    Key2,
}

/// A header field that the handshake requires, or allows only once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// `Host`.
    Host,
    /// `Upgrade`.
    Upgrade,
    /// `Connection`.
    Connection,
    /// `Origin` (request).
    Origin,
    /// `Sec-WebSocket-Key1`.
    Key1,
    /// `Sec-WebSocket-Key2`.
    Key2,
    /// `Sec-WebSocket-Protocol`.
    Protocol,
    /// `Content-Length`.
    ContentLength,
    /// `Sec-WebSocket-Origin` (response).
    SecOrigin,
    /// `Sec-WebSocket-Location` (response).
    SecLocation,
    /// `WebSocket-Origin` (hixie-75 response).
    WebSocketOrigin,
    /// `WebSocket-Location` (hixie-75 response).
    WebSocketLocation,
    /// `WebSocket-Protocol` (hixie-75).
    WebSocketProtocol,
}

impl Field {
    /// The field's name as the draft spells it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Field::Host => "Host",
            Field::Upgrade => "Upgrade",
            Field::Connection => "Connection",
            Field::Origin => "Origin",
            Field::Key1 => "Sec-WebSocket-Key1",
            Field::Key2 => "Sec-WebSocket-Key2",
            Field::Protocol => "Sec-WebSocket-Protocol",
            Field::ContentLength => "Content-Length",
            Field::SecOrigin => "Sec-WebSocket-Origin",
            Field::SecLocation => "Sec-WebSocket-Location",
            Field::WebSocketOrigin => "WebSocket-Origin",
            Field::WebSocketLocation => "WebSocket-Location",
            Field::WebSocketProtocol => "WebSocket-Protocol",
        }
    }
}

impl From<Key> for Field {
    fn from(key: Key) -> Field {
        match key {
            Key::Key1 => Field::Key1,
            Key::Key2 => Field::Key2,
        }
    }
}

/// A value the application handed in, named in [`Error::InvalidValue`] when it cannot be
/// used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// The client's origin: empty, or not visible ASCII.
    Origin,
    /// An offered subprotocol: empty, or not visible ASCII (U+0021–U+007E).
    Protocol,
    /// The offered subprotocols as a whole: more than one for a hixie-75 client, which can
    /// offer one only.
    Protocols,
    /// An extra header field: its name is not a token or is one the handshake writes itself,
    /// or its value holds CR, LF, NUL or another control byte.
    Field,
    /// A given `Sec-WebSocket-Key1`/`Key2` that no server would accept.
    Key(Key),
    /// `Content-Length: 8` asked of a hixie-75 client, whose request has no body.
    ContentLength,
    /// [`HeadLimits::max_head`](crate::HeadLimits::max_head) (or the head storage) is smaller
    /// than the shortest head, `GET / HTTP/1.1`, its CR LF and the blank line (18 bytes): no
    /// request could meet it.
    MaxHead,
}

impl Setting {
    /// What the setting is, in a few words.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Setting::Origin => "origin",
            Setting::Protocol => "subprotocol",
            Setting::Protocols => "subprotocol list",
            Setting::Field => "extra header field",
            Setting::Key(Key::Key1) => "Sec-WebSocket-Key1",
            Setting::Key(Key::Key2) => "Sec-WebSocket-Key2",
            Setting::ContentLength => "Content-Length",
            Setting::MaxHead => "max_head",
        }
    }
}

/// Everything that can go wrong, named by the rule that failed.
///
/// ```
/// use hixie76::{Error, Fault, Key};
/// let e = Error::KeyNoSpaces(Key::Key1);
/// assert_eq!(e.fault(), Fault::Peer);
/// assert_eq!(e.status().map(|s| s.code()), Some(400));
/// assert_eq!(e.to_string(), "Sec-WebSocket-Key1 has no spaces (draft 5.2 step 5)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    // ----- byte level, both roles -----
    /// A CR not followed by LF, or an LF not preceded by CR, in a head.
    BareCrOrLf,
    /// A NUL byte in a head.
    NulInHead,
    /// A line that starts with white space (obsolete line folding).
    FoldedLine,
    /// The head did not end within the configured head limit.
    HeadTooLarge,
    /// The head has more fields than the configured field limit.
    TooManyFields,
    /// A field line without a colon, with an empty or invalid name, or with a control byte in
    /// its value.
    BadField,

    // ----- server: request -----
    /// The request line is not `GET SP origin-form SP HTTP/1.1`.
    BadRequestLine,
    /// The request method is not `GET`.
    BadMethod,
    /// A required field is absent.
    MissingField(Field),
    /// A field that may appear once appears again.
    DuplicateField(Field),
    /// `Upgrade` is not `WebSocket` (hixie-75 response: its second line is not exactly
    /// `Upgrade: WebSocket`).
    BadUpgrade,
    /// `Connection` does not carry the `Upgrade` token (hixie-75 response: its third line is
    /// not exactly `Connection: Upgrade`).
    BadConnection,
    /// `Host` is not a host name, IPv4 or bracketed IPv6 address with an optional port.
    BadHost,
    /// A `Sec-WebSocket-Protocol` value is empty or holds bytes outside U+0021–U+007E.
    BadProtocol,
    /// A request body other than the 8-byte key3: `Transfer-Encoding`, or a `Content-Length`
    /// other than 8.
    UnexpectedBody,
    /// A key without any digit (draft 5.2 step 4).
    KeyNoDigits(Key),
    /// A key number above 4294967295 (draft 5.2 step 4).
    KeyNumberTooLarge(Key),
    /// A key without any U+0020 (draft 5.2 step 5).
    KeyNoSpaces(Key),
    /// A key number that is not an integral multiple of its spaces (draft 5.2 step 6).
    KeyNotIntegral(Key),

    // ----- servers behind a proxy -----
    /// A PROXY protocol header (v1 or v2) that is malformed, truncated or longer than allowed.
    /// A server that requires one closes the connection without a response.
    BadProxyHeader,

    // ----- client: response -----
    /// The status line is shorter than 7 bytes, lacks two spaces, or its code is not 3 digits
    /// (hixie-75: it is not exactly `HTTP/1.1 101 Web Socket Protocol Handshake`).
    BadStatusLine,
    /// The server answered with a status other than 101 (and other than 407).
    UnexpectedStatus(u16),
    /// The server (a proxy) asked for proxy authentication: status 407.
    ProxyAuthenticationRequired,
    /// `Sec-WebSocket-Origin` (hixie-75: `WebSocket-Origin`) differs from the origin the client
    /// sent.
    OriginMismatch,
    /// `Sec-WebSocket-Location` (hixie-75: `WebSocket-Location`) differs from the URL the client
    /// built.
    LocationMismatch,
    /// `Sec-WebSocket-Protocol` is missing although offered, present although not offered, or
    /// names nothing the client offered (hixie-75: `WebSocket-Protocol` present although not
    /// offered, or not equal to the one offered).
    ProtocolMismatch,
    /// The 16-byte answer is not MD5 of the keys and key3 the client sent.
    ChallengeMismatch,

    // ----- framing -----
    /// A frame to be discarded is longer than the message limit: a length prefix above it (or
    /// longer than the length-prefix limit), or a sentinel frame of a type other than `0x00`
    /// running past it.
    FrameTooLarge,
    /// A text message exceeds the message limit.
    MessageTooLarge,
    /// A text message is not valid UTF-8 (and replacement was not asked for).
    InvalidUtf8,

    // ----- the caller's mistakes -----
    /// The output buffer is too small; `needed` bytes would fit. Nothing was written.
    BufferTooSmall {
        /// How many bytes the output needs.
        needed: usize,
    },
    /// A value handed in by the application cannot be used; the payload names which (see
    /// [`Setting`] for what each refuses).
    InvalidValue(Setting),
    /// The chosen subprotocol was not among those offered.
    ProtocolNotOffered,
    /// A hixie-76 client offered subprotocols and the server accepted without choosing one:
    /// every conforming client fails such a response (draft 4.1), so choose one or reject.
    /// (hixie-75 makes the echo optional, so there accepting without a choice agrees on none.)
    NoProtocolChosen,
    /// The URL is not `ws://` or `wss://` with a host, optional port, path and query.
    InvalidUrl,
    /// The machine is not in a state where this call means anything (for example feeding a
    /// handshake that already finished or failed, or sending after a close).
    InvalidState,
}

impl Error {
    /// Whether the peer's bytes or the caller's request caused this error.
    #[must_use]
    pub const fn fault(&self) -> Fault {
        match self {
            Error::BufferTooSmall { .. }
            | Error::InvalidValue(_)
            | Error::ProtocolNotOffered
            | Error::NoProtocolChosen
            | Error::InvalidUrl
            | Error::InvalidState => Fault::Caller,
            _ => Fault::Peer,
        }
    }

    /// The HTTP status a server answers a request with when this error ends its handshake
    /// ([`error_response`](crate::server::error_response) writes it), or `None` for errors no
    /// request can cause (framing, caller errors, and the client's response-only checks).
    /// Errors both roles share, such as [`Error::BareCrOrLf`], have a status too; a client
    /// simply closes the connection and ignores it.
    #[must_use]
    pub const fn status(&self) -> Option<StatusCode> {
        Some(match self {
            Error::BadMethod => StatusCode::MethodNotAllowed,
            Error::HeadTooLarge | Error::TooManyFields => StatusCode::RequestHeaderFieldsTooLarge,
            Error::BareCrOrLf
            | Error::NulInHead
            | Error::FoldedLine
            | Error::BadField
            | Error::BadRequestLine
            | Error::MissingField(_)
            | Error::DuplicateField(_)
            | Error::BadUpgrade
            | Error::BadConnection
            | Error::BadHost
            | Error::BadProtocol
            | Error::UnexpectedBody
            | Error::KeyNoDigits(_)
            | Error::KeyNumberTooLarge(_)
            | Error::KeyNoSpaces(_)
            | Error::KeyNotIntegral(_) => StatusCode::BadRequest,
            _ => return None,
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BareCrOrLf => f.write_str("bare CR or LF in the head: lines must end in CR LF"),
            Error::NulInHead => f.write_str("NUL byte in the head"),
            Error::FoldedLine => f.write_str("folded header line (starts with white space)"),
            Error::HeadTooLarge => f.write_str("head exceeds the head size limit"),
            Error::TooManyFields => f.write_str("head exceeds the field count limit"),
            Error::BadField => f.write_str("malformed header field"),
            Error::BadRequestLine => {
                f.write_str("request line is not `GET <origin-form> HTTP/1.1`")
            }
            Error::BadMethod => f.write_str("request method is not GET"),
            Error::MissingField(field) => write!(f, "missing {} field", field.name()),
            Error::DuplicateField(field) => write!(f, "duplicate {} field", field.name()),
            Error::BadUpgrade => f.write_str("Upgrade is not WebSocket"),
            Error::BadConnection => f.write_str("Connection does not carry the Upgrade token"),
            Error::BadHost => f.write_str("Host is not a valid host[:port]"),
            Error::BadProtocol => f.write_str("invalid Sec-WebSocket-Protocol value"),
            Error::UnexpectedBody => {
                f.write_str("request body framing other than Content-Length: 8")
            }
            Error::KeyNoDigits(k) => {
                write!(
                    f,
                    "{} has no digits (draft 5.2 step 4)",
                    Field::from(*k).name()
                )
            }
            Error::KeyNumberTooLarge(k) => write!(
                f,
                "{} number exceeds 4294967295 (draft 5.2 step 4)",
                Field::from(*k).name()
            ),
            Error::KeyNoSpaces(k) => {
                write!(
                    f,
                    "{} has no spaces (draft 5.2 step 5)",
                    Field::from(*k).name()
                )
            }
            Error::KeyNotIntegral(k) => write!(
                f,
                "{} number is not a multiple of its spaces (draft 5.2 step 6)",
                Field::from(*k).name()
            ),
            Error::BadStatusLine => f.write_str(
                "malformed status line (for hixie-75: not exactly \
                 `HTTP/1.1 101 Web Socket Protocol Handshake`)",
            ),
            Error::UnexpectedStatus(code) => write!(f, "server answered status {code}, not 101"),
            Error::ProxyAuthenticationRequired => {
                f.write_str("proxy authentication required (status 407)")
            }
            Error::OriginMismatch => {
                f.write_str("Sec-WebSocket-Origin differs from the origin sent")
            }
            Error::LocationMismatch => {
                f.write_str("Sec-WebSocket-Location differs from the requested URL")
            }
            Error::ProtocolMismatch => {
                f.write_str("Sec-WebSocket-Protocol does not match the offered subprotocols")
            }
            Error::ChallengeMismatch => f.write_str("the 16-byte answer is wrong"),
            Error::FrameTooLarge => f.write_str("discarded frame exceeds the message limit"),
            Error::MessageTooLarge => f.write_str("text message exceeds the message limit"),
            Error::InvalidUtf8 => f.write_str("text message is not valid UTF-8"),
            Error::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} bytes needed")
            }
            Error::InvalidValue(setting) => write!(f, "invalid {}", setting.name()),
            Error::ProtocolNotOffered => f.write_str("subprotocol was not offered by the client"),
            Error::NoProtocolChosen => {
                f.write_str("the client offered subprotocols and none was chosen")
            }
            Error::InvalidUrl => {
                f.write_str("URL is not ws:// or wss://host[:port][/path][?query]")
            }
            Error::InvalidState => f.write_str("call not valid in the machine's current state"),
            Error::BadProxyHeader => f.write_str("malformed or oversized PROXY protocol header"),
        }
    }
}

impl core::error::Error for Error {}

#[cfg(feature = "std")]
impl From<Error> for std::io::Error {
    fn from(error: Error) -> Self {
        let kind = match error.fault() {
            Fault::Peer => std::io::ErrorKind::InvalidData,
            Fault::Caller => std::io::ErrorKind::InvalidInput,
        };
        std::io::Error::new(kind, error)
    }
}
