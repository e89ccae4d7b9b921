//! The streaming frame decoder: the framing machine. Text validation across reads is
//! [`utf8`](super::utf8)'s job; the chunk type is [`chunk`](super::chunk)'s.

use super::chunk::TextChunk;
use super::utf8::SplitChar;
use super::FrameConfig;
use crate::scan::find_byte;
use crate::{Error, Received};

/// The byte that ends a sentinel frame and, as a type byte, starts a close.
const END: u8 = 0xFF;

/// What one [`Decoder::receive`] call found.
///
/// Exhaustive on purpose: a new kind of event would be a compile error at every `match`, not
/// something a wildcard arm silently swallows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// after it. Never produced by a hixie-75 decoder, which has no closing handshake.
    Close,
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Expecting a frame type byte.
    FrameStart,
    /// Reading a length prefix.
    Length {
        /// The type byte was 0xFF and the draft has a closing handshake.
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
/// Feed it the bytes that arrived with [`receive`](Decoder::receive). Each call reports how many
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
/// A decoder made with [`Decoder::new`] reads hixie-76 frames; one made with
/// [`Decoder::new_hixie75`] reads the older draft's, which have no closing handshake (`FF 00`
/// is then an ordinary discarded frame). After a handshake, take the
/// [`Connection`](crate::connection::Connection) it hands over instead: it is configured for
/// the draft that was negotiated.
///
/// ```
/// use hixie76::frame::{Decoder, FrameEvent};
///
/// let mut decoder = Decoder::default();
/// let mut input: &[u8] = b"\x00Hello\xFF\x80\x02\xFF\xFF\x00\xC3\xA9\xFF\xFF\x00";
/// let mut text = String::new();
/// let mut discarded = 0;
/// loop {
///     let received = decoder.receive(input)?;
///     input = &input[received.used..];
///     match received.event {
///         Some(FrameEvent::Text { chunk, fin }) => {
///             text.push_str(&chunk);
///             if fin {
///                 text.push('|');
///             }
///         }
///         Some(FrameEvent::Discarded) => discarded += 1,
///         Some(FrameEvent::Close) => break,
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
    config: FrameConfig,
    /// hixie-76 framing: type 0xFF with length 0 is the close. hixie-75 has no close.
    closing_handshake: bool,
    state: State,
    /// Payload bytes used so far in the current sentinel frame (text or discarded).
    count: usize,
    split_char: SplitChar,
    /// In a sentinel frame: this many bytes at the start of the next input were already searched
    /// and hold no 0xFF.
    searched: usize,
}

impl Default for Decoder {
    /// A hixie-76 decoder with the default [`FrameConfig`].
    fn default() -> Self {
        Self::new(FrameConfig::DEFAULT)
    }
}

impl Decoder {
    /// A decoder of hixie-76 frames, closing handshake included.
    #[must_use]
    pub const fn new(config: FrameConfig) -> Self {
        Self::for_draft(config, true)
    }

    /// A decoder of hixie-75 frames: the same frames, but no closing handshake, so `FF 00` is
    /// an ordinary discarded frame and [`FrameEvent::Close`] never comes.
    #[must_use]
    pub const fn new_hixie75(config: FrameConfig) -> Self {
        Self::for_draft(config, false)
    }

    const fn for_draft(config: FrameConfig, closing_handshake: bool) -> Self {
        Decoder {
            config,
            closing_handshake,
            state: State::FrameStart,
            count: 0,
            split_char: SplitChar::EMPTY,
            searched: 0,
        }
    }

    // ----- input -----

