//! Server handshake cost.
//!
//! - `server/v1_whole`: the draft's example request fed in one piece, accepted, answered.
//! - `floor/httparse_md5_head`: the least any server must do for the same request: parse it
//!   with `httparse`, one MD5 of 16 bytes, and write a 101 head of the same size.
//! - `bytewise/4KiB` and `bytewise/16KiB`: heads of that size (limits raised) fed one byte per
//!   call; the per-byte cost must stay flat as the head grows.
//!
//! Run: `cargo bench --bench handshake`.
//!
//! Instruction counts, which a shared machine's load does not disturb as it does times: with
//! `HIXIE76_BENCH_COUNT=N` in its environment the benchmark executable (the path `cargo bench
//! --bench handshake --no-run` prints) runs the server and the floor `N` times each and exits,
//! and `valgrind --tool=callgrind --toggle-collect='*server_handshake*'` (or `'*floor*'`)
//! counts the instructions of those calls alone: divide by `N`.
//!
//! On a loaded machine, `HIXIE76_BENCH_MIN_OF=R` times `R` rounds of 2 000 calls of each,
//! alternating, and prints the fastest round of each (per call) and their ratio: a round that
//! no other process disturbed gives the fastest, so this is steadier there than criterion's
//! medians. `cargo bench --bench handshake` runs it with that variable set.

use std::hint::black_box;

use criterion::{criterion_group, Criterion, Throughput};
use hixie76::server::{Accept, Outcome, ServerConfig, ServerHandshake};
use hixie76::HeadLimits;
use md5::{Digest, Md5};

const V1: &[u8] = b"GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nSec-WebSocket-Protocol: sample\r\n\
Upgrade: WebSocket\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
Origin: http://example.com\r\n\r\n^n:ds[4U";

// Never inlined, so that an instruction counter can name it (`--toggle-collect`); the floor
// likewise: the call costs both the same.
#[inline(never)]
fn server_handshake(
    config: ServerConfig,
    storage: &mut [u8],
    request: &[u8],
    out: &mut [u8],
) -> usize {
    let mut machine = ServerHandshake::new(config, storage);
    let mut input = request;
    let mut written = 0;
    while let Ok(received) = machine.receive(input) {
        input = &input[received.used..];
        match received.event {
            Some(Outcome::Request(pending)) => {
                let choice = pending.request().protocols().next();
                written = pending
                    .accept(&Accept::new().with_protocol(choice), out)
                    .unwrap_or(0);
            }
            Some(Outcome::Answer(answer)) => {
                out[written..written + 16].copy_from_slice(answer.as_bytes());
                return written + 16;
            }
            None | Some(Outcome::OtherVersion(..) | Outcome::NotWebSocket(_)) => return written,
        }
    }
    written
}

fn bytewise(config: ServerConfig, storage: &mut [u8], request: &[u8]) -> usize {
    let mut machine = ServerHandshake::new(config, storage);
    let mut used = 0;
    for byte in request.chunks(1) {
        match machine.receive(byte) {
            Ok(received) => used += received.used,
            Err(_) => return 0,
        }
    }
    used
}

/// Only the head is parsed: what httparse does; then the work a server must add.
#[inline(never)]
fn floor(request: &[u8], out: &mut [u8]) -> usize {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut parsed = httparse::Request::new(&mut headers);
    let Ok(httparse::Status::Complete(head_len)) = parsed.parse(request) else {
        return 0;
    };
    let mut origin: &[u8] = b"";
    let mut host: &[u8] = b"";
    let mut protocol: &[u8] = b"";
    for header in parsed.headers.iter() {
        if header.name.eq_ignore_ascii_case("origin") {
            origin = header.value;
        } else if header.name.eq_ignore_ascii_case("host") {
            host = header.value;
        } else if header.name.eq_ignore_ascii_case("sec-websocket-protocol") {
            protocol = header.value;
        }
    }
    let mut challenge = [0u8; 16];
    challenge[..8].copy_from_slice(b"12345678");
    challenge[8..].copy_from_slice(&request[head_len..head_len + 8]);
    let answer: [u8; 16] = Md5::digest(challenge).into();
    let path = parsed.path.unwrap_or("/").as_bytes();
    let mut n = 0;
    for piece in [
        &b"HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Origin: "[..],
        origin,
        b"\r\nSec-WebSocket-Location: ws://",
        host,
        path,
        b"\r\nSec-WebSocket-Protocol: ",
        protocol,
        b"\r\n\r\n",
        &answer,
    ] {
        out[n..n + piece.len()].copy_from_slice(piece);
        n += piece.len();
    }
    n
}

