//! Incremental head scanning shared by both roles.
//!
//! States: `InLine` (searching the current line for its CR LF) → a complete line is handed out →
//! `InLine` again, until an empty line ends the head. The scanner remembers how far it has
//! searched, so every byte is examined a bounded number of times however the head is split
//! (rule R3). Byte-level faults (a bare CR or LF, a NUL, a folded line) are reported as soon as
//! the offending byte is seen.

use core::ops::Range;

use crate::{Error, Limits};

/// Where the scan of a buffered head stands.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LineScanner {
    /// Start of the line being searched.
    line_start: usize,
    /// Bytes before this offset have been searched.
    scanned: usize,
    /// Lines completed so far (the first is the request or status line).
    lines: usize,
}

/// What the scanner found in the buffered bytes.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Scanned {
    /// A complete line without its CR LF; the head goes on.
    Line(Range<usize>),
    /// The empty line: the head ends at this offset (after its CR LF).
    End(usize),
    /// All buffered bytes are searched; more are needed.
    NeedMore,
}

impl LineScanner {
    /// Lines completed so far, the first line included.
    pub(crate) fn lines(&self) -> usize {
        self.lines
    }

    /// Looks for the next complete line in `buf`, which holds every byte buffered so far.
    #[inline]
    pub(crate) fn next_line(&mut self, buf: &[u8]) -> Result<Scanned, Error> {
        let Some(rest) = buf.get(self.scanned..) else {
            return Ok(Scanned::NeedMore);
        };
        if self.scanned == self.line_start && self.lines > 0 {
            // A field line may not start with white space: obsolete folding.
            if let Some(b' ' | b'\t') = rest.first() {
                return Err(Error::FoldedLine);
            }
        }
        let Some(offset) = find_line_byte(rest) else {
            self.scanned = buf.len();
            return Ok(Scanned::NeedMore);
        };
        let at = self.scanned + offset;
        match buf[at] {
            0 => Err(Error::NulInHead),
            b'\n' => Err(Error::BareCrOrLf),
            b'\r' => match buf.get(at + 1) {
                None => {
                    // Keep the CR unsearched: the next byte decides.
                    self.scanned = at;
                    Ok(Scanned::NeedMore)
                }
                Some(b'\n') => {
                    let line = self.line_start..at;
                    self.line_start = at + 2;
                    self.scanned = at + 2;
                    if line.is_empty() && self.lines > 0 {
                        return Ok(Scanned::End(at + 2));
                    }
                    self.lines += 1;
                    Ok(Scanned::Line(line))
                }
                Some(_) => Err(Error::BareCrOrLf),
            },
            // No other control byte has a place in a head.
            _ => Err(Error::BadField),
        }
    }
}

/// What one call's worth of head bytes came to.
pub(crate) enum HeadRead {
    /// All these bytes were taken; the head goes on.
    Partial(usize),
    /// The head ended after this many of the bytes (and `filled` now ends with it).
    Complete(usize),
}

/// Copies head bytes into `buf` after the `filled` bytes already there, and hands every line
/// they complete to `read_line` with whether it is the first (request or status) line. The
/// head size and field count limits are enforced here, for both roles. Generic only over the
/// line reader, so each role's scanning and line reading are compiled together in this crate.
pub(crate) fn read_head(
    buf: &mut [u8],
    filled: &mut usize,
    scanner: &mut LineScanner,
    limits: &Limits,
    input: &[u8],
    mut read_line: impl FnMut(&[u8], Range<usize>, bool) -> Result<(), Error>,
) -> Result<HeadRead, Error> {
    let limit = limits.max_head.min(buf.len());
    if limit == 0 {
        // No room at all is the caller's setup (an empty `Vec` as storage, say), not the
        // peer's fault.
        return Err(Error::BufferTooSmall {
            needed: limits.max_head,
        });
    }
    let before = *filled;
    let take = input.len().min(limit.saturating_sub(before));
    buf[before..before + take].copy_from_slice(&input[..take]);
    *filled = before + take;
    let head = &buf[..*filled];
    loop {
        match scanner.next_line(head)? {
            Scanned::Line(line) => {
                let first = scanner.lines() == 1;
                // Every line after the first is a field.
                if scanner.lines() - 1 > limits.max_fields {
                    return Err(Error::TooManyFields);
                }
                read_line(head, line, first)?;
            }
            Scanned::End(end) => {
                *filled = end;
                return Ok(HeadRead::Complete(end - before));
            }
            Scanned::NeedMore => break,
        }
    }
    if *filled >= limit {
        return Err(Error::HeadTooLarge);
    }
    Ok(HeadRead::Partial(take))
}

/// Whether a byte ends a line or has no place in a head: any control byte but HTAB.
const fn is_line_byte(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7F
}

