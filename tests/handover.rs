//! Bytes read ahead of the next layer reach it: `Prefixed` at every read size, blocking and
//! async, and the PROXY header readers, which hand on exactly what followed the header. Also
//! the client adapters' own keys, which must come from the operating system's entropy.

use std::io::{Cursor, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use hixie76::io::{ConnectConfig, Error, Prefixed};
use hixie76::proxy::{ProxyConfig, ProxyHeader};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The PROXY protocol specification's v1 example (section 2.1) and the request after it.
const HEADER: &[u8] = b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
const REQUEST: &[u8] = b"GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n";

fn proxied() -> ProxyHeader {
    ProxyHeader::Proxied {
        source: "192.168.0.1:56324".parse().expect("address"),
        destination: "192.168.0.11:443".parse().expect("address"),
    }
}

fn header_then_request() -> Vec<u8> {
    [HEADER, REQUEST].concat()
}

/// A stream that gives at most `step` bytes a read and has every other read interrupted (a
/// signal arriving), blocking or async.
#[derive(Debug)]
struct Trickle {
    input: Cursor<Vec<u8>>,
    step: usize,
    interrupt: bool,
}

impl Trickle {
    fn new(input: Vec<u8>, step: usize) -> Self {
        Trickle {
            input: Cursor::new(input),
            step,
            interrupt: false,
        }
    }
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.interrupt = !self.interrupt;
        if self.interrupt {
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = buf.len().min(self.step);
        self.input.read(&mut buf[..n])
    }
}

impl AsyncRead for Trickle {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let n = buf.remaining().min(this.step);
        let read = this.input.read(buf.initialize_unfilled_to(n))?;
        buf.advance(read);
        Poll::Ready(Ok(()))
    }
}

/// Reads `stream` to its end, `size` bytes a read at most, in a bounded number of reads.
fn read_all(stream: &mut impl Read, size: usize) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = vec![0; size];
    for _ in 0..200 {
        match stream.read(&mut buf) {
            Ok(0) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => panic!("{error}"),
        }
    }
    panic!("no end after 200 reads: {all:?}");
}

async fn read_all_async(stream: &mut (impl AsyncRead + Unpin), size: usize) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = vec![0; size];
    for _ in 0..200 {
        match tokio::io::AsyncReadExt::read(stream, &mut buf)
            .await
            .expect("read")
        {
            0 => return all,
            n => all.extend_from_slice(&buf[..n]),
        }
    }
    panic!("no end after 200 reads: {all:?}");
}

#[test]
fn prefixed_reads_the_prefix_then_the_stream_at_every_read_size() {
    for size in 1..=10 {
        let mut stream = Prefixed::new(b"abcde".to_vec(), Cursor::new(b"fgh".to_vec()));
        assert_eq!(read_all(&mut stream, size), b"abcdefgh", "{size} a read");
        let (rest, inner) = stream.into_parts();
        assert!(rest.is_empty());
        // Once read, the prefix's memory is not kept for the rest of the connection.
        assert_eq!(rest.capacity(), 0, "{size} a read");
        assert_eq!(inner.position(), 3);
    }
}

#[test]
fn prefixed_gives_back_what_is_left_of_the_prefix() {
    let mut stream = Prefixed::new(b"abcde".to_vec(), Cursor::new(b"fgh".to_vec()));
    let mut two = [0; 2];
    stream.read_exact(&mut two).expect("read");
    assert_eq!(&two, b"ab");
    assert_eq!(stream.get_ref().position(), 0, "the stream is not read yet");
    stream.get_mut().set_position(1);
    let (rest, inner) = stream.into_parts();
    assert_eq!(rest, b"cde");
    assert_eq!(inner.position(), 1);
}

/// Counts the flushes and shutdowns it is asked for, and keeps what is written.
#[derive(Debug, Default)]
struct Sink {
    written: Vec<u8>,
    flushes: usize,
    shutdowns: usize,
}

impl Write for Sink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.written.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.flushes += 1;
        Ok(())
    }
}

impl AsyncWrite for Sink {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Poll::Ready(self.get_mut().write(bytes))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(self.get_mut().flush())
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.get_mut().shutdowns += 1;
        Poll::Ready(Ok(()))
    }
}

#[test]
fn prefixed_writes_and_flushes_go_to_the_stream() {
    let mut stream = Prefixed::new(b"unread".to_vec(), Sink::default());
    stream.write_all(b"written").expect("write");
    stream.flush().expect("flush");
    let (rest, sink) = stream.into_parts();
    assert_eq!(rest, b"unread");
    assert_eq!(sink.written, b"written");
    assert_eq!(sink.flushes, 1);
}

#[tokio::test]
async fn async_prefixed_reads_writes_flushes_and_shuts_down_through() {
    for size in 1..=10 {
        let mut stream = Prefixed::new(b"abcde".to_vec(), &b"fgh"[..]);
        assert_eq!(
            read_all_async(&mut stream, size).await,
            b"abcdefgh",
            "{size} a read"
        );
        assert_eq!(stream.into_parts().0.capacity(), 0);
    }
    let mut stream = Prefixed::new(b"unread".to_vec(), Sink::default());
    use tokio::io::AsyncWriteExt;
    AsyncWriteExt::write_all(&mut stream, b"written")
        .await
        .expect("write");
    AsyncWriteExt::flush(&mut stream).await.expect("flush");
    AsyncWriteExt::shutdown(&mut stream)
        .await
        .expect("shutdown");
    let sink = stream.get_ref();
    assert_eq!(
        (&sink.written[..], sink.flushes, sink.shutdowns),
        (&b"written"[..], 1, 1)
    );
}

