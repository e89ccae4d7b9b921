//! Whole messages on the heap, for applications that do not want chunks.
//!
//! States: between messages → (a text chunk) → collecting → (the chunk with `fin`) → between
//! messages; a close is handed out as it comes.

use alloc::string::String;
use alloc::vec::Vec;

use super::Connection;
use crate::frame::FrameEvent;
use crate::{Error, Received};

/// A whole message.
///
/// Exhaustive on purpose: a new kind would be a compile error at every `match`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Message {
    /// A whole text message.
    Text(String),
    /// A binary message. hixie-76 has no binary frames: this crate's machines never produce
    /// one, and a hixie-76 socket refuses to send one. It exists so that a socket serving
    /// RFC 6455 peers on the same port carries their binary messages in the same type.
    Binary(Vec<u8>),
    /// The peer's close. Nothing follows it.
    Close,
}

/// A [`Connection`] whose text chunks are collected into whole [`Message`]s.
///
/// Discarded frames are dropped silently. A message is never longer than the connection's
/// [`FrameConfig::max_message`](crate::frame::FrameConfig::max_message) bytes, counted after
/// U+FFFD replacement too (replacement can make text longer than what was received): a longer
/// one is [`Error::MessageTooLarge`]. Send, close and poll for output through
/// [`connection_mut`](MessageAssembler::connection_mut).
///
/// ```
/// use hixie76::connection::{Connection, Message, MessageAssembler};
///
/// let mut messages = MessageAssembler::new(Connection::default());
/// let received = messages.receive(b"\x00Hel")?;
/// assert_eq!((received.used, received.event), (4, None));
/// let input = b"lo\xFF\x00world\xFF\xFF\x00";
/// let received = messages.receive(input)?;
/// assert_eq!(received.event, Some(Message::Text("Hello".into())));
/// let input = &input[received.used..];
/// let received = messages.receive(input)?;
/// assert_eq!(received.event, Some(Message::Text("world".into())));
/// let received = messages.receive(&input[received.used..])?;
/// assert_eq!(received.event, Some(Message::Close));
///
/// let mut out = [0u8; 2];
/// let n = messages.connection_mut().poll_transmit(&mut out)?; // the answer to the close
/// assert_eq!(&out[..n], b"\xFF\x00");
/// # Ok::<(), hixie76::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct MessageAssembler {
    connection: Connection,
    text: String,
}

impl MessageAssembler {
    /// Collects the messages that arrive on `connection`.
    #[must_use]
    pub fn new(connection: Connection) -> Self {
        MessageAssembler {
            connection,
            text: String::new(),
        }
    }

    /// Decodes from `input` until a whole message or the close is found or the input runs
    /// out: how many bytes were used, and the message if one is complete. Drop the used bytes
    /// and call again with the rest, as with [`Connection::receive`]; then call the
    /// connection's [`poll_transmit`](Connection::poll_transmit).
    ///
    /// # Errors
    ///
    /// Those of [`Connection::receive`], plus [`Error::MessageTooLarge`] when replacement makes
    /// a message outgrow the limit. All are terminal.
    pub fn receive(&mut self, input: &[u8]) -> Result<Received<Message>, Error> {
        let mut pos = 0;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            let received = self.connection.receive(rest)?;
            pos += received.used;
            match received.event {
                Some(FrameEvent::Text { chunk, fin }) => {
                    let len = self.text.len().saturating_add(chunk.len());
                    if len > self.connection.decoder().config().max_message() {
                        self.text = String::new();
                        return Err(self.connection.fail(Error::MessageTooLarge));
                    }
                    self.text.push_str(&chunk);
                    if fin {
                        let text = core::mem::take(&mut self.text);
                        return Ok(Received::event(pos, Message::Text(text)));
                    }
                }
                Some(FrameEvent::Close) => return Ok(Received::event(pos, Message::Close)),
                Some(FrameEvent::Discarded) => {}
                None => return Ok(Received::partial(pos)),
            }
        }
    }

    /// The connection underneath, for its queries.
    #[must_use]
    pub fn connection(&self) -> &Connection {
        &self.connection
    }

    /// The connection underneath, to send, close and poll for output.
    pub fn connection_mut(&mut self) -> &mut Connection {
        &mut self.connection
    }

    /// The connection underneath; a message half collected is dropped.
    #[must_use]
    pub fn into_connection(self) -> Connection {
        self.connection
    }
}
