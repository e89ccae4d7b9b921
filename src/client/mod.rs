//! The client side of the opening handshake.
//!
//! States and transitions:
//!
//! ```text
//! Request ──write_request──▶ Head ──blank line, fields valid──▶ Answer ──16 bytes, equal──▶ Done
//!                              │ └──────────────any fault──────────────┴──────▶ Failed
//!                              └──blank line, fields valid (hixie-75: no answer)──────▶ Done
//! ```
//!
//! Build a [`ClientConfig`] from a [`Url`], make [`Keys`] from your [`Entropy`], and create a
//! [`ClientHandshake`]. [`ClientHandshake::write_request`] writes the whole request, head and
//! key3, as one byte sequence: send it in one write (rule R7). Then feed what the server sends
//! to [`ClientHandshake::receive`]; it says how many bytes it used and, once the 16-byte
//! answer is in and correct, that the connection is [`Established`]. Bytes after the answer
//! are never used: they are the framing layer's.
//!
//! With [`ClientConfig::with_hixie75`] (or [`ClientHandshake::new_hixie75`]) the client speaks
//! the older draft-hixie-thewebsocketprotocol-75 instead: no keys, no answer, and no closing
//! handshake afterwards ([`Established::hixie75`]).
//!
//! ```
//! use hixie76::client::{ClientConfig, ClientHandshake, Keys, Outcome, Url};
//!
//! let url = Url::parse("ws://example.com/demo")?;
//! let config = ClientConfig::new(url, "http://example.com").with_protocols(&["sample"]);
//! // In production: `Keys::generate(&mut your_secure_rng)`. Here: the draft's example keys.
//! let keys = Keys::new("4 @1  46546xW%0l 1 5", "12998 5 Y3 1  .P00", *b"^n:ds[4U")?;
//! let mut handshake = ClientHandshake::new(config, keys, [0u8; 1024])?;
//!
//! let mut out = [0u8; 512];
//! let n = handshake.write_request(&mut out)?;
//! assert!(out[..n].starts_with(b"GET /demo HTTP/1.1\r\n"));
//! assert!(out[..n].ends_with(b"\r\n\r\n^n:ds[4U"));
//!
//! let response = b"HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\n\
//! Connection: Upgrade\r\nSec-WebSocket-Origin: http://example.com\r\n\
//! Sec-WebSocket-Location: ws://example.com/demo\r\nSec-WebSocket-Protocol: sample\r\n\
//! Set-Cookie: id=1\r\n\r\n8jKS'y:G*Co,Wxa-\x00hi\xff";
//! let mut input = &response[..];
//! loop {
//!     let received = handshake.receive(input)?;
//!     input = &input[received.used..];
//!     match received.outcome {
//!         Outcome::Partial => unreachable!("read more from the server, then call again"),
//!         Outcome::Established(established) => {
//!             assert_eq!(established.protocol, Some("sample"));
//!             let cookies: Vec<_> = established.response.set_cookies().collect();
//!             assert_eq!(cookies, [(&b"Set-Cookie"[..], &b"id=1"[..])]);
//!             break;
//!         }
//!         _ => unreachable!(),
//!     }
//! }
//! assert_eq!(input, b"\x00hi\xff"); // frames: hand them to the connection
//! # Ok::<(), hixie76::Error>(())
//! ```

mod config;
mod entropy;
mod keys;
mod request;
mod response;
mod url;

pub use config::ClientConfig;
pub use entropy::Entropy;
pub use keys::Keys;
pub use response::{Response, ResponseFields};
pub use url::Url;

use core::ops::Range;

use crate::scan::{ascii_str, read_head, HeadRead, LineScanner};
use crate::Error;
use response::Recorder;

#[derive(Debug, Clone)]
enum State {
    /// The request has not been written yet.
    Request,
    /// Reading the response head.
    Head,
    /// The head is valid; reading the 16-byte answer.
    Answer {
        protocol: Option<Range<usize>>,
        got: [u8; 16],
        have: usize,
    },
    /// The answer was right: the connection is open.
    Done {
        protocol: Option<Range<usize>>,
    },
    Failed(Error),
}

/// The client's opening-handshake machine. `S` is the response head storage: an array such
/// as `[u8; 1024]`, a `&mut [u8]`, or with `alloc` a `Vec<u8>`/`Box<[u8]>`. The head limit is
/// the smaller of [`Limits::max_head`](crate::Limits::max_head) and the storage's length.
#[derive(Debug)]
pub struct ClientHandshake<'a, S> {
    config: ClientConfig<'a>,
    keys: Keys,
    expected: [u8; 16],
    storage: S,
    filled: usize,
    scanner: LineScanner,
    recorder: Recorder,
    state: State,
}

