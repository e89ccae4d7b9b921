//! What the bare-metal programs run: each role of hixie76 driven over the draft's example
//! bytes, without std, without an allocator and without unwinding. The programs (`main.rs`
//! with every role, `bin/hixie76-nostd-server.rs` with the server role and framing only) are
//! only linked, never run: a library that named std, needed a global allocator or an unwinding
//! personality would fail the link there, and what each program does not call is not linked.
//!
//! `black_box` keeps the optimiser from evaluating any of it at compile time, so the library's
//! code really is in the binaries.
#![no_std]

use core::hint::black_box;
use core::panic::PanicInfo;

use hixie76::client::{ClientConfig, ClientHandshake, Keys, Url};
use hixie76::connection::Connection;
use hixie76::frame::{encode_close, encode_text, Decoder, FrameConfig, FrameEvent};
use hixie76::server::{Accept, Outcome, ServerConfig, ServerHandshake};

/// The draft's own example request (section 1.3), key3 included, then a text frame.
pub static REQUEST: &[u8] = b"GET /demo HTTP/1.1\r\n\
Host: example.com\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\n\
Sec-WebSocket-Protocol: sample\r\n\
Upgrade: WebSocket\r\n\
Sec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
Origin: http://example.com\r\n\
\r\n\
^n:ds[4U\x00hi\xff";

/// Runs the server handshake over `input`, writing the 101 head and the 16-byte answer into
/// `out`. Returns the bytes written and the bytes of `input` used, or `None` on any error.
pub fn server(input: &[u8], storage: &mut [u8], out: &mut [u8]) -> Option<(usize, usize)> {
    let mut handshake = ServerHandshake::new(ServerConfig::new(), storage);
    let mut input = input;
    let mut written = 0;
    let mut used = 0;
    loop {
        let received = handshake.receive(input).ok()?;
        used += received.used;
        input = &input[received.used..];
        match received.event {
            None => return None,
            Some(Outcome::Request(pending)) => {
                let choice = pending.request().protocols().next();
                let accept = Accept::new()
                    .with_protocol(choice)
                    .with_secure(black_box(false));
                written += pending.accept(&accept, &mut out[written..]).ok()?;
            }
            Some(Outcome::Answer(answer)) => {
                let bytes = answer.as_bytes();
                out.get_mut(written..written + bytes.len())?
                    .copy_from_slice(bytes);
                return Some((written + bytes.len(), used));
            }
            Some(Outcome::OtherVersion(..) | Outcome::NotWebSocket(_)) => return None,
        }
    }
}

/// The draft's example response (section 1.3) to the client below, answer included, then a
/// text frame, a discarded length-prefixed frame and the close.
pub static RESPONSE: &[u8] = b"HTTP/1.1 101 WebSocket Protocol Handshake\r\n\
Upgrade: WebSocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Origin: http://example.com\r\n\
Sec-WebSocket-Location: ws://example.com/demo\r\n\
Sec-WebSocket-Protocol: sample\r\n\
\r\n\
8jKS'y:G*Co,Wxa-\x00hi\xff\x80\x02ab\xff\x00";

/// Runs the client handshake with the draft's fixed keys: writes the request into `out`, then
/// verifies `response`. Returns the request's length and the bytes of `response` used, or
/// `None` on any error.
pub fn client(response: &[u8], storage: &mut [u8], out: &mut [u8]) -> Option<(usize, usize)> {
    let url = Url::parse(black_box("ws://example.com/demo")).ok()?;
    let config =
        ClientConfig::new(url, black_box("http://example.com")).with_protocols(&["sample"]);
    let keys = Keys::new(
        black_box("4 @1  46546xW%0l 1 5"),
        black_box("12998 5 Y3 1  .P00"),
        black_box(*b"^n:ds[4U"),
    )
    .ok()?;
    let mut handshake = ClientHandshake::new(config, keys, storage).ok()?;
    let written = handshake.write_request(out).ok()?;
    // The whole response is here: anything but `Established` is a failure.
    let received = handshake.receive(response).ok()?;
    black_box(received.event?.protocol());
    Some((written, received.used))
}

/// Decodes the frames in `input` with a [`Decoder`], counting text bytes, discards and closes,
/// then writes a text frame and a close into `out`. Returns the counts and the bytes written.
pub fn frames(input: &[u8], out: &mut [u8]) -> Option<([usize; 3], usize)> {
    let mut decoder = Decoder::new(FrameConfig::new().with_max_message(black_box(4096)));
    let mut counts = [0usize; 3];
    let mut input = input;
    loop {
        let received = decoder.receive(input).ok()?;
        input = &input[received.used..];
        match received.event {
            Some(FrameEvent::Text { chunk, .. }) => counts[0] += chunk.len(),
            Some(FrameEvent::Discarded) => counts[1] += 1,
            Some(FrameEvent::Close) => counts[2] += 1,
            None => break,
        }
    }
    let mut written = encode_text(black_box("héllo"), out).ok()?;
    written += encode_close(out.get_mut(written..)?).ok()?;
    Some((counts, written))
}

/// Both ends of a closing handshake through [`Connection`]: we send a text and close, the
/// peer's text and close come back in `input`. Returns the bytes written and whether the
/// connection ended.
pub fn closing(input: &[u8], out: &mut [u8]) -> Option<(usize, bool)> {
    let mut connection = Connection::default();
    let mut written = connection.send_text(black_box("bye"), out).ok()?;
    written += connection.close(out.get_mut(written..)?).ok()?;
    let mut input = input;
    while !input.is_empty() {
        let received = connection.receive(input).ok()?;
        input = &input[received.used..];
        if received.event.is_none() {
            break;
        }
    }
    written += connection.poll_transmit(out.get_mut(written..)?).ok()?;
    Some((written, connection.is_closed()))
}

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {}
}
