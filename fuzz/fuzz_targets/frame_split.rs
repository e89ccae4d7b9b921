//! The same frames fed in one piece and in arbitrary pieces (empty ones included; bytes a call
//! left unused start the next input) must give the same events: per message the same
//! concatenated text, and the same discards, closes and errors, in the same order. A
//! `Connection` with the same setup, fed the same pieces, must give them too.
//!
//! Input: the decoder setup bytes, one byte `n`, `n` chunk sizes (cycled), then the stream.
#![no_main]

use hixie76_fuzz::frames::{drive, drive_connection, setup};
use hixie76_fuzz::{chunks, Cursor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut cursor = Cursor::new(data);
    let setup = setup(&mut cursor);
    let count = usize::from(cursor.byte() % 16);
    let sizes = cursor.take(count).to_vec();
    let stream = cursor.rest();
    let cuts = chunks(&sizes, stream.len());
    let whole = drive(setup, stream, &[]);
    let split = drive(setup, stream, &cuts);
    assert_eq!(
        whole, split,
        "pieces of sizes {sizes:?} changed the events ({setup:?})"
    );
    let connection = drive_connection(setup.connection(), stream, &cuts);
    assert_eq!(
        connection, split,
        "a connection read otherwise, pieces of sizes {sizes:?} ({setup:?})"
    );
});
