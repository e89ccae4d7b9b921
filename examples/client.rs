//! A hixie-76 client on blocking `std::net`.
//!
//! ```text
//! cargo run --release --example client -- ws://HOST:PORT/PATH --origin ORIGIN \
//!     [--protocol NAME]... [--send TEXT]... [--lenient] [--hixie75]
//! ```
//!
//! Completes the handshake and prints `connected` (with ` protocol=NAME` when one was agreed),
//! sends each TEXT as a message, prints each message it receives as `< TEXT` until it has
//! received as many as it sent, performs the closing handshake and exits 0. On any failure it
//! prints one line naming the reason on stderr and exits 1. `--lenient` accepts an `Upgrade`
//! value in another case (Netty's servers send `websocket`). `--hixie75` speaks the older
//! draft-hixie-thewebsocketprotocol-75 (at most one `--protocol`): there is no closing
//! handshake then, so after its echoes the client closes TCP without sending `FF 00`. Only the
//! public API is used; the key entropy comes from the operating system here, as the core takes
//! it from its caller.

use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use hixie76::client::{ClientConfig, ClientHandshake, Entropy, Keys, Url};
use hixie76::connection::{Connection, ConnectionState};
use hixie76::frame::FrameEvent;

const TIMEOUT: Duration = Duration::from_secs(10);

struct Options {
    url: String,
    origin: String,
    protocols: Vec<String>,
    messages: Vec<String>,
    lenient: bool,
    hixie75: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut url = None;
    let mut origin = None;
    let (mut protocols, mut messages, mut lenient) = (Vec::new(), Vec::new(), false);
    let mut hixie75 = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--origin" => origin = Some(args.next().ok_or("--origin needs a value")?),
            "--protocol" => protocols.push(args.next().ok_or("--protocol needs a NAME")?),
            "--send" => messages.push(args.next().ok_or("--send needs a TEXT")?),
            "--lenient" => lenient = true,
            "--hixie75" => hixie75 = true,
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ if url.is_none() => url = Some(arg),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(Options {
        url: url.ok_or("usage: client ws://HOST:PORT/PATH --origin ORIGIN [--protocol NAME]... [--send TEXT]... [--lenient] [--hixie75]")?,
        origin: origin.ok_or("--origin ORIGIN is required")?,
        protocols,
        messages,
        lenient,
        hixie75,
    })
}

/// Entropy from the operating system's random device.
struct OsEntropy(File);

impl Entropy for OsEntropy {
    fn next_u64(&mut self) -> u64 {
        let mut bytes = [0u8; 8];
        // A failed read would leave zeros: keys stay valid, only less random. It does not
        // happen on a working system, and the example reports nothing for it.
        let _ = self.0.read_exact(&mut bytes);
        u64::from_ne_bytes(bytes)
    }
}

