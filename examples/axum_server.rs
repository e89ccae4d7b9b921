//! A WebSocket echo server inside an axum app: ONE route, `/echo`, serves hixie-76 clients
//! (through the crate's extractor) and RFC 6455 clients (through axum's own) alike, and `GET /`
//! is the page that opens a socket to it from any browser, old or new.
//!
//! ```text
//! cargo run --release --example axum_server -- --listen 127.0.0.1:8076 [--protocol NAME]...
//!     [--secure] [--handshake-timeout SECS]
//! ```
//!
//! The subprotocol rule is the other demo servers': the first one the client offers that was
//! named with `--protocol`; a client that offers only others is refused with 400. Logs to
//! stderr one line when a handshake is decided and one when the connection ends, each
//! beginning with the client's address.

#[path = "common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum::extract::ws::{Message as RfcMessage, WebSocket as RfcSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use common::{Parsed, ServerOptions};
use hixie76::axum::{AnyWebSocketUpgrade, AnyWebSocketUpgradeRejection, Hixie76Upgrade};
use hixie76::io::{Decision, Error, Message, Protocol};
use tokio::net::TcpListener;

const USAGE: &str = "usage: axum_server [FLAGS]

A WebSocket echo server inside an axum app: the route /echo serves hixie-76 and RFC 6455
clients alike. GET / serves a page that echoes what you type (?send=TEXT sends TEXT).

  --listen ADDR:PORT          where to listen (default 127.0.0.1:8076; port 0 picks a free one)
  --protocol NAME             a subprotocol served (repeatable; the first offered match wins)
  --secure                    the clients reach this server over TLS ended in a proxy in front:
                              hixie-76 answers carry wss:// in their Location
  --handshake-timeout SECS    a deadline from the request to the hixie-76 answer, key3
                              included (default 10; 0: none)
  --help                      this text";

fn main() -> ExitCode {
    let options = match common::parse_server_args(USAGE, |_, _| Ok(false)) {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Help) => return ExitCode::SUCCESS,
        Err(message) => return common::usage_error(&message, USAGE),
    };
    if let Some(flag) = unavailable_flag(&options) {
        let message = format!("{flag} is not available in axum_server");
        return common::usage_error(&message, USAGE);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(Arc::new(options)))
}

/// A shared server flag this server has no use for: hyper reads the requests (no PROXY
/// header), writes field names in lowercase (which hixie-75 clients refuse), and axum's RFC
/// 6455 sockets have no idle or keep-alive clocks.
fn unavailable_flag(options: &ServerOptions) -> Option<&'static str> {
    if options.allow_hixie75 {
        Some("--allow-hixie75")
    } else if options.proxy_protocol {
        Some("--proxy-protocol")
    } else if options.idle_timeout.is_some() {
        Some("--idle-timeout")
    } else if options.keepalive.is_some() {
        Some("--keepalive")
    } else if options.keepalive_frame != hixie76::frame::Keepalive::Empty {
        Some("--keepalive-frame")
    } else {
        None
    }
}

async fn run(options: Arc<ServerOptions>) -> ExitCode {
    let listener = match TcpListener::bind(&options.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("cannot listen on {}: {error}", options.listen);
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("listening on {addr}"),
        Err(error) => {
            eprintln!("cannot read the listening address: {error}");
            return ExitCode::FAILURE;
        }
    }
    // The extractor's configuration: the handshake deadline covers key3 too.
    let config = options
        .accept_config()
        .with_handshake_timeout(options.handshake_timeout);
    let app = Router::new()
        .route("/", get(page))
        .route("/echo", get(echo))
        .layer(axum::Extension(config))
        .with_state(options);
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    match axum::serve(listener, service).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("the server stopped: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn page() -> Response {
    ([(header::CACHE_CONTROL, "no-store")], Html(common::PAGE)).into_response()
}

/// The one route for both protocols. The extractor's refusals are logged, then sent.
async fn echo(
    State(options): State<Arc<ServerOptions>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    upgrade: Result<AnyWebSocketUpgrade, AnyWebSocketUpgradeRejection>,
) -> Response {
    match upgrade {
        Ok(AnyWebSocketUpgrade::Hixie76(upgrade)) => echo_hixie(&options, client, upgrade),
        Ok(AnyWebSocketUpgrade::Rfc6455(upgrade)) => echo_rfc6455(&options, client, upgrade),
        Err(rejection) => {
            let reason = rejection.to_string();
            let response = rejection.into_response();
            let status = response.status().as_u16();
            common::log(client, format_args!("refused status={status} ({reason})"));
            response
        }
    }
}

fn echo_hixie(options: &ServerOptions, client: SocketAddr, upgrade: Hixie76Upgrade) -> Response {
    let path = upgrade.request().path().to_string();
    let accept = match options.decide(&upgrade.request()) {
        Decision::Accept(accept) => accept,
        Decision::Reject(status) => {
            common::log(client, common::refused_line(&status.into()));
            return upgrade.reject(status);
        }
    };
    let subprotocol = accept.protocol().map(String::from);
    let accepted = common::accepted_line(&path, Protocol::Hixie76, subprotocol.as_deref());
    upgrade
        .with_options(accept)
        .on_failed_upgrade(move |error| common::log(client, common::refused_line(&error)))
        .on_upgrade(move |mut socket| async move {
            common::log(client, accepted);
            let ended = async {
                while let Some(message) = socket.read().await {
                    match message? {
                        Message::Close => break,
                        message => socket.send(message).await?,
                    }
                }
                Ok::<(), Error>(())
            };
            common::log(client, common::ended_line(ended.await));
        })
}

fn echo_rfc6455(
    options: &ServerOptions,
    client: SocketAddr,
    upgrade: WebSocketUpgrade,
) -> Response {
    let upgrade = upgrade.protocols(options.protocols.clone());
    if upgrade.requested_protocols().next().is_some() && upgrade.selected_protocol().is_none() {
        common::log(
            client,
            "refused status=400 (no subprotocol offered is served)",
        );
        return StatusCode::BAD_REQUEST.into_response();
    }
    upgrade.on_upgrade(move |socket| async move {
        let subprotocol = socket
            .protocol()
            .and_then(|value| value.to_str().ok())
            .map(String::from);
        let line = common::accepted_line("/echo", Protocol::Rfc6455, subprotocol.as_deref());
        common::log(client, line);
        let ended = match echo_messages(socket).await {
            Ok(()) => "ended: closed".to_string(),
            Err(error) => format!("ended: {error}"),
        };
        common::log(client, ended);
    })
}

async fn echo_messages(mut socket: RfcSocket) -> Result<(), axum::Error> {
    while let Some(message) = socket.recv().await {
        let message = message?;
        match message {
            RfcMessage::Text(_) | RfcMessage::Binary(_) => socket.send(message).await?,
            RfcMessage::Close(_) => break,
            // axum answers pings itself.
            RfcMessage::Ping(_) | RfcMessage::Pong(_) => {}
        }
    }
    Ok(())
}
