//! hixie-76 inside an axum 0.8 app: an extractor a route takes beside axum's own
//! `WebSocketUpgrade`, so one route serves hixie-76 and RFC 6455. Requires the `axum` feature
//! (which implies `tokio`); the app must be served by hyper's HTTP/1.1 server, as
//! `axum::serve` does.
//!
//! - [`Hixie76Upgrade`] takes a hixie-76 request; [`AnyWebSocketUpgrade`] takes either
//!   protocol and hands RFC 6455 to axum.
//! - The request is judged by the same rules as [`ServerHandshake`](crate::server::ServerHandshake):
//!   its head is rebuilt from what hyper parsed and fed to the core. The handler decides the
//!   origin, the subprotocol and extra fields, then returns
//!   [`on_upgrade`](Hixie76Upgrade::on_upgrade)'s 101 or [`reject`](Hixie76Upgrade::reject)'s
//!   refusal.
//! - The socket is the tokio adapter's [`WebSocketStream`](crate::tokio::WebSocketStream) (a
//!   `Stream` + `Sink` of [`Message`](crate::io::Message)) over the upgraded connection.
//! - The configuration is an [`AcceptConfig`](crate::io::AcceptConfig) in the request's
//!   extensions (`.layer(axum::Extension(config))`), or the default.
//!
//! What hyper does with the handshake, and how this module copes:
//!
//! - **key3 without `Content-Length`** (browsers): hyper reads it along with the head and hands
//!   it over first on the upgraded connection, with any frames that followed it. The socket
//!   gets those frames: nothing is lost.
//! - **`Content-Length: 8`** (Perl's Protocol::WebSocket, some proxies): hyper reads key3 as
//!   the request body and never hands it over with the connection, so the extractor keeps the
//!   body and reads key3 from it.
//! - **The 101 goes out first**, before key3 is read ([rule R6](crate::rules#r6)), as hyper
//!   writes it: the reason phrase `WebSocket Protocol Handshake` (set through hyper's
//!   `ReasonPhrase`), the field names in lowercase, and a `date` field added. hixie-76
//!   clients compare field names without regard to case; the values are the core's.
//! - **A refusal carries `Connection: close`**: otherwise hyper would read key3 as the start
//!   of a next request on the same connection.
//! - HTTP/1.0 and HTTP/2 requests are refused (400), as the core refuses them.
//!
//! ```no_run
//! use axum::{response::Response, routing::get, Router};
//! use hixie76::axum::AnyWebSocketUpgrade;
//! use hixie76::io::Message;
//!
//! async fn echo(upgrade: AnyWebSocketUpgrade) -> Response {
//!     match upgrade {
//!         AnyWebSocketUpgrade::Hixie76(upgrade) => upgrade.on_upgrade(|mut socket| async move {
//!             while let Some(Ok(Message::Text(text))) = socket.read().await {
//!                 if socket.send(Message::Text(text)).await.is_err() {
//!                     break;
//!                 }
//!             }
//!         }),
//!         AnyWebSocketUpgrade::Rfc6455(upgrade) => upgrade.on_upgrade(|mut socket| async move {
//!             while let Some(Ok(message)) = socket.recv().await {
//!                 if socket.send(message).await.is_err() {
//!                     break;
//!                 }
//!             }
//!         }),
//!     }
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! let app = Router::new().route("/echo", get(echo));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8076").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

mod any;
mod head;
mod upgrade;

pub use any::{AnyWebSocketUpgrade, AnyWebSocketUpgradeRejection};
pub use upgrade::{Hixie76Upgrade, Hixie76UpgradeRejection, Upgraded, WebSocket};
