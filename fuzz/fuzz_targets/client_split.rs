//! The same response fed in one piece and cut into arbitrary pieces (empty ones included) must
//! give the same outcome, the same bytes used and the same subprotocol.
//!
//! Input: the client setup bytes, one byte `n`, `n` chunk sizes (cycled), then the response.
#![no_main]

use hixie76_fuzz::client::{drive, response, Setup};
use hixie76_fuzz::{chunks, Cursor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut cursor = Cursor::new(data);
    let setup = Setup::decode(&mut cursor);
    let count = usize::from(cursor.byte() % 16);
    let sizes = cursor.take(count).to_vec();
    let stream = response(&setup, cursor.rest());
    let whole = drive(&setup, &stream, &[]);
    let split = drive(&setup, &stream, &chunks(&sizes, stream.len()));
    assert_eq!(
        whole, split,
        "pieces of sizes {sizes:?} changed the outcome"
    );
});
