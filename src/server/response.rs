//! What the server writes: the 101 head of an accepted handshake and the short refusals.
//!
//! Every byte written here either is a constant or came from a request field that was
//! validated when the head completed, or from an application value checked here; nothing
//! carrying CR, LF or NUL can reach the output (rule R5).

use crate::authority::port_text;
use crate::scan::is_extra_field;
use crate::server::request::{ProtocolChoice, Request};
use crate::{Error, StatusCode};

/// The application's decision to accept a request, built with chained calls.
///
/// ```
/// use hixie76::server::Accept;
/// let cookies = [("Set-Cookie", "id=1; HttpOnly")];
/// let accept = Accept::new().secure(true).fields(&cookies);
/// # let _ = accept;
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Accept<'a> {
    protocol: Option<ProtocolChoice>,
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

    /// Agree on one of the offered subprotocols (or on none, with `None`). Only a choice
    /// taken from the request's [`protocols`](Request::protocols) can be passed.
    #[must_use]
    #[inline]
    pub const fn protocol(mut self, choice: Option<ProtocolChoice>) -> Self {
        self.protocol = choice;
        self
    }

    /// Whether the connection is TLS: the Location then says `wss://` and port 443 is the
    /// default one.
    #[must_use]
    #[inline]
    pub const fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Extra response fields such as `Set-Cookie`, written after the handshake's own. Names
    /// must be tokens and values free of CR, LF, NUL and other control bytes; the handshake's
    /// own fields (`Upgrade`, `Connection`, `Sec-WebSocket-*`, `WebSocket-*`) cannot be added.
    #[must_use]
    #[inline]
    pub const fn fields(mut self, fields: &'a [(&'a str, &'a str)]) -> Self {
        self.fields = fields;
        self
    }
}

/// Which handshake's head to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavour {
    Hixie76,
    Hixie75,
}

/// Writes the 101 head for `request` into `out`; returns its length. Nothing is written when
/// a value is refused or `out` is too small.
pub(crate) fn write_head(
    request: &Request<'_>,
    accept: &Accept<'_>,
    flavour: Flavour,
    out: &mut [u8],
) -> Result<usize, Error> {
    for (name, value) in accept.fields {
        if !is_extra_field(name.as_bytes(), value.as_bytes(), &[]) {
            return Err(Error::InvalidValue);
        }
    }
    let protocol = match accept.protocol {
        Some(choice) => Some(request.protocol_bytes(choice)?),
        None => None,
    };
    let (host, port) = request.host_name_and_port();
    let default_port = if accept.secure { 443 } else { 80 };
    let mut port_digits = [0u8; 6];
    let port = match port.filter(|&p| p != default_port) {
        Some(port) => port_text(port, &mut port_digits),
        None => &[],
    };
    let (status, prefix): (&[u8], &[u8]) = match flavour {
        Flavour::Hixie76 => (b"HTTP/1.1 101 WebSocket Protocol Handshake\r\n", b"Sec-"),
        Flavour::Hixie75 => (b"HTTP/1.1 101 Web Socket Protocol Handshake\r\n", b""),
    };
    let head = Head {
        status,
        prefix,
        origin: request.origin_bytes(),
        scheme: if accept.secure { b"wss://" } else { b"ws://" },
        host,
        port,
        resource: request.resource_bytes(),
        protocol,
        fields: accept.fields,
    };
    let needed = head.len();
    let Some(out) = out.get_mut(..needed) else {
        return Err(Error::BufferTooSmall { needed });
    };
    head.write(out);
    Ok(needed)
}

/// The pieces of a 101 head, gathered once so its length is known before anything is written.
struct Head<'a> {
    status: &'a [u8],
    prefix: &'a [u8],
    origin: Option<&'a [u8]>,
    scheme: &'a [u8],
    host: &'a [u8],
    port: &'a [u8],
    resource: &'a [u8],
    protocol: Option<&'a [u8]>,
    fields: &'a [(&'a str, &'a str)],
}

const UPGRADE_CONNECTION: &[u8] = b"Upgrade: WebSocket\r\nConnection: Upgrade\r\n";
const ORIGIN: &[u8] = b"WebSocket-Origin: ";
const LOCATION: &[u8] = b"WebSocket-Location: ";
const PROTOCOL: &[u8] = b"WebSocket-Protocol: ";

impl Head<'_> {
    fn len(&self) -> usize {
        let line = |name: &[u8], value: &[u8]| self.prefix.len() + name.len() + value.len() + 2;
        self.status.len()
            + UPGRADE_CONNECTION.len()
            + self.origin.map_or(0, |origin| line(ORIGIN, origin))
            + line(LOCATION, self.scheme)
            + self.host.len()
            + self.port.len()
            + self.resource.len()
            + self.protocol.map_or(0, |protocol| line(PROTOCOL, protocol))
            + self
                .fields
                .iter()
                .map(|(name, value)| name.len() + 2 + value.len() + 2)
                .sum::<usize>()
            + 2
    }

    /// Writes into `out`, which is exactly [`Head::len`] bytes long.
    fn write(&self, out: &mut [u8]) {
        let mut at = 0;
        // Returns the offset after the bytes written.
        let mut put = |bytes: &[u8]| {
            if let Some(dest) = out.get_mut(at..at + bytes.len()) {
                dest.copy_from_slice(bytes);
            }
            at += bytes.len();
            at
        };
        put(self.status);
        put(UPGRADE_CONNECTION);
        if let Some(origin) = self.origin {
            put(self.prefix);
            put(ORIGIN);
            put(origin);
            put(b"\r\n");
        }
        put(self.prefix);
        put(LOCATION);
        let host_at = put(self.scheme);
        put(self.host);
        put(self.port);
        put(self.resource);
        put(b"\r\n");
        if let Some(protocol) = self.protocol {
            put(self.prefix);
            put(PROTOCOL);
            put(protocol);
            put(b"\r\n");
        }
        for (name, value) in self.fields {
            put(name.as_bytes());
            put(b": ");
            put(value.as_bytes());
            put(b"\r\n");
        }
        put(b"\r\n");
        // The Location carries the host lowercased (rule R8).
        if let Some(host) = out.get_mut(host_at..host_at + self.host.len()) {
            host.make_ascii_lowercase();
        }
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
            concat!(
                "HTTP/1.1 ",
                $code,
                " ",
                $reason,
                "\r\n",
                $($field, "\r\n",)?
                "Connection: close\r\nContent-Length: 0\r\n\r\n"
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
            assert!(text.ends_with("\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"));
        }
    }
}