/// The offset of the first CR, LF, NUL or other control byte except HTAB. Head lines are a
/// few dozen bytes, too short for a vector search to pay for its setup; eight bytes at a time
/// with plain integer operations is cheaper there, still linear, and finds the byte's place
/// in its word without a loop.
fn find_line_byte(bytes: &[u8]) -> Option<usize> {
    // Most words hold no byte below U+0020 and no DEL: a cheap test passes them, and only the
    // rest (a line end, HTAB, a fault) take the exact one.
    let in_word = |word| {
        if maybe_line_bytes(word) {
            line_bytes(word)
        } else {
            0
        }
    };
    find_by_words(bytes, in_word, is_line_byte)
}

/// The offset of the first `:`, eight bytes at a time: field names are short, so this takes
/// one to three steps where a byte loop takes up to twenty.
pub(crate) fn find_colon(bytes: &[u8]) -> Option<usize> {
    const COLONS: u64 = u64::from_le_bytes([b':'; 8]);
    find_by_words(bytes, |word| zero_bytes(word ^ COLONS), |b| b == b':')
}

/// The offset of the first byte that `in_word` marks (the high bit of each wanted byte of a
/// little-endian word, exactly) or, in the last bytes that do not fill a word, that `is`
/// accepts.
#[inline(always)]
fn find_by_words(
    bytes: &[u8],
    in_word: impl Fn(u64) -> u64,
    is: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        let found = in_word(u64::from_le_bytes(eight));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| is(b))
        .map(|offset| at + offset)
}

/// The high bit of every zero byte of `v`, and no other (no borrow runs between bytes).
const fn zero_bytes(v: u64) -> u64 {
    const LOWS: u64 = u64::from_le_bytes([0x7F; 8]);
    !(((v & LOWS).wrapping_add(LOWS)) | v | LOWS)
}

/// Whether some byte of `x` is below U+0020 or is DEL: true whenever [`line_bytes`] is not
/// zero. A borrow may mark bytes above the lowest such byte as well, but no borrow starts,
/// and nothing is marked, in a word that holds neither kind.
const fn maybe_line_bytes(x: u64) -> bool {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = ONES * 0x80;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x;
    let not_del = x ^ (ONES * 0x7F);
    let del = not_del.wrapping_sub(ONES) & !not_del;
    (below_space | del) & HIGHS != 0
}

/// The high bit of every byte of `x` that [`is_line_byte`], and no other.
const fn line_bytes(x: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    let below_space = zero_bytes(x & (ONES * 0xE0));
    let tab = zero_bytes(x ^ (ONES * 0x09));
    let del = zero_bytes(x ^ (ONES * 0x7F));
    (below_space & !tab) | del
}

/// Byte classes for header grammar, one table lookup per byte.
const TOKEN: u8 = 1;
const HOST: u8 = 2;

const fn byte_classes() -> [u8; 256] {
    let mut table = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        let mut class = 0;
        let tchar = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        if tchar {
            class |= TOKEN;
        }
        if c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_' {
            class |= HOST;
        }
        table[b] = class;
        b += 1;
    }
    table
}

static CLASSES: [u8; 256] = byte_classes();

/// The classes every byte of `bytes` belongs to. Branch-free: header lines are short and
/// almost always valid, so scanning to the end is cheaper than testing each byte.
fn common_classes(bytes: &[u8]) -> u8 {
    bytes
        .iter()
        .fold(TOKEN | HOST, |all, &b| all & CLASSES[b as usize])
}

/// Whether `bytes` is a non-empty HTTP token.
pub(crate) fn is_token(bytes: &[u8]) -> bool {
    !bytes.is_empty() && common_classes(bytes) & TOKEN != 0
}

/// Whether `bytes` may stand in a field value: no CR, LF, NUL or other control byte but
/// HTAB.
pub(crate) fn is_field_value(bytes: &[u8]) -> bool {
    find_line_byte(bytes).is_none()
}

