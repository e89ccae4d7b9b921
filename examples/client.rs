//! A hixie-76 client on the blocking adapter.
//!
//! ```text
//! cargo run --release --example client -- ws://HOST:PORT/PATH --origin ORIGIN \
//!     [--protocol NAME]... [--send TEXT]... [--lenient] [--hixie75]
//! ```
//!
//! Completes the handshake and prints `connected` (with ` protocol=NAME` when one was agreed),
//! sends each TEXT as a message, prints each message it receives as `< TEXT` until it has
//! received as many as it sent, performs the closing handshake and exits 0. On any failure it
//! prints one line naming the reason on stderr and exits 1. The keys come from the operating
//! system's entropy.

use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use hixie76::client::Url;
use hixie76::io::{ConnectConfig, Error, Message};

const USAGE: &str = "usage: client ws://HOST:PORT/PATH --origin ORIGIN [--protocol NAME]... [--send TEXT]... [--lenient] [--hixie75]

A hixie-76 client: connects, sends each TEXT, prints each message received as `< TEXT`, then
closes.

  --origin ORIGIN    the Origin to send (required), e.g. http://example.com
  --protocol NAME    a subprotocol to offer (repeatable)
  --send TEXT        a message to send (repeatable)
  --lenient          every named client leniency: accept `Upgrade: WebSocket` in any case
                     (Netty answers `websocket`), and ignore a subprotocol the server names
                     when none was offered (some answer `Sec-WebSocket-Protocol: default`)
  --hixie75          speak the older draft-hixie-thewebsocketprotocol-75 (one --protocol at
                     most; no closing handshake: the client closes TCP after its echoes)
  --help             this text";

const TIMEOUT: Duration = Duration::from_secs(10);

struct Options {
    url: String,
    origin: String,
    protocols: Vec<String>,
    messages: Vec<String>,
    lenient: bool,
    hixie75: bool,
}

enum Parsed {
    Run(Options),
    Help,
}

fn parse_args() -> Result<Parsed, String> {
    let (mut url, mut origin) = (None, None);
    let (mut protocols, mut messages) = (Vec::new(), Vec::new());
    let (mut lenient, mut hixie75) = (false, false);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |what: &str| args.next().ok_or(format!("{arg} needs {what}"));
        match arg.as_str() {
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(Parsed::Help);
            }
            "--origin" => origin = Some(value("ORIGIN")?),
            "--protocol" => protocols.push(value("NAME")?),
            "--send" => messages.push(value("TEXT")?),
            "--lenient" => lenient = true,
            "--hixie75" => hixie75 = true,
            flag if flag.starts_with("--") => return Err(format!("unknown argument {flag:?}")),
            _ if url.is_none() => url = Some(arg),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(Parsed::Run(Options {
        url: url.ok_or("the URL is required")?,
        origin: origin.ok_or("--origin ORIGIN is required")?,
        protocols,
        messages,
        lenient,
        hixie75,
    }))
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Help) => return ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
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
    let host = url.host().trim_start_matches('[').trim_end_matches(']');
    let address = (host, url.port())
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("no address for {host}"))?;
    let stream = TcpStream::connect_timeout(&address, TIMEOUT)
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let io_error = |e: std::io::Error| format!("connection failed: {e}");
    stream.set_read_timeout(Some(TIMEOUT)).map_err(io_error)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(io_error)?;
    stream.set_nodelay(true).map_err(io_error)?;

    let mut config = ConnectConfig::new(options.origin.as_str())
        .with_any_case_upgrade(options.lenient)
        .with_unasked_protocol_ignored(options.lenient)
        .with_hixie75(options.hixie75);
    for protocol in &options.protocols {
        config = config.with_protocol(protocol.as_str());
    }
    let mut socket = hixie76::blocking::connect(stream, &options.url, &config)
        .map_err(|e| format!("handshake failed: {}", reason(&e)))?;
    match socket.subprotocol() {
        Some(protocol) => println!("connected protocol={protocol}"),
        None => println!("connected"),
    }
    let failed = |e: Error| format!("connection failed: {}", reason(&e));
    for message in &options.messages {
        socket.send_text(message).map_err(failed)?;
    }
    let mut received = 0;
    while received < options.messages.len() {
        match socket.read().map_err(failed)? {
            Message::Text(text) => {
                println!("< {text}");
                received += 1;
            }
            Message::Binary(_) => {}
            Message::Close => {
                return Err(format!(
                    "server closed after {received} of {} messages",
                    options.messages.len()
                ))
            }
        }
    }
    socket.close().map_err(failed)?;
    if !options.hixie75 {
        // Wait for the server's answer (or its closing TCP, which ends the connection too).
        loop {
            match socket.read() {
                Ok(Message::Close) | Err(Error::ConnectionClosed) => break,
                Ok(_) => {}
                Err(e) => return Err(failed(e)),
            }
        }
    }
    let _ = socket.get_mut().shutdown(Shutdown::Both);
    Ok(())
}

/// The core's reason when there is one: the interop tests read it.
fn reason(error: &Error) -> String {
    match error {
        Error::Protocol(error) => error.to_string(),
        other => other.to_string(),
    }
}
