//! Data framing and the closing handshake (draft sections 4.2, 5.3 and 6).
//!
//! After the opening handshake both peers exchange frames:
//!
//! - a **text frame** is `0x00`, UTF-8 text, `0xFF`;
//! - a frame whose type byte has the high bit clear but is not `0x00` (`0x01`–`0x7F`) runs up to
//!   the next `0xFF` like a text frame, and is **discarded**;
//! - a frame whose type byte has the high bit set (`0x80`–`0xFF`) carries a length, base 128,
//!   big-endian, 7 bits a byte, with the high bit set on every byte but the last; that many
//!   payload bytes follow (they may include `0xFF`) and are **discarded**;
//! - the **close** is type `0xFF` with length 0: `FF 00`, or a non-minimal spelling of length 0
//!   such as `FF 80 00`. No other type byte closes.
//!
//! # Decoder states
//!
//! [`Decoder`] is a small state machine fed with whatever bytes arrived:
//!
//! ```text
//!              0x00                 0xFF
//!   FrameStart ────────▶ Text ─────────────────────▶ FrameStart   (Text event, fin)
//!       │      0x01–0x7F            0xFF
//!       ├──────────────▶ Sentinel ─────────────────▶ FrameStart   (Discarded)
//!       │      0x80–0xFF            last byte, length > 0
//!       └──────────────▶ Length ───────────▶ Skip ─▶ FrameStart   (Discarded, after `length` bytes)
//!                          │ last byte, length 0, type 0x80–0xFE
//!                          ├───────────────────────▶ FrameStart   (Discarded)
//!                          │ last byte, length 0, type 0xFF
//!                          └───────────────────────▶ Closed       (Close; later input ignored)
//!
//!   any state ── limit exceeded or invalid UTF-8 ──▶ Failed     (the error, again and again)
//! ```
//!
//! With [`DecoderConfig::closing_handshake`] off (the older hixie-75 framing), `FF 00` is an
//! ordinary discarded frame and `Closed` is never reached.
//!
//! The encoder side is a handful of functions: [`encode_text`], [`text_frame_parts`] for
//! vectored writes, [`encode_close`] and [`CLOSE_FRAME`].
//!
//! [`Connection`](crate::connection::Connection) combines both with the closing handshake's
//! bookkeeping; use the pieces here directly when you need only one direction.

#[cfg(feature = "alloc")]
mod assemble;
mod decode;
mod encode;

#[cfg(feature = "alloc")]
pub use assemble::{Message, MessageAssembler};
pub use decode::{Decoder, DecoderConfig, FrameEvent, TextChunk};
pub use encode::{encode_close, encode_text, text_frame_len, text_frame_parts, CLOSE_FRAME};
