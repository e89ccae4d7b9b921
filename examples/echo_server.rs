//! A WebSocket echo server on the blocking adapter, one thread per connection: hixie-76 (and,
//! with `--allow-hixie75`, hixie-75) and RFC 6455 on the same port, and on `GET /` a page that
//! opens a socket to it from any browser, old or new.
//!
//! ```text
//! cargo run --release --example echo_server -- --listen 127.0.0.1:8076 [--protocol NAME]... [--allow-hixie75]
//! ```
//!
//! Prints `listening on ADDR:PORT` first (`:0` picks a free port), then serves until stopped:
//! any origin; the first offered subprotocol that was named with `--protocol` (a client that
//! offers subprotocols, none of them named, is refused with 400); every message echoed; a close
//! answered. A bad request gets its 4xx and its connection is closed at once.

#[path = "common/mod.rs"]
mod common;

use std::io::Write;
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::{Parsed, ServerOptions};
use hixie76::blocking::{accept_any, AnyAccepted};
use hixie76::io::Message;
use hixie76::server::error_response;
use hixie76::StatusCode;

const USAGE: &str = "usage: echo_server [--listen ADDR:PORT] [--protocol NAME]... [--allow-hixie75]

A WebSocket echo server for hixie-76 and RFC 6455 clients on one port (blocking, one thread
per connection). GET / serves a page that echoes what you type (?send=TEXT sends TEXT).

  --listen ADDR:PORT   where to listen (default 127.0.0.1:8076; port 0 picks a free one)
  --protocol NAME      a subprotocol served (repeatable; first offered match wins)
  --allow-hixie75      also answer the older draft-hixie-thewebsocketprotocol-75
  --help               this text";

/// Most connections served at once; the next ones get 503.
const MAX_CONNECTIONS: usize = 256;
/// A peer silent for this long during the handshake or after it is dropped (blocking reads
/// cannot be given a deadline of their own).
const READ_TIMEOUT: Duration = Duration::from_secs(60);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let options = match common::parse_server_args(USAGE, |_, _| Ok(false)) {
        Ok(Parsed::Run(options)) => Arc::new(options),
        Ok(Parsed::Help) => return ExitCode::SUCCESS,
        Err(message) => return common::usage_error(&message, USAGE),
    };
    let listener = match TcpListener::bind(&options.listen) {
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
    let _ = std::io::stdout().flush();

    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            let _ = stream.write_all(error_response(StatusCode::ServiceUnavailable));
            continue;
        }
        let (options, active) = (Arc::clone(&options), Arc::clone(&active));
        let spawned = thread::Builder::new().spawn(move || {
            serve(stream, &options);
            active.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            eprintln!("cannot start a thread for a connection");
        }
    }
    ExitCode::SUCCESS
}

/// Runs one connection: the handshake, then echoing until the close.
fn serve(stream: TcpStream, options: &ServerOptions) {
    let peer = stream
        .peer_addr()
        .map_or_else(|_| "?".to_string(), |addr| addr.to_string());
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let accepted = accept_any(stream, options.accept_config(), |request| {
        options.decide(request)
    });
    let mut socket = match accepted {
        Ok(AnyAccepted::WebSocket(socket)) => socket,
        Ok(AnyAccepted::Http(mut request)) => {
            let response = common::http_response(request.method(), request.path());
            let _ = request.get_mut().write_all(&response);
            let _ = request.get_mut().shutdown(Shutdown::Both);
            return;
        }
        Err(error) => return common::log(&peer, format_args!("refused: {error}")),
    };
    common::log(&peer, format_args!("accepted {:?}", socket.protocol()));
    let ended = loop {
        match socket.read() {
            Ok(Message::Close) => break "closed".to_string(),
            Ok(message) => {
                if let Err(error) = socket.send(message) {
                    break format!("failed: {error}");
                }
            }
            Err(error) => break format!("failed: {error}"),
        }
    };
    common::log(&peer, ended);
    let _ = socket.get_mut().shutdown(Shutdown::Both);
}
