//! The request head: what the scanner records about each line, how the head is judged once it is
//! complete, and the zero-copy [`Request`] view handed to the application.

use core::ops::Range;

use crate::authority;
use crate::key::key_part;
use crate::scan::{ascii_str, is_token, is_visible_ascii, name_is, split_field, trim_ows};
use crate::{Error, Field, Key};

/// The WebSocket version a complete request head asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Version {
    /// RFC 6455 or hybi-04 and later: a `Sec-WebSocket-Key` or `Sec-WebSocket-Version` field.
    Rfc6455,
    /// hybi-01 to hybi-03: a `Sec-WebSocket-Draft` field (same keys, different framing).
    Hybi,
    /// draft-hixie-thewebsocketprotocol-75: `Upgrade` without `Sec-WebSocket-Key1`/`Key2`.
    Hixie75,
}

/// Offsets into the head buffer; a head is at most a few KiB, but `usize` keeps this simple.
type Span = Range<usize>;

/// A field the handshake cares about. Each has one bit in [`Fields::seen`] and
/// [`Fields::repeated`], in the order the drafts' faults are reported, so the first field at
/// fault is the lowest bit and a whole set of fields is checked with one mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Host,
    Upgrade,
    Connection,
    Origin,
    Key1,
    Key2,
    Protocol,
    ContentLength,
    Hixie75Protocol,
}

/// How many [`Slot`]s there are.
const SLOTS: usize = 9;

impl Slot {
    const fn bit(self) -> u16 {
        1 << self as u16
    }

    /// The bits of `slots`.
    const fn mask(slots: &[Slot]) -> u16 {
        let mut mask = 0;
        let mut i = 0;
        while i < slots.len() {
            mask |= slots[i].bit();
            i += 1;
        }
        mask
    }

    const fn field(self) -> Field {
        match self {
            Slot::Host => Field::Host,
            Slot::Upgrade => Field::Upgrade,
            Slot::Connection => Field::Connection,
            Slot::Origin => Field::Origin,
            Slot::Key1 => Field::Key1,
            Slot::Key2 => Field::Key2,
            Slot::Protocol => Field::Protocol,
            Slot::ContentLength => Field::ContentLength,
            Slot::Hixie75Protocol => Field::WebSocketProtocol,
        }
    }
}

/// The fields recorded while the head streams in, so judging the complete head reads no line
/// twice.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fields {
    target: Span,
    /// Where each [`Slot`]'s first value is (empty while it has none).
    values: [Span; SLOTS],
    /// The slots that have a value, one bit each.
    seen: u16,
    /// The slots that appeared more than once.
    repeated: u16,
    transfer_encoding: bool,
    other_version: Option<Version>,
    /// End of the host name inside the `Host` value, and the port that followed it, if any:
    /// read once when the head is judged.
    host_name_end: usize,
    host_port: Option<u16>,
    /// The first malformed line (request line or field), judged once the version is known:
    /// a request for another version is handed over whatever hixie-76 would think of it.
    malformed: Option<Error>,
}

/// Validated facts about a hixie-76 request, computed once when the head completes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Parts {
    pub(crate) part1: u32,
    pub(crate) part2: u32,
}

impl Fields {
    /// Reads one line of the head, the request line first; a malformed line is remembered for
    /// [`Fields::judge`], not reported now (rule R9: the version is decided first).
    pub(crate) fn line(&mut self, head: &[u8], line: Span, first: bool) {
        let read = if first {
            self.request_line(head, line)
        } else {
            self.field(head, line)
        };
        if let Err(error) = read {
            self.malformed.get_or_insert(error);
        }
    }

    /// The first malformed line's error, if any.
    fn well_formed(&self) -> Result<(), Error> {
        self.malformed.map_or(Ok(()), Err)
    }

