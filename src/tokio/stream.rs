//! The async socket: a `Stream` of whole messages and a `Sink` of messages over any
//! `AsyncRead + AsyncWrite + Unpin`.
//!
//! Every poll first writes what the connection queued (the answer to the peer's close, a
//! keep-alive), and hands a message out only once what it queued is written, so a close is
//! always answered before the application sees it. Reads go into a buffer on the stack: an
//! idle connection holds no read buffer at all.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use futures_sink::Sink;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::frame::Keepalive;
use crate::io::{AcceptConfig, Error, Message, Protocol, SocketCore};

/// How much is read from the stream at a time.
const READ_CHUNK: usize = 4096;

/// An open hixie-76 (or hixie-75) connection over an async stream.
///
/// It is a [`Stream`] of `Result<Message, Error>` and a [`Sink`] of [`Message`], so the
/// `futures` combinators (`StreamExt::next`, `SinkExt::send`, `split`, `forward`) work as with
/// tokio-tungstenite; [`read`](Self::read), [`send`](Self::send) and [`close`](Self::close) do
/// the same without them.
///
/// The peer's close comes out as [`Message::Close`] once its answer is written; the stream ends
/// after it. Closing ([`Sink::poll_close`], [`close`](Self::close)) sends `FF 00`; keep reading
/// until the peer's close comes back (for hixie-75, which has no closing handshake, closing
/// shuts the transport down at once). A text message goes to the transport in one write.
///
/// With the `futures` combinators, an echo is one line:
///
/// ```no_run
/// use futures_util::{StreamExt, TryStreamExt};
/// use hixie76::io::Message;
///
/// # async fn echo(socket: hixie76::tokio::WebSocketStream<tokio::net::TcpStream>) -> Result<(), hixie76::io::Error> {
/// let (sink, stream) = socket.split();
/// stream
///     .try_take_while(|message| std::future::ready(Ok(*message != Message::Close)))
///     .forward(sink)
///     .await
/// # }
/// ```
#[derive(Debug)]
pub struct WebSocketStream<S> {
    stream: S,
    core: SocketCore,
    /// A message decoded and waiting for the writes queued before it.
    ready: Option<Message>,
    /// The stream has ended (after the close, or an error).
    ended: bool,
    timers: Timers,
    keepalive_frame: Keepalive,
}

/// An open connection's two clocks: the idle time-out, restarted by every byte from the peer,
/// and the keep-alive, restarted by every byte sent to it. Each costs one boxed timer when
/// configured, nothing otherwise.
#[derive(Debug, Default)]
pub(crate) struct Timers {
    idle: Option<Timer>,
    keepalive: Option<Timer>,
}

#[derive(Debug)]
struct Timer {
    period: Duration,
    sleep: Pin<std::boxed::Box<Sleep>>,
}

impl Timer {
    fn new(period: Duration) -> Self {
        Timer {
            period,
            sleep: std::boxed::Box::pin(tokio::time::sleep(period)),
        }
    }

    fn restart(&mut self) {
        self.sleep.as_mut().reset(Instant::now() + self.period);
    }

    /// Whether the timer ran out; registers for its wake-up otherwise.
    fn poll_expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.sleep.as_mut().poll(cx).is_ready()
    }
}

impl Timers {
    /// The server's clocks, as `config` sets them.
    pub(crate) fn accepted(config: &AcceptConfig) -> Self {
        Timers {
            idle: config.idle_timeout().map(Timer::new),
            keepalive: config.keepalive().map(Timer::new),
        }
    }

    /// Bytes arrived from the peer.
    pub(crate) fn heard(&mut self) {
        if let Some(idle) = &mut self.idle {
            idle.restart();
        }
    }

    /// Bytes went to the peer.
    pub(crate) fn spoke(&mut self) {
        if let Some(keepalive) = &mut self.keepalive {
            keepalive.restart();
        }
    }

    /// Whether the peer was silent for the whole idle time-out.
    pub(crate) fn poll_idle(&mut self, cx: &mut Context<'_>) -> bool {
        self.idle.as_mut().is_some_and(|idle| idle.poll_expired(cx))
    }

    /// Whether a keep-alive is due (the timer restarts for the next one).
    pub(crate) fn poll_keepalive(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(keepalive) = &mut self.keepalive else {
            return false;
        };
        if !keepalive.poll_expired(cx) {
            return false;
        }
        keepalive.restart();
        // Registers the restarted timer's wake-up.
        let _ = keepalive.poll_expired(cx);
        true
    }
}

impl<S> WebSocketStream<S> {
    pub(crate) fn new(
        stream: S,
        core: SocketCore,
        timers: Timers,
        keepalive_frame: Keepalive,
    ) -> Self {
        WebSocketStream {
            stream,
            core,
            ready: None,
            ended: false,
            timers,
            keepalive_frame,
        }
    }

    /// The protocol spoken: [`Protocol::Hixie76`] or [`Protocol::Hixie75`].
    #[must_use]
    pub fn protocol(&self) -> Protocol {
        if self.core.connection().is_hixie75() {
            Protocol::Hixie75
        } else {
            Protocol::Hixie76
        }
    }

    /// The subprotocol agreed on, if any.
    #[must_use]
    pub fn subprotocol(&self) -> Option<&str> {
        self.core.protocol()
    }

