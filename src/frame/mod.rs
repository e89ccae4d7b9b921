//! Data framing (draft sections 4.2 and 5.3).
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
//!   such as `FF 80 00`. No other type byte closes. hixie-75 has no close: there `FF 00` is
//!   discarded like any other length-prefixed frame.
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
//!                          │ last byte, length 0, type 0x80–0xFE (hixie-75: 0x80–0xFF)
//!                          ├───────────────────────▶ FrameStart   (Discarded)
//!                          │ last byte, length 0, type 0xFF (hixie-76 only)
//!                          └───────────────────────▶ Closed       (Close; later input ignored)
//!
//!   any state ── limit exceeded or invalid UTF-8 ──▶ Failed     (the error, again and again)
//! ```
//!
//! The encoder side is a handful of functions: [`encode_text`], [`text_frame_parts`] for
//! vectored writes, [`encode_close`] and [`CLOSE_FRAME`].
//!
//! [`Connection`](crate::connection::Connection) combines both with the closing handshake's
//! bookkeeping, and is what a finished handshake hands over; use the pieces here directly when
//! you need only one direction.

mod chunk;
mod config;
mod decode;
mod encode;
mod utf8;

pub use chunk::TextChunk;
pub use config::FrameConfig;
pub use decode::{Decoder, FrameEvent};
pub use encode::{
    encode_close, encode_text, text_frame_len, text_frame_parts, Keepalive, CLOSE_FRAME,
};