/// Whether an application may add the field `name: value` to a head: a token name that is
/// not one the handshake writes itself or that would change how the head is read
/// (`Upgrade`, `Connection`, `Content-Length`, `Transfer-Encoding`, `Sec-WebSocket-*`,
/// `WebSocket-*`, nor any of `also_reserved`, given in lowercase), and a value free of control
/// bytes.
pub(crate) fn is_extra_field(name: &[u8], value: &[u8], also_reserved: &[&[u8]]) -> bool {
    let starts = |prefix: &[u8]| {
        name.get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    let reserved = [
        &b"upgrade"[..],
        b"connection",
        b"content-length",
        b"transfer-encoding",
    ]
    .iter()
    .chain(also_reserved)
    .any(|reserved| name.eq_ignore_ascii_case(reserved))
        || starts(b"sec-websocket-")
        || starts(b"websocket-");
    is_token(name) && !reserved && is_field_value(value)
}

/// Whether `bytes` is a non-empty run of host-name characters (letters, digits, `-`, `.`, `_`).
pub(crate) fn is_host_chars(bytes: &[u8]) -> bool {
    !bytes.is_empty() && common_classes(bytes) & HOST != 0
}

/// Whether every byte is visible ASCII (U+0021–U+007E).
pub(crate) fn is_visible_ascii(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(true, |all, &b| all & (b.wrapping_sub(0x21) < 0x5E))
}

/// Removes leading and trailing SP and HTAB.
pub(crate) fn trim_ows(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

/// Splits a request field line at its first colon: the name, and where the value lies in the
/// line once the optional white space around it is dropped. `None` without a colon or with an
/// empty name. The line comes from [`LineScanner`], which already refused every control byte
/// but HTAB; whether the name is a token is the caller's to judge.
#[inline]
pub(crate) fn split_field(line: &[u8]) -> Option<(&[u8], Range<usize>)> {
    let colon = find_colon(line).filter(|&colon| colon > 0)?;
    let mut value = &line[colon + 1..];
    while let [b' ' | b'\t', rest @ ..] = value {
        value = rest;
    }
    let start = line.len() - value.len();
    while let [rest @ .., b' ' | b'\t'] = value {
        value = rest;
    }
    Some((&line[..colon], start..start + value.len()))
}

/// Whether a token `name` equals `lower`, a lowercase name of letters, digits and `-`.
/// Setting bit 0x20 lowercases the letters of a token and leaves `-` and digits alone; the
/// only other token bytes it changes (`^`, `_`) become bytes no such name holds. When `lower`
/// is letters only, it is exact for any bytes at all: only a letter's two cases set bit 0x20
/// into that letter. Eight bytes
/// are compared at a time (the last word overlapping the one before), four for short names;
/// `lower` is a constant, so its words are too.
#[inline]
pub(crate) fn name_is(name: &[u8], lower: &[u8]) -> bool {
    const CASE: u64 = u64::from_le_bytes([0x20; 8]);
    if name.len() != lower.len() {
        return false;
    }
    let len = name.len();
    if len < 8 {
        if len < 4 {
            return name
                .iter()
                .zip(lower)
                .fold(true, |same, (&n, &l)| same & (n | 0x20 == l));
        }
        let half = |bytes: &[u8], at: usize| {
            let mut four = [0u8; 4];
            four.copy_from_slice(&bytes[at..at + 4]);
            u32::from_le_bytes(four)
        };
        let case = CASE as u32;
        return ((half(name, 0) | case) ^ half(lower, 0))
            | ((half(name, len - 4) | case) ^ half(lower, len - 4))
            == 0;
    }
    let word = |bytes: &[u8], at: usize| {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(eight)
    };
    let mut differ = (word(name, len - 8) | CASE) ^ word(lower, len - 8);
    let mut at = 0;
    while at + 8 < len {
        differ |= (word(name, at) | CASE) ^ word(lower, at);
        at += 8;
    }
    differ == 0
}

/// An ASCII-only byte string as `&str`. Callers only pass bytes already checked to be ASCII;
/// anything else gives the empty string rather than a panic.
pub(crate) fn ascii_str(bytes: &[u8]) -> &str {
    core::str::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(buf: &[u8]) -> Result<(usize, usize), Error> {
        let mut s = LineScanner::default();
        // Feed one more byte each time: the same scanner must get the same result.
        for end in 1..=buf.len() {
            loop {
                match s.next_line(&buf[..end])? {
                    Scanned::Line(_) => continue,
                    Scanned::End(at) => return Ok((at, s.lines())),
                    Scanned::NeedMore => break,
                }
            }
        }
        Ok((0, s.lines()))
    }

    #[test]
    fn finds_the_end_whatever_the_split() {
        assert_eq!(scan_all(b"GET / HTTP/1.1\r\nA: b\r\n\r\nxyz"), Ok((24, 2)));
        assert_eq!(scan_all(b"GET / HTTP/1.1\r\nA: b\r\n"), Ok((0, 2)));
    }

    #[test]
    fn refuses_byte_faults_at_once() {
        assert_eq!(
            scan_all(b"GET / HTTP/1.1\r\nA: b\rX"),
            Err(Error::BareCrOrLf)
        );
        assert_eq!(scan_all(b"GET / HTTP/1.1\nA"), Err(Error::BareCrOrLf));
        assert_eq!(scan_all(b"GET / HTTP/1.1\r\nA\0"), Err(Error::NulInHead));
        assert_eq!(
            scan_all(b"GET / HTTP/1.1\r\nA: b\r\n c"),
            Err(Error::FoldedLine)
        );
    }

    #[test]
    fn finds_line_bytes_at_every_position() {
        assert_eq!(find_line_byte(&[b'a'; 40]), None);
        assert_eq!(find_line_byte(&[b'\t'; 40]), None);
        for at in 0..40 {
            for special in [b'\r', b'\n', 0, 0x01, 0x1F, 0x7F] {
                let mut bytes = [b'a'; 40];
                bytes[at] = special;
                assert_eq!(find_line_byte(&bytes), Some(at));
                assert_eq!(find_line_byte(&bytes[..at]), None);
            }
        }
        // High bytes never look like the searched ones.
        assert_eq!(
            find_line_byte(&[0x80, 0x8D, 0x8A, 0xFF, 0x20, 0x7E, 0x09, 0x21, 0xA0]),
            None
        );
    }

    #[test]
    fn finds_the_same_byte_as_a_byte_loop() {
        // Every byte value after every other, inside and across words, among HTABs or letters.
        for first in 0..=255u8 {
            for second in 0..=255u8 {
                for (at, filler) in [(0, b'\t'), (6, b'a'), (7, b'\t'), (15, b'a'), (3, b' ')] {
                    let mut bytes = [filler; 20];
                    bytes[at] = first;
                    bytes[at + 1] = second;
                    let naive = bytes.iter().position(|&b| is_line_byte(b));
                    assert_eq!(find_line_byte(&bytes), naive, "{first:#x} {second:#x} {at}");
                }
            }
        }
    }

    #[test]
    fn finds_the_colon_at_every_position() {
        assert_eq!(find_colon(b""), None);
        for len in 0..40 {
            assert_eq!(find_colon(&[b'a'; 40][..len]), None);
            // Bytes one bit away from ':' are not colons.
            assert_eq!(find_colon(&[0xBA; 40][..len]), None);
            assert_eq!(find_colon(&[0x3B; 40][..len]), None);
            for at in 0..len {
                let mut bytes = [b'a'; 40];
                bytes[at] = b':';
                if at + 3 < len {
                    bytes[at + 3] = b':';
                }
                assert_eq!(find_colon(&bytes[..len]), Some(at));
            }
        }
    }

    #[test]
    fn names_compare_at_every_length() {
        let lower = b"sec-websocket-protocol-and-more-0123456789";
        for len in 0..=lower.len() {
            let lower = &lower[..len];
            let mut name = [0u8; 64];
            name[..len].copy_from_slice(lower);
            name[..len].make_ascii_uppercase();
            assert!(name_is(&name[..len], lower));
            assert!(!name_is(&name[..len + 1], lower));
            for at in 0..len {
                let mut other = name;
                other[at] ^= 0x01;
                assert!(!name_is(&other[..len], lower), "{len} {at}");
                other[at] = b'_';
                assert!(!name_is(&other[..len], lower), "{len} {at}");
            }
        }
    }

    #[test]
    fn letter_names_fold_exactly_for_any_byte() {
        let lower = b"websocket";
        for at in 0..lower.len() {
            for b in 0..=255u8 {
                let mut value = *lower;
                value[at] = b;
                assert_eq!(name_is(&value, lower), b.eq_ignore_ascii_case(&lower[at]));
            }
        }
    }

    #[test]
    fn grammar_tables() {
        assert!(is_token(b"Sec-WebSocket-Key1"));
        assert!(!is_token(b"Bad Name"));
        assert!(!is_token(b""));
        assert!(is_field_value(b"a b\tc\x80"));
        assert!(!is_field_value(b"a\rb"));
        assert!(!is_field_value(b"a\x7f"));
        // Every position of a long value, in and out of the eight-byte words.
        for at in 0..20 {
            for (bad, ok) in [
                (b'\r', false),
                (0x7F, false),
                (0x1F, false),
                (0, false),
                (b'\t', true),
                (0x80, true),
                (b' ', true),
            ] {
                let mut value = [b'a'; 20];
                value[at] = bad;
                assert_eq!(is_field_value(&value), ok, "{bad:#x} at {at}");
            }
        }
        assert_eq!(trim_ows(b" \t x y \t"), b"x y");
        assert_eq!(split_field(b"Name:  v "), Some((&b"Name"[..], 7..8)));
        assert_eq!(split_field(b"Name: \t "), Some((&b"Name"[..], 8..8)));
        assert_eq!(split_field(b"Name v"), None);
        assert_eq!(scan_all(b"GET / HTTP/1.1\r\nA: \x01"), Err(Error::BadField));
        assert_eq!(split_field(b": v"), None);
    }
}
