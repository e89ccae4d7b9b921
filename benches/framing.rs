//! Decoding a stream of 1 KiB text frames, compared with the least any decoder must do over the
//! same bytes: find each 0xFF with `memchr` and validate the text between with `str::from_utf8`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
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

fn framing(c: &mut Criterion) {
    for (name, sample) in [
        ("ascii", "The quick brown fox jumps over the lazy dog. "),
        (
            "multibyte",
            "Съешь же ещё этих мягких французских булок 😀 ",
        ),
    ] {
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

criterion_group!(benches, framing);
criterion_main!(benches);
