//! A stream with bytes already read in front of it, for handing a connection to another
//! implementation without losing them.

use std::io::{self, Read, Write};
use std::vec::Vec;

/// A stream whose first reads return `prefix`, bytes already read from it (a request head and
/// whatever followed it), and then read from the stream itself. Writes go straight to the
/// stream.
///
/// A one-port server hands RFC 6455 connections to tungstenite wrapped in this, so the
/// request it already read reaches tungstenite's handshake untouched.
///
/// ```
/// use std::io::{Cursor, Read};
/// use hixie76::io::Prefixed;
///
/// let mut stream = Prefixed::new(b"GET ".to_vec(), Cursor::new(b"/ HTTP/1.1".to_vec()));
/// let mut all = String::new();
/// stream.read_to_string(&mut all)?;
/// assert_eq!(all, "GET / HTTP/1.1");
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct Prefixed<S> {
    prefix: Vec<u8>,
    start: usize,
    stream: S,
}

impl<S> Prefixed<S> {
    /// `stream`, with `prefix` to be read first.
    pub fn new(prefix: Vec<u8>, stream: S) -> Self {
        Prefixed {
            prefix,
            start: 0,
            stream,
        }
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The stream. Reading from it directly skips whatever of the prefix is left.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// What is left of the prefix, and the stream.
    pub fn into_parts(mut self) -> (Vec<u8>, S) {
        self.prefix.drain(..self.start);
        (self.prefix, self.stream)
    }

    /// Copies prefix bytes into `buf`; how many (0 once the prefix is used up).
    fn read_prefix(&mut self, buf: &mut [u8]) -> usize {
        let rest = &self.prefix[self.start..];
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.start += n;
        if self.start == self.prefix.len() {
            // Used up: the memory goes back rather than stay with the connection.
            self.prefix = Vec::new();
            self.start = 0;
        }
        n
    }
}

impl<S: Read> Read for Prefixed<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.start < self.prefix.len() {
            return Ok(self.read_prefix(buf));
        }
        self.stream.read(buf)
    }
}

impl<S: Write> Write for Prefixed<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

#[cfg(feature = "tokio")]
mod async_io {
    use core::pin::Pin;
    use core::task::{Context, Poll};
    use std::io;

    use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

    use super::Prefixed;

    impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
        fn poll_read(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            let this = self.get_mut();
            if this.start < this.prefix.len() {
                let n = this.read_prefix(buf.initialize_unfilled());
                buf.advance(n);
                return Poll::Ready(Ok(()));
            }
            Pin::new(&mut this.stream).poll_read(cx, buf)
        }
    }

    impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
        fn poll_write(
            self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
        }

        fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().stream).poll_flush(cx)
        }

        fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
        }
    }
}
