//! The connection's bookkeeping shared by the blocking and the async socket: whole messages
//! from whatever was read, whole frames queued for one write each, and the end of the
//! transport. The adapters only move bytes: they read into a buffer of their own, hand it to
//! [`SocketCore::receive`], and write out [`SocketCore::to_write`].
//!
//! States: open → (our close queued | the peer's close received) → closed; the transport's end
//! is judged by the draft: the normal end of a hixie-75 connection, a fault for hixie-76.

use std::string::String;
use std::vec::Vec;

use crate::connection::{Connection, ConnectionState, Message, MessageAssembler};
use crate::io::Error;

/// A write buffer that outgrew this many bytes (a large message) is given back once written,
/// so an idle connection holds no large allocation.
const KEEP_WRITE_CAPACITY: usize = 4096;

#[derive(Debug)]
pub(crate) struct SocketCore {
    messages: MessageAssembler,
    /// Bytes read but not used yet (after a message that ended inside a read).
    unread: Vec<u8>,
    unread_start: usize,
    /// Whole frames waiting to be written, and how much of them was written.
    out: Vec<u8>,
    out_start: usize,
    protocol: Option<String>,
    /// The peer's close (or a hixie-75 transport end) was handed out; nothing follows.
    close_delivered: bool,
}

impl SocketCore {
    /// A socket for `connection`, with `leftover`: the bytes that arrived after the handshake
    /// in the same reads (the first frames).
    pub(crate) fn new(connection: Connection, leftover: &[u8], protocol: Option<String>) -> Self {
        SocketCore {
            messages: MessageAssembler::new(connection),
            unread: leftover.to_vec(),
            unread_start: 0,
            out: Vec::new(),
            out_start: 0,
            protocol,
            close_delivered: false,
        }
    }

    /// Decodes bytes kept from earlier reads; the next message if one completes.
    pub(crate) fn poll_unread(&mut self) -> Result<Option<Message>, Error> {
        if self.unread_start == self.unread.len() {
            return Ok(None);
        }
        let unread = core::mem::take(&mut self.unread);
        let result = self.decode(&unread[self.unread_start..]);
        match result {
            Ok((used, message)) => {
                self.unread = unread;
                self.unread_start += used;
                if self.unread_start == self.unread.len() {
                    // Drained: give the memory back rather than keep it for an idle connection.
                    self.unread = Vec::new();
                    self.unread_start = 0;
                }
                Ok(message)
            }
            Err(error) => Err(error),
        }
    }

    /// Decodes `input`, just read from the transport, after whatever was kept; the next message
    /// if one completes. Bytes after it are kept for the next call: nothing is lost.
    pub(crate) fn receive(&mut self, input: &[u8]) -> Result<Option<Message>, Error> {
        if self.unread_start == self.unread.len() {
            // Nothing kept: decode `input` where it lies.
            let (used, message) = self.decode(input)?;
            // The bytes after the message wait for the next call (none: an empty `Vec`, which
            // allocates nothing).
            self.unread = input.get(used..).unwrap_or_default().to_vec();
            self.unread_start = 0;
            return Ok(message);
        }
        self.unread.extend_from_slice(input);
        self.poll_unread()
    }

    fn decode(&mut self, input: &[u8]) -> Result<(usize, Option<Message>), Error> {
        if self.close_delivered {
            return Err(Error::ConnectionClosed);
        }
        let received = self.messages.receive(input)?;
        self.queue_transmit()?;
        if received.event == Some(Message::Close) {
            self.close_delivered = true;
        }
        Ok((received.used, received.event))
    }

