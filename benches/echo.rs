//! A loopback echo round trip: the same client, and two tokio servers behind it.
//!
//! - `echo/adapter`: the server is `hixie76::tokio::accept` and `WebSocketStream`'s `read` and
//!   `send`, as an application would write it.
//! - `echo/hand_written`: the server drives the sans-IO core itself (`ServerHandshake`,
//!   `Connection`, its own buffers), the loop every application wrote before the adapter.
//!
//! Each iteration sends one 64-byte text message and waits for its echo. The adapter should
//! cost nothing that matters next to the hand-written loop. Run: `cargo bench --bench echo`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use hixie76::frame::FrameEvent;
use hixie76::io::Message;
use hixie76::server::{Accept, Outcome, ServerConfig, ServerHandshake};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream as AsyncTcpStream};

/// The draft's example request, key3 included.
const REQUEST: &[u8] = b"GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nSec-WebSocket-Protocol: sample\r\n\
Upgrade: WebSocket\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
Origin: http://example.com\r\n\r\n^n:ds[4U";

/// Starts a server on a runtime of its own; returns its address.
fn start(adapter: bool) -> SocketAddr {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            sender
                .send(listener.local_addr().expect("address"))
                .expect("send");
            loop {
                let (stream, _) = listener.accept().await.expect("accept");
                stream.set_nodelay(true).expect("nodelay");
                tokio::spawn(async move {
                    if adapter {
                        adapter_server(stream).await;
                    } else {
                        hand_written_server(stream).await;
                    }
                });
            }
        });
    });
    receiver.recv().expect("address")
}

async fn adapter_server(stream: AsyncTcpStream) {
    let Ok(hixie76::tokio::Accepted::WebSocket(mut socket)) = hixie76::tokio::accept(stream).await
    else {
        return;
    };
    while let Some(Ok(Message::Text(text))) = socket.read().await {
        if socket.send(Message::Text(text)).await.is_err() {
            return;
        }
    }
}

async fn hand_written_server(mut stream: AsyncTcpStream) {
    let mut handshake = ServerHandshake::new(ServerConfig::new(), vec![0u8; 8192]);
    let mut buf = vec![0u8; 4096];
    let mut out = vec![0u8; 512];
    let (mut start, mut end) = (0, 0);
    let mut connection = loop {
        if start == end {
            start = 0;
            end = match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
        }
        let Ok(received) = handshake.receive(&buf[start..end]) else {
            return;
        };
        start += received.used;
        let (reply, connection) = match received.event {
            None => (0, None),
            Some(Outcome::Request(pending)) => {
                let protocol = pending.request().protocols().next();
                let accept = Accept::new().with_protocol(protocol);
                match pending.accept(&accept, &mut out) {
                    Ok(n) => (n, None),
                    Err(_) => return,
                }
            }
            Some(Outcome::Answer(answer)) => {
                let bytes = answer.as_bytes();
                out[..bytes.len()].copy_from_slice(bytes);
                (bytes.len(), Some(answer.connection()))
            }
            Some(Outcome::OtherVersion(..) | Outcome::NotWebSocket(_)) => return,
        };
        if stream.write_all(&out[..reply]).await.is_err() {
            return;
        }
        if let Some(connection) = connection {
            break connection;
        }
    };
    let mut message = String::new();
    let mut frame = Vec::new();
    loop {
        if start == end {
            start = 0;
            end = match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
        }
        let Ok(received) = connection.receive(&buf[start..end]) else {
            return;
        };
        start += received.used;
        if let Some(FrameEvent::Text { chunk, fin }) = received.event {
            message.push_str(&chunk);
            if fin {
                let Ok(parts) = connection.send_text_parts(&message) else {
                    return;
                };
                frame.clear();
                parts.iter().for_each(|part| frame.extend_from_slice(part));
                if stream.write_all(&frame).await.is_err() {
                    return;
                }
                message.clear();
            }
        }
    }
}

/// A client that has completed the handshake, ready to send frames.
fn client(address: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    stream.write_all(REQUEST).expect("request");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n8jKS'y:G*Co,Wxa-") {
        stream.read_exact(&mut byte).expect("response");
        head.push(byte[0]);
    }
    stream
}

/// Sends `frame` and reads until its echo is back.
fn round_trip(stream: &mut TcpStream, frame: &[u8], buf: &mut [u8]) {
    stream.write_all(frame).expect("write");
    let mut got = 0;
    while got < frame.len() {
        got += stream.read(&mut buf[got..]).expect("read");
    }
    assert_eq!(&buf[..got], frame);
}

fn benches(c: &mut Criterion) {
    let mut frame = vec![0x00];
    frame.extend_from_slice(&[b'x'; 64]);
    frame.push(0xFF);
    let mut buf = vec![0u8; 4096];
    let mut group = c.benchmark_group("echo");
    for (name, adapter) in [("adapter", true), ("hand_written", false)] {
        let mut stream = client(start(adapter));
        group.bench_function(name, |b| {
            b.iter(|| round_trip(&mut stream, &frame, &mut buf))
        });
    }
    group.finish();
}

criterion_group!(echo, benches);
criterion_main!(echo);
