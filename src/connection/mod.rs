//! The connection after the opening handshake: text both ways and the closing handshake
//! (draft sections 1.4 and 6).
//!
//! [`Connection`] is the same for the client and the server, and a finished handshake hands
//! one over ([`Answer::connection`](crate::server::Answer::connection),
//! [`Established::connection`](crate::client::Established::connection)), configured for the
//! draft that was negotiated. It moves through [`ConnectionState`]s:
//!
//! ```text
//!             close()                          peer's FF 00
//!   Open ───────────────────▶ CloseSent ───────────────────────────▶ Closed
//!     │  peer's FF 00                      poll_transmit() gives our FF 00
//!     ├─────────────────────▶ CloseReceived ─────────────────────────▶ Closed
//!     │  close(), hixie-75 (no closing handshake: nothing to send)
//!     └────────────────────────────────────────────────────────────────▶ Closed
//! ```
//!
//! Once [`Connection::is_closed`] is true both peers have sent `FF 00` (or, for hixie-75, we
//! closed) and the wrapper closes the transport (a server at once; a client may first wait
//! briefly for the server to close).

#[cfg(feature = "alloc")]
mod message;

#[cfg(feature = "alloc")]
pub use message::{Message, MessageAssembler};

use crate::frame::{self, Decoder, FrameConfig, FrameEvent};
use crate::{Error, Received};

/// Where a [`Connection`] is in the closing handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConnectionState {
    /// Text flows both ways.
    Open,
    /// We sent `FF 00` and wait for the peer's. Text from the peer is still delivered; we send
    /// nothing more.
    CloseSent,
    /// The peer sent `FF 00` first. Our answer is queued (see [`Connection::poll_transmit`]);
    /// further input is ignored.
    CloseReceived,
    /// Both sides sent `FF 00` (or, without a closing handshake, we closed): close the transport.
    Closed,
}

/// A connection after the handshake, for either role.
///
/// Methods come in three groups:
///
/// - **input**: [`receive`](Connection::receive) the bytes that arrived, as often as needed;
/// - **output**: [`send_text`](Connection::send_text) or
///   [`send_text_parts`](Connection::send_text_parts), [`close`](Connection::close) to start
///   the closing handshake, and [`poll_transmit`](Connection::poll_transmit) after every
///   `receive` for the bytes the connection sends on its own (the answer to the peer's close);
/// - **queries**: [`state`](Connection::state), [`is_closed`](Connection::is_closed),
///   [`wants_transmit`](Connection::wants_transmit), [`is_hixie75`](Connection::is_hixie75).
///
/// Errors from `receive` are the decoder's and terminal: close the transport.
///
/// We close first:
///
/// ```
/// use hixie76::connection::{Connection, ConnectionState};
/// use hixie76::frame::FrameEvent;
///
/// let mut conn = Connection::default();
/// let mut out = [0u8; 64];
/// let n = conn.send_text("bye", &mut out)?;
/// assert_eq!(&out[..n], b"\x00bye\xFF");
/// let n = conn.close(&mut out)?;
/// assert_eq!(&out[..n], b"\xFF\x00");
/// assert_eq!(conn.state(), ConnectionState::CloseSent);
///
/// // The peer's last words, then its answer.
/// let mut input: &[u8] = b"\x00ok\xFF\xFF\x00";
/// let received = conn.receive(input)?;
/// assert!(matches!(received.event, Some(FrameEvent::Text { fin: true, .. })));
/// input = &input[received.used..];
/// assert_eq!(conn.receive(input)?.event, Some(FrameEvent::Close));
/// assert!(conn.is_closed()); // close the transport now
/// # Ok::<(), hixie76::Error>(())
/// ```
///
/// The peer closes first:
///
/// ```
/// use hixie76::connection::{Connection, ConnectionState};
/// use hixie76::frame::FrameEvent;
///
/// let mut conn = Connection::default();
/// assert_eq!(conn.receive(b"\xFF\x00")?.event, Some(FrameEvent::Close));
/// assert_eq!(conn.state(), ConnectionState::CloseReceived);
/// assert!(conn.wants_transmit());
///
/// let mut out = [0u8; 16];
/// let n = conn.poll_transmit(&mut out)?;
/// assert_eq!(&out[..n], b"\xFF\x00"); // write this, then close the transport
/// assert!(conn.is_closed());
/// # Ok::<(), hixie76::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Connection {
    decoder: Decoder,
    state: ConnectionState,
}

impl Default for Connection {
    /// A hixie-76 connection with the default [`FrameConfig`].
    fn default() -> Self {
        Self::new(FrameConfig::DEFAULT)
    }
}

impl Connection {
    /// A hixie-76 connection whose input is decoded with `config`.
    #[must_use]
    pub const fn new(config: FrameConfig) -> Self {
        Self::with_decoder(Decoder::new(config))
    }

    /// A hixie-75 connection: there is no closing handshake, so a peer's `FF 00` is a
    /// discarded frame, the connection ends when the transport closes, and
    /// [`close`](Connection::close) writes nothing.
    #[must_use]
    pub const fn new_hixie75(config: FrameConfig) -> Self {
        Self::with_decoder(Decoder::new_hixie75(config))
    }

    const fn with_decoder(decoder: Decoder) -> Self {
        Connection {
            decoder,
            state: ConnectionState::Open,
        }
    }
}