/// The result of one [`ClientHandshake::receive`] call.
#[derive(Debug)]
#[must_use]
pub struct Received<'h> {
    /// How many bytes of the input were used. The rest belongs to a later call or, after
    /// [`Outcome::Established`], to the framing layer.
    pub used: usize,
    /// What the machine needs or offers now.
    pub outcome: Outcome<'h>,
}

/// What happened in a [`ClientHandshake::receive`] call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome<'h> {
    /// More bytes are needed (of the head, or of the answer). Not an error.
    Partial,
    /// The server accepted (and, but for hixie-75, proved it read the keys): the connection
    /// is open. Any input after `used` is frame data.
    Established(Established<'h>),
}

/// An open connection's handshake facts.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Established<'h> {
    /// The subprotocol the server agreed on, if any were offered: one of the offered values,
    /// or all of them as one string when the server echoed the whole offer.
    pub protocol: Option<&'h str>,
    /// The response head, for `Set-Cookie` and any other field.
    pub response: Response<'h>,
    /// Whether this was a hixie-75 handshake. Its connection has no closing handshake: set
    /// the connection up with `DecoderConfig::new().closing_handshake(!hixie75)`, and end it by
    /// closing the transport.
    ///
    /// ```
    /// use hixie76::client::{ClientConfig, ClientHandshake, Outcome, Url};
    /// use hixie76::connection::Connection;
    /// use hixie76::frame::DecoderConfig;
    ///
    /// let config = ClientConfig::new(Url::parse("ws://example.com/")?, "http://example.com");
    /// let mut handshake = ClientHandshake::new_hixie75(config, [0u8; 512])?;
    /// let mut out = [0u8; 256];
    /// let n = handshake.write_request(&mut out)?;
    /// assert!(out[..n].ends_with(b"Origin: http://example.com\r\n\r\n"));
    ///
    /// let response = b"HTTP/1.1 101 Web Socket Protocol Handshake\r\nUpgrade: WebSocket\r\n\
    /// Connection: Upgrade\r\nWebSocket-Origin: http://example.com\r\n\
    /// WebSocket-Location: ws://example.com/\r\n\r\n\xff\x00";
    /// let received = handshake.receive(response)?;
    /// let Outcome::Established(established) = received.outcome else { panic!() };
    /// assert!(established.hixie75);
    /// let config = DecoderConfig::new().closing_handshake(!established.hixie75);
    /// let mut connection = Connection::with_config(config);
    /// // `FF 00` is no close in hixie-75, only an empty frame to discard.
    /// let (_, event) = connection.receive(&response[received.used..])?;
    /// assert!(!connection.is_closed());
    /// # let _ = event;
    /// # Ok::<(), hixie76::Error>(())
    /// ```
    pub hixie75: bool,
}

impl<'a, S: AsRef<[u8]> + AsMut<[u8]>> ClientHandshake<'a, S> {
    /// A machine for one connection: `config` is checked
    /// ([`ClientConfig::validate`]), `keys` are sent and their answer awaited, and the
    /// response head is buffered in `storage`. In hixie-75 mode `keys` are not used.
    pub fn new(config: ClientConfig<'a>, keys: Keys, storage: S) -> Result<Self, Error> {
        config.validate()?;
        Ok(ClientHandshake {
            config,
            expected: keys.answer(),
            keys,
            storage,
            filled: 0,
            scanner: LineScanner::default(),
            recorder: Recorder::new(&config),
            state: State::Request,
        })
    }

    /// A hixie-75 machine: `config` with [`ClientConfig::with_hixie75`] turned on, and no keys,
    /// since hixie-75 has none (so no entropy is needed either).
    pub fn new_hixie75(config: ClientConfig<'a>, storage: S) -> Result<Self, Error> {
        Self::new(config.with_hixie75(true), Keys::unused(), storage)
    }

    // ----- output -----

    /// Writes the whole request, head and key3 (for hixie-75 the head alone), into `out` and
    /// returns its length. Send all of
    /// it in one write. Call it once, before [`receive`](Self::receive); a second call is
    /// [`Error::InvalidState`].
    ///
    /// When `out` is too small this returns [`Error::BufferTooSmall`] with the length needed,
    /// writes nothing and changes nothing; [`request_len`](Self::request_len) tells it ahead.
    pub fn write_request(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        if !matches!(self.state, State::Request) {
            return Err(Error::InvalidState);
        }
        let written = request::write_request(&self.config, &self.keys, out)?;
        self.state = State::Head;
        Ok(written)
    }

    // ----- input -----

