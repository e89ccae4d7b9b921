//! The connection after the opening handshake: text both ways and the closing handshake.
//!
//! [`Connection`] is the same for the client and the server. It moves through
//! [`ConnectionState`]s:
//!
//! ```text
//!             close()                         peer's FF 00
//!   Open ──────────────────▶ CloseSent ──────────────────────────▶ Closed
//!     │  peer's FF 00                     our FF 00 sent
//!     └────────────────────▶ CloseReceived ─────────────────────▶ Closed
//!                            (answer queued: poll_transmit()/close())
//! ```
//!
//! Once [`Connection::is_closed`] is true both peers have sent `FF 00` and the wrapper closes the
//! transport (a server at once; a client may first wait briefly for the server to close).

use crate::frame::{self, Decoder, DecoderConfig, FrameEvent};
use crate::Error;

/// Where a [`Connection`] is in the closing handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
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

/// A hixie-76 connection after the handshake, for either role.
///
/// Methods come in three groups:
///
/// - **input**: [`receive`](Connection::receive) the bytes that arrived, as often as needed;
/// - **output**: [`send_text`](Connection::send_text) or
///   [`send_text_parts`](Connection::send_text_parts), [`close`](Connection::close), and
///   [`poll_transmit`](Connection::poll_transmit) after every `receive` to get bytes the
///   connection wants to send on its own (the answer to the peer's close);
/// - **queries**: [`state`](Connection::state), [`is_closed`](Connection::is_closed),
///   [`wants_transmit`](Connection::wants_transmit).
///
/// Errors from `receive` are the decoder's and terminal: close the transport.
///
/// We close first:
///
/// ```
/// use hixie76::connection::{Connection, ConnectionState};
/// use hixie76::frame::FrameEvent;
///
/// let mut conn = Connection::new();
/// let mut out = [0u8; 64];
/// let n = conn.send_text("bye", &mut out)?;
/// assert_eq!(&out[..n], b"\x00bye\xFF");
/// let n = conn.close(&mut out)?;
/// assert_eq!(&out[..n], b"\xFF\x00");
/// assert_eq!(conn.state(), ConnectionState::CloseSent);
///
/// // The peer's last words, then its answer.
/// let mut input: &[u8] = b"\x00ok\xFF\xFF\x00";
/// let (used, event) = conn.receive(input)?;
/// assert!(matches!(event, Some(FrameEvent::Text { fin: true, .. })));
/// input = &input[used..];
/// let (_, event) = conn.receive(input)?;
/// assert_eq!(event, Some(FrameEvent::Close));
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
/// let mut conn = Connection::new();
/// let (_, event) = conn.receive(b"\xFF\x00")?;
/// assert_eq!(event, Some(FrameEvent::Close));
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
    fn default() -> Self {
        Self::new()
    }
}

impl Connection {
    /// A connection with the default [`DecoderConfig`].
    #[must_use]
    pub const fn new() -> Self {
        Self::with_config(DecoderConfig::DEFAULT)
    }

    /// A connection whose input is decoded with `config`.
    ///
    /// With [`DecoderConfig::closing_handshake`] off (hixie-75), there is no closing handshake:
    /// a peer's `FF 00` is a discarded frame, the connection ends when the transport closes,
    /// and [`close`](Connection::close) writes nothing.
    #[must_use]
    pub const fn with_config(config: DecoderConfig) -> Self {
        Connection {
            decoder: Decoder::with_config(config),
            state: ConnectionState::Open,
        }
    }
}

/// Input.
impl Connection {
    /// Decodes bytes that arrived from the peer: returns how many were used and at most one
    /// event. Drop the used bytes and call again with the rest until it returns `None`, then
    /// call [`poll_transmit`](Connection::poll_transmit).
    ///
    /// A [`FrameEvent::Close`] moves the connection to [`ConnectionState::CloseReceived`] (and
    /// queues the answer) or, if we closed first, to [`ConnectionState::Closed`]. After the
    /// peer's close, input is used up and ignored.
    ///
    /// # Errors
    ///
    /// Those of [`Decoder::decode`]; they are terminal.
    pub fn receive<'a>(
        &mut self,
        input: &'a [u8],
    ) -> Result<(usize, Option<FrameEvent<'a>>), Error> {
        match self.state {
            ConnectionState::CloseReceived | ConnectionState::Closed => Ok((input.len(), None)),
            ConnectionState::Open | ConnectionState::CloseSent => {
                let (used, event) = self.decoder.decode(input)?;
                if event == Some(FrameEvent::Close) {
                    self.state = match self.state {
                        ConnectionState::CloseSent => ConnectionState::Closed,
                        _ => ConnectionState::CloseReceived,
                    };
                }
                Ok((used, event))
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
    /// [`frame::text_frame_parts`], but only while [`ConnectionState::Open`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] once a close was sent or received.
    pub fn send_text_parts<'t>(&mut self, text: &'t str) -> Result<[&'t [u8]; 3], Error> {
        self.check_open()?;
        Ok(frame::text_frame_parts(text))
    }

    /// Starts the closing handshake, or answers the peer's close if it came first: writes
    /// `FF 00` into `out` and returns 2. After it, nothing more can be sent.
    ///
    /// Without a closing handshake (hixie-75) it writes nothing, returns 0 and the connection
    /// is [`ConnectionState::Closed`]: close the transport.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] if we already sent a close; [`Error::BufferTooSmall`] if `out`
    /// is short. Nothing changes either way.
    pub fn close(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        match self.state {
            ConnectionState::Open if !self.decoder.config().closing_handshake => {
                self.state = ConnectionState::Closed;
                Ok(0)
            }
            ConnectionState::Open => {
                let n = frame::encode_close(out)?;
                self.state = ConnectionState::CloseSent;
                Ok(n)
            }
            ConnectionState::CloseReceived => {
                let n = frame::encode_close(out)?;
                self.state = ConnectionState::Closed;
                Ok(n)
            }
            ConnectionState::CloseSent | ConnectionState::Closed => Err(Error::InvalidState),
        }
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

    /// The decoder underneath, for its queries (its configuration, a terminal error, whether
    /// the peer stopped between frames).
    #[must_use]
    pub const fn decoder(&self) -> &Decoder {
        &self.decoder
    }
}