    /// Reads the request line: `GET SP origin-form SP HTTP/1.1`.
    fn request_line(&mut self, head: &[u8], line: Span) -> Result<(), Error> {
        let text = &head[line.clone()];
        let Some(after_method) = text.strip_prefix(b"GET ") else {
            return Err(match memchr::memchr(b' ', text) {
                Some(end) if end > 0 && is_token(&text[..end]) => Error::BadMethod,
                _ => Error::BadRequestLine,
            });
        };
        let target_len = memchr::memchr(b' ', after_method).ok_or(Error::BadRequestLine)?;
        let (target, version) = after_method.split_at(target_len);
        if version != b" HTTP/1.1" || target.first() != Some(&b'/') || !is_visible_ascii(target) {
            return Err(Error::BadRequestLine);
        }
        let start = line.start + 4;
        self.target = start..start + target_len;
        Ok(())
    }

    /// Reads one field line and records it if the handshake cares about it.
    fn field(&mut self, head: &[u8], line: Span) -> Result<(), Error> {
        let (name, value) = split_field(&head[line.clone()]).ok_or(Error::BadField)?;
        let span = line.start + value.start..line.start + value.end;
        let slot = match name.len() {
            4 if name_is(name, b"host") => Slot::Host,
            6 if name_is(name, b"origin") => Slot::Origin,
            7 if name_is(name, b"upgrade") => Slot::Upgrade,
            10 if name_is(name, b"connection") => Slot::Connection,
            14 if name_is(name, b"content-length") => Slot::ContentLength,
            17 if name_is(name, b"transfer-encoding") => {
                self.transfer_encoding = true;
                return Ok(());
            }
            17 if name_is(name, b"sec-websocket-key") => {
                self.other_version = Some(Version::Rfc6455);
                return Ok(());
            }
            18 if name_is(name, b"sec-websocket-key1") => Slot::Key1,
            18 if name_is(name, b"sec-websocket-key2") => Slot::Key2,
            18 if name_is(name, b"websocket-protocol") => Slot::Hixie75Protocol,
            19 if name_is(name, b"sec-websocket-draft") => {
                if self.other_version.is_none() {
                    self.other_version = Some(Version::Hybi);
                }
                return Ok(());
            }
            21 if name_is(name, b"sec-websocket-version") => {
                self.other_version = Some(Version::Rfc6455);
                return Ok(());
            }
            22 if name_is(name, b"sec-websocket-protocol") => Slot::Protocol,
            // A name that matched one of the names above is a token already: the scanner let
            // no control byte through, and no other non-token byte matches under `name_is`.
            // Any other name is checked here.
            _ if is_token(name) => return Ok(()),
            _ => return Err(Error::BadField),
        };
        self.record(slot, span);
        Ok(())
    }

    /// Keeps the first value of `slot`; a second one only marks it repeated.
    fn record(&mut self, slot: Slot, value: Span) {
        if self.seen & slot.bit() != 0 {
            self.repeated |= slot.bit();
        } else {
            self.seen |= slot.bit();
            self.values[slot as usize] = value;
        }
    }

    /// Whether `slot` has a value.
    fn has(&self, slot: Slot) -> bool {
        self.seen & slot.bit() != 0
    }

    /// Where the first value of `slot` is, if it has one.
    fn span(&self, slot: Slot) -> Option<Span> {
        self.has(slot).then(|| self.values[slot as usize].clone())
    }

