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
    copy_lowercase, digit_bytes, find_byte, find_colon, find_space, is_visible_ascii, name_is,
    same_bytes, space_bytes, WORDS,
};

use crate::{Error, HeadLimits, Setting};

/// The shortest head any limit must allow: `GET / HTTP/1.1`, its CR LF and the blank line. A
/// smaller limit would refuse every request, so it is the caller's mistake.
const MIN_HEAD: usize = 18;

/// What a head's lines are handed to as the scanner completes them.
pub(crate) trait LineReader {
    /// What the first bytes of a field line showed, kept until the line's end.
    type Start;

    /// Reads the first bytes of a field line before its end is searched for, `rest` being
    /// every byte buffered from its start: what they show, and how many of them are known to
    /// hold no control byte, which the search then skips. `None` when they show nothing: the
    /// whole line is searched. Only a reading that checked each of those bytes exactly may
    /// claim them.
    #[inline]
    fn line_start(&self, rest: &[u8]) -> Option<(Self::Start, usize)> {
        let _ = rest;
        None
    }

    /// Reads a complete line of `head`, with whether it is the first (request or status) line
    /// and, when its first bytes were read in the same scan, what they showed.
    fn line(
        &mut self,
        head: &[u8],
        line: Range<usize>,
        first: bool,
        start: Option<Self::Start>,
    ) -> Result<(), Error>;
}

/// A [`LineReader`] that reads every line when it is complete, and only then.
pub(crate) struct Lines<F>(pub(crate) F);

impl<F: FnMut(&[u8], Range<usize>, bool) -> Result<(), Error>> LineReader for Lines<F> {
    type Start = core::convert::Infallible;

