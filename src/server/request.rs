//! The zero-copy views a server hands the application: a valid request to decide on
//! ([`Request`]), and a request for something else, handed back with its bytes ([`Handover`]).

use core::ops::Range;

use super::judge::RequestRecord;
use crate::scan::{ascii_str, find_space, split_field_trimmed};

/// The WebSocket version a complete request head asks for, when it is not hixie-76.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Version {
    /// RFC 6455 or hybi-04 and later: a `Sec-WebSocket-Key` or `Sec-WebSocket-Version` field.
    Rfc6455,
    /// hybi-01 to hybi-03: a `Sec-WebSocket-Draft` field (same keys, different framing).
    Hybi,
    /// draft-hixie-thewebsocketprotocol-75: `Upgrade: WebSocket` without
    /// `Sec-WebSocket-Key1`/`Key2`.
    Hixie75,
}

/// The subprotocols a client offered, in its order: the `Sec-WebSocket-Protocol` value split
/// on single spaces, or a hixie-75 request's `WebSocket-Protocol` value as one entry. Each is
/// a slice of the request, non-empty visible ASCII.
#[derive(Debug, Clone)]
pub struct Protocols<'a> {
    rest: &'a [u8],
}

impl<'a> Protocols<'a> {
    /// The next name as bytes: what the server's own checks compare, with no UTF-8 check.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    pub(crate) fn next_bytes(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        // Names are a few bytes: a word-at-a-time search ends sooner than a call to a vector
        // search.
        let len = find_space(self.rest).unwrap_or(self.rest.len());
        let (name, rest) = self.rest.split_at(len);
        self.rest = rest.get(1..).unwrap_or_default();
        Some(name)
    }
}

impl<'a> Iterator for Protocols<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        self.next_bytes().map(ascii_str)
    }
}

/// A zero-copy view of a valid request head, borrowed from the handshake's head storage.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    head: &'a [u8],
    record: &'a RequestRecord,
}

impl<'a> Request<'a> {
    pub(crate) fn new(head: &'a [u8], record: &'a RequestRecord) -> Self {
        Request { head, record }
    }

    /// The request-target: path and query, exactly as sent (for example `/chat?room=1`).
    #[must_use]
    pub fn resource(&self) -> &'a str {
        ascii_str(self.bytes(self.record.target()))
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

    /// The `Host` value as sent, port included.
    #[must_use]
    pub fn host(&self) -> &'a str {
        ascii_str(self.bytes(self.record.host()))
    }

    /// The `Origin` value, or `None` when the client sent none (the application decides what
    /// an absent origin means, [rule R8](crate::rules#r8)).
    #[must_use]
    pub fn origin(&self) -> Option<&'a str> {
        self.record.origin().map(|span| ascii_str(self.bytes(span)))
    }

    /// The offered subprotocols. Each request reads only its own draft's field, so a choice
    /// is always echoed in the field the client asked in.
    #[must_use]
    #[inline]
    pub fn protocols(&self) -> Protocols<'a> {
        Protocols {
            rest: self.bytes(self.record.protocols()),
        }
    }

    /// Whether this is a draft-hixie-thewebsocketprotocol-75 request (no keys, no key3), which a
    /// server only sees with [`ServerConfig::with_hixie75`](crate::server::ServerConfig::with_hixie75)
    /// on. Accepting it answers in hixie-75's words, and the connection then has no closing
    /// handshake.
    ///
    /// ```
    /// use hixie76::server::{Outcome, ServerConfig, ServerHandshake};
    ///
    /// let request = b"GET / HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
    /// Host: example.com\r\nOrigin: http://example.com\r\n\r\n";
    /// let config = ServerConfig::new().with_hixie75(true);
    /// let mut handshake = ServerHandshake::new(config, [0u8; 512]);
    /// let Some(Outcome::Request(pending)) = handshake.receive(request)?.event else {
    ///     panic!("a request to decide on")
    /// };
    /// assert!(pending.request().is_hixie75());
    /// # Ok::<(), hixie76::Error>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn is_hixie75(&self) -> bool {
        self.record.hixie75
    }

    /// The values of every `Cookie` field, in order.
    pub fn cookies(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fields()
            .filter(|(name, _)| name.eq_ignore_ascii_case("cookie"))
            .map(|(_, value)| value)
    }

    /// Every field as `(name, value)`, in order, with the value's surrounding white space
    /// removed. Names are as sent (compare them case-insensitively).
    pub fn fields(&self) -> impl Iterator<Item = (&'a str, &'a [u8])> + 'a {
        head_fields(self.head)
    }

    /// The first value of the named field (compared case-insensitively).
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&'a [u8]> {
        find_field(self.head, name)
    }

    /// The head exactly as received, through its blank line.
    #[must_use]
    pub fn head(&self) -> &'a [u8] {
        self.head
    }

    pub(crate) fn host_name_and_port(&self) -> (&'a [u8], Option<u16>) {
        let host = self.record.host();
        let (end, port) = self.record.host_name_end_and_port();
        (
            self.bytes(host.start..end.clamp(host.start, host.end)),
            port,
        )
    }

    pub(crate) fn origin_bytes(&self) -> Option<&'a [u8]> {
        self.record.origin().map(|span| self.bytes(span))
    }

    pub(crate) fn resource_bytes(&self) -> &'a [u8] {
        self.bytes(self.record.target())
    }

    fn bytes(&self, span: Range<usize>) -> &'a [u8] {
        self.head.get(span).unwrap_or_default()
    }
}

