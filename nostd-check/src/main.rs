//! A bare-metal program that uses hixie76 without std, without an allocator and without
//! unwinding. It is only linked, never run: a library that named std, needed a global
//! allocator or an unwinding personality would fail the link here.
//!
//! `black_box` keeps the optimiser from evaluating the handshake at compile time, so the
//! library's code really is in the binary.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

use hixie76::server::{Accept, Outcome, ServerConfig, ServerHandshake};

/// The draft's own example request (section 1.3), key3 included, then a text frame.
static REQUEST: &[u8] = b"GET /demo HTTP/1.1\r\n\
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
fn server(input: &[u8], storage: &mut [u8], out: &mut [u8]) -> Option<(usize, usize)> {
    let mut handshake = ServerHandshake::new(ServerConfig::new(), storage);
    let mut input = input;
    let mut written = 0;
    let mut used = 0;
    loop {
        let received = handshake.receive(input).ok()?;
        used += received.used;
        input = &input[received.used..];
        match received.outcome {
            Outcome::Partial => return None,
            Outcome::Request(pending) => {
                let choice = pending.request().protocols().next().map(|p| p.choice());
                let accept = Accept::new().protocol(choice).secure(black_box(false));
                written += pending.accept(&accept, &mut out[written..]).ok()?;
            }
            Outcome::Answer(answer) => {
                let bytes = answer.as_bytes();
                out.get_mut(written..written + bytes.len())?
                    .copy_from_slice(bytes);
                return Some((written + bytes.len(), used));
            }
            Outcome::OtherVersion(_) => return None,
            _ => return None,
        }
    }
}

// The client handshake goes here once the client role exists: build a request from a fixed
// URL, origin and key entropy, then feed it the server's `out` and check the answer.
//
// The framing layer goes here once it exists: decode the `\x00hi\xff` left after the
// handshake (`input[used..]`), encode a reply and a close frame into `out`.

/// The entry point the linker keeps. Never returns: there is nothing to return to.
#[no_mangle]
pub extern "C" fn _start() -> ! {
    let mut storage = [0u8; 1024];
    let mut out = [0u8; 512];
    let result = server(black_box(REQUEST), &mut storage, &mut out);
    black_box(&out);
    black_box(result);
    #[allow(clippy::empty_loop)]
    loop {}
}

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    loop {}
}
