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
//! [draft-hixie-thewebsocketprotocol-76]: https://datatracker.ietf.org/doc/html/draft-hixie-thewebsocketprotocol-76
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod authority;
pub mod client;
pub mod connection;
mod error;
pub mod frame;
mod key;
mod limits;
#[cfg(feature = "proxy-protocol")]
#[cfg_attr(docsrs, doc(cfg(feature = "proxy-protocol")))]
pub mod proxy;
mod received;
mod scan;
pub mod server;
mod status;

pub use error::{Error, Fault, Field, Key};
pub use key::{answer, key_part};
pub use limits::Limits;
pub use received::Received;
pub use status::StatusCode;

// The README's examples are compiled and run as doc-tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
