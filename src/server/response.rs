//! What the server writes: the 101 head of an accepted handshake and the short refusals.
//!
//! Every byte written here either is a constant or came from a request field that was
//! validated when the head completed, or from an application value checked here; nothing
//! carrying CR, LF or NUL can reach the output ([rule R5](crate::rules#r5)).

use crate::authority::port_text;
use crate::emit::{self, emit_fields, is_extra_field, Emit, Sink};
use crate::scan::{same_bytes, WORDS};
use crate::server::request::Request;
use crate::{Error, Setting, StatusCode};

/// The application's decision to accept a request, built with chained calls.
///
/// ```
/// use hixie76::server::Accept;
/// let cookies = [("Set-Cookie", "id=1; HttpOnly")];
/// let accept = Accept::new().with_protocol(Some("chat")).with_secure(true).with_fields(&cookies);
/// assert_eq!(accept.protocol(), Some("chat"));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Accept<'a> {
    protocol: Option<&'a str>,
    secure: bool,
    fields: &'a [(&'a str, &'a str)],
}

impl<'a> Accept<'a> {
    /// Accept with no subprotocol, over `ws://`, with no extra fields.
    #[must_use]
    #[inline]
    pub const fn new() -> Self {
        Accept {
            protocol: None,
            secure: false,
            fields: &[],
        }
    }

    /// The subprotocol to agree on: one of the request's
    /// [`protocols`](Request::protocols), or `None` when the client offered none (or, for a
    /// hixie-75 request, to agree on none: that draft makes the echo optional). It is checked
    /// when the request is accepted, and the request's own bytes are echoed.
    #[must_use]
    #[inline]
    pub const fn with_protocol(mut self, protocol: Option<&'a str>) -> Self {
        self.protocol = protocol;
        self
    }

    /// Whether the client reached the server over TLS (terminated here or in a proxy in
    /// front): the Location then says `wss://`, and port 443 is the default one.
    #[must_use]
    #[inline]
    pub const fn with_secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Extra response fields such as `Set-Cookie`, written after the handshake's own. Names
    /// must be tokens and values free of CR, LF, NUL and other control bytes; the handshake's
    /// own fields (`Upgrade`, `Connection`, `Sec-WebSocket-*`, `WebSocket-*`) and those that
    /// would change how the head is read (`Content-Length`, `Transfer-Encoding`) cannot be
    /// added.
    #[must_use]
    #[inline]
    pub const fn with_fields(mut self, fields: &'a [(&'a str, &'a str)]) -> Self {
        self.fields = fields;
        self
    }

    /// The subprotocol to agree on ([`with_protocol`](Self::with_protocol)).
    #[must_use]
    pub const fn protocol(&self) -> Option<&'a str> {
        self.protocol
    }

    /// Whether the Location says `wss://` ([`with_secure`](Self::with_secure)).
    #[must_use]
    pub const fn is_secure(&self) -> bool {
        self.secure
    }

    /// The extra response fields ([`with_fields`](Self::with_fields)).
    #[must_use]
    pub const fn fields(&self) -> &'a [(&'a str, &'a str)] {
        self.fields
    }
}

/// Which draft's 101 head to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Draft {
    Hixie76,
    Hixie75,
}

/// Writes the 101 head for `request` into `out`; returns its length. Nothing is written when
/// a value is refused or `out` is too small.
// Inlined into its one caller where words are 64 bits, like the emission it holds.
#[cfg_attr(target_pointer_width = "64", inline(always))]
pub(crate) fn write_head(
    request: &Request<'_>,
    accept: &Accept<'_>,
    draft: Draft,
    out: &mut [u8],
) -> Result<usize, Error> {
    for (name, value) in accept.fields {
        if !is_extra_field(name.as_bytes(), value.as_bytes(), &[]) {
            return Err(Error::InvalidValue(Setting::Field));
        }
    }
    // Compared as bytes: the names are visible ASCII, so bytes equal exactly when the strings
    // do, and no UTF-8 check is spent on them.
    let mut offered = request.protocols();
    let protocol = match accept.protocol {
        // The request's own bytes are echoed, so the client finds exactly what it sent.
        Some(chosen) => Some(
            core::iter::from_fn(|| offered.next_bytes())
                .find(|&p| same_bytes(p, chosen.as_bytes()))
                .ok_or(Error::ProtocolNotOffered)?,
        ),
        // Every conforming hixie-76 client fails a 101 that names none of the subprotocols it
        // offered; hixie-75 makes the echo optional (without it, none was agreed).
        None if draft == Draft::Hixie76 && offered.next_bytes().is_some() => {
            return Err(Error::NoProtocolChosen)
        }
        None => None,
    };
    let (host, port) = request.host_name_and_port();
    let default_port = if accept.secure { 443 } else { 80 };
    let mut port_digits = [0u8; 6];
    let port = match port.filter(|&p| p != default_port) {
        Some(port) => port_text(port, &mut port_digits),
        None => &[],
    };
    let head = |words: &'static Words| Head {
        words,
        origin: request.origin_bytes(),
        secure: accept.secure,
        host,
        port,
        resource: request.resource_bytes(),
        protocol,
        fields: accept.fields,
    };
    if WORDS {
        // A copy of the emission for each draft, inlined, so that its fixed words are
        // constants: their lengths known, they are copied inline instead of by calls.
        match draft {
            Draft::Hixie76 => emit::write_inline(&head(&HIXIE76), out),
            Draft::Hixie75 => emit::write_inline(&head(&HIXIE75), out),
        }
    } else {
        // One copy of the emission for both drafts, where code size counts most.
        let words = match draft {
            Draft::Hixie76 => &HIXIE76,
            Draft::Hixie75 => &HIXIE75,
        };
        emit::write(&head(words), out)
    }
}

