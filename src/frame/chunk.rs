//! A piece of a text message, as the decoder hands it out.

use core::fmt;
use core::ops::Deref;
use core::str;

/// A piece of a text message: a `&str`, borrowed from the decoder's input whenever possible.
///
/// Two kinds of chunk cannot be borrowed: a character whose bytes were split across two inputs
/// (the decoder holds the first part, at most three bytes, until the rest arrives) and a U+FFFD
/// standing in for invalid UTF-8. Those carry their one character inline. Either way
/// [`as_str`](TextChunk::as_str) (or `Deref`) gives the text; [`borrowed`](TextChunk::borrowed)
/// gives the input-lifetime `&str` when there is one.
///
/// ```
/// use hixie76::frame::{Decoder, FrameEvent};
/// let mut decoder = Decoder::default();
/// let received = decoder.receive(b"\x00caf\xC3")?;
/// assert_eq!(received.used, 5);
/// let Some(FrameEvent::Text { chunk, fin: false }) = received.event else { panic!() };
/// assert_eq!(chunk.borrowed(), Some("caf"));
///
/// let received = decoder.receive(b"\xA9\xFF")?;
/// assert_eq!(received.used, 2);
/// let Some(FrameEvent::Text { chunk, fin: true }) = received.event else { panic!() };
/// assert_eq!(chunk.as_str(), "é");
/// assert_eq!(chunk.borrowed(), None);
/// # Ok::<(), hixie76::Error>(())
/// ```
#[derive(Clone, Copy)]
pub struct TextChunk<'a> {
    /// The text, when it is a slice of the input (`inline_len` is then 0).
    borrowed: &'a str,
    /// Otherwise one character's UTF-8: `inline_len` bytes (1..=4) of `inline`.
    inline: [u8; 4],
    /// A whole word rather than an enum tag or a byte: every field then sits at an aligned
    /// offset, and an event moves as a few aligned words instead of odd-sized pieces that
    /// defeat store forwarding on every call.
    inline_len: u32,
}

impl<'a> TextChunk<'a> {
    pub(super) const EMPTY: TextChunk<'static> = TextChunk::borrow("");

    pub(super) const fn borrow(text: &'a str) -> Self {
        TextChunk {
            borrowed: text,
            inline: [0; 4],
            inline_len: 0,
        }
    }

    pub(super) fn char(c: char) -> Self {
        let mut inline = [0; 4];
        let len = c.encode_utf8(&mut inline).len();
        TextChunk {
            borrowed: "",
            inline,
            // A char's UTF-8 is 1 to 4 bytes.
            inline_len: len as u32,
        }
    }

    /// The text of this chunk.
    #[must_use]
    #[inline]
    pub fn as_str(&self) -> &str {
        if self.inline_len == 0 {
            return self.borrowed;
        }
        self.inline
            .get(..self.inline_len as usize)
            .and_then(|b| str::from_utf8(b).ok())
            .unwrap_or_default()
    }

    /// The text as a slice of the decoder's input, or `None` for a chunk that could not be
    /// borrowed (a character split across inputs, or a U+FFFD replacement).
    #[must_use]
    #[inline]
    pub fn borrowed(&self) -> Option<&'a str> {
        (self.inline_len == 0).then_some(self.borrowed)
    }
}

impl Deref for TextChunk<'_> {
    type Target = str;

    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for TextChunk<'_> {
    #[inline]
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for TextChunk<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for TextChunk<'_> {}

impl PartialEq<str> for TextChunk<'_> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for TextChunk<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Debug for TextChunk<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for TextChunk<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write;

    #[test]
    fn inline_chunk() {
        let chunk = TextChunk::char('€');
        assert_eq!(chunk.as_str(), "€");
        assert_eq!(chunk.borrowed(), None);
        assert_eq!(chunk, "€");
    }

    /// Both kinds read the same through every view: `as_str`, `Deref`, `AsRef`, `Display`,
    /// `Debug` and the comparisons.
    #[test]
    fn every_view_gives_the_text() {
        struct Out([u8; 32], usize);
        impl Write for Out {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                let end = self.1 + s.len();
                self.0
                    .get_mut(self.1..end)
                    .ok_or(fmt::Error)?
                    .copy_from_slice(s.as_bytes());
                self.1 = end;
                Ok(())
            }
        }
        for (chunk, text) in [
            (TextChunk::borrow("caf"), "caf"),
            (TextChunk::char('é'), "é"),
        ] {
            assert_eq!(chunk.as_str(), text);
            assert_eq!(&*chunk, text);
            assert_eq!(AsRef::<str>::as_ref(&chunk), text);
            assert!(chunk == *text && chunk == text);
            assert!(chunk != "other" && chunk != TextChunk::borrow("other"));
            assert_eq!(chunk, TextChunk::borrow(text));
            let mut out = Out([0; 32], 0);
            write!(out, "{chunk}|{chunk:?}").unwrap();
            let written = str::from_utf8(&out.0[..out.1]).unwrap();
            let debug = written
                .strip_prefix(text)
                .and_then(|rest| rest.strip_prefix("|\""));
            assert_eq!(debug.and_then(|rest| rest.strip_prefix(text)), Some("\""));
        }
        assert_eq!(TextChunk::borrow("caf").borrowed(), Some("caf"));
        assert_eq!(TextChunk::EMPTY.as_str(), "");
    }
}
