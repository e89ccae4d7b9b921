//! A load generator for WebSocket echo servers: many connections, each doing the handshake and a
//! number of echo round trips, hixie-76 (the default, on this crate's tokio adapter) or RFC 6455
//! (tokio-tungstenite).
//!
//! ```text
//! cargo run --release --example loadgen -- ws://HOST:PORT/PATH --connections N --concurrency C
//!     --messages M [--rfc6455] [--hold] [--pid PID] [--origin ORIGIN]
//! ```
//!
//! Opens N connections in all, C at a time, each doing the handshake and M round trips of a
//! short text message, and prints one line of `key=value` pairs:
//! `connections= errors= handshakes_per_s= hs_p50_us= hs_p99_us= messages_per_s=`, and with
//! `--pid` the server's resident memory (`server_rss_kib=`, read from `/proc/PID/status`).
//!
//! With `--hold`, every connection stays open after its handshake until all N are open; the
//! server's memory is read then (`server_rss_before_kib=` before the first connection,
//! `server_rss_kib=` with all of them open and idle, `rss_per_connection_bytes=` the growth
//! over N); then every connection does its M round trips, proving each still echoes, and they
//! all close. Loopback only in the project's scripts; raise the open-files limit (`ulimit -n`)
//! for large N.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use hixie76::client::Url;
use hixie76::io::{ConnectConfig, Message};
use tokio::net::TcpStream;
use tokio::sync::{Barrier, Semaphore};

const USAGE: &str = "usage: loadgen ws://HOST:PORT/PATH --connections N --concurrency C --messages M [--rfc6455] [--hold] [--pid PID] [--origin ORIGIN]

