//! A WebSocket echo server on the blocking adapter, one thread per connection: hixie-76 (and,
//! with `--allow-hixie75`, hixie-75) and RFC 6455 on the same port, and on `GET /` a page that
//! opens a socket to it from any browser, old or new.
//!
//! ```text
//! cargo run --release --example echo_server -- --listen 127.0.0.1:8076 [--protocol NAME]...
//!     [--allow-hixie75] [--proxy-protocol] [--secure] [--handshake-timeout SECS]
//!     [--idle-timeout SECS] [--keepalive SECS [--keepalive-frame discard|sentinel|empty]]
//! ```
//!
//! Prints `listening on ADDR:PORT` first (`:0` picks a free port), then serves until stopped:
//! any origin; the first offered subprotocol that was named with `--protocol` (a client that
//! offers subprotocols, none of them named, is refused with 400); every message echoed; a close
//! answered. A bad request gets its 4xx and its connection is closed at once. Logs one line
//! when a handshake is decided and one when a connection ends, each beginning with the
//! client's address.

#[path = "common/mod.rs"]
mod common;

use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{ClockedStream, Parsed, ServerOptions};
use hixie76::blocking::{accept_any, read_proxy_header, AnyAccepted, AnyWebSocket};
use hixie76::io::{Error, Message, Prefixed};
use hixie76::proxy::ProxyConfig;
use hixie76::server::error_response;
use hixie76::StatusCode;

/// Most connections served at once; the next ones get 503.
const MAX_CONNECTIONS: usize = 256;
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

type Socket = AnyWebSocket<Prefixed<ClockedStream>>;

fn main() -> ExitCode {
    let usage = format!(
        "usage: echo_server [FLAGS]\n\nA WebSocket echo server for hixie-76 and RFC 6455 clients \
         on one port (blocking, one thread\nper connection). GET / serves a page that echoes \
         what you type (?send=TEXT sends TEXT).\n\n{}",
        common::SERVER_FLAGS
    );
    let options = match common::parse_server_args(&usage, |_, _| Ok(false)) {
        Ok(Parsed::Run(options)) => Arc::new(options),
        Ok(Parsed::Help) => return ExitCode::SUCCESS,
        Err(message) => return common::usage_error(&message, &usage),
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

/// Runs one connection: the handshake under its deadline, then echoing until the close.
fn serve(stream: TcpStream, options: &ServerOptions) {
    let Ok(peer) = stream.peer_addr() else { return };
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let deadline = options
        .handshake_timeout
        .map(|timeout| Instant::now() + timeout);
    let stream = ClockedStream::new(stream, deadline);
    let (client, accepted) = handshake(stream, peer, options);
    let mut socket = match accepted {
        Ok(Some(socket)) => socket,
        Ok(None) => return, // a page was served
        Err(error) => return common::log(client, common::refused_line(&error)),
    };
    let ended = echo(&mut socket, options);
    common::log(client, common::ended_line(ended));
    let _ = socket
        .get_ref()
        .get_ref()
        .get_ref()
        .shutdown(Shutdown::Both);
}

/// Reads the PROXY header when one is required, then the request; the client's address, and
/// the open socket (or `None` after answering a plain HTTP request).
fn handshake(
    stream: ClockedStream,
    peer: SocketAddr,
    options: &ServerOptions,
) -> (SocketAddr, Result<Option<Socket>, Error>) {
    // The deadline ends a blocking read with a time-out: that is the handshake's time-out.
    let deadline = |error: Error| {
        if common::is_timeout(&error) {
            Error::HandshakeTimeout
        } else {
            error
        }
    };
    let (client, stream) = if options.proxy_protocol {
        match read_proxy_header(stream, ProxyConfig::new()) {
            Ok((header, stream)) => (common::client_address(peer, header), stream),
            Err(error) => return (peer, Err(deadline(error))),
        }
    } else {
        (peer, Prefixed::new(Vec::new(), stream))
    };
    let mut path = String::new();
    let accepted = accept_any(stream, options.accept_config(), |request| {
        path = request.path().to_string();
        options.decide(request)
    });
    let socket = match accepted {
        Ok(AnyAccepted::WebSocket(socket)) => socket,
        Ok(AnyAccepted::Http(mut request)) => {
            let response = common::http_response(request.method(), request.path());
            common::log(
                client,
                format_args!("http {} {}", request.method(), request.path()),
            );
            let _ = request.get_mut().write_all(&response);
            let _ = request
                .get_ref()
                .get_ref()
                .get_ref()
                .shutdown(Shutdown::Both);
            return (client, Ok(None));
        }
        Err(error) => return (client, Err(deadline(error))),
    };
    let line = common::accepted_line(&path, socket.protocol(), socket.subprotocol());
    common::log(client, line);
    (client, Ok(Some(socket)))
}

/// Echoes until the close. The read time-out wakes the loop for the idle time-out (counted
/// from the last byte received) and the keep-alive (from the last byte sent).
fn echo(socket: &mut Socket, options: &ServerOptions) -> Result<(), Error> {
    socket.get_mut().get_mut().set_deadline(None);
    let mut last_sent = Instant::now();
    loop {
        let now = Instant::now();
        let last_heard = socket.get_ref().get_ref().last_heard();
        let wake = [
            options.idle_timeout.map(|idle| last_heard + idle),
            options.keepalive.map(|keepalive| last_sent + keepalive),
        ]
        .into_iter()
        .flatten()
        .min()
        .map(|at| {
            at.saturating_duration_since(now)
                .max(Duration::from_millis(1))
        });
        socket
            .get_ref()
            .get_ref()
            .get_ref()
            .set_read_timeout(wake)?;
        match socket.read() {
            Ok(Message::Close) => return Ok(()),
            Ok(message) => {
                socket.send(message)?;
                last_sent = Instant::now();
            }
            Err(error) if common::is_timeout(&error) => {
                let now = Instant::now();
                let last_heard = socket.get_ref().get_ref().last_heard();
                if options
                    .idle_timeout
                    .is_some_and(|idle| now >= last_heard + idle)
                {
                    return Err(Error::IdleTimeout);
                }
                if options
                    .keepalive
                    .is_some_and(|keepalive| now >= last_sent + keepalive)
                {
                    socket.send_keepalive(options.keepalive_frame)?;
                    last_sent = now;
                }
            }
            Err(error) => return Err(error),
        }
    }
}
