//! A server handshake, and a hixie-75 exchange in both roles, perform no heap allocation: a counting global allocator wraps the
//! system one, and this binary runs without the test harness so nothing else allocates while
//! the count is read.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use hixie76::client::{ClientConfig, ClientHandshake, Outcome as ClientOutcome, Url};
use hixie76::server::{Accept, Outcome, ServerConfig, ServerHandshake};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const V1: &[u8] = b"GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nSec-WebSocket-Protocol: sample\r\n\
Upgrade: WebSocket\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
Origin: http://example.com\r\n\r\n^n:ds[4U";

/// One whole handshake; returns the bytes a server would send.
fn handshake(chunk: usize, out: &mut [u8]) -> usize {
    let mut machine = ServerHandshake::new(ServerConfig::default(), [0u8; 8192]);
    let mut written = 0;
    for piece in V1.chunks(chunk) {
        let mut input = piece;
        while !input.is_empty() {
            let Ok(received) = machine.receive(input) else {
                return 0;
            };
            input = &input[received.used..];
            match received.outcome {
                Outcome::Request(pending) => {
                    let choice = pending.request().protocols().next().map(|p| p.choice());
                    let accept = Accept::new().protocol(choice);
                    written += pending.accept(&accept, &mut out[written..]).unwrap_or(0);
                }
                Outcome::Answer(answer) => {
                    let bytes = answer.as_bytes();
                    out[written..written + bytes.len()].copy_from_slice(bytes);
                    written += bytes.len();
                }
                _ => {}
            }
        }
    }
    written
}

/// A hixie-75 client and server in memory, the request and the response fed in pieces of
/// `chunk`; returns whether the client ended up established.
fn hixie75_pair(chunk: usize) -> bool {
    let Ok(url) = Url::parse("ws://example.com/demo") else {
        return false;
    };
    let config = ClientConfig::new(url, "http://example.com");
    let Ok(mut client) = ClientHandshake::new_hixie75(config, [0u8; 1024]) else {
        return false;
    };
    let mut request = [0u8; 256];
    let Ok(n) = client.write_request(&mut request) else {
        return false;
    };
    let mut server = ServerHandshake::new(ServerConfig::new().with_hixie75(true), [0u8; 1024]);
    let mut response = [0u8; 256];
    let mut written = 0;
    for piece in request[..n].chunks(chunk) {
        let mut input = piece;
        loop {
            let Ok(received) = server.receive(input) else {
                return false;
            };
            input = &input[received.used..];
            match received.outcome {
                Outcome::Request(pending) => {
                    written += pending.accept(&Accept::new(), &mut response).unwrap_or(0);
                }
                Outcome::Partial | Outcome::Answer(_) => break,
                _ => return false,
            }
        }
    }
    for piece in response[..written].chunks(chunk) {
        match client.receive(piece).map(|received| received.outcome) {
            Ok(ClientOutcome::Established(established)) => return established.hixie75,
            Ok(_) => {}
            Err(_) => return false,
        }
    }
    false
}

fn main() {
    let mut out = [0u8; 512];
    let mut failures = 0;
    for chunk in [V1.len(), 1, 7] {
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        let written = handshake(chunk, &mut out);
        let after = ALLOCATIONS.load(Ordering::SeqCst);
        let ok = after == before && out[..written].ends_with(b"8jKS'y:G*Co,Wxa-");
        if !ok {
            failures += 1;
        }
        println!(
            "test handshake_in_pieces_of_{chunk} ... {} ({} allocations)",
            if ok { "ok" } else { "FAILED" },
            after - before
        );
    }
    for chunk in [4096, 1, 7] {
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        let established = hixie75_pair(chunk);
        let after = ALLOCATIONS.load(Ordering::SeqCst);
        let ok = after == before && established;
        if !ok {
            failures += 1;
        }
        println!(
            "test hixie75_pair_in_pieces_of_{chunk} ... {} ({} allocations)",
            if ok { "ok" } else { "FAILED" },
            after - before
        );
    }
    println!("{} passed, {failures} failed", 6 - failures);
    if failures > 0 {
        std::process::exit(1);
    }
}