/// Input.
impl Connection {
    /// Decodes bytes that arrived from the peer: how many were used, and at most one event.
    /// Drop the used bytes and call again with the rest until no event comes, then call
    /// [`poll_transmit`](Connection::poll_transmit).
    ///
    /// A [`FrameEvent::Close`] moves the connection to [`ConnectionState::CloseReceived`] (and
    /// queues the answer) or, if we closed first, to [`ConnectionState::Closed`]. After the
    /// peer's close, input is used up and ignored.
    ///
    /// # Errors
    ///
    /// Those of [`Decoder::receive`]; they are terminal.
    pub fn receive<'a>(&mut self, input: &'a [u8]) -> Result<Received<FrameEvent<'a>>, Error> {
        match self.state {
            ConnectionState::CloseReceived | ConnectionState::Closed => {
                Ok(Received::partial(input.len()))
            }
            ConnectionState::Open | ConnectionState::CloseSent => {
                let received = self.decoder.receive(input)?;
                if received.event == Some(FrameEvent::Close) {
                    self.state = match self.state {
                        ConnectionState::CloseSent => ConnectionState::Closed,
                        _ => ConnectionState::CloseReceived,
                    };
                }
                Ok(received)
            }
        }
    }
}

/// Output.
impl Connection {
    /// Writes a text frame for `text` into `out` and returns its length. Only while
    /// [`ConnectionState::Open`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] once a close was sent or received; [`Error::BufferTooSmall`] if
    /// `out` is short. Nothing is written either way.
    pub fn send_text(&mut self, text: &str, out: &mut [u8]) -> Result<usize, Error> {
        self.check_open()?;
        frame::encode_text(text, out)
    }

    /// The text frame for `text` as three slices for a vectored write, like
    /// [`frame::text_frame_parts`], but only while [`ConnectionState::Open`]. Some deployed
    /// receivers mishandle a frame whose `FF` arrives in a read of its own: hand all three to
    /// one write.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] once a close was sent or received.
    pub fn send_text_parts<'t>(&mut self, text: &'t str) -> Result<[&'t [u8]; 3], Error> {
        self.check_open()?;
        Ok(frame::text_frame_parts(text))
    }

    /// The keep-alive frame `kind`, only while [`ConnectionState::Open`]: send it when the
    /// connection has been quiet for a while, so proxies in between do not close it.
    ///
    /// ```
    /// use hixie76::connection::Connection;
    /// use hixie76::frame::Keepalive;
    ///
    /// let mut connection = Connection::default();
    /// assert_eq!(connection.send_keepalive(Keepalive::Discard), Ok([0x80, 0x00]));
    /// # Ok::<(), hixie76::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] once a close was sent or received.
    pub fn send_keepalive(&mut self, kind: frame::Keepalive) -> Result<[u8; 2], Error> {
        self.check_open()?;
        Ok(kind.frame())
    }

    /// Starts the closing handshake: writes `FF 00` into `out` and returns 2. After it, nothing
    /// more can be sent; the peer's answer arrives through [`receive`](Connection::receive).
    ///
    /// Without a closing handshake (hixie-75) it writes nothing, returns 0 and the connection
    /// is [`ConnectionState::Closed`]: close the transport.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] unless [`ConnectionState::Open`]: after the peer's close the
    /// answer is [`poll_transmit`](Connection::poll_transmit)'s to give, and a close is sent
    /// once. [`Error::BufferTooSmall`] if `out` is short. Nothing changes either way.
    pub fn close(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        self.check_open()?;
        if self.is_hixie75() {
            self.state = ConnectionState::Closed;
            return Ok(0);
        }
        let n = frame::encode_close(out)?;
        self.state = ConnectionState::CloseSent;
        Ok(n)
    }

    /// Writes the bytes the connection wants to send on its own into `out` and returns their
    /// length, 0 if there are none. Today that is the answer to the peer's close. Call it after
    /// [`receive`](Connection::receive).
    ///
    /// # Errors
    ///
    /// [`Error::BufferTooSmall`] if `out` is short; the bytes stay queued.
    pub fn poll_transmit(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        if self.state != ConnectionState::CloseReceived {
            return Ok(0);
        }
        let n = frame::encode_close(out)?;
        self.state = ConnectionState::Closed;
        Ok(n)
    }

    /// Fails the connection with an error its wrapper found (a message grown too large).
    #[cfg(feature = "alloc")]
    fn fail(&mut self, error: Error) -> Error {
        self.decoder.fail(error)
    }

    fn check_open(&self) -> Result<(), Error> {
        match self.state {
            ConnectionState::Open => Ok(()),
            _ => Err(Error::InvalidState),
        }
    }
}

/// Queries.
impl Connection {
    /// Where the connection is in the closing handshake.
    #[must_use]
    pub const fn state(&self) -> ConnectionState {
        self.state
    }

    /// Whether both sides sent `FF 00` (or, without a closing handshake, we closed): the
    /// wrapper should close the transport.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.state == ConnectionState::Closed
    }

    /// Whether [`poll_transmit`](Connection::poll_transmit) has bytes to give.
    #[must_use]
    pub fn wants_transmit(&self) -> bool {
        self.state == ConnectionState::CloseReceived
    }

    /// Whether this is a hixie-75 connection, which has no closing handshake.
    #[must_use]
    pub const fn is_hixie75(&self) -> bool {
        self.decoder.is_hixie75()
    }

    /// The decoder underneath, for its queries (its configuration, a terminal error, whether
    /// the peer stopped between frames).
    #[must_use]
    pub const fn decoder(&self) -> &Decoder {
        &self.decoder
    }
}
