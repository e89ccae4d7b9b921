//! Arbitrary bytes into a PROXY header decoder (feature `proxy-protocol`), fed whole and in two
//! pieces split where the input says. Both feedings must end the same way: the same header
//! after the same number of bytes, the same error, or more input needed with everything taken.
//! On every call `used` stays within the input, a partial result takes all of it, a header is
//! never longer than the limits allow, and the decoder keeps its word afterwards (the same
//! error again; `InvalidState` once done).
//!
//! Input: one byte choosing a start from `STARTS` (the first, empty, leaves the bytes as they
//! are), two bytes giving the split position, then the bytes that follow the start. The starts
//! spare the fuzzer from finding `PROXY ` or a v2 signature letter by letter before it can
//! reach the addresses.
#![no_main]

use hixie76::proxy::{ProxyConfig, ProxyDecoder, ProxyHeader};
use hixie76::{Error, Received};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, PartialEq, Eq)]
enum End {
    Header(ProxyHeader, usize),
    Failed(Error),
    NeedsMore(usize),
}

/// Feeds `pieces` one after the other, checking every call; bytes a call left unused are
/// passed again at the start of the next.
fn feed(config: ProxyConfig, pieces: &[&[u8]]) -> End {
    let mut decoder = ProxyDecoder::new(config);
    let mut pending = Vec::new();
    let mut used = 0;
    for piece in pieces {
        pending.extend_from_slice(piece);
        match decoder.receive(&pending) {
            Err(error) => {
                assert_eq!(error, Error::BadProxyHeader);
                assert!(!decoder.is_done());
                assert_eq!(decoder.receive(&pending), Err(error));
                assert_eq!(decoder.receive(b""), Err(error));
                return End::Failed(error);
            }
            Ok(Received { used: n, event }) => {
                assert!(n <= pending.len(), "used {n} of {}", pending.len());
                used += n;
                pending.drain(..n);
                let Some(header) = event else {
                    assert!(pending.is_empty(), "partial result left bytes");
                    assert!(!decoder.is_done());
                    continue;
                };
                assert!(decoder.is_done());
                assert!(
                    used <= config.max_header().max(107),
                    "header of {used} bytes"
                );
                assert_eq!(decoder.receive(&pending), Err(Error::InvalidState));
                return End::Header(header, used);
            }
        }
    }
    End::NeedsMore(used)
}

/// What the stream may start with.
const STARTS: [&[u8]; 10] = [
    b"",
    b"PROXY ",
    b"PROXY TCP4 ",
    b"PROXY TCP6 ",
    b"PROXY UNKNOWN",
    b"PROXY TCP4 192.168.0.1 192.168.0.11 ",
    b"\r\n\r\n\x00\r\nQUIT\n",
    b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00",
    b"\r\n\r\n\x00\r\nQUIT\n\x21\x21\x00",
    b"\r\n\r\n\x00\r\nQUIT\n\x20",
];

fuzz_target!(|data: &[u8]| {
    let [start, hi, lo, rest @ ..] = data else {
        return;
    };
    let stream = [STARTS[usize::from(*start) % STARTS.len()], rest].concat();
    let stream = &stream[..];
    let split = usize::from(u16::from_be_bytes([*hi, *lo])) % (stream.len() + 1);
    let config = ProxyConfig::new();
    let whole = feed(config, &[stream]);
    let (first, second) = stream.split_at(split);
    let pieces = feed(config, &[first, second]);
    assert_eq!(whole, pieces, "split at {split}");
    if let End::NeedsMore(used) = whole {
        assert_eq!(used, stream.len());
    }
});
