//! Recording a request head while it streams in, and judging it once it is complete.
//!
//! Each line is read as it completes: the request line's target and the fields the handshake
//! tracks are recorded (where their first value is, whether they repeated), so judging the
//! complete head reads no line twice. A malformed line is remembered, not reported, until the
//! version is known ([rule R9](crate::rules#r9)).

use core::ops::Range;

use super::request::Version;
use crate::authority;
use crate::challenge::key_part;
use crate::scan::{find_byte, is_token, is_visible_ascii, name_is, split_field_trimmed, trim_ows};
use crate::{Error, Field, Key};

/// Offsets into the head buffer; a head is at most a few KiB, but `usize` keeps this simple.
type Span = Range<usize>;

/// A field the handshake tracks. Each has one bit in [`RequestRecord::seen`] and
/// [`RequestRecord::repeated`], in the order the drafts' faults are reported, so the first field at
/// fault is the lowest bit and a whole set of fields is checked with one mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tracked {
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

/// How many [`Tracked`]s there are.
const TRACKED: usize = 9;

impl Tracked {
    const fn bit(self) -> u16 {
        1 << self as u16
    }

    /// The bits of `trackeds`.
    const fn mask(trackeds: &[Tracked]) -> u16 {
        let mut mask = 0;
        let mut i = 0;
        while i < trackeds.len() {
            mask |= trackeds[i].bit();
            i += 1;
        }
        mask
    }

    const fn field(self) -> Field {
        match self {
            Tracked::Host => Field::Host,
            Tracked::Upgrade => Field::Upgrade,
            Tracked::Connection => Field::Connection,
            Tracked::Origin => Field::Origin,
            Tracked::Key1 => Field::Key1,
            Tracked::Key2 => Field::Key2,
            Tracked::Protocol => Field::Protocol,
            Tracked::ContentLength => Field::ContentLength,
            Tracked::Hixie75Protocol => Field::WebSocketProtocol,
        }
    }
}

/// The fields recorded while the head streams in, so judging the complete head reads no line
/// twice.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestRecord {
    target: Span,
    /// Where each [`Tracked`]'s first value is (empty while it has none).
    values: [Span; TRACKED],
    /// The trackeds that have a value, one bit each.
    seen: u16,
    /// The trackeds that appeared more than once.
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
    /// Set when the head was judged a hixie-75 request.
    pub(crate) hixie75: bool,
}

/// What a complete head asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Asked {
    Hixie76,
    Other(Version),
    NotWebSocket,
}

/// The two key parts of a valid hixie-76 request, computed once when the head completes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyParts {
    pub(crate) part1: u32,
    pub(crate) part2: u32,
}

