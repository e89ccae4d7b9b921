//! # hixie76
//!
//! A sans-IO implementation of the legacy WebSocket protocol
//! [draft-hixie-thewebsocketprotocol-76] (republished as draft-ietf-hybi-thewebsocketprotocol-00):
//! the opening handshake with `Sec-WebSocket-Key1`/`Key2`, the 8-byte key3 and the 16-byte MD5
//! answer, the framing that follows it and the closing handshake, for both the client and the
//! server role.
//!
//! The machines take bytes and give back events and bytes. They never touch a socket, a clock or
//! an entropy source, never allocate, and report exactly how many input bytes they used, so any
//! runtime can wrap them: blocking sockets from the standard library, tokio, an embedded
//! network stack.
//!
//! - [`server::ServerHandshake`] reads a request and answers it;
//!   [`client::ClientHandshake`] writes a request and checks the answer. A finished handshake
//!   hands over its [`connection::Connection`], configured for the draft that was negotiated.
//! - Every machine takes input the same way: `receive(&[u8])` returns a [`Received`], how many
//!   bytes were used and at most one event.
//! - [`frame`] has the decoder and encoder underneath, for one direction at a time.
//! - A server that already parsed the request head with another HTTP implementation (hyper,
//!   axum) needs only [`key_part`] and [`answer`]: the 16 bytes to send when key3 is in.
//! - [`rules`] is the behaviour this crate promises where the draft is silent or deployed
//!   implementations went wrong, and why it parses heads itself rather than with `httparse`.
//!
//! [draft-hixie-thewebsocketprotocol-76]: https://datatracker.ietf.org/doc/html/draft-hixie-thewebsocketprotocol-76
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(clippy::missing_errors_doc)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod authority;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod blocking;
mod challenge;
pub mod client;
pub mod connection;
mod emit;
mod error;
pub mod frame;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod io;
mod limits;
mod md5;
#[cfg(feature = "proxy-protocol")]
#[cfg_attr(docsrs, doc(cfg(feature = "proxy-protocol")))]
pub mod proxy;
mod received;
mod scan;
pub mod server;
mod status;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod tokio;

#[doc = include_str!("rules.md")]
pub mod rules {}

pub use challenge::{answer, key_part};
#[cfg(feature = "alloc")]
pub use connection::Message;
pub use error::{Error, Fault, Field, Key, Setting};
pub use limits::HeadLimits;
pub use received::Received;
pub use status::StatusCode;

// The README's examples are compiled and run as doc-tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
