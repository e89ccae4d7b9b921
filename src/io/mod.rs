//! What the blocking and the async adapters share: their error type, their configuration, the
//! application's decision on a request, and the bookkeeping that turns the sans-IO machines into
//! sockets. Requires the `std` feature.
//!
//! The adapters themselves are [`blocking`](crate::blocking) (any `Read + Write`) and, with the
//! `tokio` feature, `tokio` (any `AsyncRead + AsyncWrite + Unpin`). Both are thin:
//! every decision about bytes is made by the core machines and the shared pieces here; the
//! adapters only read, write and wait.

mod accepting;
mod config;
mod error;
mod keys;
mod prefixed;
mod request;
#[cfg(feature = "tungstenite")]
pub(crate) mod rfc6455;
mod socket;
mod unanswered;

pub use config::{AcceptConfig, AcceptOptions, ConnectConfig, Decision};
pub use error::Error;
pub use prefixed::Prefixed;
pub use request::{Protocol, Protocols, Request};
pub use unanswered::Unanswered;

pub use crate::connection::Message;

pub(crate) use accepting::{Accepting, Step};
pub(crate) use keys::client_keys;
pub(crate) use socket::SocketCore;
