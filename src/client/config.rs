//! What the application asks of a connection: the URL, the origin, subprotocols, extra
//! fields and the named leniencies (rule R10). Everything is borrowed; nothing is allocated.

use super::url::Url;
use crate::scan::{is_extra_field, is_visible_ascii};
use crate::{Error, Limits};

/// How a client opens a connection, built with chained calls and checked by
/// [`ClientHandshake::new`](super::ClientHandshake::new).
///
/// Strict by default: exactly the draft's checks, no `Content-Length`, rule R12's limits.
///
/// ```
/// use hixie76::client::{ClientConfig, Url};
/// let cookies = [("Cookie", "session=abc")];
/// let config = ClientConfig::new(Url::parse("ws://example.com/chat")?, "http://example.com")
///     .with_protocols(&["chat", "superchat"])
///     .with_fields(&cookies);
/// assert!(config.validate().is_ok());
/// # Ok::<(), hixie76::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientConfig<'a> {
    pub(crate) url: Url<'a>,
    pub(crate) origin: &'a str,
    pub(crate) protocols: &'a [&'a str],
    pub(crate) fields: &'a [(&'a str, &'a str)],
    pub(crate) content_length: bool,
    pub(crate) any_case_upgrade: bool,
    pub(crate) hixie75: bool,
    pub(crate) limits: Limits,
}

impl<'a> ClientConfig<'a> {
    /// A connection to `url` from the page (or application) at `origin`, which is sent
    /// lowercased and must be visible ASCII, such as `http://example.com` or `null`.
    #[must_use]
    pub const fn new(url: Url<'a>, origin: &'a str) -> Self {
        ClientConfig {
            url,
            origin,
            protocols: &[],
            fields: &[],
            content_length: false,
            any_case_upgrade: false,
            hixie75: false,
            limits: Limits::DEFAULT,
        }
    }

