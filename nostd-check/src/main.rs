//! The all-roles bare-metal program: the server handshake, the client handshake, the frame
//! decoder and encoder, and a connection's closing handshake, linked with hixie76 without std,
//! an allocator or unwinding. Only linked, never run (see the library's documentation).
#![no_std]
#![no_main]

use core::hint::black_box;

use hixie76_nostd_check::{client, closing, frames, server, REQUEST, RESPONSE};

/// The entry point the linker keeps. Never returns: there is nothing to return to.
#[no_mangle]
pub extern "C" fn _start() -> ! {
    let mut storage = [0u8; 1024];
    let mut out = [0u8; 512];
    let result = server(black_box(REQUEST), &mut storage, &mut out);
    black_box(&out);
    black_box(result);

    let mut request = [0u8; 512];
    let response = black_box(RESPONSE);
    let result = client(response, &mut storage, &mut request);
    black_box(&request);
    black_box(result);

    // The frames left after the handshake's answer.
    let used = result.map_or(0, |(_, used)| used);
    let result = frames(response.get(used..).unwrap_or_default(), &mut out);
    black_box(&out);
    black_box(result);

    let result = closing(black_box(b"\x00ok\xff\xff\x00"), &mut out);
    black_box(&out);
    black_box(result);
    #[allow(clippy::empty_loop)]
    loop {}
}
