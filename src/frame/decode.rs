//! The streaming frame decoder.

use core::fmt;
use core::ops::Deref;
use core::str;

use crate::{Error, Limits};

/// The byte that ends a sentinel frame and, as a type byte, starts a close.
const END: u8 = 0xFF;

/// U+FFFD REPLACEMENT CHARACTER, put in place of invalid UTF-8 when replacement is on.
const REPLACEMENT: char = '\u{FFFD}';

/// What a [`Decoder`] enforces and how it treats invalid text.
///
/// Built from [`DecoderConfig::new`] (or `Default`) and adjusted with the builder methods:
///
/// ```
/// use hixie76::frame::DecoderConfig;
/// let config = DecoderConfig::new()
///     .max_message(64 * 1024)
///     .replace_invalid_utf8(true);
/// assert_eq!(config.max_message, 65536);
/// assert!(config.closing_handshake);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecoderConfig {
    /// Largest text message in bytes of UTF-8 as received (the `0x00` and `0xFF` around it not
    /// counted). Also bounds the length of a discarded frame: a length prefix above it is
    /// [`Error::FrameTooLarge`] as soon as the prefix passes it, and so is a discarded sentinel
    /// frame (type `0x01`–`0x7F`) that runs longer. Default: [`Limits::DEFAULT`]'s
    /// `max_message`, 1 MiB.
    pub max_message: usize,
    /// Most bytes a length prefix may take. Leading `0x80` bytes add nothing to a length, so
    /// without this bound a peer could stretch one prefix forever. Default 10, enough for any
    /// 64-bit length written minimally; exceeding it is [`Error::FrameTooLarge`].
    pub max_length_bytes: usize,
    /// Replace each invalid UTF-8 sequence with U+FFFD (what the draft asks of a client) instead
    /// of failing with [`Error::InvalidUtf8`] (the default). Replacements arrive as
    /// [`TextChunk`]s of their own.
    pub replace_invalid_utf8: bool,
    /// Recognise the closing handshake (`0xFF` with length 0). On by default, as hixie-76
    /// requires; off gives hixie-75 framing, where `FF 00` is just a discarded frame.
    pub closing_handshake: bool,
}

impl DecoderConfig {
    /// The defaults: 1 MiB messages, 10-byte length prefixes, strict UTF-8, closing handshake on.
    pub const DEFAULT: DecoderConfig = DecoderConfig {
        max_message: Limits::DEFAULT.max_message,
        max_length_bytes: 10,
        replace_invalid_utf8: false,
        closing_handshake: true,
    };

    /// The defaults, as [`DecoderConfig::DEFAULT`].
    #[must_use]
    pub const fn new() -> Self {
        Self::DEFAULT
    }

    /// The defaults, with the message limit taken from `limits`.
    #[must_use]
    pub const fn from_limits(limits: &Limits) -> Self {
        Self::DEFAULT.max_message(limits.max_message)
    }

    /// Sets [`DecoderConfig::max_message`].
    #[must_use]
    pub const fn max_message(mut self, bytes: usize) -> Self {
        self.max_message = bytes;
        self
    }

    /// Sets [`DecoderConfig::max_length_bytes`].
    #[must_use]
    pub const fn max_length_bytes(mut self, bytes: usize) -> Self {
        self.max_length_bytes = bytes;
        self
    }

    /// Sets [`DecoderConfig::replace_invalid_utf8`].
    #[must_use]
    pub const fn replace_invalid_utf8(mut self, replace: bool) -> Self {
        self.replace_invalid_utf8 = replace;
        self
    }

    /// Sets [`DecoderConfig::closing_handshake`].
    #[must_use]
    pub const fn closing_handshake(mut self, on: bool) -> Self {
        self.closing_handshake = on;
        self
    }
}