    /// The transport ended. For hixie-75 that is the normal end of a connection (the peer's
    /// close); for hixie-76 it is one only once we sent our close.
    pub(crate) fn end_of_input(&mut self) -> Result<Message, Error> {
        if self.close_delivered {
            return Err(Error::ConnectionClosed);
        }
        let connection = self.messages.connection();
        // Our close was sent and the peer ended the transport instead of answering: the end
        // we asked for.
        let closing = connection.is_hixie75() || connection.state() == ConnectionState::CloseSent;
        if closing && connection.decoder().is_between_frames() {
            self.close_delivered = true;
            return Ok(Message::Close);
        }
        Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()))
    }

    /// Queues `message` as one whole frame.
    pub(crate) fn queue(&mut self, message: &Message) -> Result<(), Error> {
        match message {
            Message::Text(text) => self.queue_text(text),
            Message::Binary(_) => Err(Error::BinaryNotSupported),
            Message::Close => self.queue_close(),
        }
    }

    /// Queues a text frame: header, payload and trailer together, so they go to the
    /// transport in one write (some deployed receivers mishandle an `FF` in a read of its own).
    pub(crate) fn queue_text(&mut self, text: &str) -> Result<(), Error> {
        let parts = self
            .messages
            .connection_mut()
            .send_text_parts(text)
            .map_err(|_| Error::ConnectionClosed)?;
        for part in parts {
            self.out.extend_from_slice(part);
        }
        Ok(())
    }

    /// Starts the closing handshake (for hixie-75, which has none: ends the connection).
    /// Closing twice, or after the peer's close, does nothing more.
    pub(crate) fn queue_close(&mut self) -> Result<(), Error> {
        if self.messages.connection().state() != ConnectionState::Open {
            return Ok(());
        }
        let mut frame = [0u8; 2];
        let n = self.messages.connection_mut().close(&mut frame)?;
        self.out.extend_from_slice(&frame[..n]);
        Ok(())
    }

    /// Queues a keep-alive frame, while the connection is open (afterwards, nothing).
    pub(crate) fn queue_keepalive(&mut self, kind: crate::frame::Keepalive) {
        if let Ok(frame) = self.messages.connection_mut().send_keepalive(kind) {
            self.out.extend_from_slice(&frame);
        }
    }

    /// Moves what the connection sends on its own (the answer to the peer's close) to the
    /// write queue.
    fn queue_transmit(&mut self) -> Result<(), Error> {
        let mut frame = [0u8; 2];
        let n = self.messages.connection_mut().poll_transmit(&mut frame)?;
        self.out.extend_from_slice(&frame[..n]);
        Ok(())
    }

    /// Bytes waiting to be written.
    pub(crate) fn to_write(&self) -> &[u8] {
        &self.out[self.out_start..]
    }

    /// `n` bytes of [`to_write`](Self::to_write) were written.
    pub(crate) fn wrote(&mut self, n: usize) {
        self.out_start = (self.out_start + n).min(self.out.len());
        if self.out_start == self.out.len() {
            self.out_start = 0;
            if self.out.capacity() > KEEP_WRITE_CAPACITY {
                self.out = Vec::new();
            } else {
                self.out.clear();
            }
        }
    }

    /// Whether the connection is over on the protocol's side: both closes exchanged (or a
    /// hixie-75 close) and nothing left to write. The wrapper then closes the transport.
    pub(crate) fn is_finished(&self) -> bool {
        self.messages.connection().is_closed() && self.to_write().is_empty()
    }

    /// Whether the peer's close was handed out: reads are over.
    pub(crate) fn is_read_closed(&self) -> bool {
        self.close_delivered
    }

    pub(crate) fn connection(&self) -> &Connection {
        self.messages.connection()
    }

    pub(crate) fn protocol(&self) -> Option<&str> {
        self.protocol.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::FrameConfig;

    fn core(leftover: &[u8]) -> SocketCore {
        SocketCore::new(Connection::new(FrameConfig::new()), leftover, None)
    }

    /// Bytes kept from earlier reads come first, even when new ones arrive before they were
    /// all read: nothing is lost or reordered.
    #[test]
    fn kept_bytes_come_before_new_ones() {
        let mut socket = core(b"\x00hello\xff\x00wor");
        assert_eq!(
            socket.receive(b"ld\xff\x00!").unwrap(),
            Some(Message::Text("hello".into()))
        );
        assert_eq!(
            socket.poll_unread().unwrap(),
            Some(Message::Text("world".into()))
        );
        assert_eq!(socket.poll_unread().unwrap(), None);
        assert_eq!(
            socket.receive(b"\xff").unwrap(),
            Some(Message::Text("!".into()))
        );
        assert_eq!(socket.poll_unread().unwrap(), None);
    }

    /// What is written leaves the queue; a large write buffer is given back once empty, a
    /// small one kept for the next message.
    #[test]
    fn written_bytes_leave_the_queue_and_large_buffers_are_given_back() {
        let mut socket = core(b"");
        socket.queue_text("hi").unwrap();
        assert_eq!(socket.to_write(), b"\x00hi\xff");
        socket.wrote(1);
        assert_eq!(socket.to_write(), b"hi\xff");
        socket.queue_text("!").unwrap();
        assert_eq!(socket.to_write(), b"hi\xff\x00!\xff");
        socket.wrote(10);
        assert!(socket.to_write().is_empty());
        assert!(socket.out.capacity() > 0, "a small buffer is kept");
        let large = "x".repeat(KEEP_WRITE_CAPACITY);
        socket.queue_text(&large).unwrap();
        assert_eq!(socket.to_write().len(), KEEP_WRITE_CAPACITY + 2);
        socket.wrote(KEEP_WRITE_CAPACITY + 2);
        assert!(socket.to_write().is_empty());
        assert_eq!(socket.out.capacity(), 0, "a large buffer is given back");
        // At the bound exactly, the buffer is kept; one byte more, and it is given back.
        for (capacity, kept) in [
            (KEEP_WRITE_CAPACITY, true),
            (KEEP_WRITE_CAPACITY + 1, false),
        ] {
            socket.out = Vec::with_capacity(capacity);
            socket.queue_text("hi").unwrap();
            socket.wrote(4);
            assert_eq!(socket.out.capacity() == capacity, kept, "{capacity}");
            assert_eq!(socket.out.capacity() == 0, !kept, "{capacity}");
        }
    }
}
