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
//! key3, as one byte sequence: send it in one write ([rule R7](crate::rules#r7)). Then feed
//! what the server sends to [`ClientHandshake::receive`]; it says how many bytes it used and,
//! once the 16-byte answer is in and correct, that the connection is [`Established`], which
//! hands over the [`Connection`] for what follows. Bytes after the answer are never used: they
//! are the connection's.
//!
//! [`ClientHandshake::new_hixie75`] speaks the older draft-hixie-thewebsocketprotocol-75
//! instead: no keys, no answer, and no closing handshake afterwards.
//!
//! ```
//! use hixie76::client::{ClientConfig, ClientHandshake, Keys, Url};
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
//! let received = handshake.receive(response)?;
//! let Some(established) = received.event else {
//!     unreachable!("read more from the server, then call again")
//! };
//! assert_eq!(established.protocol(), Some("sample"));
//! let cookies: Vec<_> = established.response().set_cookies().collect();
//! assert_eq!(cookies, [(&b"Set-Cookie"[..], &b"id=1"[..])]);
//! let connection = established.connection();
//! assert_eq!(&response[received.used..], b"\x00hi\xff"); // the first frame: the connection's
//! # let _ = connection;
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

use crate::connection::Connection;
use crate::emit;
use crate::frame::FrameConfig;
use crate::scan::{ascii_str, HeadBuffer, HeadRead, Lines};
use crate::{Error, Fault, Received};
use request::RequestHead;
use response::ResponseRecord;

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
/// the smaller of [`HeadLimits::max_head`](crate::HeadLimits::max_head) and the storage's
/// length.
///
/// Its methods come in three groups: **output**, [`write_request`](Self::write_request)
/// (call it first, once); **input**, [`receive`](Self::receive); and **queries**.
#[derive(Debug)]
pub struct ClientHandshake<'a, S> {
    config: ClientConfig<'a>,
    /// The keys sent; none for hixie-75.
    keys: Option<Keys>,
    expected: [u8; 16],
    head: HeadBuffer<S>,
    record: ResponseRecord,
    state: State,
}

/// An open connection's handshake facts, and the connection itself.
#[derive(Debug, Clone, Copy)]
pub struct Established<'h> {
    protocol: Option<&'h str>,
    response: Response<'h>,
    hixie75: bool,
    frames: FrameConfig,
}

impl<'h> Established<'h> {
    /// The subprotocol the server agreed on, if any were offered: one of the offered values,
    /// or all of them as one string when the server echoed the whole offer.
    #[must_use]
    pub fn protocol(&self) -> Option<&'h str> {
        self.protocol
    }

    /// The response head, for `Set-Cookie` and any other field.
    #[must_use]
    pub fn response(&self) -> Response<'h> {
        self.response
    }

    /// Whether this was a hixie-75 handshake, whose connection has no closing handshake.
    #[must_use]
    pub fn is_hixie75(&self) -> bool {
        self.hixie75
    }

    /// The connection that follows the handshake: for the draft that was negotiated (a
    /// closing handshake for hixie-76, none for hixie-75), with the frame limits and UTF-8
    /// policy of [`ClientConfig::with_frames`].
    ///
    /// ```
    /// use hixie76::client::{ClientConfig, ClientHandshake, Url};
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
    /// let established = received.event.expect("established");
    /// assert!(established.is_hixie75());
    /// let mut connection = established.connection();
    /// // `FF 00` is no close in hixie-75, only an empty frame to discard.
    /// let frames = connection.receive(&response[received.used..])?;
    /// assert!(!connection.is_closed());
    /// # let _ = frames;
    /// # Ok::<(), hixie76::Error>(())
    /// ```
    #[must_use]
    pub fn connection(&self) -> Connection {
        if self.hixie75 {
            Connection::new_hixie75(self.frames)
        } else {
            Connection::new(self.frames)
        }
    }
}

impl<'a, S: AsRef<[u8]> + AsMut<[u8]>> ClientHandshake<'a, S> {
    /// A hixie-76 machine for one connection: `keys` are sent and their answer awaited, and
    /// the response head is buffered in `storage`.
    ///
    /// # Errors
    ///
    /// Those of [`ClientConfig::validate`].
    pub fn new(config: ClientConfig<'a>, keys: Keys, storage: S) -> Result<Self, Error> {
        config.validate()?;
        Ok(Self::with_keys(config, Some(keys), storage))
    }

    /// A machine that speaks the older draft-hixie-thewebsocketprotocol-75, to a server that
    /// knows nothing newer. It has no keys (so no entropy is needed) and no challenge, so it
    /// proves nothing about the server: use it only for a server known to need it.
    ///
    /// The request offers at most one subprotocol, in a `WebSocket-Protocol` field, and has no
    /// body. The response must start with exactly these 85 bytes:
    ///
    /// ```text
    /// HTTP/1.1 101 Web Socket Protocol Handshake\r\n
    /// Upgrade: WebSocket\r\n
    /// Connection: Upgrade\r\n
    /// ```
    ///
    /// (with [`ClientConfig::with_any_case_upgrade`], `WebSocket` in any letter case), then
    /// carry exactly one `WebSocket-Origin` and one `WebSocket-Location`, byte-equal to the
    /// origin sent and the URL built, and at most one `WebSocket-Protocol`, only when one was
    /// offered and equal to it (draft-75 makes the echo optional: without it, no subprotocol
    /// was agreed). No answer follows the blank line: the next bytes are frames.
    ///
    /// # Errors
    ///
    /// Those of [`ClientConfig::validate`], and [`Error::InvalidValue`] naming
    /// [`Setting::Protocols`](crate::Setting::Protocols) for more than one subprotocol or
    /// [`Setting::ContentLength`](crate::Setting::ContentLength) for
    /// [`ClientConfig::with_content_length`].
    pub fn new_hixie75(config: ClientConfig<'a>, storage: S) -> Result<Self, Error> {
        config.validate_hixie75()?;
        Ok(Self::with_keys(config, None, storage))
    }