#[test]
fn the_blocking_proxy_reader_hands_on_exactly_what_followed_the_header() {
    for step in 1..=HEADER.len() + 3 {
        let stream = Trickle::new(header_then_request(), step);
        let (header, mut rest) = hixie76::blocking::read_proxy_header(stream, ProxyConfig::new())
            .unwrap_or_else(|error| panic!("{step} a read: {error}"));
        assert_eq!(header, proxied(), "{step} a read");
        assert_eq!(read_all(&mut rest, 64), REQUEST, "{step} a read");
    }
}

#[tokio::test]
async fn the_async_proxy_reader_hands_on_exactly_what_followed_the_header() {
    for step in 1..=HEADER.len() + 3 {
        let stream = Trickle::new(header_then_request(), step);
        let (header, mut rest) = hixie76::tokio::read_proxy_header(stream, ProxyConfig::new())
            .await
            .unwrap_or_else(|error| panic!("{step} a read: {error}"));
        assert_eq!(header, proxied(), "{step} a read");
        assert_eq!(
            read_all_async(&mut rest, 64).await,
            REQUEST,
            "{step} a read"
        );
    }
}

fn assert_eof(result: Result<impl std::fmt::Debug, Error>) {
    match result {
        Err(Error::Io(error)) => assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof),
        other => panic!("{other:?}"),
    }
}

fn assert_bad_header(result: Result<impl std::fmt::Debug, Error>) {
    assert!(
        matches!(result, Err(Error::Protocol(hixie76::Error::BadProxyHeader))),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_proxy_readers_refuse_a_cut_header_and_a_missing_one() {
    let cut = HEADER[..HEADER.len() - 1].to_vec();
    assert_eof(hixie76::blocking::read_proxy_header(
        Trickle::new(cut.clone(), 4),
        ProxyConfig::new(),
    ));
    assert_eof(hixie76::tokio::read_proxy_header(Trickle::new(cut, 4), ProxyConfig::new()).await);
    assert_eof(hixie76::blocking::read_proxy_header(
        Trickle::new(Vec::new(), 4),
        ProxyConfig::new(),
    ));
    // A request without the header: the peer is not the proxy.
    assert_bad_header(hixie76::blocking::read_proxy_header(
        Trickle::new(REQUEST.to_vec(), 64),
        ProxyConfig::new(),
    ));
    assert_bad_header(
        hixie76::tokio::read_proxy_header(Trickle::new(REQUEST.to_vec(), 64), ProxyConfig::new())
            .await,
    );
}

/// Keeps what the client writes; every read is the end of the stream.
struct Capture<'a>(&'a mut Vec<u8>);

impl Read for Capture<'_> {
    fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
        Ok(0)
    }
}

impl Write for Capture<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The request a client adapter sends when no keys are given: its two key fields and key3.
fn keys_sent() -> (Vec<u8>, Vec<u8>) {
    let mut request = Vec::new();
    let config = ConnectConfig::new("http://example.com");
    let result = hixie76::blocking::connect(Capture(&mut request), "ws://example.com/", &config);
    assert_eof(result.map(|_| ()));
    let end = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a whole head")
        + 4;
    let head = String::from_utf8(request[..end].to_vec()).expect("ASCII head");
    let fields: Vec<u8> = head
        .lines()
        .filter(|line| line.starts_with("Sec-WebSocket-Key"))
        .flat_map(|line| line.bytes())
        .collect();
    assert_eq!(request.len(), end + 8, "the head and key3");
    (fields, request[end..].to_vec())
}

#[test]
fn the_adapters_keys_come_from_the_operating_system() {
    let (fields, key3) = keys_sent();
    let (other_fields, other_key3) = keys_sent();
    // Two draws of 64 bits or more agree by chance less than once in 2^64.
    assert_ne!(fields, other_fields);
    assert_ne!(key3, other_key3);
}

/// Fails its first read with `kind`, then reads `input`.
struct FailsOnce {
    kind: Option<std::io::ErrorKind>,
    input: Cursor<Vec<u8>>,
}

impl Read for FailsOnce {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.kind.take() {
            Some(kind) => Err(kind.into()),
            None => self.input.read(buf),
        }
    }
}

#[test]
fn only_an_interrupted_read_is_tried_again() {
    for (kind, retried) in [
        (std::io::ErrorKind::Interrupted, true),
        (std::io::ErrorKind::ConnectionReset, false),
        (std::io::ErrorKind::WouldBlock, false),
    ] {
        let stream = FailsOnce {
            kind: Some(kind),
            input: Cursor::new(header_then_request()),
        };
        match hixie76::blocking::read_proxy_header(stream, ProxyConfig::new()) {
            Ok((header, _)) => assert!(retried && header == proxied(), "{kind:?}"),
            Err(Error::Io(error)) => assert!(!retried && error.kind() == kind, "{kind:?}"),
            Err(other) => panic!("{kind:?}: {other}"),
        }
    }
}
