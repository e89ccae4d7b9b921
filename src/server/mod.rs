//! The server side of the opening handshake.
//!
//! States and transitions:
//!
//! ```text
//! Head ──complete, hixie-76──▶ Decide ──accept──▶ Key3 ──8 bytes──▶ Done
//!   │                            └──reject──▶ Rejected
//!   ├──complete, other version──▶ HandedOver
//!   └──any fault──▶ Failed
//! ```
//!
//! Feed bytes with [`ServerHandshake::receive`]; it says how many it used and what happened.
//! When a valid request is complete you get a [`Pending`] request: the only value that can
//! accept or reject it. Accepting writes the 101 head at once (rule R6); the 16-byte answer
//! comes from a later `receive` as soon as key3 is complete. Bytes after key3 are never used:
//! they are the framing layer's.
//!
//! ```
//! use hixie76::server::{Accept, Outcome, ServerConfig, ServerHandshake};
//!
//! let request = b"GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\n\
//! Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nSec-WebSocket-Protocol: sample\r\n\
//! Upgrade: WebSocket\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
//! Origin: http://example.com\r\n\r\n^n:ds[4U\x00hi\xff";
//!
//! let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 1024]);
//! let mut input = &request[..];
//! let mut out = [0u8; 256];
//! let mut sent = Vec::new();
//! loop {
//!     let received = handshake.receive(input)?;
//!     input = &input[received.used..];
//!     match received.outcome {
//!         Outcome::Partial => break, // read more from the peer, then call again
//!         Outcome::Request(pending) => {
//!             let request = pending.request();
//!             assert_eq!(request.resource(), "/demo");
//!             let chat = request.protocols().find(|p| p.name() == "sample");
//!             let accept = Accept::new().protocol(chat.map(|p| p.choice()));
//!             let n = pending.accept(&accept, &mut out)?;
//!             sent.extend_from_slice(&out[..n]); // write the 101 head now
//!         }
//!         Outcome::Answer(answer) => {
//!             sent.extend_from_slice(answer.as_bytes());
//!             break; // `input` now holds frames: hand them to the connection
//!         }
//!         Outcome::OtherVersion(handover) => unreachable!("{:?}", handover.version()),
//!         _ => unreachable!(),
//!     }
//! }
//! assert!(sent.ends_with(b"\r\n\r\n8jKS'y:G*Co,Wxa-"));
//! assert_eq!(input, b"\x00hi\xff");
//! # Ok::<(), hixie76::Error>(())
//! ```

mod request;
mod response;

pub use request::{Offered, ProtocolChoice, Protocols, Request, Version};
pub use response::{error_response, Accept};

use request::{Fields, Parts};
use response::{write_head, Flavour};

use crate::key::answer;
use crate::scan::{read_head, HeadRead, LineScanner};
use crate::{Error, Limits, StatusCode};

/// How a server judges requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Head size and field count limits (the message limit is the connection's).
    pub limits: Limits,
    /// Answer draft-hixie-thewebsocketprotocol-75 requests instead of handing them over as
    /// [`Version::Hixie75`]. Off by default: a hixie-75 handshake proves nothing about the
    /// client, since any HTTP client can forge it.
    pub allow_hixie75: bool,
}

impl ServerConfig {
    /// The defaults: rule R12's limits, hixie-76 only.
    #[must_use]
    pub const fn new() -> Self {
        ServerConfig {
            limits: Limits::DEFAULT,
            allow_hixie75: false,
        }
    }

    /// The same configuration with other limits.
    #[must_use]
    pub const fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The same configuration, answering hixie-75 requests too (or not).
    #[must_use]
    pub const fn with_hixie75(mut self, allow: bool) -> Self {
        self.allow_hixie75 = allow;
        self
    }
}

