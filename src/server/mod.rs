//! The server side of the opening handshake.
//!
//! States and transitions:
//!
//! ```text
//! Head ──complete, hixie-76──────────────────▶ Pending ──accept──▶ Key3 ──8 bytes──▶ Done
//!   │                                            │ └─────reject──▶ Rejected
//!   ├──complete, hixie-75 (when allowed)──────▶ Pending ──accept──▶ Accepted75 ──receive──▶ Done
//!   ├──complete, another WebSocket version────▶ HandedOver   (Outcome::OtherVersion)
//!   ├──complete, no WebSocket asked for───────▶ HandedOver   (Outcome::NotWebSocket)
//!   └──any fault of the peer's────────────────▶ Failed
//! ```
//!
//! Feed bytes with [`ServerHandshake::receive`]; it says how many it used and what happened.
//! When a valid request is complete you get a [`Pending`] request: the only value that can
//! accept or reject it. Accepting writes the 101 head at once ([rule R6](crate::rules#r6));
//! the 16-byte [`Answer`] comes from a later `receive` as soon as key3 is complete, and hands
//! over the [`Connection`] for what follows. Bytes after key3 are never used: they are the
//! connection's.
//!
//! ```
//! use hixie76::server::{Accept, Outcome, ServerConfig, ServerHandshake};
//!
//! let request = b"GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\n\
//! Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nSec-WebSocket-Protocol: sample\r\n\
//! Upgrade: WebSocket\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
//! Origin: http://example.com\r\n\r\n^n:ds[4U\x00hi\xff";
//!
//! // 1 KiB of head storage: also the head limit, the smaller of the two applying.
//! let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
//! let mut input = &request[..];
//! let mut out = [0u8; 256];
//! let mut sent = Vec::new();
//! let connection = loop {
//!     let received = handshake.receive(input)?;
//!     input = &input[received.used..];
//!     match received.event {
//!         None => unreachable!("read more from the peer, then call again"),
//!         Some(Outcome::Request(pending)) => {
//!             let request = pending.request();
//!             assert_eq!(request.resource(), "/demo");
//!             let chat = request.protocols().find(|&p| p == "sample");
//!             let n = pending.accept(&Accept::new().with_protocol(chat), &mut out)?;
//!             sent.extend_from_slice(&out[..n]); // write the 101 head now
//!         }
//!         Some(Outcome::Answer(answer)) => {
//!             sent.extend_from_slice(answer.as_bytes());
//!             break answer.connection();
//!         }
//!         Some(Outcome::OtherVersion(version, _) ) => unreachable!("{version:?}"),
//!         Some(Outcome::NotWebSocket(_)) => unreachable!("a plain HTTP request"),
//!     }
//! };
//! assert!(sent.ends_with(b"\r\n\r\n8jKS'y:G*Co,Wxa-"));
//! assert_eq!(input, b"\x00hi\xff"); // the first frame: the connection's
//! assert!(!connection.is_hixie75());
//! # Ok::<(), hixie76::Error>(())
//! ```
//!
//! A server that already parsed the head with another HTTP implementation (hyper, axum) uses
//! [`key_part`](crate::key_part) and [`answer()`](crate::answer) instead of this machine.

mod judge;
mod request;
mod response;

pub use request::{Handover, Protocols, Request, Version};
pub use response::{error_response, Accept};

use judge::{Asked, KeyParts, RequestRecord};
use response::{write_head, Draft};

use crate::challenge::answer;
use crate::connection::Connection;
use crate::frame::FrameConfig;
use crate::scan::{HeadBuffer, HeadRead};
use crate::{Error, HeadLimits, Received, StatusCode};

/// How a server judges requests, and how the connections it hands over read frames.
///
/// ```
/// use hixie76::frame::FrameConfig;
/// use hixie76::server::ServerConfig;
/// use hixie76::HeadLimits;
///
/// let config = ServerConfig::new()
///     .with_limits(HeadLimits::new().with_max_head(4096))
///     .with_frames(FrameConfig::new().with_max_message(64 * 1024));
/// assert_eq!(config.limits().max_head(), 4096);
/// assert!(!config.allows_hixie75());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ServerConfig {
    limits: HeadLimits,
    frames: FrameConfig,
    hixie75: bool,
}

