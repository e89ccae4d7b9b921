//! A server's opening handshake as the adapters drive it: the core machine plus the bytes read
//! and the bytes to write. The adapters only read, write and wait; every decision about bytes
//! is made here, once, for both.
//!
//! States: reading the head → (a valid request) deciding → (accepted) reading key3 → open;
//! or, from reading the head, unanswered (another version, plain HTTP), or refused.

use std::string::String;
use std::vec::Vec;

use super::{AcceptConfig, AcceptOptions, Decision, Error, Request, SocketCore, Unanswered};
use crate::connection::Connection;
use crate::server::{error_response, Accept, Outcome, ServerHandshake, Version};
use crate::Fault;

/// What the handshake needs next.
#[derive(Debug)]
pub(crate) enum Step<'a> {
    /// Write [`Accepting::to_write`], then read more and pass it to [`Accepting::input`].
    Read,
    /// A valid hixie-76 (or hixie-75) request: ask the application, then
    /// [`Accepting::decide`].
    Decide(Request<'a>),
    /// The handshake is over: write [`Accepting::to_write`], then
    /// [`Accepting::into_socket`].
    Open,
    /// A request this machine does not answer: another WebSocket version, or (`None`) plain
    /// HTTP. [`Accepting::into_unanswered`] gives its bytes back.
    Unanswered(Option<Version>),
}

#[derive(Debug)]
pub(crate) struct Accepting {
    handshake: ServerHandshake<Vec<u8>>,
    /// Bytes read and not used yet.
    input: Vec<u8>,
    input_start: usize,
    out: Vec<u8>,
    protocol: Option<String>,
    connection: Option<Connection>,
    /// The length of an unanswered request's head.
    head_len: usize,
}

impl Accepting {
    pub(crate) fn new(config: &AcceptConfig) -> Self {
        let server = *config.server();
        let storage = std::vec![0u8; server.limits().max_head()];
        Accepting {
            handshake: ServerHandshake::new(server, storage),
            input: Vec::new(),
            input_start: 0,
            out: Vec::new(),
            protocol: None,
            connection: None,
            head_len: 0,
        }
    }

    /// Bytes just read from the peer.
    pub(crate) fn input(&mut self, bytes: &[u8]) {
        // The bytes already used go, so the buffer holds one read's worth, not the whole head.
        self.input.drain(..self.input_start);
        self.input_start = 0;
        self.input.extend_from_slice(bytes);
    }

    /// Runs the machine over the bytes read so far.
    ///
    /// # Errors
    ///
    /// A peer's fault, with the refusal queued in [`to_write`](Self::to_write) when the
    /// fault has a status: write it, then drop the connection.
    pub(crate) fn step(&mut self) -> Result<Step<'_>, Error> {
        let received = match self.handshake.receive(&self.input[self.input_start..]) {
            Ok(received) => received,
            Err(error) => {
                if let (Fault::Peer, Some(status)) = (error.fault(), error.status()) {
                    self.out.extend_from_slice(error_response(status));
                }
                return Err(error.into());
            }
        };
        self.input_start += received.used;
        Ok(match received.event {
            None => Step::Read,
            Some(Outcome::Request(pending)) => Step::Decide(Request::hixie(pending.request())),
            Some(Outcome::Answer(answer)) => {
                self.out.extend_from_slice(answer.as_bytes());
                self.connection = Some(answer.connection());
                Step::Open
            }
            Some(Outcome::OtherVersion(version, handover)) => {
                self.head_len = handover.bytes().len();
                Step::Unanswered(Some(version))
            }
            Some(Outcome::NotWebSocket(handover)) => {
                self.head_len = handover.bytes().len();
                Step::Unanswered(None)
            }
        })
    }

    /// The request waiting for the decision ([`Step::Decide`] showed it).
    #[cfg(feature = "tokio")]
    pub(crate) fn request(&self) -> Request<'_> {
        Request::hixie(self.handshake.view())
    }

    /// Applies the application's decision on the request [`Step::Decide`] showed.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] after a rejection (the refusal is queued: write it, then drop the
    /// connection); the core's caller errors when the options cannot be used (a subprotocol
    /// not offered, none chosen from an offer, a field that cannot be sent), with a 500 queued.
    pub(crate) fn decide(&mut self, decision: Decision) -> Result<(), Error> {
        let Some(pending) = self.handshake.pending() else {
            return Err(crate::Error::InvalidState.into());
        };
        let options = match decision {
            Decision::Reject(status) => {
                self.out.extend_from_slice(pending.reject(status));
                return Err(status.into());
            }
            Decision::Accept(options) => options,
        };
        let fields: Vec<(&str, &str)> = options
            .fields()
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        let accept = Accept::new()
            .with_protocol(options.protocol())
            .with_secure(options.is_secure())
            .with_fields(&fields);
        // Large enough for any usual head; a larger one is sized exactly on a second try.
        let mut head = std::vec![0u8; 512];
        let written = match pending.accept(&accept, &mut head) {
            Err(crate::Error::BufferTooSmall { needed }) => {
                head.resize(needed, 0);
                let pending = self.handshake.pending();
                pending.map_or(Err(crate::Error::InvalidState), |pending| {
                    pending.accept(&accept, &mut head)
                })
            }
            other => other,
        };
        match written {
            Ok(n) => {
                self.out
                    .extend_from_slice(head.get(..n).unwrap_or_default());
                self.protocol = options.protocol().map(String::from);
                Ok(())
            }
            Err(error) => {
                // The application's options cannot be used and the decision is final: the
                // client gets a 500 rather than a connection that waits for nothing.
                self.out
                    .extend_from_slice(error_response(crate::StatusCode::InternalServerError));
                Err(error.into())
            }
        }
    }

    /// Accepts with the default decision: any origin, the first offered subprotocol.
    pub(crate) fn default_decision(request: &Request<'_>) -> Decision {
        let options = match request.protocols().next() {
            Some(protocol) => AcceptOptions::new().with_protocol(protocol),
            None => AcceptOptions::new(),
        };
        Decision::Accept(options)
    }

    /// The bytes to write before anything else happens.
    pub(crate) fn to_write(&self) -> &[u8] {
        &self.out
    }

    /// [`to_write`](Self::to_write) was written.
    pub(crate) fn wrote(&mut self) {
        self.out.clear();
    }

    /// Queues a refusal (for a version this server does not speak, say).
    #[cfg(feature = "tungstenite")]
    pub(crate) fn refuse(&mut self, status: crate::StatusCode) {
        self.out.extend_from_slice(error_response(status));
    }

    /// The open connection, with the bytes read after the handshake (its first frames).
    pub(crate) fn into_socket(self) -> Result<SocketCore, Error> {
        let connection = self.connection.ok_or(crate::Error::InvalidState)?;
        Ok(SocketCore::new(
            connection,
            &self.input[self.input_start..],
            self.protocol,
        ))
    }

    /// The unanswered request ([`Step::Unanswered`] said which `version`) on `stream`: its
    /// head, then whatever was read after it.
    pub(crate) fn into_unanswered<S>(self, version: Option<Version>, stream: S) -> Unanswered<S> {
        let mut bytes = self.handshake.into_storage();
        bytes.truncate(self.head_len);
        bytes.extend_from_slice(&self.input[self.input_start..]);
        Unanswered {
            version,
            bytes,
            head_len: self.head_len,
            stream,
        }
    }
}