    /// Decodes from `input`: how many bytes were used, and the event found, if any.
    ///
    /// No event means every byte of `input` that could be used was used and more input is
    /// needed (the count may be non-zero: a partial length prefix, discarded bytes, or the start
    /// of a split character were taken in). With an event, bytes after it are left for the next
    /// call.
    ///
    /// # Errors
    ///
    /// - [`Error::FrameTooLarge`]: a length prefix exceeds [`FrameConfig::max_message`] or
    ///   [`FrameConfig::max_length_bytes`], or a discarded sentinel frame runs past
    ///   `max_message`.
    /// - [`Error::MessageTooLarge`]: a text message runs past `max_message` (its text up to the
    ///   limit may have come out in chunks first).
    /// - [`Error::InvalidUtf8`]: a text message is not UTF-8 and replacement is off.
    ///
    /// All are terminal: later calls return the same error.
    // Inlined across crates where code size is cheap; on a microcontroller one copy serves
    // every caller (a `Connection` and a bare decoder alike).
    #[cfg_attr(target_pointer_width = "64", inline)]
    pub fn receive<'a>(&mut self, input: &'a [u8]) -> Result<Received<FrameEvent<'a>>, Error> {
        let (used, event) = match self.state {
            State::Failed(error) => return Err(error),
            State::Closed => (input.len(), None),
            _ => self.step(input).inspect_err(|&error| {
                self.state = State::Failed(error);
            })?,
        };
        Ok(Received { used, event })
    }

    /// Puts the decoder in the failed state with `error`, for wrappers that find an error of
    /// their own; returns `error`.
    #[cfg(feature = "alloc")]
    pub(crate) fn fail(&mut self, error: Error) -> Error {
        self.state = State::Failed(error);
        error
    }

    #[cfg_attr(target_pointer_width = "64", inline)]
    fn step<'a>(&mut self, input: &'a [u8]) -> Result<(usize, Option<FrameEvent<'a>>), Error> {
        // Only where code size is cheap: on a microcontroller the machine alone is enough.
        #[cfg(target_pointer_width = "64")]
        if let Some(whole) = self.whole_text_frame(input) {
            return Ok(whole);
        }
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
                            close_type: ty == END && self.closing_handshake,
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
                        if bytes > self.config.max_length_bytes() {
                            return Err(Error::FrameTooLarge);
                        }
                        // Checked before it is stored: `len` never exceeds the limit.
                        len = len
                            .checked_mul(128)
                            .and_then(|l| l.checked_add(usize::from(byte & 0x7F)))
                            .filter(|&l| l <= self.config.max_message())
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
                        // split; what cannot become a chunk within it fails below.
                        End::Limit => false,
                    };
                    // `find_end` returns a length within `rest`.
                    let data = rest.get(..len).unwrap_or_default();
                    let (used, chunk, fin) = self.split_char.piece(
                        data,
                        terminated,
                        self.config.replace_invalid_utf8(),
                    )?;
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
                        match chunk {
                            Some(chunk) => FrameEvent::Text { chunk, fin: false },
                            // The limit is reached with no text to give (at most the start
                            // of a character, which would end past it): fail now rather than
                            // ask for more input.
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

    /// The common case, taken without going through the state machine: between frames, the
    /// input starts with a whole text frame of valid UTF-8 within the message limit. The event
    /// and the bytes used are exactly what the machine would give (and it would leave its state
    /// as it is, between frames); anything else is left to the machine, which searches again
    /// only what this looked at, once. It saves about 130 instructions of a 1 KiB frame's
    /// 960 on x86-64, and costs about 400 bytes of Thumb code.
    #[cfg(target_pointer_width = "64")]
    #[inline]
    fn whole_text_frame<'a>(&self, input: &'a [u8]) -> Option<(usize, Option<FrameEvent<'a>>)> {
        if !matches!(self.state, State::FrameStart) {
            return None;
        }
        // Between frames nothing of a frame was counted or searched yet.
        let (0x00, body) = input.split_first()? else {
            return None;
        };
        let window = body.get(..self.config.max_message().saturating_add(1));
        let end = find_byte(END, window.unwrap_or(body))?;
        let text = core::str::from_utf8(body.get(..end)?).ok()?;
        let chunk = TextChunk::borrow(text);
        Some((end + 2, Some(FrameEvent::Text { chunk, fin: true })))
    }

    fn end_frame(&mut self) {
        self.state = State::FrameStart;
        self.count = 0;
        self.searched = 0;
    }

    /// Finds the end of the current sentinel frame's payload in `rest`: the number of payload
    /// bytes available (never more than the message limit allows) and what follows them.
    /// Never searches a byte twice but the 0xFF itself, when a piece before it had to wait
    /// for more input: the search then resumes on it.
    #[inline]
    fn find_end(&self, rest: &[u8]) -> (usize, End) {
        // `count` never exceeds `max_message`, and neither does `count + searched`.
        let allowed = self.config.max_message().saturating_sub(self.count);
        let start = self.searched.min(rest.len());
        let limit = rest.len().min(allowed.saturating_add(1));
        let region = rest.get(start..limit).unwrap_or_default();
        match find_byte(END, region) {
            Some(i) => (start + i, End::Found),
            None if limit > allowed => (allowed, End::Limit),
            None => (limit, End::NotYet),
        }
    }

    // ----- queries -----

    /// The configuration this decoder runs with.
    #[must_use]
    pub const fn config(&self) -> &FrameConfig {
        &self.config
    }

    /// Whether this decoder reads hixie-75 frames (no closing handshake).
    #[must_use]
    pub const fn is_hixie75(&self) -> bool {
        !self.closing_handshake
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
}

#[cfg(test)]
#[cfg(target_pointer_width = "64")]
mod tests {
    use super::*;

    /// Asserts what the short way gives for `input`: the bytes used and the text of a whole
    /// frame, or `None` when the input is left to the machine.
    fn assert_whole(decoder: &Decoder, input: &[u8], expected: Option<(usize, &str)>) {
        match (decoder.whole_text_frame(input), expected) {
            (None, None) => {}
            (Some((used, Some(FrameEvent::Text { chunk, fin: true }))), Some((len, text))) => {
                assert_eq!((used, chunk.as_str()), (len, text), "{input:?}");
            }
            (other, _) => panic!("{input:?}: {other:?}, expected {expected:?}"),
        }
    }

    /// The short way for a whole text frame is taken exactly where it is meant to be, and
    /// gives what the machine gives: the frame's length and its text.
    #[test]
    fn whole_text_frames_take_the_short_way() {
        let decoder = Decoder::new(FrameConfig::new().with_max_message(8));
        assert_whole(&decoder, b"\x00hello\xff", Some((7, "hello")));
        assert_whole(&decoder, b"\x00hello\xff\x00x\xff", Some((7, "hello")));
        assert_whole(&decoder, b"\x00\xff", Some((2, "")));
        assert_whole(&decoder, b"\x0012345678\xff", Some((10, "12345678")));
        assert_whole(&decoder, b"\x00w\xc3\xb6\xff", Some((5, "w\u{f6}")));
        // Left to the machine: over the limit, no end yet, bad UTF-8, other frames.
        for input in [
            &b"\x00123456789\xff"[..],
            b"\x00hello",
            b"\x00\xc3\xff",
            b"\x01x\xff",
            b"\xff\x00",
            b"\x80\x00",
            b"",
        ] {
            assert_whole(&decoder, input, None);
        }
        // Only between frames.
        let mut inside = Decoder::new(FrameConfig::new());
        assert!(inside.receive(b"\x00ab").is_ok());
        assert_whole(&inside, b"c\xff", None);
        assert_whole(&inside, b"\x00c\xff", None);
    }
}
