//! Arbitrary bytes into a frame decoder whose limits and options come from the first bytes.
//! `hixie76_fuzz::frames::drive` checks the `decode` contract on every call (bytes used,
//! progress, limits, close, sticky peer faults); the events must then equal those of the
//! harness's own reading of the draft (`reference::frames`), text and U+FFFD replacement
//! included.
#![no_main]

use hixie76_fuzz::frames::{drive, setup};
use hixie76_fuzz::{reference, Cursor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut cursor = Cursor::new(data);
    let config = setup(&mut cursor);
    let stream = cursor.rest();
    let ours = drive(config, stream, &[]);
    assert_eq!(ours, reference::frames(config, stream), "{config:?}");
});