    /// Offers these subprotocols, most preferred first, in one `Sec-WebSocket-Protocol` field
    /// separated by spaces. Each must be non-empty U+0021–U+007E. None (the default) sends no
    /// such field, and then a server that names one fails the handshake.
    #[must_use]
    pub const fn with_protocols(mut self, protocols: &'a [&'a str]) -> Self {
        self.protocols = protocols;
        self
    }

    /// Extra request fields such as `Cookie` or `Authorization`, written after the
    /// handshake's own. Names must be tokens and values free of CR, LF, NUL and other control
    /// bytes; the handshake's own fields (`Host`, `Upgrade`, `Connection`, `Origin`,
    /// `Content-Length`, `Transfer-Encoding`, `Sec-WebSocket-*`, `WebSocket-*`) cannot be
    /// added.
    #[must_use]
    pub const fn with_fields(mut self, fields: &'a [(&'a str, &'a str)]) -> Self {
        self.fields = fields;
        self
    }

    /// Sends `Content-Length: 8` for key3. Off by default (rule R7): servers that expect it
    /// are rare, and two common ones hang when they get it. Turn it on only for a server or
    /// proxy that needs it to pass key3 on.
    #[must_use]
    pub const fn with_content_length(mut self, send: bool) -> Self {
        self.content_length = send;
        self
    }

    /// Accepts `Upgrade: WebSocket` in any letter case (Netty answers `websocket`). Off by
    /// default: the draft asks for exactly `WebSocket`.
    #[must_use]
    pub const fn with_any_case_upgrade(mut self, allow: bool) -> Self {
        self.any_case_upgrade = allow;
        self
    }

    /// Speaks the older draft-hixie-thewebsocketprotocol-75 instead, to a server that knows
    /// nothing newer. Off by default.
    ///
    /// The request then carries no keys and no key3, and at most one subprotocol, in a
    /// `WebSocket-Protocol` field; `Content-Length` cannot be asked for (there is no body).
    /// The response must start with exactly these 85 bytes:
    ///
    /// ```text
    /// HTTP/1.1 101 Web Socket Protocol Handshake\r\n
    /// Upgrade: WebSocket\r\n
    /// Connection: Upgrade\r\n
    /// ```
    ///
    /// (with [`with_any_case_upgrade`](Self::with_any_case_upgrade), `WebSocket` in any letter
    /// case), then carry exactly one `WebSocket-Origin` and one `WebSocket-Location`,
    /// byte-equal to the origin sent and the URL built, and at most one `WebSocket-Protocol`,
    /// only when one was offered and equal to it (draft-75 makes the echo optional: without
    /// it, no subprotocol was agreed). No answer follows the blank line: the next bytes are
    /// frames. The connection has no closing handshake (see
    /// [`Established::hixie75`](super::Established::hixie75)).
    ///
    /// A hixie-75 handshake proves nothing about the server (there is no challenge): use it
    /// only for a server known to need it.
    ///
    /// ```
    /// use hixie76::client::{ClientConfig, Url};
    /// let url = Url::parse("ws://example.com/chat")?;
    /// let config = ClientConfig::new(url, "http://example.com").with_hixie75(true);
    /// assert!(config.validate().is_ok());
    /// assert!(config.with_protocols(&["a", "b"]).validate().is_err()); // one value at most
    /// # Ok::<(), hixie76::Error>(())
    /// ```
    #[must_use]
    pub const fn with_hixie75(mut self, hixie75: bool) -> Self {
        self.hixie75 = hixie75;
        self
    }

    /// Other head size and field count limits for the response (the message limit is the
    /// connection's).
    #[must_use]
    pub const fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The URL connected to.
    #[must_use]
    pub const fn url(&self) -> &Url<'a> {
        &self.url
    }

    /// The origin as given (it is sent lowercased).
    #[must_use]
    pub const fn origin(&self) -> &'a str {
        self.origin
    }

    /// The offered subprotocols.
    #[must_use]
    pub const fn protocols(&self) -> &'a [&'a str] {
        self.protocols
    }

    /// Whether this configuration speaks hixie-75 ([`with_hixie75`](Self::with_hixie75)).
    #[must_use]
    pub const fn is_hixie75(&self) -> bool {
        self.hixie75
    }

    /// Checks every value that will reach the request: [`Error::InvalidValue`] names the
    /// first one that cannot be sent. In hixie-75 mode, more than one subprotocol or a
    /// `Content-Length` is refused too.
    pub fn validate(&self) -> Result<(), Error> {
        if self.hixie75 && (self.protocols.len() > 1 || self.content_length) {
            return Err(Error::InvalidValue);
        }
        if self.origin.is_empty() || !is_visible_ascii(self.origin.as_bytes()) {
            return Err(Error::InvalidValue);
        }
        for protocol in self.protocols {
            if protocol.is_empty() || !is_visible_ascii(protocol.as_bytes()) {
                return Err(Error::InvalidValue);
            }
        }
        for (name, value) in self.fields {
            // The client writes Host and Origin itself, too.
            if !is_extra_field(name.as_bytes(), value.as_bytes(), &[b"host", b"origin"]) {
                return Err(Error::InvalidValue);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ClientConfig<'static> {
        ClientConfig::new(
            Url::parse("ws://example.com/").unwrap(),
            "http://example.com",
        )
    }

    #[test]
    fn refuses_values_that_cannot_be_sent() {
        assert_eq!(config().validate(), Ok(()));
        for origin in ["", "http://a b", "http://\u{e9}", "x\r\n"] {
            assert_eq!(
                ClientConfig::new(config().url, origin).validate(),
                Err(Error::InvalidValue)
            );
        }
        for protocols in [&[""][..], &["a b"], &["ok", "\x7f"]] {
            assert_eq!(
                config().with_protocols(protocols).validate(),
                Err(Error::InvalidValue)
            );
        }
        for fields in [
            &[("Cookie", "a\r\nX: y")][..],
            &[("Cookie", "a\0")],
            &[("Bad Name", "v")],
            &[("", "v")],
            &[("HOST", "evil")],
            &[("Sec-WebSocket-Key1", "1 1")],
            &[("websocket-protocol", "x")],
            &[("Content-Length", "0")],
        ] {
            assert_eq!(
                config().with_fields(fields).validate(),
                Err(Error::InvalidValue)
            );
        }
        assert_eq!(
            config()
                .with_fields(&[("Cookie", "a=b; c=d"), ("X-Tab", "a\tb")])
                .validate(),
            Ok(())
        );
    }

    #[test]
    fn hixie75_allows_one_protocol_and_no_body() {
        let old = config().with_hixie75(true);
        assert_eq!(old.with_protocols(&["chat"]).validate(), Ok(()));
        assert_eq!(
            old.with_protocols(&["chat", "x"]).validate(),
            Err(Error::InvalidValue)
        );
        assert_eq!(
            old.with_content_length(true).validate(),
            Err(Error::InvalidValue)
        );
        assert_eq!(
            old.with_protocols(&["a\r\nX: y"]).validate(),
            Err(Error::InvalidValue)
        );
        assert_eq!(config().with_protocols(&["chat", "x"]).validate(), Ok(()));
    }
}