impl ServerConfig {
    /// The defaults: [rule R12](crate::rules#r12)'s limits, hixie-76 only.
    pub const DEFAULT: ServerConfig = ServerConfig {
        limits: HeadLimits::DEFAULT,
        frames: FrameConfig::DEFAULT,
        hixie75: false,
    };

    /// The defaults, as [`ServerConfig::DEFAULT`].
    #[must_use]
    pub const fn new() -> Self {
        Self::DEFAULT
    }

    /// The request head's size and field count limits.
    #[must_use]
    pub const fn with_limits(mut self, limits: HeadLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The frame limits and UTF-8 policy of the connection the handshake hands over.
    #[must_use]
    pub const fn with_frames(mut self, frames: FrameConfig) -> Self {
        self.frames = frames;
        self
    }

    /// Whether to answer draft-hixie-thewebsocketprotocol-75 requests instead of handing them
    /// over as [`Version::Hixie75`]. Off by default: a hixie-75 handshake proves nothing about
    /// the client, since any HTTP client can forge it.
    #[must_use]
    pub const fn with_hixie75(mut self, allow: bool) -> Self {
        self.hixie75 = allow;
        self
    }

    /// The head limits ([`with_limits`](Self::with_limits)).
    #[must_use]
    pub const fn limits(&self) -> &HeadLimits {
        &self.limits
    }

    /// The connection's frame configuration ([`with_frames`](Self::with_frames)).
    #[must_use]
    pub const fn frames(&self) -> &FrameConfig {
        &self.frames
    }

    /// Whether hixie-75 requests are answered ([`with_hixie75`](Self::with_hixie75)).
    #[must_use]
    pub const fn allows_hixie75(&self) -> bool {
        self.hixie75
    }
}

#[derive(Debug, Clone, Copy)]
enum State {
    Head,
    /// A valid request waits for the application; key parts for hixie-76, none for hixie-75.
    Pending(Option<KeyParts>),
    Key3 {
        parts: KeyParts,
        key3: [u8; 8],
        have: usize,
    },
    /// Accepted hixie-75: complete, with no key3 to wait for.
    Accepted75,
    Done,
    HandedOver,
    Rejected,
    Failed(Error),
}

/// The server's opening-handshake machine. `S` is the head storage: an array such as
/// `[u8; 8192]`, a `&mut [u8]`, or with `alloc` a `Vec<u8>`/`Box<[u8]>`. The head limit is the
/// smaller of [`HeadLimits::max_head`] and the storage's length.
///
/// Its methods come in two groups: **input**, [`receive`](Self::receive), and **queries**,
/// [`pending`](Self::pending), [`request`](Self::request), [`is_done`](Self::is_done). Output
/// comes from the values `receive` hands out: [`Pending::accept`] or [`Pending::reject`] write
/// the response head, and [`Answer`] gives the 16 bytes that end the handshake.
#[derive(Debug)]
pub struct ServerHandshake<S> {
    head: HeadBuffer<S>,
    record: RequestRecord,
    config: ServerConfig,
    state: State,
}

/// What a [`ServerHandshake::receive`] call found.
///
/// Exhaustive on purpose: a new outcome would be a compile error at every `match`, never a
/// silently ignored case.
#[derive(Debug)]
pub enum Outcome<'h> {
    /// A valid request head is complete: accept or reject it.
    Request(Pending<'h>),
    /// Key3 is complete (for hixie-75, the head was accepted): send this answer after the 101
    /// head. The handshake is over; any input after `used` is frame data, for
    /// [`Answer::connection`].
    Answer(Answer),
    /// The head asks for another WebSocket version: hand the connection over, the head's
    /// bytes first.
    OtherVersion(Version, Handover<'h>),
    /// The head asks for no WebSocket at all (no `Upgrade`, or another protocol such as
    /// `h2c`, and no WebSocket keys): it is a plain HTTP request, for whatever serves the
    /// port's pages.
    NotWebSocket(Handover<'h>),
}

/// The server's answer to the challenge: 16 bytes for hixie-76, none for hixie-75. It also
/// hands over the [`Connection`] for what follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Aligned so that an outcome carrying it is moved as whole words: at the odd offset a byte
// array gets after an enum tag, copying it stalled store forwarding on every handshake.
#[repr(align(8))]
pub struct Answer {
    bytes: [u8; 16],
    len: u8,
    frames: FrameConfig,
}

impl Answer {
    /// The bytes to send right after the 101 head.
    #[must_use]
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// Whether this completes a hixie-75 handshake (no answer bytes, no closing handshake).
    #[must_use]
    #[inline]
    pub fn is_hixie75(&self) -> bool {
        self.len == 0
    }

    /// The connection that follows the handshake: for the draft that was negotiated (a
    /// closing handshake for hixie-76, none for hixie-75), with the frame limits and UTF-8
    /// policy of [`ServerConfig::with_frames`].
    #[must_use]
    #[inline]
    pub fn connection(&self) -> Connection {
        if self.is_hixie75() {
            Connection::new_hixie75(self.frames)
        } else {
            Connection::new(self.frames)
        }
    }
}

/// A valid request waiting for the application's decision. Only a [`ServerHandshake`] that
/// completed a valid head hands one out, and accepting or rejecting consumes it, so a request
/// cannot be answered twice or answered before it exists.
#[derive(Debug)]
pub struct Pending<'h> {
    request: Request<'h>,
    state: &'h mut State,
}

impl<'h> Pending<'h> {
    /// The request, to decide on.
    #[must_use]
    pub fn request(&self) -> Request<'h> {
        self.request
    }

    /// Accepts: writes the 101 head into `out` and returns its length. Send it at once; the
    /// answer follows from [`ServerHandshake::receive`] when key3 is complete.
    ///
    /// # Errors
    ///
    /// All are the caller's ([`Fault::Caller`](crate::Fault::Caller)); nothing is written and
    /// nothing changes, and [`ServerHandshake::pending`] gives the request back to try again:
    ///
    /// - [`Error::ProtocolNotOffered`]: the subprotocol is not one the client offered;
    /// - [`Error::NoProtocolChosen`]: a hixie-76 client offered subprotocols and none was
    ///   chosen (reject instead);
    /// - [`Error::InvalidValue`]: an extra field cannot be sent;
    /// - [`Error::BufferTooSmall`]: `out` is too small for the head.
    pub fn accept(self, accept: &Accept<'_>, out: &mut [u8]) -> Result<usize, Error> {
        let State::Pending(parts) = *self.state else {
            return Err(Error::InvalidState);
        };
        let draft = match parts {
            Some(_) => Draft::Hixie76,
            None => Draft::Hixie75,
        };
        let written = write_head(&self.request, accept, draft, out)?;
        *self.state = match parts {
            Some(parts) => State::Key3 {
                parts,
                key3: [0; 8],
                have: 0,
            },
            None => State::Accepted75,
        };
        Ok(written)
    }

    /// Refuses the request: returns the response to send before closing the connection.
    #[must_use = "send the refusal before closing"]
    pub fn reject(self, status: StatusCode) -> &'static [u8] {
        *self.state = State::Rejected;
        error_response(status)
    }
}

