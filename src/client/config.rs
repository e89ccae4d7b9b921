//! What the application asks of a connection: the URL, the origin, subprotocols, extra
//! fields, the limits and the named leniencies ([rule R10](crate::rules#r10)). Everything is
//! borrowed; nothing is allocated.

use super::url::Url;
use crate::emit::is_extra_field;
use crate::frame::FrameConfig;
use crate::scan::is_visible_ascii;
use crate::{Error, HeadLimits, Setting};

/// How a client opens a connection, built with chained calls and checked by
/// [`ClientHandshake::new`](super::ClientHandshake::new).
///
/// Strict by default: exactly the draft's checks, no `Content-Length`,
/// [rule R12](crate::rules#r12)'s limits.
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
#[non_exhaustive]
pub struct ClientConfig<'a> {
    pub(crate) url: Url<'a>,
    pub(crate) origin: &'a str,
    pub(crate) protocols: &'a [&'a str],
    pub(crate) fields: &'a [(&'a str, &'a str)],
    pub(crate) content_length: bool,
    pub(crate) any_case_upgrade: bool,
    pub(crate) ignore_unasked_protocol: bool,
    pub(crate) limits: HeadLimits,
    pub(crate) frames: FrameConfig,
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
            ignore_unasked_protocol: false,
            limits: HeadLimits::DEFAULT,
            frames: FrameConfig::DEFAULT,
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

    /// Sends `Content-Length: 8` for key3. Off by default ([rule R7](crate::rules#r7)): servers that expect it
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

    /// Ignores a `Sec-WebSocket-Protocol` (hixie-75: `WebSocket-Protocol`) in a response to a
    /// request that offered none, as the draft itself does; some deployed servers answer
    /// `Sec-WebSocket-Protocol: default` to every client. Off by default: a client must not
    /// start speaking a subprotocol it never offered, so the strict check fails such a response
    /// with [`Error::ProtocolMismatch`]. With subprotocols offered, nothing changes.
    #[must_use]
    pub const fn with_unasked_protocol_ignored(mut self, ignore: bool) -> Self {
        self.ignore_unasked_protocol = ignore;
        self
    }

    /// The response head's size and field count limits.
    #[must_use]
    pub const fn with_limits(mut self, limits: HeadLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The frame limits and UTF-8 policy of the connection the handshake hands over. The
    /// draft asks a client to replace invalid UTF-8 with U+FFFD; this crate refuses it unless
    /// [`FrameConfig::with_replace_invalid_utf8`] says otherwise.
    #[must_use]
    pub const fn with_frames(mut self, frames: FrameConfig) -> Self {
        self.frames = frames;
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

    /// The extra request fields.
    #[must_use]
    pub const fn fields(&self) -> &'a [(&'a str, &'a str)] {
        self.fields
    }

    /// Whether `Content-Length: 8` is sent ([`with_content_length`](Self::with_content_length)).
    #[must_use]
    pub const fn sends_content_length(&self) -> bool {
        self.content_length
    }

    /// Whether `Upgrade: WebSocket` is accepted in any letter case
    /// ([`with_any_case_upgrade`](Self::with_any_case_upgrade)).
    #[must_use]
    pub const fn allows_any_case_upgrade(&self) -> bool {
        self.any_case_upgrade
    }

    /// Whether an unasked subprotocol in the response is ignored
    /// ([`with_unasked_protocol_ignored`](Self::with_unasked_protocol_ignored)).
    #[must_use]
    pub const fn ignores_unasked_protocol(&self) -> bool {
        self.ignore_unasked_protocol
    }

    /// The response head limits ([`with_limits`](Self::with_limits)).
    #[must_use]
    pub const fn limits(&self) -> &HeadLimits {
        &self.limits
    }

    /// The connection's frame configuration ([`with_frames`](Self::with_frames)).
    #[must_use]
    pub const fn frames(&self) -> &FrameConfig {
        &self.frames
    }

    /// Checks every value that will reach a hixie-76 request.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] naming the first setting that cannot be sent:
    /// [`Setting::Origin`] (empty, or not visible ASCII), [`Setting::Protocol`] (an empty
    /// subprotocol, or one with bytes outside U+0021–U+007E) or [`Setting::Field`] (a name that
    /// is not a token or that the handshake writes itself, or a value with a control byte).
    pub fn validate(&self) -> Result<(), Error> {
        if self.origin.is_empty() || !is_visible_ascii(self.origin.as_bytes()) {
            return Err(Error::InvalidValue(Setting::Origin));
        }
        for protocol in self.protocols {
            if protocol.is_empty() || !is_visible_ascii(protocol.as_bytes()) {
                return Err(Error::InvalidValue(Setting::Protocol));
            }
        }
        for (name, value) in self.fields {
            // The client writes Host and Origin itself, too.
            if !is_extra_field(name.as_bytes(), value.as_bytes(), &[b"host", b"origin"]) {
                return Err(Error::InvalidValue(Setting::Field));
            }
        }
        Ok(())
    }

    /// [`validate`](Self::validate), and what hixie-75 adds: its request offers one
    /// subprotocol at most and has no body.
    pub(crate) fn validate_hixie75(&self) -> Result<(), Error> {
        if self.protocols.len() > 1 {
            return Err(Error::InvalidValue(Setting::Protocols));
        }
        if self.content_length {
            return Err(Error::InvalidValue(Setting::ContentLength));
        }
        self.validate()
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
                Err(Error::InvalidValue(Setting::Origin))
            );
        }
        for protocols in [&[""][..], &["a b"], &["ok", "\x7f"]] {
            assert_eq!(
                config().with_protocols(protocols).validate(),
                Err(Error::InvalidValue(Setting::Protocol))
            );
        }
        for fields in [
            &[("Cookie", "a\r\nX: y")][..],
            &[("Cookie", "a\0")],
            &[("Bad Name", "v")],
            &[("", "v")],
            &[("HOST", "evil")],
            &[("origin", "evil")],
            &[("Sec-WebSocket-Key1", "1 1")],
            &[("websocket-protocol", "x")],
            &[("Content-Length", "0")],
        ] {
            assert_eq!(
                config().with_fields(fields).validate(),
                Err(Error::InvalidValue(Setting::Field))
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
        let old = config();
        assert_eq!(old.with_protocols(&["chat"]).validate_hixie75(), Ok(()));
        assert_eq!(
            old.with_protocols(&["chat", "x"]).validate_hixie75(),
            Err(Error::InvalidValue(Setting::Protocols))
        );
        assert_eq!(
            old.with_content_length(true).validate_hixie75(),
            Err(Error::InvalidValue(Setting::ContentLength))
        );
        assert_eq!(
            old.with_protocols(&["a\r\nX: y"]).validate_hixie75(),
            Err(Error::InvalidValue(Setting::Protocol))
        );
        assert_eq!(config().with_protocols(&["chat", "x"]).validate(), Ok(()));
    }
}