impl Default for DecoderConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

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
/// let mut decoder = Decoder::new();
/// let (used, event) = decoder.decode(b"\x00caf\xC3").unwrap();
/// assert_eq!(used, 5);
/// let Some(FrameEvent::Text { chunk, fin: false }) = event else { panic!() };
/// assert_eq!(chunk.borrowed(), Some("caf"));
///
/// let (used, event) = decoder.decode(b"\xA9\xFF").unwrap();
/// assert_eq!(used, 2);
/// let Some(FrameEvent::Text { chunk, fin: true }) = event else { panic!() };
/// assert_eq!(chunk.as_str(), "é");
/// assert_eq!(chunk.borrowed(), None);
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
    const EMPTY: TextChunk<'static> = TextChunk::borrow("");

    const fn borrow(text: &'a str) -> Self {
        TextChunk {
            borrowed: text,
            inline: [0; 4],
            inline_len: 0,
        }
    }

    fn char(c: char) -> Self {
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
    pub fn borrowed(&self) -> Option<&'a str> {
        (self.inline_len == 0).then_some(self.borrowed)
    }
}

impl Deref for TextChunk<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for TextChunk<'_> {
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

/// What one [`Decoder::decode`] call found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameEvent<'a> {
    /// A piece of a text message. Pieces follow the input's boundaries: append them until one
    /// has `fin` set, which ends the message. An empty message is one empty chunk with `fin`.
    Text {
        /// The text, valid UTF-8 (split characters are never cut).
        chunk: TextChunk<'a>,
        /// Whether this chunk ends the message.
        fin: bool,
    },
    /// A whole frame the draft says to throw away was read and thrown away: a length-prefixed
    /// frame that is not the close, or a sentinel frame of a type other than `0x00`.
    Discarded,
    /// The peer started (or answered) the closing handshake. The decoder ignores all input
    /// after it.
    Close,
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Expecting a frame type byte.
    FrameStart,
    /// Reading a length prefix.
    Length {
        /// The type byte was 0xFF and the closing handshake is on.
        close_type: bool,
        /// The length so far; never above `max_message`.
        len: usize,
        /// Prefix bytes read so far.
        bytes: usize,
    },
    /// Discarding the payload of a length-prefixed frame.
    Skip { remaining: usize },
    /// Inside a text frame.
    Text,
    /// Inside a sentinel frame of a type other than 0x00.
    Sentinel,
    /// A close was decoded; input is ignored.
    Closed,
    /// An error was reported; it is reported again.
    Failed(Error),
}

/// What [`Decoder::find_end`] found after the payload bytes it reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The 0xFF that ends the frame.
    Found,
    /// The end of the input: more is needed.
    NotYet,
    /// A byte beyond the message limit.
    Limit,
}

