//! Decoding a stream of 1 KiB text frames, compared with the least any decoder must do over the
//! same bytes: find each 0xFF with `memchr` and validate the text between with `str::from_utf8`.
//!
//! Instruction counts: with `HIXIE76_BENCH_COUNT=N` in its environment the benchmark
//! executable (the path `cargo bench --bench framing --no-run` prints) decodes the ASCII stream
//! (or the one `HIXIE76_BENCH_STREAM` names: `multibyte`) `N` times with the decoder and with
//! the floor, and exits; count with `valgrind --tool=callgrind --toggle-collect='*decode_all*'`
//! (or `'*floor*'`) and divide by `N`.
//!
//! On a loaded machine, `HIXIE76_BENCH_MIN_OF=R` decodes each stream in `R` alternating rounds
//! with the decoder and the floor and prints the fastest round of each as a throughput, and the
//! decoder's share of the floor's: steadier there than criterion's medians.

use std::hint::black_box;

use criterion::{criterion_group, Criterion, Throughput};
use hixie76::frame::{Decoder, FrameEvent};

const FRAME_PAYLOAD: usize = 1024;
const STREAM: usize = 1 << 20;

/// 1 MiB of text frames with 1 KiB payloads made by repeating `sample`.
fn stream(sample: &str) -> Vec<u8> {
    let mut payload = String::new();
    while payload.len() + sample.len() <= FRAME_PAYLOAD {
        payload.push_str(sample);
    }
    let mut out = Vec::with_capacity(STREAM + FRAME_PAYLOAD);
    while out.len() < STREAM {
        out.push(0x00);
        out.extend_from_slice(payload.as_bytes());
        out.push(0xFF);
    }
    out
}

// Never inlined, so that an instruction counter can name it (`--toggle-collect`); the floor
// likewise: the call costs both the same, once per MiB.
#[inline(never)]
fn decode_all(input: &[u8]) -> usize {
    let mut decoder = Decoder::default();
    let mut rest = input;
    let mut text = 0;
    loop {
        let received = decoder
            .receive(rest)
            .unwrap_or_else(|error| panic!("{error}"));
        rest = &rest[received.used..];
        match received.event {
            Some(FrameEvent::Text { chunk, .. }) => text += black_box(chunk.as_str()).len(),
            Some(FrameEvent::Discarded | FrameEvent::Close) => {}
            None => return text,
        }
    }
}

#[inline(never)]
fn floor(input: &[u8]) -> usize {
    let mut rest = input;
    let mut text = 0;
    while let Some(end) = memchr::memchr(0xFF, rest) {
        let payload = &rest[1..end];
        text += black_box(std::str::from_utf8(payload).expect("UTF-8")).len();
        rest = &rest[end + 1..];
    }
    text
}

const SAMPLES: [(&str, &str); 2] = [
    ("ascii", "The quick brown fox jumps over the lazy dog. "),
    (
        "multibyte",
        "Съешь же ещё этих мягких французских булок 😀 ",
    ),
];

fn framing(c: &mut Criterion) {
    for (name, sample) in SAMPLES {
        let input = stream(sample);
        assert_eq!(decode_all(&input), floor(&input));
        let mut group = c.benchmark_group(format!("text-1KiB-frames/{name}"));
        group.throughput(Throughput::Bytes(input.len() as u64));
        group.bench_function("decoder", |b| b.iter(|| decode_all(black_box(&input))));
        group.bench_function("memchr+from_utf8 floor", |b| {
            b.iter(|| floor(black_box(&input)))
        });
        group.finish();
    }
}

/// `HIXIE76_BENCH_COUNT=N`: a stream decoded `N` times by the decoder and by the floor, for an
/// instruction counter, instead of criterion's measurements.
fn count(n: usize) {
    let name = std::env::var("HIXIE76_BENCH_STREAM").unwrap_or_else(|_| "ascii".into());
    let Some((_, sample)) = SAMPLES.iter().find(|(sample, _)| *sample == name) else {
        panic!("no stream {name:?}");
    };
    let input = stream(sample);
    let mut total = 0;
    for _ in 0..n {
        total += decode_all(black_box(&input));
    }
    for _ in 0..n {
        total += floor(black_box(&input));
    }
    println!("the {name} stream {n} times by each: {total} text bytes");
}

/// `HIXIE76_BENCH_MIN_OF=R`: the fastest of `R` alternating rounds of each, for each stream.
fn min_of(rounds: usize) {
    for (name, sample) in SAMPLES {
        let input = stream(sample);
        let mut fastest = [std::time::Duration::MAX; 2];
        for _ in 0..rounds {
            let start = std::time::Instant::now();
            black_box(decode_all(black_box(&input)));
            fastest[0] = fastest[0].min(start.elapsed());
            let start = std::time::Instant::now();
            black_box(floor(black_box(&input)));
            fastest[1] = fastest[1].min(start.elapsed());
        }
        let [decoder, floor] =
            fastest.map(|pass| input.len() as f64 / pass.as_secs_f64() / f64::from(1 << 30));
        println!(
            "{name}, fastest of {rounds} rounds: decoder {decoder:.2} GiB/s, floor {floor:.2} GiB/s, decoder / floor {:.3}",
            decoder / floor
        );
    }
}

criterion_group!(benches, framing);

fn main() {
    let var = |name| std::env::var(name).ok().and_then(|n| n.parse().ok());
    if let Some(n) = var("HIXIE76_BENCH_COUNT") {
        return count(n);
    }
    if let Some(rounds) = var("HIXIE76_BENCH_MIN_OF") {
        return min_of(rounds);
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
