//! The adapters' error type: what can end a handshake or a connection once sockets are
//! involved.

use core::fmt;

use crate::StatusCode;

/// Everything that can go wrong in the blocking and async adapters.
///
/// [`Error::Protocol`] carries the core's [`Error`](crate::Error) (the peer broke the protocol,
/// or a value could not be used), [`Error::Io`] the transport's.
///
/// ```
/// use hixie76::io::Error;
/// let error = Error::from(hixie76::Error::BadUpgrade);
/// assert_eq!(error.to_string(), "protocol: Upgrade is not WebSocket");
/// let io: std::io::Error = error.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::InvalidData);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Reading from or writing to the transport failed, or the transport ended in the middle of
    /// a handshake or a frame.
    Io(std::io::Error),
    /// The peer broke the protocol, or the application's values could not be used.
    Protocol(crate::Error),
    /// The RFC 6455 side of a one-port server failed.
    #[cfg(feature = "tungstenite")]
    Rfc6455(tungstenite::Error),
    /// The opening handshake did not finish within its time-out.
    HandshakeTimeout,
    /// The peer sent nothing within the idle time-out.
    IdleTimeout,
    /// A server refused the request with this status: the application's decision, options it
    /// gave that could not be used (500), or an RFC 6455 request tungstenite could not answer
    /// (4xx). A client sees a refusal as [`Error::Protocol`] with
    /// [`UnexpectedStatus`](crate::Error::UnexpectedStatus).
    Rejected(u16),
    /// The request asks for a WebSocket version neither this crate nor its RFC 6455 side
    /// speaks; a server answered it with `426 Upgrade Required`.
    UnsupportedVersion,
    /// A binary message cannot be sent on a hixie-76 or hixie-75 connection, which has text
    /// frames only.
    BinaryNotSupported,
    /// A client was given no keys and the crate was built without the `getrandom` feature, so
    /// it has no entropy of its own.
    NoKeys,
    /// The connection is over: both closes were exchanged (or, for hixie-75, the transport
    /// ended), or the socket was already closed by an earlier error.
    ConnectionClosed,
}

impl Error {
    /// The status a refusal carried, for [`Error::Rejected`].
    #[must_use]
    pub fn rejected_status(&self) -> Option<u16> {
        match self {
            Error::Rejected(code) => Some(*code),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(error) => write!(f, "io: {error}"),
            Error::Protocol(error) => write!(f, "protocol: {error}"),
            #[cfg(feature = "tungstenite")]
            Error::Rfc6455(error) => write!(f, "RFC 6455: {error}"),
            Error::HandshakeTimeout => f.write_str("the handshake did not finish in time"),
            Error::IdleTimeout => f.write_str("the peer was silent for too long"),
            Error::Rejected(code) => write!(f, "refused with status {code}"),
            Error::UnsupportedVersion => {
                f.write_str("a WebSocket version this server does not speak (answered 426)")
            }
            Error::BinaryNotSupported => {
                f.write_str("binary messages cannot be sent on a hixie-76 connection")
            }
            Error::NoKeys => f.write_str(
                "no client keys given, and no entropy source (the `getrandom` feature is off)",
            ),
            Error::ConnectionClosed => f.write_str("the connection is closed"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(error) => Some(error),
            Error::Protocol(error) => Some(error),
            #[cfg(feature = "tungstenite")]
            Error::Rfc6455(error) => Some(error),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::Io(error)
    }
}

impl From<crate::Error> for Error {
    fn from(error: crate::Error) -> Self {
        Error::Protocol(error)
    }
}

impl From<StatusCode> for Error {
    fn from(status: StatusCode) -> Self {
        Error::Rejected(status.code())
    }
}

#[cfg(feature = "tungstenite")]
impl From<tungstenite::Error> for Error {
    fn from(error: tungstenite::Error) -> Self {
        match error {
            tungstenite::Error::Io(error) => Error::Io(error),
            tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed => {
                Error::ConnectionClosed
            }
            other => Error::Rfc6455(other),
        }
    }
}

impl From<Error> for std::io::Error {
    fn from(error: Error) -> Self {
        use std::io::ErrorKind;
        let kind = match &error {
            Error::Io(_) => match error {
                Error::Io(error) => return error,
                _ => ErrorKind::Other,
            },
            Error::Protocol(error) => match error.fault() {
                crate::Fault::Peer => ErrorKind::InvalidData,
                crate::Fault::Caller => ErrorKind::InvalidInput,
            },
            Error::HandshakeTimeout | Error::IdleTimeout => ErrorKind::TimedOut,
            Error::ConnectionClosed => ErrorKind::NotConnected,
            Error::Rejected(_) => ErrorKind::ConnectionRefused,
            Error::BinaryNotSupported | Error::NoKeys => ErrorKind::InvalidInput,
            _ => ErrorKind::InvalidData,
        };
        std::io::Error::new(kind, error)
    }
}
