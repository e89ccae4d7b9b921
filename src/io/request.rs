//! What a server's decision sees: the request, whichever protocol it asks for.

use crate::server::{self, Handover};

/// The WebSocket protocol a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// draft-hixie-thewebsocketprotocol-76 (hybi-00).
    Hixie76,
    /// draft-hixie-thewebsocketprotocol-75, when allowed.
    Hixie75,
    /// RFC 6455, served by tungstenite on a one-port server.
    Rfc6455,
}

/// A WebSocket request as the application's decision sees it, whatever its protocol: the
/// same questions (resource, host, origin, offered subprotocols, cookies, fields) for a
/// hixie-76 request the crate judged and for an RFC 6455 request on its way to tungstenite.
///
/// A hixie-76 or hixie-75 request has passed every rule of the draft; an RFC 6455 request only
/// the byte-level rules of a head and what tungstenite needs to answer it.
///
/// A decision that admits one origin and serves one subprotocol, whatever the protocol:
///
/// ```
/// use hixie76::io::{AcceptOptions, Decision, Request};
/// use hixie76::StatusCode;
///
/// fn decide(request: &Request<'_>) -> Decision {
///     if request.origin() != Some("http://tv.example") {
///         return Decision::Reject(StatusCode::Forbidden);
///     }
///     match request.protocols().find(|&offered| offered == "chat") {
///         Some(chat) => Decision::Accept(AcceptOptions::new().with_protocol(chat)),
///         None if request.protocols().next().is_none() => Decision::Accept(AcceptOptions::new()),
///         None => Decision::Reject(StatusCode::BadRequest),
///     }
/// }
/// # let _ = decide;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    inner: Inner<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Inner<'a> {
    Hixie(server::Request<'a>),
    #[cfg(feature = "tungstenite")]
    Rfc6455(Handover<'a>),
}

impl<'a> Request<'a> {
    pub(crate) fn hixie(request: server::Request<'a>) -> Self {
        Request {
            inner: Inner::Hixie(request),
        }
    }

    #[cfg(feature = "tungstenite")]
    pub(crate) fn rfc6455(handover: Handover<'a>) -> Self {
        Request {
            inner: Inner::Rfc6455(handover),
        }
    }

    /// The protocol the request asks for.
    #[must_use]
    pub fn protocol(&self) -> Protocol {
        match self.inner {
            Inner::Hixie(request) if request.is_hixie75() => Protocol::Hixie75,
            Inner::Hixie(_) => Protocol::Hixie76,
            #[cfg(feature = "tungstenite")]
            Inner::Rfc6455(_) => Protocol::Rfc6455,
        }
    }

    /// The request-target: path and query, exactly as sent.
    #[must_use]
    pub fn resource(&self) -> &'a str {
        match self.inner {
            Inner::Hixie(request) => request.resource(),
            #[cfg(feature = "tungstenite")]
            Inner::Rfc6455(handover) => handover.resource(),
        }
    }

    /// The path part of the resource.
    #[must_use]
    pub fn path(&self) -> &'a str {
        let resource = self.resource();
        resource.split_once('?').map_or(resource, |(path, _)| path)
    }

    /// The query after `?`, if any.
    #[must_use]
    pub fn query(&self) -> Option<&'a str> {
        self.resource().split_once('?').map(|(_, query)| query)
    }

    /// The `Host` value, port included (empty if an RFC 6455 request has none).
    #[must_use]
    pub fn host(&self) -> &'a str {
        match self.inner {
            Inner::Hixie(request) => request.host(),
            #[cfg(feature = "tungstenite")]
            Inner::Rfc6455(_) => self.field_str("host").unwrap_or_default(),
        }
    }

    /// The `Origin` value, or `None` when the client sent none.
    #[must_use]
    pub fn origin(&self) -> Option<&'a str> {
        match self.inner {
            Inner::Hixie(request) => request.origin(),
            #[cfg(feature = "tungstenite")]
            Inner::Rfc6455(_) => self.field_str("origin"),
        }
    }

    /// The offered subprotocols, in the client's order: hixie-76 separates them with spaces,
    /// RFC 6455 with commas, possibly over several `Sec-WebSocket-Protocol` fields.
    #[must_use]
    pub fn protocols(&self) -> Protocols<'a> {
        match self.inner {
            Inner::Hixie(request) => Protocols {
                inner: ProtocolsInner::Hixie(request.protocols()),
            },
            #[cfg(feature = "tungstenite")]
            Inner::Rfc6455(handover) => Protocols {
                inner: ProtocolsInner::Rfc6455 {
                    head: handover,
                    line: 0,
                    rest: "",
                },
            },
        }
    }

    /// The values of every `Cookie` field, in order.
    pub fn cookies(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fields()
            .filter(|(name, _)| name.eq_ignore_ascii_case("cookie"))
            .map(|(_, value)| value)
    }

    /// Every field as `(name, value)`, in order, the value's surrounding white space removed.
    pub fn fields(&self) -> impl Iterator<Item = (&'a str, &'a [u8])> + 'a {
        let head = match self.inner {
            Inner::Hixie(request) => Handover::new(request.head()),
            #[cfg(feature = "tungstenite")]
            Inner::Rfc6455(handover) => handover,
        };
        head.fields()
    }

    /// The first value of the named field (compared case-insensitively).
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&'a [u8]> {
        self.fields()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    /// The head exactly as received.
    #[must_use]
    pub fn head(&self) -> &'a [u8] {
        match self.inner {
            Inner::Hixie(request) => request.head(),
            #[cfg(feature = "tungstenite")]
            Inner::Rfc6455(handover) => handover.bytes(),
        }
    }

    #[cfg(feature = "tungstenite")]
    fn field_str(&self, name: &str) -> Option<&'a str> {
        self.field(name)
            .map(|value| core::str::from_utf8(value).unwrap_or_default())
    }
}

/// The subprotocols a request offers, from [`Request::protocols`].
#[derive(Debug, Clone)]
pub struct Protocols<'a> {
    inner: ProtocolsInner<'a>,
}

#[derive(Debug, Clone)]
enum ProtocolsInner<'a> {
    Hixie(server::Protocols<'a>),
    #[cfg(feature = "tungstenite")]
    Rfc6455 {
        head: Handover<'a>,
        /// How many `Sec-WebSocket-Protocol` fields were read.
        line: usize,
        /// What is left of the one being read.
        rest: &'a str,
    },
}

impl<'a> Iterator for Protocols<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        match &mut self.inner {
            ProtocolsInner::Hixie(protocols) => protocols.next(),
            #[cfg(feature = "tungstenite")]
            ProtocolsInner::Rfc6455 { head, line, rest } => loop {
                let (item, after) = rest.split_once(',').unwrap_or((rest, ""));
                *rest = after;
                let item = item.trim_matches([' ', '\t']);
                if !item.is_empty() {
                    return Some(item);
                }
                if rest.is_empty() {
                    let value = head
                        .fields()
                        .filter(|(name, _)| name.eq_ignore_ascii_case("sec-websocket-protocol"))
                        .nth(*line)?
                        .1;
                    *line += 1;
                    *rest = core::str::from_utf8(value).unwrap_or_default();
                }
            },
        }
    }
}