Opens N connections, C at a time, each doing the handshake and M echo round trips, and prints
one line of key=value figures.

  --connections N    connections in all
  --concurrency C    handshakes in flight at once
  --messages M       echo round trips per connection
  --rfc6455          speak RFC 6455 (tokio-tungstenite) instead of hixie-76
  --hold             keep every connection open until all N are open, then measure and echo
  --pid PID          report the server's resident memory (from /proc/PID/status)
  --origin ORIGIN    the Origin sent (default http://loadgen.test)
  --help             this text";

/// How long one connection may take for anything before it counts as an error.
const TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
struct Options {
    url: String,
    connections: usize,
    concurrency: usize,
    messages: usize,
    rfc6455: bool,
    hold: bool,
    pid: Option<u32>,
    origin: String,
}

fn parse_args() -> Result<Option<Options>, String> {
    let mut options = Options {
        url: String::new(),
        connections: 1,
        concurrency: 1,
        messages: 1,
        rfc6455: false,
        hold: false,
        pid: None,
        origin: "http://loadgen.test".to_string(),
    };
    let mut args = std::env::args().skip(1);
    let number = |flag: &str, value: Option<String>| -> Result<usize, String> {
        value
            .and_then(|value| value.parse().ok())
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{flag} needs a positive number"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--help" | "-h" => {
                println!("{USAGE}");
                return Ok(None);
            }
            "--connections" => options.connections = number(&arg, args.next())?,
            "--concurrency" => options.concurrency = number(&arg, args.next())?,
            "--messages" => options.messages = number(&arg, args.next())?,
            "--pid" => {
                let pid = number(&arg, args.next())?;
                options.pid = Some(u32::try_from(pid).map_err(|_| "--pid out of range")?);
            }
            "--origin" => options.origin = args.next().ok_or("--origin needs a value")?,
            "--rfc6455" => options.rfc6455 = true,
            "--hold" => options.hold = true,
            flag if flag.starts_with("--") => return Err(format!("unknown argument {flag:?}")),
            _ if options.url.is_empty() => options.url = arg,
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    if options.url.is_empty() {
        return Err("the URL is required".into());
    }
    let url = Url::parse(&options.url).map_err(|e| format!("bad URL: {e}"))?;
    if url.is_secure() {
        return Err("wss:// is not supported here".into());
    }
    Ok(Some(options))
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(Some(options)) => options,
        Ok(None) => return ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
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
    runtime.block_on(run(options))
}

/// One connection's result: its handshake time, the round trips it completed, or an error.
type Outcome = Result<(Duration, usize), String>;

async fn run(options: Options) -> ExitCode {
    let url = Url::parse(&options.url).expect("checked when parsing the arguments");
    let address = format!(
        "{}:{}",
        url.host().trim_start_matches('[').trim_end_matches(']'),
        url.port()
    );
    // A first connection proves the server is there: exit 1 when it is not.
    if let Err(error) = TcpStream::connect(&address).await {
        eprintln!("cannot connect to {address}: {error}");
        return ExitCode::FAILURE;
    }
    let rss_before = options.pid.and_then(rss_kib);
    let options = Arc::new(options);
    let address = Arc::new(address);
    let handshakes = Arc::new(Semaphore::new(options.concurrency));
    // With --hold, every connection waits here with its handshake done until all are.
    let all_open = Arc::new(Barrier::new(options.connections + 1));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(options.connections);
    for _ in 0..options.connections {
        let (options, address) = (Arc::clone(&options), Arc::clone(&address));
        let (handshakes, all_open) = (Arc::clone(&handshakes), Arc::clone(&all_open));
        tasks.push(tokio::spawn(async move {
            connection(&options, &address, &handshakes, &all_open).await
        }));
    }
    let mut rss_open = None;
    let mut handshake_time = Duration::ZERO;
    if options.hold {
        all_open.wait().await;
        handshake_time = start.elapsed();
        // Let the server settle after the last handshake before reading its memory.
        tokio::time::sleep(Duration::from_millis(500)).await;
        rss_open = options.pid.and_then(rss_kib);
        all_open.wait().await;
    }
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(tasks.len());
    for task in tasks {
        outcomes.push(task.await.unwrap_or_else(|e| Err(e.to_string())));
    }
    let total = start.elapsed();
    report(
        &options,
        &outcomes,
        total,
        handshake_time,
        rss_before,
        rss_open,
    );
    ExitCode::SUCCESS
}

/// One connection: the handshake (under the concurrency limit), then (after all are open, with
/// --hold) the round trips, then the close.
async fn connection(
    options: &Options,
    address: &str,
    handshakes: &Semaphore,
    all_open: &Barrier,
) -> Outcome {
    let permit = handshakes.acquire().await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let socket = tokio::time::timeout(TIMEOUT, open(options, address)).await;
    let handshake = started.elapsed();
    drop(permit);
    let socket = match socket {
        Ok(Ok(socket)) => Ok(socket),
        Ok(Err(error)) => Err(error),
        Err(_) => Err("handshake timed out".to_string()),
    };
    if options.hold {
        // Everyone waits, failed or not, so the barrier opens.
        all_open.wait().await;
        all_open.wait().await;
    }
    let mut socket = socket?;
    let echoed = tokio::time::timeout(TIMEOUT, socket.round_trips(options.messages))
        .await
        .map_err(|_| "round trips timed out".to_string())??;
    socket.close().await;
    Ok((handshake, echoed))
}

/// A client connection in either protocol.
enum Socket {
    Hixie(hixie76::tokio::WebSocketStream<TcpStream>),
    Rfc6455(tokio_tungstenite::WebSocketStream<TcpStream>),
}

async fn open(options: &Options, address: &str) -> Result<Socket, String> {
    let stream = TcpStream::connect(address)
        .await
        .map_err(|e| e.to_string())?;
    let _ = stream.set_nodelay(true);
    if options.rfc6455 {
        let (socket, _) = tokio_tungstenite::client_async(options.url.as_str(), stream)
            .await
            .map_err(|e| e.to_string())?;
        return Ok(Socket::Rfc6455(socket));
    }
    let config = ConnectConfig::new(options.origin.as_str());
    hixie76::tokio::connect(stream, &options.url, &config)
        .await
        .map(Socket::Hixie)
        .map_err(|e| e.to_string())
}

impl Socket {
    /// Sends `count` messages, one at a time, each waiting for its echo.
    async fn round_trips(&mut self, count: usize) -> Result<usize, String> {
        for i in 0..count {
            let text = format!("message {i}");
            let echo = match self {
                Socket::Hixie(socket) => {
                    socket
                        .send(Message::Text(text.clone()))
                        .await
                        .map_err(|e| e.to_string())?;
                    match socket.next().await {
                        Some(Ok(Message::Text(echo))) => echo,
                        other => return Err(format!("no echo: {other:?}")),
                    }
                }
                Socket::Rfc6455(socket) => {
                    socket
                        .send(tungstenite::Message::text(text.clone()))
                        .await
                        .map_err(|e| e.to_string())?;
                    match socket.next().await {
                        Some(Ok(tungstenite::Message::Text(echo))) => echo.as_str().to_string(),
                        other => return Err(format!("no echo: {other:?}")),
                    }
                }
            };
            if echo != text {
                return Err(format!("echo {echo:?} for {text:?}"));
            }
        }
        Ok(count)
    }

    async fn close(self) {
        match self {
            Socket::Hixie(mut socket) => {
                let _ = socket.close().await;
                // Wait for the server's close, or its end of the stream.
                let _ = tokio::time::timeout(Duration::from_secs(2), socket.next()).await;
            }
            Socket::Rfc6455(mut socket) => {
                let _ = socket.close(None).await;
            }
        }
    }
}

fn report(
    options: &Options,
    outcomes: &[Outcome],
    total: Duration,
    handshake_time: Duration,
    rss_before: Option<u64>,
    rss_open: Option<u64>,
) {
    let mut handshakes: Vec<Duration> = outcomes
        .iter()
        .filter_map(|outcome| outcome.as_ref().ok().map(|(time, _)| *time))
        .collect();
    handshakes.sort();
    let errors = outcomes.iter().filter(|outcome| outcome.is_err()).count();
    if let Some(Err(first)) = outcomes.iter().find(|outcome| outcome.is_err()) {
        eprintln!("first error: {first}");
    }
    let messages: usize = outcomes
        .iter()
        .filter_map(|outcome| outcome.as_ref().ok().map(|(_, echoed)| *echoed))
        .sum();
    let percentile = |p: usize| {
        handshakes
            .get((handshakes.len().saturating_sub(1)) * p / 100)
            .map_or(0, |time| time.as_micros())
    };
    // Without --hold the handshakes and the round trips overlap: both rates are over the run.
    let handshake_secs = if options.hold {
        handshake_time.as_secs_f64()
    } else {
        total.as_secs_f64()
    };
    let mut line = format!(
        "connections={} errors={errors} handshakes_per_s={:.0} hs_p50_us={} hs_p99_us={} messages_per_s={:.0}",
        options.connections,
        handshakes.len() as f64 / handshake_secs.max(1e-9),
        percentile(50),
        percentile(99),
        messages as f64 / total.as_secs_f64().max(1e-9),
    );
    if options.pid.is_some() {
        let rss_now = options.pid.and_then(rss_kib);
        if options.hold {
            if let (Some(before), Some(open)) = (rss_before, rss_open) {
                let growth = open.saturating_sub(before) * 1024;
                line += &format!(
                    " server_rss_before_kib={before} server_rss_kib={open} rss_per_connection_bytes={}",
                    growth / options.connections as u64
                );
            }
        } else if let Some(rss) = rss_now {
            line += &format!(" server_rss_kib={rss}");
        }
    }
    println!("{line}");
}

/// A process's resident memory in KiB, from `/proc/PID/status`.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
