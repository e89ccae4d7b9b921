//! The same bytes fed in one piece and cut into arbitrary pieces (empty ones included) must
//! give the same outcome, the same bytes used, the same 101 head and the same answer: the
//! machine's result may not depend on how the network delivered the bytes.
//!
//! Input: the server setup bytes, one byte `n`, `n` chunk sizes (cycled), then the stream.
#![no_main]

use hixie76_fuzz::server::{drive, Setup};
use hixie76_fuzz::{chunks, Cursor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut cursor = Cursor::new(data);
    let setup = Setup::decode(&mut cursor);
    let count = usize::from(cursor.byte() % 16);
    let sizes = cursor.take(count).to_vec();
    let stream = cursor.rest();
    let whole = drive(&setup, stream, &[]);
    let split = drive(&setup, stream, &chunks(&sizes, stream.len()));
    assert_eq!(
        whole, split,
        "pieces of sizes {sizes:?} changed the outcome"
    );
});