/// The v1 request with filler fields so that its head is `size` bytes.
fn large_head(size: usize) -> Vec<u8> {
    let head_end = V1.len() - 8;
    let mut request = V1[..head_end - 2].to_vec();
    let mut i = 0;
    while request.len() + 2 < size {
        let room = size - 2 - request.len();
        let line = format!("X-Filler-{i:03}: ");
        let fill = room.saturating_sub(line.len() + 2).min(200);
        if room < line.len() + 2 + 1 {
            // Pad the last filler instead of starting a new one.
            break;
        }
        request.extend_from_slice(line.as_bytes());
        request.extend(std::iter::repeat(b'a').take(fill));
        request.extend_from_slice(b"\r\n");
        i += 1;
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(b"^n:ds[4U");
    request
}

fn benches(c: &mut Criterion) {
    let mut storage = vec![0u8; 8192];
    let mut out = [0u8; 512];
    let config = ServerConfig::default();
    assert_eq!(&out[..0], &[] as &[u8],);
    let n = server_handshake(config, &mut storage, V1, &mut out);
    assert!(
        out[..n].ends_with(b"8jKS'y:G*Co,Wxa-"),
        "the benchmark handshake works"
    );
    assert_eq!(
        floor(V1, &mut out),
        n,
        "the floor writes a head of the same size"
    );

    let mut group = c.benchmark_group("handshake");
    group.bench_function("server/v1_whole", |b| {
        b.iter(|| server_handshake(config, &mut storage, black_box(V1), &mut out))
    });
    group.bench_function("floor/httparse_md5_head", |b| {
        b.iter(|| floor(black_box(V1), &mut out))
    });
    group.finish();

    let mut group = c.benchmark_group("bytewise");
    for (name, size) in [("4KiB", 4096), ("16KiB", 16384)] {
        let request = large_head(size);
        let head_len = request.len() - 8;
        let limits = HeadLimits::new().with_max_head(16384).with_max_fields(256);
        let config = ServerConfig::default().with_limits(limits);
        let mut storage = vec![0u8; 16384];
        let head = &request[..head_len];
        assert_eq!(
            bytewise(config, &mut storage, head),
            head_len,
            "{name} head accepted"
        );
        group.throughput(Throughput::Bytes(head_len as u64));
        group.bench_function(name, |b| {
            b.iter(|| bytewise(config, &mut storage, black_box(head)))
        });
    }
    group.finish();
}

/// `HIXIE76_BENCH_COUNT=N`: the server and the floor `N` times each, for an instruction
/// counter, instead of criterion's measurements.
fn count(n: usize) {
    let mut storage = vec![0u8; 8192];
    let mut out = [0u8; 512];
    let config = ServerConfig::default();
    let mut total = 0;
    for _ in 0..n {
        total += server_handshake(config, &mut storage, black_box(V1), &mut out);
    }
    for _ in 0..n {
        total += floor(black_box(V1), &mut out);
    }
    println!("{n} server handshakes and {n} floors: {total} bytes written");
}

/// `HIXIE76_BENCH_MIN_OF=R`: the fastest of `R` alternating rounds of each.
fn min_of(rounds: usize) {
    const CALLS: u32 = 2000;
    let mut storage = vec![0u8; 8192];
    let mut out = [0u8; 512];
    let config = ServerConfig::default();
    let mut fastest = [f64::MAX; 2];
    for _ in 0..rounds {
        let start = std::time::Instant::now();
        for _ in 0..CALLS {
            black_box(server_handshake(
                config,
                &mut storage,
                black_box(V1),
                &mut out,
            ));
        }
        fastest[0] = fastest[0].min(start.elapsed().as_secs_f64());
        let start = std::time::Instant::now();
        for _ in 0..CALLS {
            black_box(floor(black_box(V1), &mut out));
        }
        fastest[1] = fastest[1].min(start.elapsed().as_secs_f64());
    }
    let [server, floor] = fastest.map(|round| round * 1e9 / f64::from(CALLS));
    println!(
        "fastest of {rounds} rounds: server {server:.1} ns, floor {floor:.1} ns, server / floor {:.3}",
        server / floor
    );
}

criterion_group!(handshake, benches);

fn main() {
    let var = |name| std::env::var(name).ok().and_then(|n| n.parse().ok());
    if let Some(n) = var("HIXIE76_BENCH_COUNT") {
        return count(n);
    }
    if let Some(rounds) = var("HIXIE76_BENCH_MIN_OF") {
        return min_of(rounds);
    }
    handshake();
    Criterion::default().configure_from_args().final_summary();
}
