//! `ws://` and `wss://` URLs: what the request line, `Host` and the expected
//! `Sec-WebSocket-Location` are built from.

use crate::authority;
use crate::scan::is_visible_ascii;
use crate::Error;

/// A parsed `ws://` or `wss://` URL: `scheme://host[:port][/path][?query]`.
///
/// Only what the handshake can use is accepted: a host name, an IPv4 address or a bracketed
/// IPv6 address, an optional port in 1..=65535, and a path and query of visible ASCII
/// (percent-encode anything else). User information (`user@`), fragments (`#`), an empty host
/// or a bad port are refused with [`Error::InvalidUrl`]. The host is sent lowercased.
///
/// ```
/// use hixie76::client::Url;
/// let url = Url::parse("wss://Example.COM:8443/chat?room=1")?;
/// assert!(url.is_secure());
/// assert_eq!(url.host(), "Example.COM");
/// assert_eq!(url.port(), 8443);
/// assert_eq!(url.path(), "/chat");
/// assert_eq!(url.query(), Some("room=1"));
///
/// assert_eq!(Url::parse("ws://user@example.com/"), Err(hixie76::Error::InvalidUrl));
/// # Ok::<(), hixie76::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Url<'a> {
    secure: bool,
    host: &'a str,
    port: u16,
    path: &'a str,
    query: Option<&'a str>,
}

impl<'a> Url<'a> {
    /// Parses `url`. The scheme is matched case-insensitively; everything else is kept as
    /// written (the host is lowercased when it is sent).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] for anything but `ws://` or `wss://`, a host, an optional port in
    /// 1..=65535, and a path and query of visible ASCII.
    pub fn parse(url: &'a str) -> Result<Self, Error> {
        let (secure, rest) = if let Some(rest) = strip_prefix_ignore_case(url, "ws://") {
            (false, rest)
        } else if let Some(rest) = strip_prefix_ignore_case(url, "wss://") {
            (true, rest)
        } else {
            return Err(Error::InvalidUrl);
        };
        if !is_visible_ascii(rest.as_bytes()) || rest.contains('#') {
            return Err(Error::InvalidUrl);
        }
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(authority_end);
        let (host, port) = split_authority(authority)?;
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (target, None),
        };
        Ok(Url {
            secure,
            host,
            port: port.unwrap_or(if secure { 443 } else { 80 }),
            path,
            query,
        })
    }

    /// Whether the scheme is `wss` (TLS): the caller must then wrap the connection in TLS.
    #[must_use]
    pub const fn is_secure(&self) -> bool {
        self.secure
    }

    /// The host as written in the URL; an IPv6 address keeps its brackets (remove them to
    /// resolve it).
    #[must_use]
    pub const fn host(&self) -> &'a str {
        self.host
    }

    /// The port to connect to: the one in the URL, or 80 for `ws` and 443 for `wss`.
    #[must_use]
    pub const fn port(&self) -> u16 {
        self.port
    }

    /// The path as written; empty when the URL has none (the request then asks for `/`).
    #[must_use]
    pub const fn path(&self) -> &'a str {
        self.path
    }

    /// The query after `?`, if the URL has one.
    #[must_use]
    pub const fn query(&self) -> Option<&'a str> {
        self.query
    }

    /// Whether the port is the scheme's default, and so left out of `Host` and Location.
    pub(crate) const fn has_default_port(&self) -> bool {
        self.port == if self.secure { 443 } else { 80 }
    }
}

fn strip_prefix_ignore_case<'s>(text: &'s str, prefix: &str) -> Option<&'s str> {
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        text.get(prefix.len()..)
    } else {
        None
    }
}

/// Splits `host[:port]`, refusing user information, an empty or malformed host and a bad port.
fn split_authority(authority: &str) -> Result<(&str, Option<u16>), Error> {
    let (host_end, port) = authority::split(authority.as_bytes()).ok_or(Error::InvalidUrl)?;
    // `host_end` follows an ASCII byte, so it is a character boundary.
    let host = authority.get(..host_end).ok_or(Error::InvalidUrl)?;
    Ok((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_usual_forms() {
        let url = Url::parse("ws://example.com").unwrap();
        assert_eq!(
            (url.host(), url.port(), url.path(), url.query()),
            ("example.com", 80, "", None)
        );
        assert!(url.has_default_port());
        let url = Url::parse("WSS://[::1]:9000?x").unwrap();
        assert_eq!(
            (url.host(), url.port(), url.path(), url.query()),
            ("[::1]", 9000, "", Some("x"))
        );
        assert!(!url.has_default_port());
        let url = Url::parse("ws://10.0.0.1:80/a/b?").unwrap();
        assert_eq!((url.path(), url.query()), ("/a/b", Some("")));
        assert!(url.has_default_port());
    }

    #[test]
    fn refuses_the_rest() {
        for bad in [
            "http://example.com/",
            "ws:/example.com/",
            "ws://",
            "ws:///path",
            "ws://:80/",
            "ws://user@example.com/",
            "ws://user:pw@example.com/",
            "ws://example.com/#frag",
            "ws://example.com:/",
            "ws://example.com:0/",
            "ws://example.com:65536/",
            "ws://example.com:123456/",
            "ws://example.com:8o/",
            "ws://exa mple.com/",
            "ws://example.com/a b",
            "ws://example.com/\u{e9}",
            "ws://[]/",
            "ws://[::1/",
            "ws://[::1]x/",
            "ws://[zz::1]/",
            "ws://[127.0.0.1]/",
        ] {
            assert_eq!(Url::parse(bad), Err(Error::InvalidUrl), "{bad}");
        }
    }
}
