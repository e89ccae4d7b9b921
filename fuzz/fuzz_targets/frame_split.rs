//! The same frames fed in one piece and in arbitrary pieces (empty ones included; bytes a call
//! left unused start the next input) must give the same events: per message the same
//! concatenated text, and the same discards, closes and errors, in the same order.
//!
//! Input: the decoder setup bytes, one byte `n`, `n` chunk sizes (cycled), then the stream.
#![no_main]

use hixie76_fuzz::frames::{drive, setup};
use hixie76_fuzz::{chunks, Cursor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut cursor = Cursor::new(data);
    let config = setup(&mut cursor);
    let count = usize::from(cursor.byte() % 16);
    let sizes = cursor.take(count).to_vec();
    let stream = cursor.rest();
    let whole = drive(config, stream, &[]);
    let split = drive(config, stream, &chunks(&sizes, stream.len()));
    assert_eq!(
        whole, split,
        "pieces of sizes {sizes:?} changed the events ({config:?})"
    );
});
