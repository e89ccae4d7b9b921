//! Whole messages on the heap, for applications that do not want chunks.

use alloc::string::String;

use super::{Decoder, DecoderConfig, FrameEvent};
use crate::Error;

/// What a [`MessageAssembler`] hands over.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Message {
    /// A whole text message.
    Text(String),
    /// The peer's close. Nothing follows it.
    Close,
}

/// A [`Decoder`] that collects text chunks into whole [`String`] messages.
///
/// Discarded frames are dropped silently. A message is never longer than
/// [`DecoderConfig::max_message`] bytes, counted after U+FFFD replacement too (replacement can
/// make text longer than what was received): a longer one is [`Error::MessageTooLarge`].
///
/// ```
/// use hixie76::frame::{Message, MessageAssembler};
/// let mut assembler = MessageAssembler::new();
/// let input = b"\x00Hel";
/// assert_eq!(assembler.decode(input)?, (4, None));
/// let input = b"lo\xFF\x00world\xFF";
/// let (used, message) = assembler.decode(input)?;
/// assert_eq!((used, message), (3, Some(Message::Text("Hello".into()))));
/// assert_eq!(assembler.decode(&input[used..])?, (7, Some(Message::Text("world".into()))));
/// # Ok::<(), hixie76::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MessageAssembler {
    decoder: Decoder,
    text: String,
}

impl MessageAssembler {
    /// An assembler with the default configuration.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An assembler with the given configuration.
    #[must_use]
    pub fn with_config(config: DecoderConfig) -> Self {
        MessageAssembler {
            decoder: Decoder::with_config(config),
            text: String::new(),
        }
    }

    /// The decoder underneath, for its queries.
    #[must_use]
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// Decodes from `input` until a whole message or the close is found or the input runs out.
    /// Returns how many bytes were used and the message; drop the used bytes and call again
    /// with the rest, as with [`Decoder::decode`].
    ///
    /// # Errors
    ///
    /// Those of [`Decoder::decode`], plus [`Error::MessageTooLarge`] when replacement makes a
    /// message outgrow the limit. All are terminal.
    pub fn decode(&mut self, input: &[u8]) -> Result<(usize, Option<Message>), Error> {
        let mut pos = 0;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            let (used, event) = self.decoder.decode(rest)?;
            pos += used;
            match event {
                Some(FrameEvent::Text { chunk, fin }) => {
                    let len = self.text.len().saturating_add(chunk.len());
                    if len > self.decoder.config().max_message {
                        self.text = String::new();
                        return Err(self.decoder.fail(Error::MessageTooLarge));
                    }
                    self.text.push_str(&chunk);
                    if fin {
                        let text = core::mem::take(&mut self.text);
                        return Ok((pos, Some(Message::Text(text))));
                    }
                }
                Some(FrameEvent::Close) => return Ok((pos, Some(Message::Close))),
                Some(FrameEvent::Discarded) => {}
                None => return Ok((pos, None)),
            }
        }
    }
}
