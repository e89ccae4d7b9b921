//! The same sans-IO core under tokio: a hixie-76 echo server on one async task per connection.
//!
//! ```text
//! cargo run --release --example tokio_echo_server -- --listen 127.0.0.1:8076 [--protocol NAME]...
//! ```
//!
//! The machines never touch the socket: this file only moves bytes between them and tokio's
//! `TcpStream`, exactly as the blocking `echo_server` example does with `std::net`.

use std::io;
use std::time::Duration;

use hixie76::frame::FrameEvent;
use hixie76::server::{error_response, Accept, Outcome, ServerConfig, ServerHandshake};
use hixie76::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

const IDLE: Duration = Duration::from_secs(60);

#[tokio::main(flavor = "current_thread")]
async fn main() -> io::Result<()> {
    let mut listen = "127.0.0.1:8076".to_string();
    let mut protocols = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--listen", Some(addr)) => listen = addr,
            ("--protocol", Some(name)) => protocols.push(name),
            _ => {
                eprintln!("usage: tokio_echo_server --listen ADDR:PORT [--protocol NAME]...");
                std::process::exit(2);
            }
        }
    }
    let listener = TcpListener::bind(&listen).await?;
    println!("listening on {}", listener.local_addr()?);
    let protocols: &'static [String] = Box::leak(protocols.into_boxed_slice());
    loop {
        let (stream, peer) = listener.accept().await?;
        tokio::spawn(async move {
            if let Err(error) = serve(stream, protocols).await {
                eprintln!("{peer}: {error}");
            }
        });
    }
}

async fn read_some(stream: &mut TcpStream, buf: &mut [u8]) -> io::Result<usize> {
    match timeout(IDLE, stream.read(buf)).await {
        Ok(Ok(0)) => Err(io::ErrorKind::UnexpectedEof.into()),
        Ok(result) => result,
        Err(_) => Err(io::ErrorKind::TimedOut.into()),
    }
}

async fn serve(mut stream: TcpStream, protocols: &[String]) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut handshake = ServerHandshake::new(ServerConfig::default(), vec![0u8; 8192]);
    let mut buf = vec![0u8; 16 * 1024];
    let mut out = vec![0u8; 1024];
    let (mut start, mut end) = (0, 0);
    let mut connection = loop {
        if start == end {
            (start, end) = (0, read_some(&mut stream, &mut buf).await?);
        }
        // The machine's borrow ends before any await: decide, then write.
        let (used, reply, connection) = match handshake.receive(&buf[start..end]) {
            Err(error) => {
                let status = error.status().unwrap_or(StatusCode::BadRequest);
                stream.write_all(error_response(status)).await?;
                return Err(io::Error::new(io::ErrorKind::InvalidData, error));
            }
            Ok(received) => match received.event {
                None => (received.used, 0..0, None),
                Some(Outcome::Request(pending)) => {
                    let request = pending.request();
                    let mut offered = request.protocols().peekable();
                    let any = offered.peek().is_some();
                    let chosen = offered.find(|p| protocols.iter().any(|n| n == p));
                    if any && chosen.is_none() {
                        stream
                            .write_all(pending.reject(StatusCode::BadRequest))
                            .await?;
                        return Err(io::Error::other("no offered subprotocol is served here"));
                    }
                    let accept = Accept::new().with_protocol(chosen);
                    let n = pending.accept(&accept, &mut out).map_err(io::Error::from)?;
                    (received.used, 0..n, None)
                }
                Some(Outcome::Answer(answer)) => {
                    let bytes = answer.as_bytes();
                    out[..bytes.len()].copy_from_slice(bytes);
                    (received.used, 0..bytes.len(), Some(answer.connection()))
                }
                Some(Outcome::OtherVersion(..) | Outcome::NotWebSocket(_)) => {
                    stream
                        .write_all(error_response(StatusCode::BadRequest))
                        .await?;
                    return Err(io::Error::other("not a hixie-76 request"));
                }
            },
        };
        start += used;
        stream.write_all(&out[reply]).await?;
        if let Some(connection) = connection {
            break connection;
        }
    };
    let mut message = String::new();
    loop {
        if start == end {
            (start, end) = (0, read_some(&mut stream, &mut buf).await?);
        }
        let received = connection
            .receive(&buf[start..end])
            .map_err(io::Error::from)?;
        let (used, event) = (received.used, received.event);
        start += used;
        if used == 0 && event.is_none() {
            buf.copy_within(start..end, 0);
            (start, end) = (0, end - start);
            end += read_some(&mut stream, &mut buf[end..]).await?;
            continue;
        }
        if let Some(FrameEvent::Text { chunk, fin }) = event {
            message.push_str(chunk.as_str());
            if fin {
                if let Ok(parts) = connection.send_text_parts(&message) {
                    for part in parts {
                        stream.write_all(part).await?;
                    }
                }
                message.clear();
            }
        }
        let n = connection
            .poll_transmit(&mut out)
            .map_err(io::Error::from)?;
        stream.write_all(&out[..n]).await?;
        if connection.is_closed() {
            return stream.shutdown().await;
        }
    }
}