impl<S: AsRef<[u8]> + AsMut<[u8]>> ServerHandshake<S> {
    /// A machine that buffers the head in `storage`.
    pub fn new(config: ServerConfig, storage: S) -> Self {
        ServerHandshake {
            head: HeadBuffer::new(storage),
            record: RequestRecord::default(),
            config,
            state: State::Head,
        }
    }

    // ----- input -----

    /// Feeds bytes from the peer. Call it with whatever arrived; `used` bytes were taken, and
    /// the rest of `input` must be passed again later (or, once the handshake is over, to the
    /// next layer). No event: more bytes are needed.
    ///
    /// # Errors
    ///
    /// A peer's fault has [`Fault::Peer`](crate::Fault::Peer): send [`error_response`] of its
    /// [`status`](Error::status) and close. After a fault, every call returns the same error.
    /// [`Error::InvalidValue`] naming [`Setting::MaxHead`](crate::Setting::MaxHead) when the
    /// head limit or the storage is under 18 bytes, and [`Error::InvalidState`] once the
    /// handshake is over, are the caller's.
    pub fn receive(&mut self, input: &[u8]) -> Result<Received<Outcome<'_>>, Error> {
        match self.state {
            State::Head => self.receive_head(input),
            State::Pending(_) => Ok(Received::event(0, Outcome::Request(self.pending_view()))),
            State::Key3 {
                parts,
                mut key3,
                have,
            } => {
                let take = input.len().min(8 - have);
                if let (Some(dest), Some(src)) =
                    (key3.get_mut(have..have + take), input.get(..take))
                {
                    dest.copy_from_slice(src);
                }
                let have = have + take;
                if have < 8 {
                    self.state = State::Key3 { parts, key3, have };
                    return Ok(Received::partial(take));
                }
                self.state = State::Done;
                let answer = Answer {
                    bytes: answer(parts.part1, parts.part2, key3),
                    len: 16,
                    frames: self.config.frames,
                };
                Ok(Received::event(take, Outcome::Answer(answer)))
            }
            State::Accepted75 => {
                self.state = State::Done;
                let answer = Answer {
                    bytes: [0; 16],
                    len: 0,
                    frames: self.config.frames,
                };
                Ok(Received::event(0, Outcome::Answer(answer)))
            }
            State::Failed(error) => Err(error),
            State::Done | State::HandedOver | State::Rejected => Err(Error::InvalidState),
        }
    }

    fn receive_head(&mut self, input: &[u8]) -> Result<Received<Outcome<'_>>, Error> {
        let read = self.head.read(&self.config.limits, input, &mut self.record);
        match read {
            Err(error) if error.fault() == crate::Fault::Caller => Err(error),
            Err(error) => Err(self.fail(error)),
            Ok(HeadRead::Partial(used)) => Ok(Received::partial(used)),
            Ok(HeadRead::Complete(used)) => self.complete_head(used),
        }
    }

    fn complete_head(&mut self, used: usize) -> Result<Received<Outcome<'_>>, Error> {
        let head = self.head.head();
        let judged = match self.record.asked(head) {
            Asked::Hixie76 => self.record.judge(head).map(Some),
            Asked::Other(Version::Hixie75) if self.config.hixie75 => {
                self.record.judge_hixie75(head).map(|()| None)
            }
            Asked::Other(version) => {
                self.state = State::HandedOver;
                let handover = Handover::new(self.head.head());
                return Ok(Received::event(
                    used,
                    Outcome::OtherVersion(version, handover),
                ));
            }
            Asked::NotWebSocket => {
                self.state = State::HandedOver;
                let handover = Handover::new(self.head.head());
                return Ok(Received::event(used, Outcome::NotWebSocket(handover)));
            }
        };
        match judged {
            Ok(parts) => {
                self.state = State::Pending(parts);
                Ok(Received::event(used, Outcome::Request(self.pending_view())))
            }
            Err(error) => Err(self.fail(error)),
        }
    }

    fn pending_view(&mut self) -> Pending<'_> {
        Pending {
            request: Request::new(self.head.head(), &self.record),
            state: &mut self.state,
        }
    }

    fn fail(&mut self, error: Error) -> Error {
        self.state = State::Failed(error);
        error
    }

    // ----- queries -----

    /// The request waiting for a decision, if there is one: the same value
    /// [`Outcome::Request`] carried, for a caller that set it aside.
    #[must_use]
    pub fn pending(&mut self) -> Option<Pending<'_>> {
        match self.state {
            State::Pending(_) => Some(self.pending_view()),
            _ => None,
        }
    }

    /// The validated request, once its head is complete and was accepted or awaits a
    /// decision.
    #[must_use]
    pub fn request(&self) -> Option<Request<'_>> {
        match self.state {
            State::Pending(_) | State::Key3 { .. } | State::Accepted75 | State::Done => {
                Some(Request::new(self.head.head(), &self.record))
            }
            _ => None,
        }
    }

    /// The head read so far as a request view; meaningful once the head is judged (the
    /// adapters ask while a request waits for its decision).
    #[cfg(feature = "tokio")]
    pub(crate) fn view(&self) -> Request<'_> {
        Request::new(self.head.head(), &self.record)
    }

    /// Whether the handshake is over: the answer was handed out.
    #[must_use]
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// The configuration this machine was made with.
    #[must_use]
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Gives the head storage back, for reuse by the next connection.
    pub fn into_storage(self) -> S {
        self.head.into_storage()
    }
}
