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
use crate::scan::{
    find_byte, is_token, is_visible_ascii, name_is, split_field_trimmed, trim_ows, value_at,
    LineReader, WORDS,
};
use crate::{Error, Field, Key};

/// Offsets into the head buffer; a head is at most a few KiB, but `usize` keeps this simple.
type Span = Range<usize>;

/// A field the handshake tracks. Each has one bit in [`RequestRecord::seen`] and
/// [`RequestRecord::repeated`], in the order the drafts' faults are reported, so the first field at
/// fault is the lowest bit and a whole set of fields is checked with one mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tracked {
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
    /// Every one, in declaration order: bit `i` is `ALL[i]`'s.
    const ALL: [Tracked; TRACKED] = [
        Tracked::Host,
        Tracked::Upgrade,
        Tracked::Connection,
        Tracked::Origin,
        Tracked::Key1,
        Tracked::Key2,
        Tracked::Protocol,
        Tracked::ContentLength,
        Tracked::Hixie75Protocol,
    ];

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

/// A field a hixie-76 request sends, known by its name, and where its value starts (after
/// the colon).
pub(crate) type Known = (Tracked, usize);

// Where words are 64 bits, a line's reading is inlined into the scanner's loop (here and in
// the methods it calls), so that a line costs no call; below, the compiler's own choices keep
// the code smaller.
impl LineReader for RequestRecord {
    type Start = Known;

