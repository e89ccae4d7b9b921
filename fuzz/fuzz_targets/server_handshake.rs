//! Arbitrary bytes, fed in one piece to a server whose limits and decisions come from the
//! first bytes. Beyond "no panic", `hixie76_fuzz::server::drive` checks every promise of the
//! machine on every call: bytes used, nothing past key3, a clean 101 head, faults blamed on the
//! peer with a status, nothing lost on a hand-over.
#![no_main]

use hixie76_fuzz::server::{drive, Setup};
use hixie76_fuzz::Cursor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut cursor = Cursor::new(data);
    let setup = Setup::decode(&mut cursor);
    let _ = drive(&setup, cursor.rest(), &[]);
});