fn main() -> ExitCode {
    match parse_args().and_then(|options| run(&options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(reason) => {
            eprintln!("{reason}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<(), String> {
    let url = Url::parse(&options.url).map_err(|e| format!("bad URL: {e}"))?;
    if url.is_secure() {
        return Err("wss:// needs TLS, which this example does not include".into());
    }
    let protocols: Vec<&str> = options.protocols.iter().map(String::as_str).collect();
    let config = ClientConfig::new(url, &options.origin)
        .with_protocols(&protocols)
        .with_any_case_upgrade(options.lenient);
    let mut handshake = if options.hixie75 {
        // hixie-75 has no keys, so it needs no entropy.
        ClientHandshake::new_hixie75(config, vec![0u8; 8192])
    } else {
        let mut entropy =
            OsEntropy(File::open("/dev/urandom").map_err(|e| format!("no entropy source: {e}"))?);
        let keys = Keys::generate(&mut entropy);
        ClientHandshake::new(config, keys, vec![0u8; 8192])
    }
    .map_err(|e| format!("bad settings: {e}"))?;

    let host = url.host().trim_start_matches('[').trim_end_matches(']');
    let address = (host, url.port())
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("no address for {host}"))?;
    let mut stream = TcpStream::connect_timeout(&address, TIMEOUT)
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let io_error = |e: io::Error| format!("connection failed: {e}");
    stream.set_read_timeout(Some(TIMEOUT)).map_err(io_error)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(io_error)?;
    stream.set_nodelay(true).map_err(io_error)?;

    // Head and key3 in one write: some servers fail when key3 comes in a later read.
    let mut out = vec![0u8; 8192];
    let n = handshake
        .write_request(&mut out)
        .map_err(|e| format!("cannot build the request: {e}"))?;
    stream.write_all(&out[..n]).map_err(io_error)?;

    let mut buf = vec![0u8; 16 * 1024];
    let (mut start, mut end) = (0, 0);
    // The connection knows its draft: hixie-75 has no closing handshake, so there FF 00 is just
    // a frame, and closing sends nothing.
    let mut connection = loop {
        if start == end {
            (start, end) = (0, read_some(&mut stream, &mut buf).map_err(io_error)?);
        }
        let received = handshake
            .receive(&buf[start..end])
            .map_err(|e| format!("handshake failed: {e}"))?;
        start += received.used;
        if let Some(established) = received.event {
            match established.protocol() {
                Some(protocol) => println!("connected protocol={protocol}"),
                None => println!("connected"),
            }
            break established.connection();
        }
    };
    for message in &options.messages {
        let parts = connection
            .send_text_parts(message)
            .map_err(|e| format!("cannot send: {e}"))?;
        for part in parts {
            stream.write_all(part).map_err(io_error)?;
        }
    }
    let mut received_messages = 0;
    let mut text = String::new();
    if options.messages.is_empty() {
        close(&mut connection, &mut stream, &mut out)?;
    }
    loop {
        if connection.is_closed() {
            break;
        }
        if start == end {
            start = 0;
            end = match read_some(&mut stream, &mut buf) {
                // Our close was sent and the server closed TCP: that ends the connection too.
                Err(e)
                    if e.kind() == io::ErrorKind::UnexpectedEof
                        && connection.state() != ConnectionState::Open =>
                {
                    break
                }
                other => other.map_err(io_error)?,
            };
        }
        let received = connection
            .receive(&buf[start..end])
            .map_err(|e| format!("bad frame: {e}"))?;
        let (used, event) = (received.used, received.event);
        start += used;
        if used == 0 && event.is_none() {
            buf.copy_within(start..end, 0);
            (start, end) = (0, end - start);
            end += read_some(&mut stream, &mut buf[end..]).map_err(io_error)?;
            continue;
        }
        match event {
            Some(FrameEvent::Text { chunk, fin }) => {
                text.push_str(chunk.as_str());
                if fin {
                    println!("< {text}");
                    text.clear();
                    received_messages += 1;
                    if received_messages == options.messages.len() {
                        close(&mut connection, &mut stream, &mut out)?;
                    }
                }
            }
            Some(FrameEvent::Close) if received_messages < options.messages.len() => {
                return Err(format!(
                    "server closed after {received_messages} of {} messages",
                    options.messages.len()
                ));
            }
            Some(FrameEvent::Close | FrameEvent::Discarded) | None => {}
        }
        let n = connection
            .poll_transmit(&mut out)
            .map_err(|e| format!("cannot answer: {e}"))?;
        stream.write_all(&out[..n]).map_err(io_error)?;
    }
    let _ = stream.shutdown(Shutdown::Both);
    Ok(())
}

fn close(
    connection: &mut Connection,
    stream: &mut TcpStream,
    out: &mut [u8],
) -> Result<(), String> {
    let n = connection
        .close(out)
        .map_err(|e| format!("cannot close: {e}"))?;
    stream
        .write_all(&out[..n])
        .map_err(|e| format!("connection failed: {e}"))
}

fn read_some(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match stream.read(buf) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}