/// The streaming, sans-IO frame decoder.
///
/// Feed it the bytes that arrived with [`decode`](Decoder::decode). Each call reports how many
/// bytes it used and at most one [`FrameEvent`]; drop the used bytes and call again with the
/// rest (plus whatever arrived meanwhile). Everything that is not used was not looked at for
/// good: the next call must start with those same bytes. The decoder keeps no copy of the
/// input beyond at most three bytes of a character split across reads, allocates nothing, and
/// its total work is linear in the bytes fed, however they are split.
///
/// Errors are terminal: once a call fails, every later call returns the same error without
/// looking at its input. After a [`FrameEvent::Close`], every later call uses all its input
/// and returns no event ([`is_closed`](Decoder::is_closed) tells).
///
/// ```
/// use hixie76::frame::{Decoder, FrameEvent};
///
/// let mut decoder = Decoder::new();
/// let mut input: &[u8] = b"\x00Hello\xFF\x80\x02\xFF\xFF\x00\xC3\xA9\xFF\xFF\x00";
/// let mut text = String::new();
/// let mut discarded = 0;
/// loop {
///     let (used, event) = decoder.decode(input)?;
///     input = &input[used..];
///     match event {
///         Some(FrameEvent::Text { chunk, fin }) => {
///             text.push_str(&chunk);
///             if fin {
///                 text.push('|');
///             }
///         }
///         Some(FrameEvent::Discarded) => discarded += 1,
///         Some(FrameEvent::Close) => break,
///         Some(_) => {}
///         None => break, // needs more input
///     }
/// }
/// assert_eq!(text, "Hello|é|");
/// assert_eq!(discarded, 1);
/// assert!(decoder.is_closed());
/// # Ok::<(), hixie76::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    config: DecoderConfig,
    state: State,
    /// Payload bytes used so far in the current sentinel frame (text or discarded).
    count: usize,
    /// The first bytes of a character split across inputs.
    pending: [u8; 4],
    pending_len: usize,
    /// In a sentinel frame: this many bytes at the start of the next input were already searched
    /// and hold no 0xFF ...
    searched: usize,
    /// ... and the byte right after them is the 0xFF that ends the frame.
    searched_end: bool,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder with the default configuration.
    #[must_use]
    pub const fn new() -> Self {
        Self::with_config(DecoderConfig::DEFAULT)
    }

    /// A decoder with the given configuration.
    #[must_use]
    pub const fn with_config(config: DecoderConfig) -> Self {
        Decoder {
            config,
            state: State::FrameStart,
            count: 0,
            pending: [0; 4],
            pending_len: 0,
            searched: 0,
            searched_end: false,
        }
    }

    /// The configuration this decoder runs with.
    #[must_use]
    pub const fn config(&self) -> &DecoderConfig {
        &self.config
    }

    /// Whether a close was decoded; all later input is ignored.
    #[must_use]
    pub const fn is_closed(&self) -> bool {
        matches!(self.state, State::Closed)
    }

    /// The error an earlier call failed with, if any. A failed decoder only repeats it.
    #[must_use]
    pub const fn error(&self) -> Option<Error> {
        match self.state {
            State::Failed(error) => Some(error),
            _ => None,
        }
    }

    /// Whether the decoder sits between frames: everything fed so far formed whole frames.
    /// Useful to tell a peer that closed the transport cleanly from one that stopped mid-frame.
    #[must_use]
    pub const fn is_between_frames(&self) -> bool {
        matches!(self.state, State::FrameStart | State::Closed)
    }

    /// Puts the decoder in the failed state with `error`, for wrappers that find an error of
    /// their own; returns `error`.
    #[cfg(feature = "alloc")]
    pub(crate) fn fail(&mut self, error: Error) -> Error {
        self.state = State::Failed(error);
        error
    }

    /// Decodes from `input`, returning how many bytes were used and the event found, if any.
    ///
    /// `None` means every byte of `input` that could be used was used and more input is needed
    /// (the count may be non-zero: a partial length prefix, discarded bytes, or the start of a
    /// split character were taken in). With an event, bytes after it are left for the next call.
    ///
    /// # Errors
    ///
    /// - [`Error::FrameTooLarge`]: a length prefix exceeds [`DecoderConfig::max_message`] or
    ///   [`DecoderConfig::max_length_bytes`], or a discarded sentinel frame runs past
    ///   `max_message`.
    /// - [`Error::MessageTooLarge`]: a text message runs past `max_message` (its text up to the
    ///   limit may have come out in chunks first).
    /// - [`Error::InvalidUtf8`]: a text message is not UTF-8 and replacement is off.
    ///
    /// All are terminal: later calls return the same error.
    #[inline]
    pub fn decode<'a>(
        &mut self,
        input: &'a [u8],
    ) -> Result<(usize, Option<FrameEvent<'a>>), Error> {
        match self.state {
            State::Failed(error) => Err(error),
            State::Closed => Ok((input.len(), None)),
            _ => self.step(input).inspect_err(|&error| {
                self.state = State::Failed(error);
            }),
        }
    }

    #[inline]
    fn step<'a>(&mut self, input: &'a [u8]) -> Result<(usize, Option<FrameEvent<'a>>), Error> {
        let mut pos = 0;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            match self.state {
                State::FrameStart => {
                    let Some(&ty) = rest.first() else {
                        return Ok((pos, None));
                    };
                    pos += 1;
                    self.count = 0;
                    self.state = match ty {
                        0x00 => State::Text,
                        0x01..=0x7F => State::Sentinel,
                        _ => State::Length {
                            close_type: ty == END && self.config.closing_handshake,
                            len: 0,
                            bytes: 0,
                        },
                    };
                }
                State::Length {
                    close_type,
                    mut len,
                    mut bytes,
                } => {
                    let mut finished = false;
                    for &byte in rest {
                        pos += 1;
                        bytes = bytes.saturating_add(1);
                        if bytes > self.config.max_length_bytes {
                            return Err(Error::FrameTooLarge);
                        }
                        // Checked before it is stored: `len` never exceeds the limit.
                        len = len
                            .checked_mul(128)
                            .and_then(|l| l.checked_add(usize::from(byte & 0x7F)))
                            .filter(|&l| l <= self.config.max_message)
                            .ok_or(Error::FrameTooLarge)?;
                        if byte & 0x80 == 0 {
                            finished = true;
                            break;
                        }
                    }
                    if !finished {
                        self.state = State::Length {
                            close_type,
                            len,
                            bytes,
                        };
                        return Ok((pos, None));
                    }
                    if len > 0 {
                        self.state = State::Skip { remaining: len };
                    } else if close_type {
                        self.state = State::Closed;
                        return Ok((pos, Some(FrameEvent::Close)));
                    } else {
                        self.state = State::FrameStart;
                        return Ok((pos, Some(FrameEvent::Discarded)));
                    }
                }
                State::Skip { remaining } => {
                    let take = remaining.min(rest.len());
                    pos += take;
                    let remaining = remaining - take;
                    if remaining > 0 {
                        self.state = State::Skip { remaining };
                        return Ok((pos, None));
                    }
                    self.state = State::FrameStart;
                    return Ok((pos, Some(FrameEvent::Discarded)));
                }
                State::Sentinel => {
                    let (len, end) = self.find_end(rest);
                    let terminated = match end {
                        End::Found => true,
                        End::NotYet => false,
                        End::Limit => return Err(Error::FrameTooLarge),
                    };
                    self.count += len;
                    if !terminated {
                        return Ok((pos + len, None));
                    }
                    self.end_frame();
                    return Ok((pos + len + 1, Some(FrameEvent::Discarded)));
                }
                State::Text => {
                    let (len, end) = self.find_end(rest);
                    let terminated = match end {
                        End::Found => true,
                        End::NotYet => false,
                        // The text up to the limit is still decoded, so that an invalid
                        // sequence before the limit is reported as such however the input is
                        // split; once it is used up, nothing more is allowed and this fails.
                        End::Limit if len > 0 => false,
                        End::Limit => return Err(Error::MessageTooLarge),
                    };
                    // `find_end` returns a length within `rest`.
                    let data = rest.get(..len).unwrap_or_default();
                    let (used, chunk, fin) = if self.pending_len > 0 {
                        self.complete_split_char(data, terminated)?
                    } else {
                        self.text_chunk(data, terminated)?
                    };
                    self.count += used;
                    let event = if fin {
                        self.end_frame();
                        pos += used + 1;
                        FrameEvent::Text {
                            chunk: chunk.unwrap_or(TextChunk::EMPTY),
                            fin: true,
                        }
                    } else {
                        pos += used;
                        // What is left of the window is known to hold no 0xFF.
                        self.searched = len - used;
                        self.searched_end = terminated;
                        match chunk {
                            Some(chunk) => FrameEvent::Text { chunk, fin: false },
                            // Bytes past the limit are waiting: fail now rather than ask for
                            // more input.
                            None if end == End::Limit && used > 0 => continue,
                            None if end == End::Limit => return Err(Error::MessageTooLarge),
                            None => return Ok((pos, None)),
                        }
                    };
                    return Ok((pos, Some(event)));
                }
                State::Closed | State::Failed(_) => return Ok((pos, None)),
            }
        }
    }

    fn end_frame(&mut self) {
        self.state = State::FrameStart;
        self.count = 0;
        self.searched = 0;
        self.searched_end = false;
    }

    /// Finds the end of the current sentinel frame's payload in `rest`: the number of payload
    /// bytes available (never more than the message limit allows) and what follows them.
    /// Never searches a byte twice.
    #[inline]
    fn find_end(&self, rest: &[u8]) -> (usize, End) {
        if self.searched_end && self.searched < rest.len() {
            return (self.searched, End::Found);
        }
        // `count` never exceeds `max_message`, and neither does `count + searched`.
        let allowed = self.config.max_message.saturating_sub(self.count);
        let start = self.searched.min(rest.len());
        let limit = rest.len().min(allowed.saturating_add(1));
        let region = rest.get(start..limit).unwrap_or_default();
        match memchr::memchr(END, region) {
            Some(i) => (start + i, End::Found),
            None if limit > allowed => (allowed, End::Limit),
            None => (limit, End::NotYet),
        }
    }

    /// Turns `data` (text bytes, `terminated` if the frame's 0xFF follows them) into one chunk.
    /// Returns the bytes used, the chunk (`None` if empty) and whether the message ended.
    #[inline]
    fn text_chunk<'a>(
        &mut self,
        data: &'a [u8],
        terminated: bool,
    ) -> Result<(usize, Option<TextChunk<'a>>, bool), Error> {
        // The common case: valid text, perhaps ending in the first part of a character whose
        // rest is still on its way. Validated once, returned borrowed.
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
        self.invalid_text(data, terminated)
    }

    /// The slow path of [`text_chunk`](Self::text_chunk): `data` holds invalid UTF-8 or ends in
    /// an incomplete character.
    fn invalid_text<'a>(
        &mut self,
        data: &'a [u8],
        terminated: bool,
    ) -> Result<(usize, Option<TextChunk<'a>>, bool), Error> {
        let error = match str::from_utf8(data) {
            Ok(text) => return Ok((data.len(), non_empty(text), terminated)),
            Err(error) => error,
        };
        let invalid = error.error_len().is_some() || terminated;
        if invalid && !self.config.replace_invalid_utf8 {
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
            // A character cut off by the frame's end.
            None if terminated => Ok((data.len(), Some(TextChunk::char(REPLACEMENT)), true)),
            // The start of a character whose rest has not arrived.
            None => {
                self.hold(data)?;
                Ok((data.len(), None, false))
            }
        }
    }

    /// Completes the held start of a split character with bytes from `data`.
    fn complete_split_char<'a>(
        &mut self,
        data: &'a [u8],
        terminated: bool,
    ) -> Result<(usize, Option<TextChunk<'a>>, bool), Error> {
        let held = self.pending_len;
        let width = self.pending.first().copied().map_or(1, utf8_width);
        let take = width.saturating_sub(held).min(data.len());
        let mut buf = self.pending;
        let total = held + take;
        let (Some(dst), Some(src)) = (buf.get_mut(held..total), data.get(..take)) else {
            return Err(Error::InvalidUtf8);
        };
        dst.copy_from_slice(src);
        let candidate = buf.get(..total).unwrap_or_default();
        match str::from_utf8(candidate) {
            Ok(text) => {
                self.pending_len = 0;
                let chunk = text.chars().next().map(TextChunk::char);
                Ok((take, chunk, terminated && take == data.len()))
            }
            Err(error) => {
                let bad = error.error_len();
                if bad.is_none() && !terminated {
                    // Still incomplete: hold what arrived too.
                    self.pending = buf;
                    self.pending_len = total;
                    return Ok((take, None, false));
                }
                if !self.config.replace_invalid_utf8 {
                    return Err(Error::InvalidUtf8);
                }
                self.pending_len = 0;
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

    /// Holds the start of a character split across inputs (at most 3 bytes).
    fn hold(&mut self, bytes: &[u8]) -> Result<(), Error> {
        let dst = self
            .pending
            .get_mut(..bytes.len())
            .filter(|dst| dst.len() < 4)
            .ok_or(Error::InvalidUtf8)?;
        dst.copy_from_slice(bytes);
        self.pending_len = bytes.len();
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

    #[test]
    fn inline_chunk() {
        let chunk = TextChunk::char('€');
        assert_eq!(chunk.as_str(), "€");
        assert_eq!(chunk.borrowed(), None);
        assert_eq!(chunk, "€");
    }
}