    /// Feeds bytes from the server. Call it with whatever arrived; on `Ok`, `used` bytes were
    /// taken and the rest of `input` must be passed again later (or, once the connection is
    /// [`Established`], to the framing layer).
    ///
    /// A fault of the server's is an `Err` with [`Fault::Peer`](crate::Fault::Peer): close
    /// the connection. After a fault, every call returns the same error. Calling this before
    /// [`write_request`](Self::write_request) or after the handshake is over is
    /// [`Error::InvalidState`].
    pub fn receive(&mut self, input: &[u8]) -> Result<Received<'_>, Error> {
        match self.state {
            State::Head => self.receive_head(input),
            State::Answer { .. } => self.receive_answer(input, 0),
            State::Failed(error) => Err(error),
            State::Request | State::Done { .. } => Err(Error::InvalidState),
        }
    }

    fn receive_head(&mut self, input: &[u8]) -> Result<Received<'_>, Error> {
        let (config, recorder) = (&self.config, &mut self.recorder);
        let read = read_head(
            self.storage.as_mut(),
            &mut self.filled,
            &mut self.scanner,
            &config.limits,
            input,
            |head, line, first| match &head[line.clone()] {
                status if first && config.hixie75 => response::hixie75_status_line(status),
                status if first => response::status_line(status),
                _ => recorder.field(head, line),
            },
        );
        let used = match read {
            // No room at all is the caller's setup, not a fault that ends the handshake.
            Err(error @ Error::BufferTooSmall { .. }) => return Err(error),
            // The status line must end in CR LF (draft 4.1 step 29).
            Err(Error::BareCrOrLf) if self.scanner.lines() == 0 => {
                return Err(self.fail(Error::BadStatusLine))
            }
            Err(error) => return Err(self.fail(error)),
            Ok(HeadRead::Partial(used)) => {
                return Ok(Received {
                    used,
                    outcome: Outcome::Partial,
                })
            }
            Ok(HeadRead::Complete(used)) => used,
        };
        let head = self.storage.as_ref().get(..self.filled).unwrap_or_default();
        match self.recorder.judge(head, &self.config) {
            Ok(protocol) if self.config.hixie75 => {
                // No answer follows: the next byte is already a frame's.
                self.state = State::Done {
                    protocol: protocol.clone(),
                };
                Ok(Received {
                    used,
                    outcome: Outcome::Established(self.view(protocol)),
                })
            }
            Ok(protocol) => {
                self.state = State::Answer {
                    protocol,
                    got: [0; 16],
                    have: 0,
                };
                self.receive_answer(input.get(used..).unwrap_or_default(), used)
            }
            Err(error) => Err(self.fail(error)),
        }
    }

    /// Takes answer bytes from `input`; `used` bytes of the caller's input came before it.
    fn receive_answer(&mut self, input: &[u8], used: usize) -> Result<Received<'_>, Error> {
        let State::Answer {
            protocol,
            mut got,
            have,
        } = self.state.clone()
        else {
            return Err(Error::InvalidState);
        };
        let take = input.len().min(16 - have);
        if let (Some(dest), Some(src)) = (got.get_mut(have..have + take), input.get(..take)) {
            dest.copy_from_slice(src);
        }
        let have = have + take;
        let used = used + take;
        if have < 16 {
            self.state = State::Answer {
                protocol,
                got,
                have,
            };
            return Ok(Received {
                used,
                outcome: Outcome::Partial,
            });
        }
        if got != self.expected {
            return Err(self.fail(Error::ChallengeMismatch));
        }
        self.state = State::Done {
            protocol: protocol.clone(),
        };
        Ok(Received {
            used,
            outcome: Outcome::Established(self.view(protocol)),
        })
    }

    fn view(&self, protocol: Option<Range<usize>>) -> Established<'_> {
        let head = self.storage.as_ref().get(..self.filled).unwrap_or_default();
        Established {
            protocol: protocol.and_then(|span| head.get(span)).map(ascii_str),
            response: Response { head },
            hixie75: self.config.hixie75,
        }
    }

    fn fail(&mut self, error: Error) -> Error {
        self.state = State::Failed(error);
        error
    }

    // ----- queries -----

    /// The request's length: how large a buffer [`write_request`](Self::write_request)
    /// needs.
    #[must_use]
    pub fn request_len(&self) -> usize {
        request::request_len(&self.config, &self.keys)
    }

    /// The handshake's facts once it is [`Established`]; `None` before (and after a fault).
    #[must_use]
    pub fn established(&self) -> Option<Established<'_>> {
        match &self.state {
            State::Done { protocol } => Some(self.view(protocol.clone())),
            _ => None,
        }
    }

    /// Whether the handshake is over and the connection open.
    #[must_use]
    pub fn is_established(&self) -> bool {
        matches!(self.state, State::Done { .. })
    }

    /// The configuration this machine was made with.
    #[must_use]
    pub fn config(&self) -> &ClientConfig<'a> {
        &self.config
    }

    /// The keys sent (or to be sent); in hixie-75 mode none are sent, whatever this holds.
    #[must_use]
    pub fn keys(&self) -> &Keys {
        &self.keys
    }

    /// Gives the head storage back, for reuse by the next connection.
    pub fn into_storage(self) -> S {
        self.storage
    }
}
