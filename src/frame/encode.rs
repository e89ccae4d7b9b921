//! Frame encoding: text frames and the close.
//!
//! Text comes in as `&str`, and valid UTF-8 never contains the byte `0xFF`, so a frame built
//! here can never end early or smuggle a second frame: the framing is safe by construction.

use crate::Error;

/// The closing handshake frame, `FF 00`.
pub const CLOSE_FRAME: [u8; 2] = [0xFF, 0x00];

/// A frame a server can send to keep an idle connection (and the proxies on its way) alive.
///
/// hixie-76 has no ping. The draft gives two frames every conforming receiver must discard,
/// but deployed client libraries differ on both, so no kind is safe everywhere: choose by the
/// clients you serve (the README's keep-alive table lists what was measured).
///
/// ```
/// use hixie76::frame::Keepalive;
/// assert_eq!(Keepalive::Discard.frame(), [0x80, 0x00]);
/// assert_eq!(Keepalive::Sentinel.frame(), [0x01, 0xFF]);
/// assert_eq!(Keepalive::Empty.frame(), [0x00, 0xFF]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Keepalive {
    /// `80 00`: a length-prefixed frame of length 0, which the draft says to discard.
    Discard,
    /// `01 FF`: a sentinel frame of a non-zero type, which the draft says to discard.
    Sentinel,
    /// `00 FF`: an empty text message, which a receiver hands to its application.
    Empty,
}

impl Keepalive {
    /// The frame's two bytes.
    #[must_use]
    pub const fn frame(self) -> [u8; 2] {
        match self {
            Keepalive::Discard => [0x80, 0x00],
            Keepalive::Sentinel => [0x01, 0xFF],
            Keepalive::Empty => [0x00, 0xFF],
        }
    }
}

const TEXT_HEADER: [u8; 1] = [0x00];
const TEXT_TRAILER: [u8; 1] = [0xFF];

/// How many bytes the text frame for `text` takes: its UTF-8 plus 2.
///
/// ```
/// assert_eq!(hixie76::frame::text_frame_len("héllo"), 8);
/// ```
#[must_use]
pub const fn text_frame_len(text: &str) -> usize {
    // A str is at most isize::MAX bytes long, so this cannot overflow.
    text.len().saturating_add(2)
}

/// Writes the text frame for `text` (`0x00`, the UTF-8, `0xFF`) at the start of `out` and
/// returns its length.
///
/// # Errors
///
/// [`Error::BufferTooSmall`] with the length needed, if `out` is shorter; nothing is written.
///
/// ```
/// use hixie76::{frame::encode_text, Error};
/// let mut out = [0u8; 8];
/// assert_eq!(encode_text("hé", &mut out), Ok(5));
/// assert_eq!(&out[..5], b"\x00h\xC3\xA9\xFF");
/// assert_eq!(encode_text("too long", &mut out), Err(Error::BufferTooSmall { needed: 10 }));
/// ```
pub fn encode_text(text: &str, out: &mut [u8]) -> Result<usize, Error> {
    let needed = text_frame_len(text);
    let Some(frame) = out.get_mut(..needed) else {
        return Err(Error::BufferTooSmall { needed });
    };
    let mut at = 0;
    for part in text_frame_parts(text) {
        let end = at + part.len();
        if let Some(dst) = frame.get_mut(at..end) {
            dst.copy_from_slice(part);
        }
        at = end;
    }
    Ok(needed)
}

/// The text frame for `text` as three slices, header `[0x00]`, the text's bytes and trailer
/// `[0xFF]`, to hand to a vectored write (`write_vectored`, `writev`) without copying the text.
///
/// ```
/// let parts = hixie76::frame::text_frame_parts("hi");
/// assert_eq!(parts, [&[0x00][..], b"hi", &[0xFF][..]]);
/// assert_eq!(parts.concat(), b"\x00hi\xFF");
/// ```
#[must_use]
pub fn text_frame_parts(text: &str) -> [&[u8]; 3] {
    [&TEXT_HEADER, text.as_bytes(), &TEXT_TRAILER]
}

/// Writes the close frame `FF 00` at the start of `out` and returns 2.
///
/// # Errors
///
/// [`Error::BufferTooSmall`] (`needed: 2`) if `out` is shorter; nothing is written.
///
/// ```
/// let mut out = [0u8; 4];
/// assert_eq!(hixie76::frame::encode_close(&mut out), Ok(2));
/// assert_eq!(out[..2], hixie76::frame::CLOSE_FRAME);
/// ```
pub fn encode_close(out: &mut [u8]) -> Result<usize, Error> {
    let dst = out
        .get_mut(..CLOSE_FRAME.len())
        .ok_or(Error::BufferTooSmall {
            needed: CLOSE_FRAME.len(),
        })?;
    dst.copy_from_slice(&CLOSE_FRAME);
    Ok(CLOSE_FRAME.len())
}