#[derive(Debug, Clone, Copy)]
enum State {
    Head,
    Decide(Option<Parts>),
    Key3 {
        parts: Parts,
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
/// smaller of [`Limits::max_head`] and the storage's length.
#[derive(Debug)]
pub struct ServerHandshake<S> {
    storage: S,
    filled: usize,
    scanner: LineScanner,
    fields: Fields,
    config: ServerConfig,
    state: State,
}

/// The result of one [`ServerHandshake::receive`] call.
#[derive(Debug)]
#[must_use]
pub struct Received<'h, S> {
    /// How many bytes of the input were used. The rest belongs to a later call or, after
    /// [`Outcome::Answer`] or [`Outcome::OtherVersion`], to the next layer.
    pub used: usize,
    /// What the machine needs or offers now.
    pub outcome: Outcome<'h, S>,
}

/// What happened in a [`ServerHandshake::receive`] call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome<'h, S> {
    /// More bytes are needed (of the head, or of key3). Not an error.
    Partial,
    /// A valid request head is complete: accept or reject it.
    Request(Pending<'h, S>),
    /// Key3 is complete: send this answer after the 101 head. The handshake is over; any
    /// input after `used` is frame data.
    Answer(Answer),
    /// The head asks for another WebSocket version: hand the connection over.
    OtherVersion(Handover<'h>),
}

/// The server's answer to the challenge: 16 bytes for hixie-76, none for hixie-75.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Aligned so that an outcome carrying it is moved as whole words: at the odd offset a byte
// array gets after an enum tag, copying it stalled store forwarding on every handshake.
#[repr(align(8))]
pub struct Answer {
    bytes: [u8; 16],
    len: u8,
}

impl Answer {
    /// The bytes to send right after the 101 head.
    #[must_use]
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// Whether this completes a hixie-75 handshake (no answer bytes, no closing handshake).
    #[must_use]
    #[inline]
    pub fn is_hixie75(&self) -> bool {
        self.len == 0
    }
}

/// A complete request for another WebSocket version, with the bytes this machine consumed.
#[derive(Debug, Clone, Copy)]
pub struct Handover<'h> {
    version: Version,
    head: &'h [u8],
}

impl<'h> Handover<'h> {
    /// The version the request asks for.
    #[must_use]
    #[inline]
    pub fn version(&self) -> Version {
        self.version
    }

    /// The request head exactly as received, through its blank line. Give these bytes,
    /// followed by the unused rest of the input, to an implementation of that version.
    #[must_use]
    #[inline]
    pub fn bytes(&self) -> &'h [u8] {
        self.head
    }
}

/// A valid request waiting for the application's decision. Only a [`ServerHandshake`] that
/// completed a valid head hands one out, and accepting or rejecting consumes it, so a request
/// cannot be answered twice or answered before it exists.
#[derive(Debug)]
pub struct Pending<'h, S> {
    handshake: &'h mut ServerHandshake<S>,
}

impl<S: AsRef<[u8]> + AsMut<[u8]>> Pending<'_, S> {
    /// The request, to decide on.
    #[must_use]
    pub fn request(&self) -> Request<'_> {
        self.handshake.view()
    }

    /// Accepts: writes the 101 head into `out` and returns its length. Send it at once; the
    /// answer follows from [`ServerHandshake::receive`] when key3 is complete.
    ///
    /// On an error nothing is written and nothing changes: [`ServerHandshake::pending`] gives
    /// the request back to try again (with a larger buffer, or other fields).
    pub fn accept(self, accept: &Accept<'_>, out: &mut [u8]) -> Result<usize, Error> {
        let State::Decide(parts) = self.handshake.state else {
            return Err(Error::InvalidState);
        };
        let flavour = match parts {
            Some(_) => Flavour::Hixie76,
            None => Flavour::Hixie75,
        };
        let written = write_head(&self.handshake.view(), accept, flavour, out)?;
        self.handshake.state = match parts {
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
        self.handshake.state = State::Rejected;
        error_response(status)
    }
}

impl<S: AsRef<[u8]> + AsMut<[u8]>> ServerHandshake<S> {
    /// A machine that buffers the head in `storage`.
    pub fn new(config: ServerConfig, storage: S) -> Self {
        ServerHandshake {
            storage,
            filled: 0,
            scanner: LineScanner::default(),
            fields: Fields::default(),
            config,
            state: State::Head,
        }
    }

    // ----- input -----