    /// The first value of `slot`, empty when it has none.
    fn get<'h>(&self, head: &'h [u8], slot: Slot) -> &'h [u8] {
        &head[self.values[slot as usize].clone()]
    }

    /// The first of `slots` that appeared more than once, as an error.
    fn no_repeats(&self, slots: &[Slot]) -> Result<(), Error> {
        if self.repeated & Slot::mask(slots) == 0 {
            return Ok(());
        }
        match slots.iter().find(|slot| self.repeated & slot.bit() != 0) {
            Some(slot) => Err(Error::DuplicateField(slot.field())),
            None => Ok(()),
        }
    }

    /// The first of `slots` that is absent, as an error.
    fn all_present(&self, slots: &[Slot]) -> Result<(), Error> {
        let mask = Slot::mask(slots);
        if self.seen & mask == mask {
            return Ok(());
        }
        match slots.iter().find(|slot| !self.has(**slot)) {
            Some(slot) => Err(Error::MissingField(slot.field())),
            None => Ok(()),
        }
    }

    /// The version the complete head asks for, `None` meaning hixie-76 (rule R9).
    pub(crate) fn version(&self) -> Option<Version> {
        if self.other_version.is_some() {
            return self.other_version;
        }
        if self.has(Slot::Upgrade) && !self.has(Slot::Key1) && !self.has(Slot::Key2) {
            return Some(Version::Hixie75);
        }
        None
    }

    /// Judges a complete hixie-76 head by the draft's rules; returns the two key parts.
    pub(crate) fn judge(&mut self, head: &[u8]) -> Result<Parts, Error> {
        self.well_formed()?;
        self.no_repeats(&[
            Slot::Host,
            Slot::Upgrade,
            Slot::Connection,
            Slot::Origin,
            Slot::Key1,
            Slot::Key2,
            Slot::Protocol,
            Slot::ContentLength,
        ])?;
        self.all_present(&[
            Slot::Host,
            Slot::Upgrade,
            Slot::Connection,
            Slot::Key1,
            Slot::Key2,
        ])?;
        self.judge_shared(head)?;
        if self.has(Slot::Protocol) && !is_protocol_list(self.get(head, Slot::Protocol)) {
            return Err(Error::BadProtocol);
        }
        // Key3 is the only body, and `Content-Length: 8` (sent by some clients) says just that.
        if self.transfer_encoding
            || (self.has(Slot::ContentLength) && self.get(head, Slot::ContentLength) != b"8")
        {
            return Err(Error::UnexpectedBody);
        }
        Ok(Parts {
            part1: key_part(self.get(head, Slot::Key1), Key::Key1)?,
            part2: key_part(self.get(head, Slot::Key2), Key::Key2)?,
        })
    }

    /// Judges a complete hixie-75 head, which has no keys and no body at all.
    pub(crate) fn judge_hixie75(&mut self, head: &[u8]) -> Result<(), Error> {
        self.well_formed()?;
        self.no_repeats(&[
            Slot::Host,
            Slot::Upgrade,
            Slot::Connection,
            Slot::Origin,
            Slot::Hixie75Protocol,
        ])?;
        // `Upgrade` is present: it is what made this head hixie-75.
        self.all_present(&[Slot::Host, Slot::Connection])?;
        self.judge_shared(head)?;
        if !is_visible_ascii(self.get(head, Slot::Hixie75Protocol)) {
            return Err(Error::BadProtocol);
        }
        if self.transfer_encoding || self.has(Slot::ContentLength) {
            return Err(Error::UnexpectedBody);
        }
        Ok(())
    }

    /// The rules both drafts share: `Upgrade`, `Connection`, `Host` and `Origin` values.
    fn judge_shared(&mut self, head: &[u8]) -> Result<(), Error> {
        let get = |slot| self.get(head, slot);
        // Both words are letters only, which `name_is` folds exactly whatever the bytes.
        if !name_is(get(Slot::Upgrade), b"websocket") {
            return Err(Error::BadUpgrade);
        }
        // `Connection: Upgrade` alone is by far the most common: one compare settles it.
        let connection = get(Slot::Connection);
        let has_upgrade_token = name_is(connection, b"upgrade")
            || connection
                .split(|&b| b == b',')
                .any(|token| name_is(trim_ows(token), b"upgrade"));
        if !has_upgrade_token {
            return Err(Error::BadConnection);
        }
        let host_start = self.values[Slot::Host as usize].start;
        let (host_end, port) = authority::split(get(Slot::Host)).ok_or(Error::BadHost)?;
        self.host_name_end = host_start + host_end;
        self.host_port = port;
        if !is_visible_ascii(self.get(head, Slot::Origin)) {
            return Err(Error::BadField);
        }
        Ok(())
    }
}

