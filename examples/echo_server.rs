//! A hixie-76 echo server on blocking `std::net`, one thread per connection.
//!
//! ```text
//! cargo run --release --example echo_server -- --listen 127.0.0.1:8076 [--protocol NAME]... [--allow-hixie75]
//! ```
//!
//! Prints `listening on ADDR:PORT` first (`:0` picks a free port), then serves until stopped:
//! any origin; the first offered subprotocol that was named with `--protocol` (a client that
//! offers subprotocols, none of them named, is refused with 400); every text message echoed; a
//! close answered. A bad request gets an HTTP error response and its connection is closed at
//! once; everyone else is served on. Only the public API of the crate is used.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use hixie76::frame::FrameEvent;
use hixie76::server::{error_response, Accept, Outcome, ServerConfig, ServerHandshake};
use hixie76::StatusCode;

/// Most connections served at once; the next ones get 503.
const MAX_CONNECTIONS: usize = 256;
/// A peer silent for this long is dropped.
const READ_TIMEOUT: Duration = Duration::from_secs(60);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

struct Options {
    listen: String,
    protocols: Vec<String>,
    allow_hixie75: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        listen: "127.0.0.1:8076".to_string(),
        protocols: Vec::new(),
        allow_hixie75: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--listen" => options.listen = args.next().ok_or("--listen needs ADDR:PORT")?,
            "--protocol" => options
                .protocols
                .push(args.next().ok_or("--protocol needs a NAME")?),
            "--allow-hixie75" => options.allow_hixie75 = true,
            "--help" | "-h" => {
                return Err(
                    "usage: echo_server --listen ADDR:PORT [--protocol NAME]... \
                            [--allow-hixie75]"
                        .to_string(),
                )
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => Arc::new(options),
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::from(2);
        }
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
    let _ = io::stdout().flush();

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
            let peer = stream
                .peer_addr()
                .map(|a| a.to_string())
                .unwrap_or_default();
            if let Err(error) = serve(&mut stream, &options) {
                eprintln!("{peer}: {error}");
            }
            let _ = stream.shutdown(Shutdown::Both);
            active.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            eprintln!("cannot start a thread for a connection");
        }
    }
    ExitCode::SUCCESS
}

/// Runs one connection: the handshake, then echoing until the closing handshake.
fn serve(stream: &mut TcpStream, options: &Options) -> io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    stream.set_nodelay(true)?;

    let config = ServerConfig::default().with_hixie75(options.allow_hixie75);
    let mut handshake = ServerHandshake::new(config, vec![0u8; config.limits().max_head()]);
    let mut buf = vec![0u8; 16 * 1024];
    let mut out = vec![0u8; 1024];
    // Bytes read but not yet used: after the handshake, the first frames.
    let (mut start, mut end) = (0, 0);
    // Read only when the machine asked for bytes: right after an accept it may already have
    // its answer (hixie-75 has no key3 to wait for), and the peer may be waiting for us.
    let mut need_input = true;
    let mut connection = 'handshake: loop {
        if start == end && need_input {
            (start, end) = (0, read_some(stream, &mut buf)?);
        }
        let received = match handshake.receive(&buf[start..end]) {
            Ok(received) => received,
            Err(error) => {
                if let Some(status) = error.status() {
                    stream.write_all(error_response(status))?;
                }
                return Err(io::Error::new(io::ErrorKind::InvalidData, error));
            }
        };
        start += received.used;
        match received.event {
            None => need_input = true,
            Some(Outcome::Request(pending)) => {
                need_input = false;
                let request = pending.request();
                let mut offered = request.protocols().peekable();
                let any_offered = offered.peek().is_some();
                let chosen = offered.find(|p| options.protocols.iter().any(|n| n == p));
                if any_offered && chosen.is_none() {
                    stream.write_all(pending.reject(StatusCode::BadRequest))?;
                    return Err(io::Error::other("no offered subprotocol is served here"));
                }
                let accept = Accept::new().with_protocol(chosen);
                let n = pending.accept(&accept, &mut out).map_err(io::Error::from)?;
                // The head goes out now, before key3 has necessarily arrived.
                stream.write_all(&out[..n])?;
            }
            Some(Outcome::Answer(answer)) => {
                stream.write_all(answer.as_bytes())?;
                break 'handshake answer.connection();
            }
            Some(Outcome::OtherVersion(version, _)) => {
                stream.write_all(error_response(StatusCode::BadRequest))?;
                return Err(io::Error::other(format!(
                    "{version:?} request: not served here"
                )));
            }
            Some(Outcome::NotWebSocket(_)) => {
                stream.write_all(error_response(StatusCode::NotFound))?;
                return Err(io::Error::other("not a WebSocket request"));
            }
        }
    };
    let hixie75 = connection.is_hixie75();
    let mut message = String::new();
    loop {
        if start == end {
            start = 0;
            end = match read_some(stream, &mut buf) {
                // hixie-75 has no closing handshake: the peer ends by closing TCP.
                Err(error) if hixie75 && error.kind() == io::ErrorKind::UnexpectedEof => {
                    return Ok(())
                }
                other => other?,
            };
        }
        let received = connection
            .receive(&buf[start..end])
            .map_err(io::Error::from)?;
        let (used, event) = (received.used, received.event);
        start += used;
        if used == 0 && event.is_none() {
            // The unused bytes must start the next input: keep them and read more after them.
            buf.copy_within(start..end, 0);
            (start, end) = (0, end - start);
            end += read_some(stream, &mut buf[end..])?;
            continue;
        }
        match event {
            Some(FrameEvent::Text { chunk, fin }) => {
                message.push_str(chunk.as_str());
                if fin {
                    let (head, payload, tail) = match connection.send_text_parts(&message) {
                        Ok([head, payload, tail]) => (head, payload, tail),
                        // We already sent our close: nothing more may be sent.
                        Err(_) => continue,
                    };
                    stream.write_all(head)?;
                    stream.write_all(payload)?;
                    stream.write_all(tail)?;
                    message.clear();
                }
            }
            Some(FrameEvent::Close | FrameEvent::Discarded) | None => {}
        }
        let n = connection
            .poll_transmit(&mut out)
            .map_err(io::Error::from)?;
        stream.write_all(&out[..n])?;
        if connection.is_closed() {
            return Ok(());
        }
    }
}

/// Reads at least one byte; the end of the stream is an error here, since both the handshake
/// and the closing handshake still expect bytes.
fn read_some(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match stream.read(buf) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => return Ok(n),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        }
    }
}