    /// Feeds bytes from the peer. Call it with whatever arrived; on `Ok`, `used` bytes were
    /// taken and the rest of `input` must be passed again later (or, once the handshake is
    /// over, to the next layer).
    ///
    /// A peer's fault is an `Err` with [`Fault::Peer`](crate::Fault::Peer): send
    /// [`error_response`] of its [`status`](Error::status) and close. After a fault, every
    /// call returns the same error.
    pub fn receive(&mut self, input: &[u8]) -> Result<Received<'_, S>, Error> {
        match self.state {
            State::Head => self.receive_head(input),
            State::Decide(_) => Ok(Received {
                used: 0,
                outcome: Outcome::Request(Pending { handshake: self }),
            }),
            State::Key3 {
                parts,
                mut key3,
                have,
            } => {
                let take = input.len().min(8 - have);
                key3[have..have + take].copy_from_slice(&input[..take]);
                let have = have + take;
                if have < 8 {
                    self.state = State::Key3 { parts, key3, have };
                    return Ok(Received {
                        used: take,
                        outcome: Outcome::Partial,
                    });
                }
                self.state = State::Done;
                Ok(Received {
                    used: take,
                    outcome: Outcome::Answer(Answer {
                        bytes: answer(parts.part1, parts.part2, key3),
                        len: 16,
                    }),
                })
            }
            State::Accepted75 => {
                self.state = State::Done;
                Ok(Received {
                    used: 0,
                    outcome: Outcome::Answer(Answer {
                        bytes: [0; 16],
                        len: 0,
                    }),
                })
            }
            State::Failed(error) => Err(error),
            State::Done | State::HandedOver | State::Rejected => Err(Error::InvalidState),
        }
    }

    fn receive_head(&mut self, input: &[u8]) -> Result<Received<'_, S>, Error> {
        let fields = &mut self.fields;
        let read = read_head(
            self.storage.as_mut(),
            &mut self.filled,
            &mut self.scanner,
            &self.config.limits,
            input,
            |head, line, first| {
                fields.line(head, line, first);
                Ok(())
            },
        );
        match read {
            // No room at all is the caller's setup, not a fault that ends the handshake.
            Err(error @ Error::BufferTooSmall { .. }) => Err(error),
            Err(error) => Err(self.fail(error)),
            Ok(HeadRead::Partial(used)) => Ok(Received {
                used,
                outcome: Outcome::Partial,
            }),
            Ok(HeadRead::Complete(used)) => self.complete_head(used),
        }
    }

    fn complete_head(&mut self, used: usize) -> Result<Received<'_, S>, Error> {
        let head = &self.storage.as_ref()[..self.filled];
        let judged = match self.fields.version() {
            Some(Version::Hixie75) if self.config.allow_hixie75 => {
                self.fields.judge_hixie75(head).map(|()| None)
            }
            Some(version) => {
                self.state = State::HandedOver;
                return Ok(Received {
                    used,
                    outcome: Outcome::OtherVersion(Handover {
                        version,
                        head: &self.storage.as_ref()[..self.filled],
                    }),
                });
            }
            None => self.fields.judge(head).map(Some),
        };
        match judged {
            Ok(parts) => {
                self.state = State::Decide(parts);
                Ok(Received {
                    used,
                    outcome: Outcome::Request(Pending { handshake: self }),
                })
            }
            Err(error) => Err(self.fail(error)),
        }
    }

    fn fail(&mut self, error: Error) -> Error {
        self.state = State::Failed(error);
        error
    }

    fn view(&self) -> Request<'_> {
        Request {
            head: &self.storage.as_ref()[..self.filled],
            fields: &self.fields,
        }
    }

    // ----- queries -----

    /// The request waiting for a decision, if there is one: the same value
    /// [`Outcome::Request`] carried, for a caller that set it aside.
    #[must_use]
    pub fn pending(&mut self) -> Option<Pending<'_, S>> {
        match self.state {
            State::Decide(_) => Some(Pending { handshake: self }),
            _ => None,
        }
    }

    /// The validated request, once its head is complete and was accepted or awaits a
    /// decision.
    #[must_use]
    pub fn request(&self) -> Option<Request<'_>> {
        match self.state {
            State::Decide(_) | State::Key3 { .. } | State::Accepted75 | State::Done => {
                Some(self.view())
            }
            _ => None,
        }
    }

    /// Whether the handshake is over: the answer was handed out.
    #[must_use]
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Gives the head storage back, for reuse by the next connection.
    pub fn into_storage(self) -> S {
        self.storage
    }
}
