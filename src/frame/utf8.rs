//! Text across reads: each piece of a text frame is validated as it arrives, a character split
//! between two inputs is held (at most three bytes) until its rest comes, and invalid
//! sequences are refused or, when asked, replaced with U+FFFD.
//!
//! States: nothing held → (an input ends inside a character) → holding its first bytes →
//! (the rest arrives) → nothing held.

use core::str;

use super::chunk::TextChunk;
use crate::Error;

/// U+FFFD REPLACEMENT CHARACTER, put in place of invalid UTF-8 when replacement is on.
const REPLACEMENT: char = '\u{FFFD}';

/// What one piece of text came to: the bytes used, the chunk (`None` if empty) and whether
/// the message ended.
pub(super) type Piece<'a> = (usize, Option<TextChunk<'a>>, bool);

/// The start of a character split across inputs.
#[derive(Debug, Clone, Copy)]
pub(super) struct SplitChar {
    held: [u8; 4],
    len: usize,
}

impl SplitChar {
    /// Nothing held.
    pub(super) const EMPTY: SplitChar = SplitChar {
        held: [0; 4],
        len: 0,
    };

    /// Turns `data` (text bytes, `terminated` if the frame's 0xFF follows them) into one
    /// chunk. Invalid UTF-8 is [`Error::InvalidUtf8`] unless `replace`.
    #[inline]
    pub(super) fn piece<'a>(
        &mut self,
        data: &'a [u8],
        terminated: bool,
        replace: bool,
    ) -> Result<Piece<'a>, Error> {
        if self.len > 0 {
            self.complete(data, terminated, replace)
        } else {
            self.text(data, terminated, replace)
        }
    }

    /// The common case: valid text, perhaps ending in the first part of a character whose
    /// rest is still on its way. Validated once, returned borrowed.
    #[inline]
    fn text<'a>(
        &mut self,
        data: &'a [u8],
        terminated: bool,
        replace: bool,
    ) -> Result<Piece<'a>, Error> {
        let split = if terminated {
            data.len()
        } else {
            incomplete_tail_start(data)
        };
        let (head, tail) = data.split_at_checked(split).unwrap_or((data, &[]));
        if let Ok(text) = str::from_utf8(head) {
            let chunk = non_empty(text);
            if tail.is_empty() {
                return Ok((data.len(), chunk, terminated));
            }
            if is_incomplete_char(tail) {
                self.hold(tail)?;
                return Ok((data.len(), chunk, false));
            }
            if chunk.is_some() {
                return Ok((split, chunk, false));
            }
        }
        self.invalid(data, terminated, replace)
    }

    /// The slow path of [`text`](Self::text): `data` holds invalid UTF-8 or ends in an
    /// incomplete character.
    fn invalid<'a>(
        &mut self,
        data: &'a [u8],
        terminated: bool,
        replace: bool,
    ) -> Result<Piece<'a>, Error> {
        let error = match str::from_utf8(data) {
            Ok(text) => return Ok((data.len(), non_empty(text), terminated)),
            Err(error) => error,
        };
        let invalid = error.error_len().is_some() || terminated;
        if invalid && !replace {
            return Err(Error::InvalidUtf8);
        }
        let valid = error.valid_up_to();
        if valid > 0 {
            // Deliver the valid text first; the trouble is handled by the next call.
            let text = data
                .get(..valid)
                .and_then(|b| str::from_utf8(b).ok())
                .unwrap_or_default();
            return Ok((valid, non_empty(text), false));
        }
        match error.error_len() {
            Some(bad) => Ok((
                bad,
                Some(TextChunk::char(REPLACEMENT)),
                terminated && bad == data.len(),
            )),
            // A character cut off by the frame's end: `text` holds the start of one whose rest
            // may still come, so the frame has ended here.
            None => Ok((data.len(), Some(TextChunk::char(REPLACEMENT)), terminated)),
        }
    }

    /// Completes the held start of a split character with bytes from `data`.
    fn complete<'a>(
        &mut self,
        data: &'a [u8],
        terminated: bool,
        replace: bool,
    ) -> Result<Piece<'a>, Error> {
        let held = self.len;
        let width = self.held.first().copied().map_or(1, utf8_width);
        let take = width.saturating_sub(held).min(data.len());
        let mut buf = self.held;
        let total = held + take;
        let (Some(dst), Some(src)) = (buf.get_mut(held..total), data.get(..take)) else {
            return Err(Error::InvalidUtf8);
        };
        dst.copy_from_slice(src);
        let candidate = buf.get(..total).unwrap_or_default();
        match str::from_utf8(candidate) {
            Ok(text) => {
                self.len = 0;
                let chunk = text.chars().next().map(TextChunk::char);
                Ok((take, chunk, terminated && take == data.len()))
            }
            Err(error) => {
                let bad = error.error_len();
                if bad.is_none() && !terminated {
                    // Still incomplete: hold what arrived too.
                    self.held = buf;
                    self.len = total;
                    return Ok((take, None, false));
                }
                if !replace {
                    return Err(Error::InvalidUtf8);
                }
                self.len = 0;
                // The held bytes are a valid start, so the invalid sequence is at least that
                // long; what goes past them comes from `data`.
                let used = bad.map_or(take, |bad| bad.saturating_sub(held).min(take));
                Ok((
                    used,
                    Some(TextChunk::char(REPLACEMENT)),
                    terminated && used == data.len(),
                ))
            }
        }
    }

    /// Holds the start of a character split across inputs: at most 3 bytes, as `bytes` is an
    /// incomplete character.
    fn hold(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let dst = self.held.get_mut(..bytes.len()).ok_or(Error::InvalidUtf8)?;
        dst.copy_from_slice(bytes);
        self.len = bytes.len();
        Ok(())
    }
}

fn non_empty(text: &str) -> Option<TextChunk<'_>> {
    (!text.is_empty()).then_some(TextChunk::borrow(text))
}

/// The length of the UTF-8 sequence a lead byte announces (1 for anything that is not a lead
/// byte of a multi-byte sequence).
const fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

/// Where the last character of `data` starts if that character is cut short by the end of
/// `data`; `data.len()` otherwise. Looks at no more than the last three bytes.
fn incomplete_tail_start(data: &[u8]) -> usize {
    for back in 1..=data.len().min(3) {
        let start = data.len() - back;
        let Some(&byte) = data.get(start) else { break };
        if byte & 0xC0 != 0x80 {
            // Not a continuation byte: the last character starts here.
            return if utf8_width(byte) > back {
                start
            } else {
                data.len()
            };
        }
    }
    data.len()
}

/// Whether `bytes` is the valid start of a character, cut short.
fn is_incomplete_char(bytes: &[u8]) -> bool {
    matches!(str::from_utf8(bytes), Err(e) if e.valid_up_to() == 0 && e.error_len().is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_start() {
        assert_eq!(incomplete_tail_start(b""), 0);
        assert_eq!(incomplete_tail_start(b"abc"), 3);
        assert_eq!(incomplete_tail_start(b"a\xC3"), 1);
        assert_eq!(incomplete_tail_start(b"a\xC3\xA9"), 3);
        assert_eq!(incomplete_tail_start(b"a\xE2\x82"), 1);
        assert_eq!(incomplete_tail_start(b"\xF0\x9F\x98"), 0);
        assert_eq!(incomplete_tail_start(b"\xF0\x9F\x98\x80"), 4);
        assert_eq!(incomplete_tail_start(b"\x80\x80\x80"), 3);
    }
}