/// A non-empty list of subprotocols of U+0021–U+007E separated by single spaces.
fn is_protocol_list(value: &[u8]) -> bool {
    value
        .split(|&b| b == b' ')
        .all(|item| !item.is_empty() && is_visible_ascii(item))
}

/// A subprotocol the client offered, as a choice the application can hand to
/// [`Accept::protocol`](crate::server::Accept::protocol). It can only be obtained from
/// [`Request::protocols`], so a server cannot choose a subprotocol that was not offered; a
/// choice kept from another request is refused with [`Error::ProtocolNotOffered`] unless that
/// request offered the same name at the same place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtocolChoice {
    span: (usize, usize),
    /// The name's FNV-1a hash: with the span, it tells this request's entry from whatever
    /// another request holds at the same offsets.
    fingerprint: u64,
}

/// A 64-bit hash of a name: FNV-1a's constants over eight-byte words (the last overlapping
/// the one before) rather than bytes, so a usual name takes one or two steps. It only has to
/// tell two names apart; it is no security measure (an application that mixes up requests is
/// the only way to get here).
fn fingerprint(name: &[u8]) -> u64 {
    const PRIME: u64 = 0x0100_0000_01b3;
    let len = name.len();
    let mut hash = 0xcbf2_9ce4_8422_2325 ^ len as u64;
    let mut mix = |word: u64| hash = (hash ^ word).wrapping_mul(PRIME);
    let word = |at: usize| {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(&name[at..at + 8]);
        u64::from_le_bytes(eight)
    };
    let half = |at: usize| {
        let mut four = [0u8; 4];
        four.copy_from_slice(&name[at..at + 4]);
        u64::from(u32::from_le_bytes(four))
    };
    if len >= 8 {
        let mut at = 0;
        while at + 8 < len {
            mix(word(at));
            at += 8;
        }
        mix(word(len - 8));
    } else if len >= 4 {
        mix(half(0) | half(len - 4) << 32);
    } else {
        name.iter().for_each(|&b| mix(u64::from(b)));
    }
    hash
}

/// One offered subprotocol.
#[derive(Debug, Clone, Copy)]
pub struct Offered<'a> {
    name: &'a str,
    span: (usize, usize),
}

impl<'a> Offered<'a> {
    /// The subprotocol's name.
    #[must_use]
    #[inline]
    pub fn name(&self) -> &'a str {
        self.name
    }

    /// This subprotocol as the one to accept.
    #[must_use]
    #[inline]
    pub fn choice(&self) -> ProtocolChoice {
        ProtocolChoice {
            span: self.span,
            fingerprint: fingerprint(self.name.as_bytes()),
        }
    }
}

/// The subprotocols a client offered, in its order.
#[derive(Debug, Clone)]
pub struct Protocols<'a> {
    head: &'a [u8],
    span: Span,
}

impl<'a> Iterator for Protocols<'a> {
    type Item = Offered<'a>;

    #[inline]
    fn next(&mut self) -> Option<Offered<'a>> {
        if self.span.is_empty() {
            return None;
        }
        let rest = &self.head[self.span.clone()];
        // Names are a few bytes: a plain loop ends sooner than a call to a vector search.
        let len = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
        let start = self.span.start;
        self.span.start = (start + len + 1).min(self.span.end);
        Some(Offered {
            name: ascii_str(&rest[..len]),
            span: (start, start + len),
        })
    }
}

/// A zero-copy view of a valid request head, borrowed from the handshake's head storage.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub(crate) head: &'a [u8],
    pub(crate) fields: &'a Fields,
}