impl RequestRecord {
    /// Reads one line of the head, the request line first; a malformed line is remembered for
    /// [`RequestRecord::judge`], not reported now ([rule R9](crate::rules#r9): the version is decided first).
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
            return Err(match find_byte(b' ', text) {
                Some(end) if end > 0 && is_token(&text[..end]) => Error::BadMethod,
                _ => Error::BadRequestLine,
            });
        };
        // The line ends in the version, and a target of visible ASCII holds no space: no
        // search for the space between them is needed.
        let target = after_method
            .strip_suffix(b" HTTP/1.1")
            .ok_or(Error::BadRequestLine)?;
        if target.first() != Some(&b'/') || !is_visible_ascii(target) {
            return Err(Error::BadRequestLine);
        }
        let start = line.start + 4;
        self.target = start..start + target.len();
        Ok(())
    }

    /// Reads one field line and records it if the handshake cares about it.
    fn field(&mut self, head: &[u8], line: Span) -> Result<(), Error> {
        let (name, value) = split_field_trimmed(&head[line.clone()]).ok_or(Error::BadField)?;
        let span = line.start + value.start..line.start + value.end;
        let tracked = match name.len() {
            4 if name_is(name, b"host") => Tracked::Host,
            6 if name_is(name, b"origin") => Tracked::Origin,
            7 if name_is(name, b"upgrade") => Tracked::Upgrade,
            10 if name_is(name, b"connection") => Tracked::Connection,
            14 if name_is(name, b"content-length") => Tracked::ContentLength,
            17 if name_is(name, b"transfer-encoding") => {
                self.transfer_encoding = true;
                return Ok(());
            }
            17 if name_is(name, b"sec-websocket-key") => {
                self.other_version = Some(Version::Rfc6455);
                return Ok(());
            }
            18 if name_is(name, b"sec-websocket-key1") => Tracked::Key1,
            18 if name_is(name, b"sec-websocket-key2") => Tracked::Key2,
            18 if name_is(name, b"websocket-protocol") => Tracked::Hixie75Protocol,
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
            22 if name_is(name, b"sec-websocket-protocol") => Tracked::Protocol,
            // A name that matched one of the names above is a token already: the scanner let
            // no control byte through, and no other non-token byte matches under `name_is`.
            // Any other name is checked here.
            _ if is_token(name) => return Ok(()),
            _ => return Err(Error::BadField),
        };
        self.record(tracked, span);
        Ok(())
    }

    /// Keeps the first value of `tracked`; a second one only marks it repeated.
    fn record(&mut self, tracked: Tracked, value: Span) {
        if self.seen & tracked.bit() != 0 {
            self.repeated |= tracked.bit();
        } else {
            self.seen |= tracked.bit();
            self.values[tracked as usize] = value;
        }
    }

    /// Whether `tracked` has a value.
    fn has(&self, tracked: Tracked) -> bool {
        self.seen & tracked.bit() != 0
    }

    /// Where the first value of `tracked` is, if it has one.
    fn span(&self, tracked: Tracked) -> Option<Span> {
        self.has(tracked)
            .then(|| self.values[tracked as usize].clone())
    }

    /// The first value of `tracked`, empty when it has none.
    fn get<'h>(&self, head: &'h [u8], tracked: Tracked) -> &'h [u8] {
        &head[self.values[tracked as usize].clone()]
    }

    /// The first of `trackeds` that appeared more than once, as an error.
    fn no_repeats(&self, trackeds: &[Tracked]) -> Result<(), Error> {
        if self.repeated & Tracked::mask(trackeds) == 0 {
            return Ok(());
        }
        match trackeds
            .iter()
            .find(|tracked| self.repeated & tracked.bit() != 0)
        {
            Some(tracked) => Err(Error::DuplicateField(tracked.field())),
            None => Ok(()),
        }
    }

    /// The first of `trackeds` that is absent, as an error.
    fn all_present(&self, trackeds: &[Tracked]) -> Result<(), Error> {
        let mask = Tracked::mask(trackeds);
        if self.seen & mask == mask {
            return Ok(());
        }
        match trackeds.iter().find(|tracked| !self.has(**tracked)) {
            Some(tracked) => Err(Error::MissingField(tracked.field())),
            None => Ok(()),
        }
    }

    /// What the complete head asks for ([rule R9](crate::rules#r9)): a request with a field
    /// only another version sends is that version's; one with `Sec-WebSocket-Key1` or `Key2` is
    /// hixie-76 (and judged strictly as such); one whose `Upgrade` is `WebSocket` without them
    /// is hixie-75; anything else asks for no WebSocket at all.
    pub(crate) fn asked(&self, head: &[u8]) -> Asked {
        if let Some(version) = self.other_version {
            return Asked::Other(version);
        }
        if self.has(Tracked::Key1) || self.has(Tracked::Key2) {
            return Asked::Hixie76;
        }
        // Letters only, which `name_is` folds exactly whatever the bytes.
        if self.has(Tracked::Upgrade) && name_is(self.get(head, Tracked::Upgrade), b"websocket") {
            return Asked::Other(Version::Hixie75);
        }
        Asked::NotWebSocket
    }

    /// Judges a complete hixie-76 head by the draft's rules; returns the two key parts.
    pub(crate) fn judge(&mut self, head: &[u8]) -> Result<KeyParts, Error> {
        self.well_formed()?;
        self.no_repeats(&[
            Tracked::Host,
            Tracked::Upgrade,
            Tracked::Connection,
            Tracked::Origin,
            Tracked::Key1,
            Tracked::Key2,
            Tracked::Protocol,
            Tracked::ContentLength,
        ])?;
        self.all_present(&[
            Tracked::Host,
            Tracked::Upgrade,
            Tracked::Connection,
            Tracked::Key1,
            Tracked::Key2,
        ])?;
        self.judge_shared(head)?;
        if self.has(Tracked::Protocol) && !is_protocol_list(self.get(head, Tracked::Protocol)) {
            return Err(Error::BadProtocol);
        }
        // Key3 is the only body, and `Content-Length: 8` (sent by some clients) says just that.
        if self.transfer_encoding
            || (self.has(Tracked::ContentLength) && self.get(head, Tracked::ContentLength) != b"8")
        {
            return Err(Error::UnexpectedBody);
        }
        Ok(KeyParts {
            part1: key_part(self.get(head, Tracked::Key1), Key::Key1)?,
            part2: key_part(self.get(head, Tracked::Key2), Key::Key2)?,
        })
    }

    /// Judges a complete hixie-75 head, which has no keys and no body at all.
    pub(crate) fn judge_hixie75(&mut self, head: &[u8]) -> Result<(), Error> {
        self.hixie75 = true;
        self.well_formed()?;
        self.no_repeats(&[
            Tracked::Host,
            Tracked::Upgrade,
            Tracked::Connection,
            Tracked::Origin,
            Tracked::Hixie75Protocol,
        ])?;
        // `Upgrade` is present: it is what made this head hixie-75.
        self.all_present(&[Tracked::Host, Tracked::Connection])?;
        self.judge_shared(head)?;
        if !is_visible_ascii(self.get(head, Tracked::Hixie75Protocol)) {
            return Err(Error::BadProtocol);
        }
        if self.transfer_encoding || self.has(Tracked::ContentLength) {
            return Err(Error::UnexpectedBody);
        }
        Ok(())
    }

    /// The rules both drafts share: `Upgrade`, `Connection`, `Host` and `Origin` values.
    fn judge_shared(&mut self, head: &[u8]) -> Result<(), Error> {
        let get = |tracked| self.get(head, tracked);
        // Both words are letters only, which `name_is` folds exactly whatever the bytes.
        if !name_is(get(Tracked::Upgrade), b"websocket") {
            return Err(Error::BadUpgrade);
        }
        // `Connection: Upgrade` alone is by far the most common: one compare settles it.
        let connection = get(Tracked::Connection);
        let has_upgrade_token = name_is(connection, b"upgrade")
            || connection
                .split(|&b| b == b',')
                .any(|token| name_is(trim_ows(token), b"upgrade"));
        if !has_upgrade_token {
            return Err(Error::BadConnection);
        }
        let host_start = self.values[Tracked::Host as usize].start;
        let (host_end, port) = authority::split(get(Tracked::Host)).ok_or(Error::BadHost)?;
        self.host_name_end = host_start + host_end;
        self.host_port = port;
        if !is_visible_ascii(self.get(head, Tracked::Origin)) {
            return Err(Error::BadField);
        }
        Ok(())
    }

    // ----- what the public view reads, once the head is judged -----

    /// Where the request-target is.
    pub(crate) fn target(&self) -> Span {
        self.target.clone()
    }

    /// Where the `Host` value is.
    pub(crate) fn host(&self) -> Span {
        self.values[Tracked::Host as usize].clone()
    }

    /// Where the host name ends inside the head, and the port that followed it.
    pub(crate) fn host_name_end_and_port(&self) -> (usize, Option<u16>) {
        (self.host_name_end, self.host_port)
    }

    /// Where the `Origin` value is, if the request has one.
    pub(crate) fn origin(&self) -> Option<Span> {
        self.span(Tracked::Origin)
    }

    /// Where the offered subprotocols are: the field of the request's own draft (empty when
    /// it has none).
    pub(crate) fn protocols(&self) -> Span {
        let tracked = if self.hixie75 {
            Tracked::Hixie75Protocol
        } else {
            Tracked::Protocol
        };
        self.values[tracked as usize].clone()
    }
}

/// A non-empty list of subprotocols of U+0021–U+007E separated by single spaces.
fn is_protocol_list(value: &[u8]) -> bool {
    value
        .split(|&b| b == b' ')
        .all(|item| !item.is_empty() && is_visible_ascii(item))
}