/// A complete request this machine does not answer, with every byte it consumed: a request
/// for another WebSocket version, or not for a WebSocket at all. Give [`bytes`](Self::bytes),
/// followed by the unused rest of the input, to whatever serves it: nothing was lost
/// ([rule R9](crate::rules#r9)).
///
/// The head passed the byte-level rules every head must (lines end in CR LF, no NUL, no
/// folding, within the limits); nothing else about it was judged.
#[derive(Debug, Clone, Copy)]
pub struct Handover<'h> {
    head: &'h [u8],
}

impl<'h> Handover<'h> {
    pub(crate) fn new(head: &'h [u8]) -> Self {
        Handover { head }
    }

    /// The request head exactly as received, through its blank line.
    #[must_use]
    #[inline]
    pub fn bytes(&self) -> &'h [u8] {
        self.head
    }

    /// The method: the request line up to its first space (empty if it is not ASCII).
    #[must_use]
    pub fn method(&self) -> &'h str {
        self.request_line_part(0)
    }

    /// The request-target: the request line between its first and second spaces (empty if
    /// it is not ASCII).
    #[must_use]
    pub fn resource(&self) -> &'h str {
        self.request_line_part(1)
    }

    /// The path part of the resource.
    #[must_use]
    pub fn path(&self) -> &'h str {
        let resource = self.resource();
        resource.split_once('?').map_or(resource, |(path, _)| path)
    }

    /// The first value of the named field (compared case-insensitively), its surrounding
    /// white space removed.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&'h [u8]> {
        find_field(self.head, name)
    }

    /// Every well-formed field as `(name, value)`, in order, with the value's surrounding
    /// white space removed; a line without a colon is skipped.
    pub fn fields(&self) -> impl Iterator<Item = (&'h str, &'h [u8])> + 'h {
        head_fields(self.head)
    }

    fn request_line_part(&self, index: usize) -> &'h str {
        let line = self.head.split(|&b| b == b'\r').next().unwrap_or_default();
        let part = line.split(|&b| b == b' ').nth(index).unwrap_or_default();
        // An unjudged head: its request line may hold any byte but a control one.
        if part.is_ascii() {
            ascii_str(part)
        } else {
            ""
        }
    }
}

/// The fields of a complete head, after its first line: `(name, value)` with the value's
/// optional white space removed. Names that are not UTF-8 read as empty.
fn head_fields(head: &[u8]) -> impl Iterator<Item = (&str, &[u8])> {
    // The first line's end. A byte loop: the line is short, and a substring searcher would
    // cost over 2 KiB of code on a microcontroller.
    let body = head
        .windows(2)
        .position(|pair| pair == b"\r\n")
        .map_or(&[][..], |end| &head[end + 2..]);
    body.split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| !line.is_empty())
        .filter_map(|line| {
            split_field_trimmed(line)
                .map(|(name, value)| (ascii_str(name), line.get(value).unwrap_or_default()))
        })
}

fn find_field<'h>(head: &'h [u8], name: &str) -> Option<&'h [u8]> {
    head_fields(head)
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}
