//! What the adapter tests share: the draft's example handshake, a stream that records every
//! write, raw loopback peers, and a splitter for the frames in a byte stream.
//!
//! Every socket is on 127.0.0.1 with a port the system picks. Blocking reads get a generous
//! read time-out so a broken adapter fails a test instead of hanging it; no test reads a clock.

#![allow(dead_code)] // each test file uses its own part of it

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hixie76::client::Keys;

/// How long a blocking read may wait before the test fails instead of hanging.
pub const GUARD: Duration = Duration::from_secs(20);

/// The origin every client sends.
pub const ORIGIN: &str = "http://example.com";

/// The draft's example request (draft-hixie-thewebsocketprotocol-76, section 1.3), head only.
pub const DRAFT_HEAD: &[u8] = b"GET /demo HTTP/1.1\r\n\
Host: example.com\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n\
Sec-WebSocket-Protocol: sample\r\n\
Upgrade: WebSocket\r\n\
Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
Origin: http://example.com\r\n\
\r\n";

/// The draft's example key3.
pub const DRAFT_KEY3: [u8; 8] = *b"^n:ds[4U";

/// The draft's example answer to that request.
pub const DRAFT_ANSWER: &[u8] = b"8jKS'y:G*Co,Wxa-";

/// The draft's example request: head and key3.
pub fn draft_request() -> Vec<u8> {
    [DRAFT_HEAD, &DRAFT_KEY3[..]].concat()
}

/// The draft's keys, for a client that must send exactly the draft's request.
pub fn draft_keys() -> Keys {
    Keys::new("4 @1  46546xW%0l 1 5", "12998 5 Y3 1  .P00", DRAFT_KEY3).expect("the draft's keys")
}

/// The response a server gives the draft's request when it agrees on `sample`, answer included.
pub fn draft_response() -> Vec<u8> {
    [
        &b"HTTP/1.1 101 WebSocket Protocol Handshake\r\n\
Upgrade: WebSocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Origin: http://example.com\r\n\
Sec-WebSocket-Location: ws://example.com/demo\r\n\
Sec-WebSocket-Protocol: sample\r\n\
\r\n"[..],
        DRAFT_ANSWER,
    ]
    .concat()
}

/// A text frame: `00`, the UTF-8 bytes, `FF`.
pub fn text_frame(text: &str) -> Vec<u8> {
    [&[0x00][..], text.as_bytes(), &[0xFF]].concat()
}

/// A listener on 127.0.0.1 with a port the system picked.
pub fn listen() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address").to_string();
    (listener, addr)
}

/// A client stream to `addr`, with the guard read time-out.
pub fn dial(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    guard(&stream);
    stream
}

/// Sets the guard read and write time-outs on `stream`.
pub fn guard(stream: &TcpStream) {
    stream.set_read_timeout(Some(GUARD)).expect("read time-out");
    stream
        .set_write_timeout(Some(GUARD))
        .expect("write time-out");
}

/// The next accepted stream of `listener`, with the guard time-outs.
pub fn accept_one(listener: &TcpListener) -> TcpStream {
    let (stream, _) = listener.accept().expect("accept");
    guard(&stream);
    stream
}

/// `ws://ADDR/PATH`.
pub fn ws_url(addr: &str, path: &str) -> String {
    format!("ws://{addr}{path}")
}

/// Reads until the peer ends the stream; everything it sent. A reset after the data counts as
/// the end too (some stacks reset a connection closed with bytes unread).
pub fn read_until_end(stream: &mut impl Read) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) if error.kind() == io::ErrorKind::ConnectionReset => return all,
            Err(error) => panic!("read failed after {} bytes: {error}", all.len()),
        }
    }
}

/// Reads exactly `n` bytes.
pub fn read_exactly(stream: &mut impl Read, n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    stream.read_exact(&mut bytes).expect("read_exact");
    bytes
}

/// Reads a response head, through its blank line, a byte at a time (so nothing after it is
/// taken).
pub fn read_head(stream: &mut impl Read) -> Vec<u8> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(0) => panic!(
                "stream ended inside a head: {:?}",
                String::from_utf8_lossy(&head)
            ),
            Ok(_) => head.push(byte[0]),
            Err(error) => panic!("read failed inside a head: {error}"),
        }
    }
    head
}

/// The first line of a head, without its CRLF.
pub fn status_line(head: &[u8]) -> String {
    let text = String::from_utf8_lossy(head);
    text.split("\r\n").next().unwrap_or_default().to_string()
}

/// Every write call a stream saw, in order.
#[derive(Debug, Clone, Default)]
pub struct Writes(Arc<Mutex<Vec<Vec<u8>>>>);

impl Writes {
    /// A copy of the writes so far.
    pub fn all(&self) -> Vec<Vec<u8>> {
        self.0.lock().expect("writes").clone()
    }

    /// Records one write call's bytes.
    pub fn record(&self, bytes: &[u8]) {
        self.0.lock().expect("writes").push(bytes.to_vec());
    }
}

/// A `Read + Write` stream that records the bytes of every `write` call. Each call is passed
/// on whole (`write_all` below it), so what is recorded is exactly what the adapter asked
/// for in one call, whatever the transport under it does with it.
#[derive(Debug)]
pub struct Recording<S> {
    inner: S,
    writes: Writes,
}

impl<S> Recording<S> {
    pub fn new(inner: S) -> (Self, Writes) {
        let writes = Writes::default();
        (
            Recording {
                inner,
                writes: writes.clone(),
            },
            writes,
        )
    }

    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S: Read> Read for Recording<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf)
    }
}

impl<S: Write> Write for Recording<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write_all(buf)?;
        self.writes.record(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The spans `[start, end)` of the sentinel frames (`00 … FF`) and close frames (`FF 00`) in
/// `bytes`, which must be whole frames, one after another.
pub fn frame_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let end = match bytes[at] {
            0x00 => {
                let trailer = bytes[at..]
                    .iter()
                    .position(|&b| b == 0xFF)
                    .unwrap_or_else(|| panic!("a text frame at {at} has no FF"));
                at + trailer + 1
            }
            0xFF => {
                assert_eq!(bytes.get(at + 1), Some(&0x00), "a close frame at {at}");
                at + 2
            }
            other => panic!("byte {other:#04x} at {at} starts no frame"),
        };
        spans.push((at, end));
        at = end;
    }
    spans
}

/// Checks that every frame in the writes after the first `skip` bytes (the handshake) lies
/// inside one write; returns how many frames there were.
pub fn assert_frames_in_one_write(writes: &[Vec<u8>], skip: usize) -> usize {
    let mut bounds = Vec::new();
    let mut offset = 0;
    for write in writes {
        bounds.push((offset, offset + write.len()));
        offset += write.len();
    }
    let all: Vec<u8> = writes.concat();
    assert!(all.len() >= skip, "fewer bytes written than the handshake");
    let spans = frame_spans(&all[skip..]);
    for &(start, end) in &spans {
        let (start, end) = (start + skip, end + skip);
        assert!(
            bounds.iter().any(|&(s, e)| s <= start && end <= e),
            "the frame at bytes {start}..{end} was split over writes {:?}",
            bounds
                .iter()
                .filter(|&&(s, e)| s < end && start < e)
                .collect::<Vec<_>>()
        );
    }
    spans.len()
}
