//! Arbitrary response bytes, fed in one piece to a client whose settings (offered
//! subprotocols, leniency, hixie-75, the draft's keys or keys from input entropy) come from the
//! first bytes, after it wrote its request. `hixie76_fuzz::client::drive` checks the request and
//! every promise of the machine: bytes used, nothing past the 16-byte answer, established only
//! on the right answer, faults blamed on the peer and repeated.
#![no_main]

use hixie76_fuzz::client::{drive, response, Setup};
use hixie76_fuzz::Cursor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut cursor = Cursor::new(data);
    let setup = Setup::decode(&mut cursor);
    let _ = drive(&setup, &response(&setup, cursor.rest()), &[]);
});