    fn with_keys(config: ClientConfig<'a>, keys: Option<Keys>, storage: S) -> Self {
        ClientHandshake {
            config,
            expected: keys.as_ref().map(Keys::answer).unwrap_or_default(),
            record: ResponseRecord::new(&config, keys.is_none()),
            keys,
            head: HeadBuffer::for_response(storage),
            state: State::Request,
        }
    }

    // ----- output -----

    /// Writes the whole request, head and key3 (for hixie-75 the head alone), into `out` and
    /// returns its length. Send all of it in one write. Call it once, before
    /// [`receive`](Self::receive).
    ///
    /// # Errors
    ///
    /// [`Error::BufferTooSmall`] with the length needed, when `out` is too small: nothing is
    /// written and nothing changes ([`request_len`](Self::request_len) tells it ahead).
    /// [`Error::InvalidState`] on a second call.
    pub fn write_request(&mut self, out: &mut [u8]) -> Result<usize, Error> {
        if !matches!(self.state, State::Request) {
            return Err(Error::InvalidState);
        }
        let written = emit::write(&self.request_head(), out)?;
        self.state = State::Head;
        Ok(written)
    }

    fn request_head(&self) -> RequestHead<'_, 'a> {
        RequestHead {
            config: &self.config,
            keys: self.keys.as_ref(),
        }
    }

    // ----- input -----

    /// Feeds bytes from the server. Call it with whatever arrived; `used` bytes were taken,
    /// and the rest of `input` must be passed again later (or, once the connection is
    /// [`Established`], to the connection). No event: more bytes are needed.
    ///
    /// # Errors
    ///
    /// A fault of the server's has [`Fault::Peer`]: close the connection. After a fault,
    /// every call returns the same error. Calling this before
    /// [`write_request`](Self::write_request) or after the handshake is over is
    /// [`Error::InvalidState`]; a head limit or storage under 18 bytes is
    /// [`Error::InvalidValue`] naming [`Setting::MaxHead`](crate::Setting::MaxHead).
    pub fn receive(&mut self, input: &[u8]) -> Result<Received<Established<'_>>, Error> {
        match self.state {
            State::Head => self.receive_head(input),
            State::Answer { .. } => self.receive_answer(input, 0),
            State::Failed(error) => Err(error),
            State::Request | State::Done { .. } => Err(Error::InvalidState),
        }
    }

    fn receive_head(&mut self, input: &[u8]) -> Result<Received<Established<'_>>, Error> {
        let (config, record) = (&self.config, &mut self.record);
        let hixie75 = self.keys.is_none();
        let mut lines =
            Lines(
                |head: &[u8], line: Range<usize>, first| match head.get(line.clone()) {
                    Some(status) if first && hixie75 => response::hixie75_status_line(status),
                    Some(status) if first => response::status_line(status),
                    _ => record.field(head, line),
                },
            );
        let read = self.head.read(&config.limits, input, &mut lines);
        let used = match read {
            Err(error) if error.fault() == Fault::Caller => return Err(error),
            // The status line must end in CR LF (draft 4.1 step 29).
            Err(Error::BareCrOrLf) if self.head.lines() == 0 => {
                return Err(self.fail(Error::BadStatusLine))
            }
            Err(error) => return Err(self.fail(error)),
            Ok(HeadRead::Partial(used)) => return Ok(Received::partial(used)),
            Ok(HeadRead::Complete(used)) => used,
        };
        match self.record.judge(self.head.head(), &self.config) {
            Ok(protocol) if hixie75 => {
                // No answer follows: the next byte is already a frame's.
                self.state = State::Done {
                    protocol: protocol.clone(),
                };
                Ok(Received::event(used, self.view(protocol)))
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
    fn receive_answer(
        &mut self,
        input: &[u8],
        used: usize,
    ) -> Result<Received<Established<'_>>, Error> {
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
            return Ok(Received::partial(used));
        }
        if got != self.expected {
            return Err(self.fail(Error::ChallengeMismatch));
        }
        self.state = State::Done {
            protocol: protocol.clone(),
        };
        Ok(Received::event(used, self.view(protocol)))
    }

    fn view(&self, protocol: Option<Range<usize>>) -> Established<'_> {
        let head = self.head.head();
        Established {
            protocol: protocol.and_then(|span| head.get(span)).map(ascii_str),
            response: Response { head },
            hixie75: self.keys.is_none(),
            frames: self.config.frames,
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
        emit::emitted_len(&self.request_head())
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
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done { .. })
    }

    /// Whether this machine speaks hixie-75 ([`new_hixie75`](Self::new_hixie75)).
    #[must_use]
    pub fn is_hixie75(&self) -> bool {
        self.keys.is_none()
    }

    /// The configuration this machine was made with.
    #[must_use]
    pub fn config(&self) -> &ClientConfig<'a> {
        &self.config
    }

    /// The keys sent (or to be sent); `None` for hixie-75, which has none.
    #[must_use]
    pub fn keys(&self) -> Option<&Keys> {
        self.keys.as_ref()
    }

    /// Gives the head storage back, for reuse by the next connection.
    pub fn into_storage(self) -> S {
        self.head.into_storage()
    }
}
