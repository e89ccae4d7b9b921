//! The client handshake's two jobs: building the request (keys included) and verifying a
//! response (the draft's example, with the answer).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use hixie76::client::{ClientConfig, ClientHandshake, Entropy, Keys, Url};

const RESPONSE: &[u8] = b"HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Origin: http://example.com\r\n\
Sec-WebSocket-Location: ws://example.com/demo\r\n\r\n8jKS'y:G*Co,Wxa-";

/// xorshift64*: cheap, so the benchmark measures the handshake rather than the generator.
struct XorShift(u64);

impl Entropy for XorShift {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn config() -> ClientConfig<'static> {
    let url = Url::parse("ws://example.com/demo").expect("valid URL");
    ClientConfig::new(url, "http://example.com")
}

fn build_request(c: &mut Criterion) {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut out = [0u8; 512];
    c.bench_function("client/build request (generate keys + write)", |b| {
        b.iter(|| {
            let keys = Keys::generate(&mut rng);
            let mut handshake =
                ClientHandshake::new(black_box(config()), keys, [0u8; 0]).expect("valid config");
            black_box(handshake.write_request(&mut out).expect("fits"))
        })
    });
    c.bench_function("client/generate keys", |b| {
        b.iter(|| black_box(Keys::generate(&mut rng)))
    });
}

fn verify_response(c: &mut Criterion) {
    let keys = Keys::new("4 @1  46546xW%0l 1 5", "12998 5 Y3 1  .P00", *b"^n:ds[4U")
        .expect("the draft's keys");
    let mut out = [0u8; 512];
    c.bench_function("client/verify v1 response", |b| {
        b.iter(|| {
            let mut handshake =
                ClientHandshake::new(config(), keys, [0u8; 1024]).expect("valid config");
            handshake.write_request(&mut out).expect("fits");
            let received = handshake.receive(black_box(RESPONSE)).expect("accepted");
            assert!(received.event.is_some());
            black_box(received.used)
        })
    });
}

criterion_group!(benches, build_request, verify_response);
criterion_main!(benches);