    /// The field a line's name shows, read before the line's end is searched for: the name
    /// and its colon are then not searched again.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    fn line_start(&self, rest: &[u8]) -> Option<(Known, usize)> {
        words_field(rest).map(|known| (known, known.1))
    }

    #[cfg_attr(target_pointer_width = "64", inline(always))]
    fn line(
        &mut self,
        head: &[u8],
        line: Span,
        first: bool,
        start: Option<Known>,
    ) -> Result<(), Error> {
        RequestRecord::line(self, head, line, first, start);
        Ok(())
    }
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
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    pub(crate) fn line(&mut self, head: &[u8], line: Span, first: bool, start: Option<Known>) {
        let read = if first {
            self.request_line(head, line)
        } else {
            self.field(head, line, start)
        };
        if let Err(error) = read {
            self.malformed.get_or_insert(error);
        }
    }

    /// The first malformed line's error, if any.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    fn well_formed(&self) -> Result<(), Error> {
        match &self.malformed {
            None => Ok(()),
            Some(error) => Err(*error),
        }
    }

    /// Reads the request line: `GET SP origin-form SP HTTP/1.1`.
    #[inline(never)]
    fn request_line(&mut self, head: &[u8], line: Span) -> Result<(), Error> {
        let text = &head[line.clone()];
        let Some(after_method) = text.strip_prefix(b"GET ") else {
            return Err(match find_byte(b' ', text) {
                // An empty method is no token.
                Some(end) if is_token(&text[..end]) => Error::BadMethod,
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

    /// Reads one field line and records it if the handshake cares about it; `start` is the
    /// field its name showed, when [`hixie76_field`] read it as the line began.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    fn field(&mut self, head: &[u8], line: Span, start: Option<Known>) -> Result<(), Error> {
        let text = &head[line.clone()];
        if let Some((tracked, value_start)) = start.or_else(|| words_field(text)) {
            let value = value_at(text, value_start);
            self.record(tracked, line.start + value.start..line.start + value.end);
            return Ok(());
        }
        self.any_field(head, line)
    }

    /// [`RequestRecord::field`] for any line: the name up to the first colon, then which
    /// field it is by its length and letters.
    #[inline(never)]
    fn any_field(&mut self, head: &[u8], line: Span) -> Result<(), Error> {
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
    #[cfg_attr(target_pointer_width = "64", inline(always))]
    fn get<'h>(&self, head: &'h [u8], tracked: Tracked) -> &'h [u8] {
        &head[self.values[tracked as usize].clone()]
    }

    /// The first of `trackeds` (in declaration order) that appeared more than once, as an
    /// error.
    fn no_repeats(&self, trackeds: &[Tracked]) -> Result<(), Error> {
        let repeated = self.repeated & Tracked::mask(trackeds);
        // The lowest bit set; none set gives 16, past every field.
        match Tracked::ALL.get(repeated.trailing_zeros() as usize) {
            Some(tracked) => Err(Error::DuplicateField(tracked.field())),
            None => Ok(()),
        }
    }

    /// The first of `trackeds` (in declaration order) that is absent, as an error.
    fn all_present(&self, trackeds: &[Tracked]) -> Result<(), Error> {
        let missing = Tracked::mask(trackeds) & !self.seen;
        // The lowest bit set; none set gives 16, past every field.
        match Tracked::ALL.get(missing.trailing_zeros() as usize) {
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
    // Inlined into each draft's judging where words are 64 bits: a call less for hixie-76;
    // one copy for both below, where code size counts most.
    #[cfg_attr(target_pointer_width = "64", inline(always))]
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

/// [`hixie76_field`] where words are 64 bits; below, always `None`: every line is read as any
/// line, by code that is smaller there.
#[inline(always)]
fn words_field(line: &[u8]) -> Option<Known> {
    if WORDS {
        hixie76_field(line)
    } else {
        None
    }
}

/// The field a line names and where its value starts (after the colon), when it is one of
/// those a hixie-76 request sends and enough of the line is here to read its name a word at a
/// time; `None` leaves the line to [`RequestRecord::any_field`], which reads every line alike.
///
/// Each name is compared with its colon, eight bytes at a time (the last word overlapping the
/// one before), exactly but for a letter's case: only a letter's byte may differ, in bit 0x20.
/// So the name and colon it finds hold no control byte, and the line may be read from there
/// on; and a name ending in its colon is the whole name before the line's first colon, as
/// `any_field` reads it.
#[inline(always)]
fn hixie76_field(line: &[u8]) -> Option<Known> {
    /// A name's eight bytes as a word, with bit 0x20 of each of its letters: the bits a
    /// letter's case sets or clears.
    const fn name(word: &[u8; 8]) -> (u64, u64) {
        let mut case = 0;
        let mut i = 0;
        while i < 8 {
            if word[i].is_ascii_lowercase() {
                case |= 0x20 << (8 * i);
            }
            i += 1;
        }
        (u64::from_le_bytes(*word), case)
    }
    // The first `n` bytes of a word.
    const fn low(n: u32) -> u64 {
        u64::MAX >> (64 - 8 * n)
    }
    const HOST: (u64, u64) = name(b"host:\0\0\0");
    const ORIGIN: (u64, u64) = name(b"origin:\0");
    const UPGRADE: (u64, u64) = name(b"upgrade:");
    const CONNECTI: (u64, u64) = name(b"connecti");
    const NECTION: (u64, u64) = name(b"nection:");
    const SEC_WEBS: (u64, u64) = name(b"sec-webs");
    const OCKET_KE: (u64, u64) = name(b"ocket-ke");
    const ET_KEY1: (u64, u64) = name(b"et-key1:");
    const ET_KEY2: (u64, u64) = name(b"et-key2:");
    const OCKET_PR: (u64, u64) = name(b"ocket-pr");
    const ROTOCOL: (u64, u64) = name(b"rotocol:");
    let word = |at: usize| {
        line.get(at..)
            .and_then(<[u8]>::first_chunk::<8>)
            .map(|eight| u64::from_le_bytes(*eight))
    };
    // Whether the word at `at`, its letters' case bits set, is `name`.
    let is = |at: usize, (name, case): (u64, u64)| word(at).is_some_and(|w| w | case == name);
    let first = word(0)?;
    // The first letter picks the one name to compare.
    match first as u8 | 0x20 {
        b'h' => ((first | HOST.1) & low(5) == HOST.0).then_some((Tracked::Host, 5)),
        b'o' => ((first | ORIGIN.1) & low(7) == ORIGIN.0).then_some((Tracked::Origin, 7)),
        b'u' => (first | UPGRADE.1 == UPGRADE.0).then_some((Tracked::Upgrade, 8)),
        b'c' => (first | CONNECTI.1 == CONNECTI.0 && is(3, NECTION))
            .then_some((Tracked::Connection, 11)),
        b's' if first | SEC_WEBS.1 == SEC_WEBS.0 => {
            if is(8, OCKET_KE) {
                // `Sec-WebSocket-Key1:` and `Key2:`, the last word from offset 11.
                let last = word(11)? | ET_KEY1.1;
                if last == ET_KEY1.0 {
                    Some((Tracked::Key1, 19))
                } else {
                    (last == ET_KEY2.0).then_some((Tracked::Key2, 19))
                }
            } else {
                // `Sec-WebSocket-Protocol:`, the last word from offset 15.
                (is(8, OCKET_PR) && is(15, ROTOCOL)).then_some((Tracked::Protocol, 23))
            }
        }
        _ => None,
    }
}

/// A non-empty list of subprotocols of U+0021–U+007E separated by single spaces.
fn is_protocol_list(value: &[u8]) -> bool {
    // One pass: a space may not come first, last or after a space (an empty name), and every
    // other byte is visible ASCII. The start reads as a space, so an empty list fails too.
    let mut after_space = true;
    for &b in value {
        if b == b' ' {
            if after_space {
                return false;
            }
            after_space = true;
        } else if b.wrapping_sub(0x21) < 0x5E {
            after_space = false;
        } else {
            return false;
        }
    }
    !after_space
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{is_field_value, HeadBuffer, HeadRead, Lines};
    use crate::HeadLimits;

    const ALL: [Tracked; TRACKED] = Tracked::ALL;

    /// What [`RequestRecord::any_field`] makes of a line: the field it records, and where
    /// the value is; `None` for a line it records nothing of or refuses.
    fn by_any(line: &[u8]) -> Option<(Tracked, Span)> {
        let mut record = RequestRecord::default();
        record.any_field(line, 0..line.len()).ok()?;
        let tracked = ALL.into_iter().find(|&tracked| record.has(tracked))?;
        Some((tracked, record.values[tracked as usize].clone()))
    }

    fn by_words(line: &[u8]) -> Option<(Tracked, Span)> {
        hixie76_field(line).map(|(tracked, start)| (tracked, value_at(line, start)))
    }

    /// A line the word-at-a-time reading recognizes is read as any line is: the same field
    /// and value, whatever byte stands anywhere in the name, its colon or just after it, and
    /// however the line is cut short; and the name and colon it read hold no control byte.
    #[test]
    fn hixie76_fields_read_as_any_field() {
        let names: [&[u8]; 14] = [
            b"Host",
            b"Origin",
            b"Upgrade",
            b"Connection",
            b"Sec-WebSocket-Key1",
            b"Sec-WebSocket-Key2",
            b"Sec-WebSocket-Protocol",
            b"Sec-WebSocket-Key",
            b"Sec-WebSocket-Key3",
            b"Sec-WebSocket-Version",
            b"WebSocket-Protocol",
            b"Content-Length",
            b"Hosts",
            b"Connections",
        ];
        let mut recognized = 0;
        for name in names {
            for suffix in [
                &b":v"[..],
                b": v",
                b":",
                b":: v ",
                b":\t v \t",
                b"x: v",
                b" : v",
            ] {
                let mut line = [0u8; 40];
                let len = name.len() + suffix.len();
                line[..name.len()].copy_from_slice(name);
                line[name.len()..len].copy_from_slice(suffix);
                for case in [0, 0x20] {
                    let mut line = line;
                    line[..len].iter_mut().for_each(|b| {
                        if b.is_ascii_alphabetic() {
                            *b ^= case;
                        }
                    });
                    for cut in 0..=len {
                        let line = &line[..cut];
                        if let Some(read) = by_words(line) {
                            assert_eq!(Some(read), by_any(line), "{line:?}");
                            recognized += 1;
                        }
                    }
                    for at in 0..(name.len() + 2).min(len) {
                        for b in 0..=255u8 {
                            let mut line = line;
                            line[at] = b;
                            let line = &line[..len];
                            if let Some((_, start)) = hixie76_field(line) {
                                // What it read holds no control byte: the scanner may skip it.
                                assert!(is_field_value(&line[..start]), "{line:?}");
                                assert_eq!(by_words(line), by_any(line), "{line:?}");
                            }
                        }
                    }
                }
            }
        }
        assert!(recognized > 100, "{recognized}");
    }

    /// What the scanner makes of a whole head: where it ends, or the fault.
    fn scanned(bytes: &[u8], reader: &mut impl LineReader) -> Result<Option<usize>, Error> {
        let mut head = HeadBuffer::new([0u8; 512]);
        head.read(&HeadLimits::default(), bytes, reader)
            .map(|read| match read {
                HeadRead::Complete(end) => Some(end),
                HeadRead::Partial(_) => None,
            })
    }

    /// Reading a field's name as its line begins hides no byte from the scanner: a control
    /// byte anywhere in a name, its colon or after it is found as it is by a scan that reads
    /// no name early.
    #[test]
    fn names_read_early_hide_no_control_byte() {
        let request = b"GET / HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nSec-WebSocket-Protocol: sample\r\n\
Upgrade: WebSocket\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
Origin: http://example.com\r\n\r\n";
        let mut faults = 0;
        for at in 16..request.len() {
            for b in [
                0x00, b'\r', b'\n', 0x01, 0x11, 0x12, 0x1A, 0x7F, b'\t', b' ',
            ] {
                let mut bytes = [0u8; 256];
                bytes[..request.len()].copy_from_slice(request);
                bytes[at] = b;
                let bytes = &bytes[..request.len()];
                let plain = scanned(bytes, &mut Lines(|_: &[u8], _, _| Ok(())));
                assert_eq!(
                    scanned(bytes, &mut RequestRecord::default()),
                    plain,
                    "{at} {b:#x}"
                );
                faults += usize::from(plain.is_err());
            }
        }
        assert!(faults > 1000, "{faults}");
    }

    /// Protocol lists as the split into names reads them, for every string of up to six
    /// bytes from the bytes that matter.
    #[test]
    fn protocol_lists_as_names_say() {
        let by_names = |value: &[u8]| {
            value
                .split(|&b| b == b' ')
                .all(|name| !name.is_empty() && is_visible_ascii(name))
        };
        let alphabet = [b' ', b'a', b'~', b'!', 0x7F, 0x20 - 1, 0x80, b'\t'];
        let mut text = [0u8; 6];
        for len in 0..=text.len() {
            for mut index in 0..alphabet.len().pow(len as u32) {
                for byte in &mut text[..len] {
                    *byte = alphabet[index % alphabet.len()];
                    index /= alphabet.len();
                }
                let value = &text[..len];
                assert_eq!(is_protocol_list(value), by_names(value), "{value:?}");
            }
        }
    }

    /// The fields of the draft's own request are all read a word at a time, whatever their
    /// letters' case.
    #[test]
    fn the_drafts_fields_are_read_a_word_at_a_time() {
        for (line, tracked, value) in [
            (
                &b"Host: example.com"[..],
                Tracked::Host,
                &b"example.com"[..],
            ),
            (
                b"Origin: http://example.com",
                Tracked::Origin,
                b"http://example.com",
            ),
            (b"Upgrade: WebSocket", Tracked::Upgrade, b"WebSocket"),
            (b"Connection: Upgrade", Tracked::Connection, b"Upgrade"),
            (
                b"Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5",
                Tracked::Key1,
                b"4 @1  46546xW%0l 1 5",
            ),
            (
                b"Sec-WebSocket-Key2: 12998 5 Y3 1  .P00",
                Tracked::Key2,
                b"12998 5 Y3 1  .P00",
            ),
            (
                b"Sec-WebSocket-Protocol: sample",
                Tracked::Protocol,
                b"sample",
            ),
            (b"HOST:x \t", Tracked::Host, b"x"),
            (b"sec-websocket-protocol:", Tracked::Protocol, b""),
        ] {
            let (read, span) = by_words(line).unwrap();
            assert_eq!(read, tracked);
            assert_eq!(&line[span], value);
            assert_eq!(by_any(line), by_words(line));
        }
        // Too short to read a word: left to the reading of any line.
        assert_eq!(by_words(b"Host: a"), None);
        assert_eq!(by_any(b"Host: a"), Some((Tracked::Host, 6..7)));
    }

    /// The scanner asks a line's start of the record: a field read a word at a time shows
    /// itself and claims its name and colon, which the search for the line's end then skips.
    #[test]
    fn a_lines_start_shows_its_field_and_claims_its_name() {
        let record = RequestRecord::default();
        assert_eq!(
            record.line_start(b"Host: example.com\r\n"),
            Some(((Tracked::Host, 5), 5))
        );
        assert_eq!(
            record.line_start(b"Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n"),
            Some(((Tracked::Key1, 19), 19))
        );
        assert_eq!(record.line_start(b"X-Other: value\r\n"), None);
        assert_eq!(record.line_start(b"Host: a"), None);
    }
}
