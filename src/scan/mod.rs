//! Incremental head reading shared by both roles: the head buffer, its line scanner, and the
//! header grammar both roles check values against.
//!
//! States: `InLine` (searching the current line for its CR LF) → a complete line is handed out →
//! `InLine` again, until an empty line ends the head. The scanner remembers how far it has
//! searched, so every byte is examined a bounded number of times however the head is split
//! ([rule R3](crate::rules#r3)). Byte-level faults (a bare CR or LF, a NUL, a folded line) are
//! reported as soon as the offending byte is seen.

mod words;

use core::ops::Range;

use words::find_line_byte;
pub(crate) use words::{
    digit_bytes, find_byte, find_colon, is_visible_ascii, name_is, space_bytes, WORDS,
};

use crate::{Error, HeadLimits, Setting};

/// The shortest head any limit must allow: `GET / HTTP/1.1`, its CR LF and the blank line. A
/// smaller limit would refuse every request, so it is the caller's mistake.
const MIN_HEAD: usize = 18;

/// Where the scan of a buffered head stands.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LineScanner {
    /// Start of the line being searched.
    line_start: usize,
    /// Bytes before this offset have been searched.
    scanned: usize,
    /// Lines completed so far (the first is the request or status line).
    lines: usize,
    /// The first line is a status line, read as the draft's client reads it (4.1 step 28):
    /// up to the first LF, which must follow a CR; the bytes before are not judged here.
    status_line: bool,
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

    /// A scanner for a response head, whose status line may hold any byte but LF.
    pub(crate) fn for_response() -> Self {
        LineScanner {
            status_line: true,
            ..LineScanner::default()
        }
    }

    /// Looks for the next complete line in `buf`, which holds every byte buffered so far.
    #[inline]
    pub(crate) fn next_line(&mut self, buf: &[u8]) -> Result<Scanned, Error> {
        let Some(rest) = buf.get(self.scanned..) else {
            return Ok(Scanned::NeedMore);
        };
        if self.lines == 0 && self.status_line {
            return self.status_line_end(buf, rest);
        }
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

/// A head being read: the caller's storage, how much of it holds head bytes, and how far
/// those were scanned. Both handshakes hold one.
#[derive(Debug)]
pub(crate) struct HeadBuffer<S> {
    storage: S,
    filled: usize,
    scanner: LineScanner,
}

impl<S: AsRef<[u8]> + AsMut<[u8]>> HeadBuffer<S> {
    /// A buffer for a request head.
    pub(crate) fn new(storage: S) -> Self {
        HeadBuffer {
            storage,
            filled: 0,
            scanner: LineScanner::default(),
        }
    }

    /// A buffer for a response head, whose status line is read as the draft's client reads it.
    pub(crate) fn for_response(storage: S) -> Self {
        HeadBuffer {
            storage,
            filled: 0,
            scanner: LineScanner::for_response(),
        }
    }

    /// Takes head bytes from `input` (see [`read_head`]).
    #[inline]
    pub(crate) fn read(
        &mut self,
        limits: &HeadLimits,
        input: &[u8],
        read_line: impl FnMut(&[u8], Range<usize>, bool) -> Result<(), Error>,
    ) -> Result<HeadRead, Error> {
        read_head(
            self.storage.as_mut(),
            &mut self.filled,
            &mut self.scanner,
            limits,
            input,
            read_line,
        )
    }

    /// The head bytes buffered so far; once the head is complete, exactly the head, through
    /// its blank line.
    #[inline]
    pub(crate) fn head(&self) -> &[u8] {
        self.storage.as_ref().get(..self.filled).unwrap_or_default()
    }

    /// Lines completed so far, the first line included.
    pub(crate) fn lines(&self) -> usize {
        self.scanner.lines()
    }

    pub(crate) fn into_storage(self) -> S {
        self.storage
    }
}

impl LineScanner {
    /// Finds the end of a status line: its first LF, which must follow a CR. A bare CR, a NUL
    /// or a control byte before it is the reason phrase's, which nobody judges.
    fn status_line_end(&mut self, buf: &[u8], rest: &[u8]) -> Result<Scanned, Error> {
        let Some(offset) = find_byte(b'\n', rest) else {
            self.scanned = buf.len();
            return Ok(Scanned::NeedMore);
        };
        let at = self.scanned + offset;
        if at == 0 || buf.get(at - 1) != Some(&b'\r') {
            return Err(Error::BareCrOrLf);
        }
        self.line_start = at + 1;
        self.scanned = at + 1;
        self.lines = 1;
        Ok(Scanned::Line(0..at - 1))
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
fn read_head(
    buf: &mut [u8],
    filled: &mut usize,
    scanner: &mut LineScanner,
    limits: &HeadLimits,
    input: &[u8],
    mut read_line: impl FnMut(&[u8], Range<usize>, bool) -> Result<(), Error>,
) -> Result<HeadRead, Error> {
    let limit = limits.max_head().min(buf.len());
    if limit < MIN_HEAD {
        // A limit no request could meet is the caller's setup (an empty `Vec` as storage,
        // say), not the peer's fault.
        return Err(Error::InvalidValue(Setting::MaxHead));
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
                if scanner.lines() - 1 > limits.max_fields() {
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

/// Byte classes for header grammar, one table lookup per byte.
const TOKEN: u8 = 1;
const HOST: u8 = 2;
/// Letters, digits and `_`: the bytes of a host label but `-`.
const LABEL: u8 = 4;

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
        if c.is_ascii_alphanumeric() || c == b'_' {
            class |= LABEL;
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

/// Whether `bytes` is a non-empty run of host-name characters (letters, digits, `-`, `.`, `_`).
/// (For the label-by-label reading of host names that the one-pass check is tested against.)
#[cfg(test)]
pub(crate) fn is_host_chars(bytes: &[u8]) -> bool {
    !bytes.is_empty() && common_classes(bytes) & HOST != 0
}

/// Whether `b` is a letter, a digit or `_`: a host label's byte other than `-`.
#[inline]
pub(crate) fn is_label_byte(b: u8) -> bool {
    CLASSES[usize::from(b)] & LABEL != 0
}

/// Removes leading and trailing SP and HTAB (the optional white space around a field value).
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
pub(crate) fn split_field_trimmed(line: &[u8]) -> Option<(&[u8], Range<usize>)> {
    let colon = find_colon(line).filter(|&colon| colon > 0)?;
    // By index: the slice patterns this replaces compiled to a loop three times as long, and
    // most values have one space before them and none after.
    let mut start = colon + 1;
    let mut end = line.len();
    while start < end && matches!(line[start], b' ' | b'\t') {
        start += 1;
    }
    while end > start && matches!(line[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    Some((&line[..colon], start..end))
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
        assert_eq!(
            split_field_trimmed(b"Name:  v "),
            Some((&b"Name"[..], 7..8))
        );
        assert_eq!(
            split_field_trimmed(b"Name: \t "),
            Some((&b"Name"[..], 8..8))
        );
        assert_eq!(split_field_trimmed(b"Name v"), None);
        assert_eq!(scan_all(b"GET / HTTP/1.1\r\nA: \x01"), Err(Error::BadField));
        assert_eq!(split_field_trimmed(b": v"), None);
    }
}
