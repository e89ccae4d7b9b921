//! A request the adapters do not answer, handed back with its stream.

use std::vec::Vec;

use crate::server::{Handover, Version};

/// A complete request that the adapter did not answer, with every byte read so far and the
/// stream: a plain HTTP request (the page that opens the socket, say), or a request for a
/// WebSocket version this adapter does not serve. Nothing was written to the stream and
/// nothing read from it is lost: [`bytes`](Self::bytes) holds the head and whatever arrived
/// after it.
///
/// A one-port server answers its page this way:
///
/// ```no_run
/// use std::io::Write;
/// use hixie76::blocking::{accept_any, AnyAccepted};
/// use hixie76::io::{AcceptConfig, AcceptOptions, Decision};
///
/// # fn serve(stream: std::net::TcpStream) -> Result<(), hixie76::io::Error> {
/// let accepted = accept_any(stream, AcceptConfig::new(), |_| Decision::Accept(AcceptOptions::new()))?;
/// if let AnyAccepted::Http(mut request) = accepted {
///     let body = if request.path() == "/" { "a page" } else { "not found" };
///     let response = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len());
///     request.get_mut().write_all(response.as_bytes())?;
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Unanswered<S> {
    pub(crate) version: Option<Version>,
    pub(crate) bytes: Vec<u8>,
    pub(crate) head_len: usize,
    pub(crate) stream: S,
}

impl<S> Unanswered<S> {
    /// The WebSocket version the request asks for; `None` for a request that asks for no
    /// WebSocket at all.
    #[must_use]
    pub fn version(&self) -> Option<Version> {
        self.version
    }

    /// The request head, through its blank line.
    #[must_use]
    pub fn head(&self) -> &[u8] {
        &self.bytes[..self.head_len]
    }

    /// The head and every byte read after it (a body, a pipelined request).
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The method.
    #[must_use]
    pub fn method(&self) -> &str {
        Handover::new(self.head()).method()
    }

    /// The request-target, path and query.
    #[must_use]
    pub fn resource(&self) -> &str {
        Handover::new(self.head()).resource()
    }

    /// The path part of the resource.
    #[must_use]
    pub fn path(&self) -> &str {
        Handover::new(self.head()).path()
    }

    /// The first value of the named field (compared case-insensitively).
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&[u8]> {
        Handover::new(self.head()).field(name)
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The stream, to answer the request on.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// The bytes read (head and what followed) and the stream.
    pub fn into_parts(self) -> (Vec<u8>, S) {
        (self.bytes, self.stream)
    }
}