/// A draft's fixed words in a 101 head, each run of them one piece, so that a head is written
/// in as few pieces as it can be.
struct Words {
    /// The status line and the fields every answer carries.
    start: &'static [u8],
    origin: &'static [u8],
    /// The Location's name and scheme: `ws://`, then `wss://`.
    location: [&'static [u8]; 2],
    protocol: &'static [u8],
}

static HIXIE76: Words = Words {
    start: b"HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n",
    origin: b"Sec-WebSocket-Origin: ",
    location: [
        b"Sec-WebSocket-Location: ws://",
        b"Sec-WebSocket-Location: wss://",
    ],
    protocol: b"Sec-WebSocket-Protocol: ",
};

/// hixie-75's: another reason phrase, no `Sec-` in the names.
static HIXIE75: Words = Words {
    start: b"HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n",
    origin: b"WebSocket-Origin: ",
    location: [b"WebSocket-Location: ws://", b"WebSocket-Location: wss://"],
    protocol: b"WebSocket-Protocol: ",
};

/// The pieces of a 101 head.
struct Head<'a> {
    words: &'static Words,
    origin: Option<&'a [u8]>,
    /// Whether the Location's scheme is `wss`.
    secure: bool,
    host: &'a [u8],
    port: &'a [u8],
    resource: &'a [u8],
    protocol: Option<&'a [u8]>,
    fields: &'a [(&'a str, &'a str)],
}

impl Emit for Head<'_> {
    // Inlined into each draft's copy where words are 64 bits (see `write_head`).
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    #[cfg_attr(not(target_pointer_width = "64"), inline)]
    fn emit<K: Sink>(&self, sink: &mut K) {
        sink.put(self.words.start);
        if let Some(origin) = self.origin {
            sink.put(self.words.origin);
            sink.put(origin);
            sink.put(b"\r\n");
        }
        // Each scheme's words apart, so that where the draft's words are constants (see
        // `write_head`) each is copied inline.
        if self.secure {
            sink.put(self.words.location[1]);
        } else {
            sink.put(self.words.location[0]);
        }
        // The Location is canonical: the host lowercased.
        sink.put_lowercase(self.host);
        // Nearly always none: the scheme's default port.
        if !self.port.is_empty() {
            sink.put(self.port);
        }
        sink.put(self.resource);
        sink.put(b"\r\n");
        if let Some(protocol) = self.protocol {
            sink.put(self.words.protocol);
            sink.put(protocol);
            sink.put(b"\r\n");
        }
        emit_fields(self.fields, sink);
        sink.put(b"\r\n");
    }
}

/// The complete response that refuses a handshake with `status`: a status line with a fixed
/// reason phrase, `Connection: close`, `Content-Length: 0` and the blank line. Send it, then
/// close the connection.
///
/// ```
/// use hixie76::{server::error_response, StatusCode};
/// assert_eq!(
///     error_response(StatusCode::BadRequest),
///     b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
/// );
/// ```
#[must_use]
pub const fn error_response(status: StatusCode) -> &'static [u8] {
    macro_rules! response {
        ($code:literal $reason:literal $($field:literal)?) => {
            response!($code $reason $($field)? ; "close")
        };
        ($code:literal $reason:literal $($field:literal)? ; $connection:literal) => {
            concat!(
                "HTTP/1.1 ",
                $code,
                " ",
                $reason,
                "\r\n",
                $($field, "\r\n",)?
                "Connection: ",
                $connection,
                "\r\nContent-Length: 0\r\n\r\n"
            )
            .as_bytes()
        };
    }
    match status {
        StatusCode::BadRequest => response!("400" "Bad Request"),
        StatusCode::Forbidden => response!("403" "Forbidden"),
        StatusCode::NotFound => response!("404" "Not Found"),
        // A 405 must say which methods are allowed (RFC 9110, section 15.5.6).
        StatusCode::MethodNotAllowed => response!("405" "Method Not Allowed" "Allow: GET"),
        StatusCode::RequestHeaderFieldsTooLarge => {
            response!("431" "Request Header Fields Too Large")
        }
        // RFC 6455 section 4.4: name the version this server speaks; RFC 9110 section 15.5.22:
        // a 426 names the protocol to upgrade to.
        StatusCode::UpgradeRequired => response!(
            "426" "Upgrade Required" "Upgrade: websocket\r\nSec-WebSocket-Version: 13";
            "Upgrade, close"
        ),
        StatusCode::InternalServerError => response!("500" "Internal Server Error"),
        StatusCode::BadGateway => response!("502" "Bad Gateway"),
        StatusCode::ServiceUnavailable => response!("503" "Service Unavailable"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fixed responses repeat each status's code and reason: they must agree.
    #[test]
    fn error_responses_match_their_status() {
        for status in [
            StatusCode::BadRequest,
            StatusCode::Forbidden,
            StatusCode::NotFound,
            StatusCode::MethodNotAllowed,
            StatusCode::RequestHeaderFieldsTooLarge,
            StatusCode::UpgradeRequired,
            StatusCode::InternalServerError,
            StatusCode::BadGateway,
            StatusCode::ServiceUnavailable,
        ] {
            let text = core::str::from_utf8(error_response(status)).unwrap();
            let line = text.split("\r\n").next().unwrap();
            let (code, reason) = line
                .strip_prefix("HTTP/1.1 ")
                .and_then(|rest| rest.split_once(' '))
                .unwrap();
            assert_eq!(code.parse::<u16>(), Ok(status.code()));
            assert_eq!(reason, status.reason());
            assert!(
                text.ends_with(", close\r\nContent-Length: 0\r\n\r\n")
                    || text.ends_with("\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            );
            assert_eq!(text.matches("Connection:").count(), 1);
        }
    }
}