    /// Whether the connection is over: both closes exchanged (or a hixie-75 close sent) and
    /// written.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.core.is_finished()
    }

    /// The stream.
    pub fn get_ref(&self) -> &S {
        &self.stream
    }

    /// The stream. Reading from or writing to it directly breaks the framing.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    /// The stream; unread bytes and the connection's state are dropped.
    pub fn into_inner(self) -> S {
        self.stream
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> WebSocketStream<S> {
    /// The next message, or `None` once the connection is over.
    ///
    /// # Errors
    ///
    /// As the [`Stream`]'s items: [`Error::Protocol`] for frames that break the draft or the
    /// message limit, [`Error::Io`] when the transport fails or ends outside the closing
    /// handshake, [`Error::IdleTimeout`].
    pub async fn read(&mut self) -> Option<Result<Message, Error>> {
        core::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Sends `message` and writes it out.
    ///
    /// # Errors
    ///
    /// [`Error::BinaryNotSupported`] for [`Message::Binary`], [`Error::ConnectionClosed`] once a
    /// close was sent or received, [`Error::Io`] when the transport fails.
    pub async fn send(&mut self, message: Message) -> Result<(), Error> {
        self.core.queue(&message)?;
        core::future::poll_fn(|cx| self.poll_write_out(cx)).await
    }

    /// Starts the closing handshake and writes it out (for hixie-75: shuts the transport
    /// down).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the transport fails.
    pub async fn close(&mut self) -> Result<(), Error> {
        core::future::poll_fn(|cx| Pin::new(&mut *self).poll_close(cx)).await
    }

    /// Writes what the connection queued. `Ready(Ok)` once nothing is left.
    fn poll_write_out(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let mut wrote = false;
        while !self.core.to_write().is_empty() {
            match Pin::new(&mut self.stream).poll_write(cx, self.core.to_write()) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(Error::Io(std::io::ErrorKind::WriteZero.into())))
                }
                Poll::Ready(Ok(n)) => {
                    self.core.wrote(n);
                    wrote = true;
                }
                Poll::Ready(Err(error)) => return Poll::Ready(Err(error.into())),
                Poll::Pending => return Poll::Pending,
            }
        }
        if wrote {
            self.timers.spoke();
            return Pin::new(&mut self.stream)
                .poll_flush(cx)
                .map_err(Error::from);
        }
        Poll::Ready(Ok(()))
    }

    /// Hands out `message` once what was queued before it is written; after the peer's close,
    /// shuts the transport down if both closes are done.
    fn poll_deliver(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, Error>>> {
        if let Err(error) = core::task::ready!(self.poll_write_out(cx)) {
            return self.fail(error);
        }
        let Some(message) = self.ready.take() else {
            return Poll::Ready(None);
        };
        if message == Message::Close {
            self.ended = true;
            if self.core.is_finished() {
                // The closing handshake is over: the transport goes (errors do not matter now).
                let _ = Pin::new(&mut self.stream).poll_shutdown(cx);
            }
        }
        Poll::Ready(Some(Ok(message)))
    }

    fn fail(&mut self, error: Error) -> Poll<Option<Result<Message, Error>>> {
        self.ended = true;
        Poll::Ready(Some(Err(error)))
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for WebSocketStream<S> {
    type Item = Result<Message, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ready.is_some() {
            return this.poll_deliver(cx);
        }
        if this.ended {
            return Poll::Ready(None);
        }
        // The answer to a close, or a message sent without a flush: out before anything else.
        if let Poll::Ready(Err(error)) = this.poll_write_out(cx) {
            return this.fail(error);
        }
        match this.core.poll_unread() {
            Ok(Some(message)) => {
                this.ready = Some(message);
                return this.poll_deliver(cx);
            }
            Ok(None) => {}
            Err(error) => return this.fail(error),
        }
        if this.core.is_read_closed() {
            this.ended = true;
            return Poll::Ready(None);
        }
        loop {
            let mut buf = [0u8; READ_CHUNK];
            let mut read = ReadBuf::new(&mut buf);
            match Pin::new(&mut this.stream).poll_read(cx, &mut read) {
                Poll::Pending => {
                    if this.timers.poll_idle(cx) {
                        return this.fail(Error::IdleTimeout);
                    }
                    if this.timers.poll_keepalive(cx) {
                        this.core.queue_keepalive(this.keepalive_frame);
                        if let Poll::Ready(Err(error)) = this.poll_write_out(cx) {
                            return this.fail(error);
                        }
                    }
                    return Poll::Pending;
                }
                Poll::Ready(Err(error)) => return this.fail(error.into()),
                Poll::Ready(Ok(())) => {}
            }
            this.timers.heard();
            let received = match read.filled() {
                [] => this.core.end_of_input().map(Some),
                bytes => this.core.receive(bytes),
            };
            match received {
                Ok(Some(message)) => {
                    this.ready = Some(message);
                    return this.poll_deliver(cx);
                }
                Ok(None) => {
                    if let Poll::Ready(Err(error)) = this.poll_write_out(cx) {
                        return this.fail(error);
                    }
                }
                Err(error) => return this.fail(error),
            }
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Sink<Message> for WebSocketStream<S> {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        // One message's frame waits at most: a slow peer holds the sender back.
        self.get_mut().poll_write_out(cx)
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), Error> {
        self.get_mut().core.queue(&message)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.get_mut().poll_write_out(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        let this = self.get_mut();
        this.core.queue_close()?;
        core::task::ready!(this.poll_write_out(cx))?;
        if this.core.is_finished() {
            // hixie-75 (no closing handshake) or both closes done: the transport goes too.
            return Pin::new(&mut this.stream)
                .poll_shutdown(cx)
                .map_err(Error::from);
        }
        Poll::Ready(Ok(()))
    }
}