    #[inline]
    fn line(
        &mut self,
        head: &[u8],
        line: Range<usize>,
        first: bool,
        _: Option<Self::Start>,
    ) -> Result<(), Error> {
        (self.0)(head, line, first)
    }
}

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

    /// Hands every line completed in `buf` (which holds every byte buffered so far) to
    /// `reader`, with whether it is the first; returns where the head ends once its blank
    /// line is here, `None` while more bytes are needed. More than `max_fields` lines after
    /// the first is [`Error::TooManyFields`].
    ///
    /// The whole search is one loop over local copies of the scanner's offsets, stored back
    /// however it ends: a line costs its words and a few compares. A line's first byte is
    /// checked for folding right after the line before it, or, when it had not arrived yet,
    /// when the scan resumes.
    #[inline]
    pub(crate) fn scan<R: LineReader>(
        &mut self,
        buf: &[u8],
        max_fields: usize,
        reader: &mut R,
    ) -> Result<Option<usize>, Error> {
        let mut line_start = self.line_start;
        let mut scanned = self.scanned;
        let mut lines = self.lines;
        let scanned_to = 'scan: {
            if lines == 0 && self.status_line {
                match self.status_line_end(buf) {
                    Ok(Some(end)) => {
                        lines = 1;
                        line_start = end + 2;
                        scanned = end + 2;
                        if let Err(error) = reader.line(buf, 0..end, true, None) {
                            break 'scan Err(error);
                        }
                    }
                    Ok(None) => {
                        scanned = buf.len();
                        break 'scan Ok(None);
                    }
                    Err(error) => break 'scan Err(error),
                }
            }
            // A field line may not start with white space: obsolete folding.
            if lines > 0 && scanned == line_start {
                if let Some(b' ' | b'\t') = buf.get(scanned) {
                    break 'scan Err(Error::FoldedLine);
                }
            }
            loop {
                // What the first bytes of a field line show, read when they are here: the
                // search for its end then starts after those known to hold no control byte.
                let mut start = None;
                if lines > 0 && scanned == line_start {
                    if let Some((shown, clean)) = buf
                        .get(line_start..)
                        .and_then(|rest| reader.line_start(rest))
                    {
                        start = Some(shown);
                        scanned = line_start + clean;
                    }
                }
                let Some(rest) = buf.get(scanned..) else {
                    break 'scan Ok(None);
                };
                let Some(offset) = find_line_byte(rest) else {
                    scanned = buf.len();
                    break 'scan Ok(None);
                };
                let at = scanned + offset;
                match rest.get(offset..offset + 2) {
                    Some(b"\r\n") => {}
                    // Keep the CR unsearched: the next byte decides.
                    None if rest[offset] == b'\r' => {
                        scanned = at;
                        break 'scan Ok(None);
                    }
                    _ => {
                        break 'scan Err(match rest[offset] {
                            0 => Error::NulInHead,
                            b'\r' | b'\n' => Error::BareCrOrLf,
                            // No other control byte has a place in a head.
                            _ => Error::BadField,
                        });
                    }
                }
                let line = line_start..at;
                line_start = at + 2;
                scanned = at + 2;
                if line.is_empty() && lines > 0 {
                    break 'scan Ok(Some(at + 2));
                }
                lines += 1;
                // Every line after the first is a field.
                if lines - 1 > max_fields {
                    break 'scan Err(Error::TooManyFields);
                }
                if let Err(error) = reader.line(buf, line, lines == 1, start) {
                    break 'scan Err(error);
                }
                if let Some(b' ' | b'\t') = buf.get(at + 2) {
                    break 'scan Err(Error::FoldedLine);
                }
            }
        };
        self.line_start = line_start;
        self.scanned = scanned;
        self.lines = lines;
        scanned_to
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
        reader: &mut impl LineReader,
    ) -> Result<HeadRead, Error> {
        read_head(
            self.storage.as_mut(),
            &mut self.filled,
            &mut self.scanner,
            limits,
            input,
            reader,
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
    /// Where the status line ends (before its CR), once its first LF is here: that LF must
    /// follow a CR. A bare CR, a NUL or a control byte before it is the reason phrase's, which
    /// nobody judges.
    fn status_line_end(&self, buf: &[u8]) -> Result<Option<usize>, Error> {
        let Some(offset) = find_byte(b'\n', buf.get(self.scanned..).unwrap_or_default()) else {
            return Ok(None);
        };
        let at = self.scanned + offset;
        if at == 0 || buf.get(at - 1) != Some(&b'\r') {
            return Err(Error::BareCrOrLf);
        }
        Ok(Some(at - 1))
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
/// they complete to `reader`. The head size and field count limits are enforced here, for
/// both roles. Generic only over the line reader, so each role's scanning and line reading
/// are compiled together in this crate.
fn read_head(
    buf: &mut [u8],
    filled: &mut usize,
    scanner: &mut LineScanner,
    limits: &HeadLimits,
    input: &[u8],
    reader: &mut impl LineReader,
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
    let max_fields = limits.max_fields();
    if let Some(end) = scanner.scan(head, max_fields, reader)? {
        *filled = end;
        return Ok(HeadRead::Complete(end - before));
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
        .fold(u8::MAX, |all, &b| all & CLASSES[b as usize])
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
    Some((&line[..colon], value_at(line, colon + 1)))
}

/// Where a field's value lies in `line` once the optional white space around it is dropped,
/// the value starting at `start` (after the colon).
#[inline]
pub(crate) fn value_at(line: &[u8], mut start: usize) -> Range<usize> {
    // By index: the slice patterns this replaces compiled to a loop three times as long, and
    // most values have one space before them and none after.
    let mut end = line.len();
    while start < end && matches!(line[start], b' ' | b'\t') {
        start += 1;
    }
    while end > start && matches!(line[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    start..end
}

/// An ASCII-only byte string as `&str`. Callers only pass bytes already checked to be ASCII;
/// anything else gives the empty string rather than a panic.
pub(crate) fn ascii_str(bytes: &[u8]) -> &str {
    if WORDS {
        // What `str::from_utf8` would give, through its plain byte loop: the names and
        // targets passed here are a few bytes, too short for `from_utf8`'s alignment and word
        // setup to pay off. The first chunk is all of the bytes exactly when they are valid
        // UTF-8.
        match bytes.utf8_chunks().next() {
            Some(chunk) if chunk.valid().len() == bytes.len() => chunk.valid(),
            _ => "",
        }
    } else {
        // On a microcontroller the chunks' decoder would add half a kilobyte of code.
        core::str::from_utf8(bytes).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(buf: &[u8]) -> Result<(usize, usize), Error> {
        let mut s = LineScanner::default();
        // Feed one more byte each time: the same scanner must get the same result.
        for end in 1..=buf.len() {
            if let Some(at) =
                s.scan(&buf[..end], usize::MAX, &mut Lines(|_: &[u8], _, _| Ok(())))?
            {
                return Ok((at, s.lines()));
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
    fn a_first_line_may_start_with_white_space() {
        // Folding is a field line's fault; the first line is judged by its reader.
        assert_eq!(scan_all(b" GET / HTTP/1.1\r\n\r\n"), Ok((19, 1)));
        assert_eq!(scan_all(b"\tGET / HTTP/1.1\r\nA: b\r\n\r\n"), Ok((25, 2)));
    }

    /// Shows each line's first byte as its start, when it is a letter, and records what
    /// every complete line was handed.
    #[derive(Default)]
    struct StartRecorder {
        lines: [Option<(bool, Option<u8>)>; 4],
        count: usize,
    }

    impl LineReader for StartRecorder {
        type Start = u8;

        fn line_start(&self, rest: &[u8]) -> Option<(u8, usize)> {
            let first = *rest.first()?;
            first.is_ascii_alphabetic().then_some((first, 1))
        }

        fn line(
            &mut self,
            _: &[u8],
            _: Range<usize>,
            first: bool,
            start: Option<u8>,
        ) -> Result<(), Error> {
            self.lines[self.count] = Some((first, start));
            self.count += 1;
            Ok(())
        }
    }

    #[test]
    fn a_field_lines_start_is_read_as_it_begins_and_handed_on() {
        let head = b"GET / HTTP/1.1\r\nHost: x\r\n-: y\r\nab: c\r\n\r\n";
        let expected = [
            Some((true, None)), // the first line is not a field
            Some((false, Some(b'H'))),
            Some((false, None)), // shown nothing: searched whole
            Some((false, Some(b'a'))),
        ];
        // Whole, and in two pieces split where a line begins: the scan resumes at it.
        let mut whole = StartRecorder::default();
        let end = LineScanner::default().scan(head, usize::MAX, &mut whole);
        assert_eq!(end, Ok(Some(head.len())));
        assert_eq!(whole.lines, expected);
        for split in [16, 25] {
            let mut resumed = StartRecorder::default();
            let mut scanner = LineScanner::default();
            assert_eq!(
                scanner.scan(&head[..split], usize::MAX, &mut resumed),
                Ok(None)
            );
            assert_eq!(
                scanner.scan(head, usize::MAX, &mut resumed),
                Ok(Some(head.len()))
            );
            assert_eq!(resumed.lines, expected, "split at {split}");
        }
        // One more byte each time: a start is kept only within the scan that read it, and no
        // line is complete in the scan that reads its first byte, so none is handed on.
        let mut grown = StartRecorder::default();
        let mut scanner = LineScanner::default();
        for end in 1..head.len() {
            assert_eq!(scanner.scan(&head[..end], usize::MAX, &mut grown), Ok(None));
        }
        assert_eq!(
            scanner.scan(head, usize::MAX, &mut grown),
            Ok(Some(head.len()))
        );
        assert_eq!(
            grown.lines,
            [
                Some((true, None)),
                Some((false, None)),
                Some((false, None)),
                Some((false, None))
            ]
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

    #[test]
    fn ascii_strs_are_what_from_utf8_gives() {
        for bytes in [
            &b""[..],
            b"sample",
            b"/chat?room=1",
            "caf\u{e9}".as_bytes(),
            b"a\xff",
            b"\xffa",
            b"ab\xe2\x82",
            b"\x80",
        ] {
            assert_eq!(
                ascii_str(bytes),
                core::str::from_utf8(bytes).unwrap_or_default()
            );
        }
    }
}
