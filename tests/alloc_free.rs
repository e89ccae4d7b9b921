//! The handshakes of both roles and both drafts, and the connections they hand over, perform
//! no heap allocation: a counting global allocator wraps the system one, and this binary runs
//! without the test harness so nothing else allocates while the count is read.
//!
//! The shared `support` drivers collect into `Vec`s, so this file keeps its own loops, which
//! write into arrays; it takes only the draft's example bytes from `support`.

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use hixie76::client::{ClientConfig, ClientHandshake, Keys, Url};
use hixie76::connection::Connection;
use hixie76::frame::FrameEvent;
use hixie76::server::{Accept, Outcome, ServerConfig, ServerHandshake};
use support::{V1_ANSWER, V1_KEY1, V1_KEY2, V1_KEY3, V1_REQUEST as V1};

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

/// One whole server handshake on the draft's example request; returns the bytes a server
/// would send.
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
            match received.event {
                Some(Outcome::Request(pending)) => {
                    let choice = pending.request().protocols().next();
                    let accept = Accept::new().with_protocol(choice);
                    written += pending.accept(&accept, &mut out[written..]).unwrap_or(0);
                }
                Some(Outcome::Answer(answer)) => {
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

/// Feeds `bytes` to a server handshake in pieces of `chunk`, accepting with no subprotocol;
/// writes the response into `response` and returns its length and the connection, once
/// answered.
fn serve(
    server: &mut ServerHandshake<[u8; 1024]>,
    bytes: &[u8],
    chunk: usize,
    response: &mut [u8],
) -> Option<(usize, Connection)> {
    let mut written = 0;
    for piece in bytes.chunks(chunk) {
        let mut input = piece;
        loop {
            let received = server.receive(input).ok()?;
            input = &input[received.used..];
            match received.event {
                Some(Outcome::Request(pending)) => {
                    written += pending
                        .accept(&Accept::new(), &mut response[written..])
                        .ok()?;
                }
                Some(Outcome::Answer(answer)) => {
                    let bytes = answer.as_bytes();
                    response[written..written + bytes.len()].copy_from_slice(bytes);
                    return Some((written + bytes.len(), answer.connection()));
                }
                None => break,
                Some(_) => return None,
            }
        }
    }
    None
}

/// A client and a server of one draft (hixie-76 with `keys`, hixie-75 without) in memory,
/// the request and the response fed in pieces of `chunk`, then a text frame from the server
/// read by the client's connection; returns whether all of it went through.
fn pair(chunk: usize, keys: Option<Keys>) -> bool {
    let Ok(url) = Url::parse("ws://example.com/demo") else {
        return false;
    };
    let config = ClientConfig::new(url, "http://example.com");
    let client = match keys {
        Some(keys) => ClientHandshake::new(config, keys, [0u8; 1024]),
        None => ClientHandshake::new_hixie75(config, [0u8; 1024]),
    };
    let Ok(mut client) = client else {
        return false;
    };
    let mut request = [0u8; 256];
    let Ok(n) = client.write_request(&mut request) else {
        return false;
    };
    let config = ServerConfig::new().with_hixie75(keys.is_none());
    let mut server = ServerHandshake::new(config, [0u8; 1024]);
    let mut response = [0u8; 256];
    let Some((written, mut at_server)) = serve(&mut server, &request[..n], chunk, &mut response)
    else {
        return false;
    };
    let Ok(frame) = at_server.send_text("hi", &mut response[written..]) else {
        return false;
    };
    let mut connection = None;
    for piece in response[..written].chunks(chunk) {
        match client.receive(piece) {
            Ok(received) => {
                if let Some(established) = received.event {
                    if established.is_hixie75() != keys.is_none() {
                        return false;
                    }
                    connection = Some(established.connection());
                    break;
                }
            }
            Err(_) => return false,
        }
    }
    let Some(mut connection) = connection else {
        return false;
    };
    matches!(
        connection
            .receive(&response[written..written + frame])
            .map(|received| received.event),
        Ok(Some(FrameEvent::Text { fin: true, .. }))
    )
}

fn main() {
    let mut out = [0u8; 512];
    let mut failures = 0;
    let mut passed = 0;
    let mut report = |name: String, ok: bool, allocations: usize| {
        if ok {
            passed += 1;
        } else {
            failures += 1;
        }
        println!(
            "test {name} ... {} ({allocations} allocations)",
            if ok { "ok" } else { "FAILED" }
        );
    };
    // The count moves when something allocates: a zero below means no allocation.
    let before = ALLOCATIONS.load(Ordering::SeqCst);
    let boxed = std::hint::black_box(Box::new([0u8; 64]));
    let after = ALLOCATIONS.load(Ordering::SeqCst);
    drop(boxed);
    report(
        "the_counter_counts".to_string(),
        after > before,
        after - before,
    );
    for chunk in [V1.len(), 1, 7] {
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        let written = handshake(chunk, &mut out);
        let after = ALLOCATIONS.load(Ordering::SeqCst);
        let ok = after == before && out[..written].ends_with(V1_ANSWER);
        report(
            format!("handshake_in_pieces_of_{chunk}"),
            ok,
            after - before,
        );
    }
    let keys = Keys::new(V1_KEY1, V1_KEY2, V1_KEY3).ok();
    for (draft, keys) in [("hixie75", None), ("hixie76", keys)] {
        if draft == "hixie76" && keys.is_none() {
            report("the draft's keys".to_string(), false, 0);
            continue;
        }
        for chunk in [4096, 1, 7] {
            let before = ALLOCATIONS.load(Ordering::SeqCst);
            let ok = pair(chunk, keys);
            let after = ALLOCATIONS.load(Ordering::SeqCst);
            report(
                format!("{draft}_pair_in_pieces_of_{chunk}"),
                after == before && ok,
                after - before,
            );
        }
    }
    println!("{passed} passed, {failures} failed");
    if failures > 0 || passed != 10 {
        std::process::exit(1);
    }
}
