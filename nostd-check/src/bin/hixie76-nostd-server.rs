//! The server-only bare-metal program: what a panel that serves an old kiosk browser links.
//! The server handshake over the draft's example request, then the frames that follow it
//! through a `Decoder`, `encode_text` and `encode_close`, and a `Connection`'s closing
//! handshake. No client code is called, so none is linked. Only linked, never run (see the
//! library's documentation).
#![no_std]
#![no_main]

use core::hint::black_box;

use hixie76_nostd_check::{closing, frames, server, REQUEST};

/// The entry point the linker keeps. Never returns: there is nothing to return to.
#[no_mangle]
pub extern "C" fn _start() -> ! {
    let mut storage = [0u8; 1024];
    let mut out = [0u8; 512];
    let request = black_box(REQUEST);
    let result = server(request, &mut storage, &mut out);
    black_box(&out);
    black_box(result);

    // The frame that follows key3 in the request.
    let used = result.map_or(0, |(_, used)| used);
    let result = frames(request.get(used..).unwrap_or_default(), &mut out);
    black_box(&out);
    black_box(result);

    let result = closing(black_box(b"\x00ok\xff\xff\x00"), &mut out);
    black_box(&out);
    black_box(result);
    #[allow(clippy::empty_loop)]
    loop {}
}