impl<'a> Request<'a> {
    /// The request-target: path and query, exactly as sent (for example `/chat?room=1`).
    #[must_use]
    pub fn resource(&self) -> &'a str {
        ascii_str(&self.head[self.fields.target.clone()])
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
        self.slot_str(Slot::Host).unwrap_or_default()
    }

    /// The `Origin` value, or `None` when the client sent none (rule R8: the application
    /// decides what an absent origin means).
    #[must_use]
    pub fn origin(&self) -> Option<&'a str> {
        self.slot_str(Slot::Origin)
    }

    /// The offered subprotocols: the `Sec-WebSocket-Protocol` value split on single spaces,
    /// or for a hixie-75 request its `WebSocket-Protocol` value as one entry. Each request
    /// reads only its own version's field, so a choice is always echoed in the field the
    /// client asked in.
    #[must_use]
    #[inline]
    pub fn protocols(&self) -> Protocols<'a> {
        let slot = if self.is_hixie75() {
            Slot::Hixie75Protocol
        } else {
            Slot::Protocol
        };
        let span = self.fields.values[slot as usize].clone();
        Protocols {
            head: self.head,
            span,
        }
    }

    /// Whether this is a draft-hixie-thewebsocketprotocol-75 request (no keys, no key3), which a
    /// server only sees with [`ServerConfig::allow_hixie75`](crate::server::ServerConfig) on.
    /// Accepting it answers in hixie-75's words, and the connection then has no closing
    /// handshake.
    ///
    /// ```
    /// use hixie76::server::{Outcome, ServerConfig, ServerHandshake};
    ///
    /// let request = b"GET / HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n\
    /// Host: example.com\r\nOrigin: http://example.com\r\n\r\n";
    /// let config = ServerConfig::new().with_hixie75(true);
    /// let mut handshake = ServerHandshake::new(config, [0u8; 512]);
    /// let Outcome::Request(pending) = handshake.receive(request)?.outcome else { panic!() };
    /// assert!(pending.request().is_hixie75());
    /// # Ok::<(), hixie76::Error>(())
    /// ```
    #[must_use]
    #[inline]
    pub fn is_hixie75(&self) -> bool {
        self.fields.version() == Some(Version::Hixie75)
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
        let head = self.head;
        let body = memchr::memmem::find(head, b"\r\n").map_or(&[][..], |end| &head[end + 2..]);
        body.split(|&b| b == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
            .filter(|line| !line.is_empty())
            .filter_map(|line| {
                // A judged head holds only well-formed fields with token names.
                split_field(line).map(|(name, value)| (ascii_str(name), &line[value]))
            })
    }

    /// The first value of the named field (compared case-insensitively).
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&'a [u8]> {
        self.fields()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }

    pub(crate) fn host_name_and_port(&self) -> (&'a [u8], Option<u16>) {
        let host = self.fields.values[Slot::Host as usize].clone();
        let end = self.fields.host_name_end.clamp(host.start, host.end);
        (&self.head[host.start..end], self.fields.host_port)
    }

    /// The chosen subprotocol, if `choice` is a whole entry of this request's list.
    pub(crate) fn protocol_bytes(&self, choice: ProtocolChoice) -> Result<&'a [u8], Error> {
        let (start, end) = choice.span;
        let list = self.protocols().span;
        let whole_entry = list.start <= start
            && start < end
            && end <= list.end
            && (start == list.start || self.head.get(start - 1) == Some(&b' '))
            && (end == list.end || self.head.get(end) == Some(&b' '));
        let name = &self.head[start.min(end)..end.min(self.head.len())];
        if !whole_entry || fingerprint(name) != choice.fingerprint {
            return Err(Error::ProtocolNotOffered);
        }
        Ok(name)
    }

    pub(crate) fn origin_bytes(&self) -> Option<&'a [u8]> {
        self.fields.span(Slot::Origin).map(|span| &self.head[span])
    }

    pub(crate) fn resource_bytes(&self) -> &'a [u8] {
        &self.head[self.fields.target.clone()]
    }

    fn slot_str(&self, slot: Slot) -> Option<&'a str> {
        self.fields
            .span(slot)
            .map(|span| ascii_str(&self.head[span]))
    }
}
