//! Arbitrary bytes into a frame decoder whose limits and options come from the first bytes.
//! `hixie76_fuzz::frames::drive` checks the `receive` contract on every call (bytes used,
//! progress, limits, close, sticky peer faults); the events must then equal those of the
//! harness's own reading of the draft (`reference::frames`), text and U+FFFD replacement
//! included, and those of a `Connection` with the same setup, which also answers a close and
//! only starts one.
#![no_main]

use hixie76_fuzz::frames::{drive, drive_connection, setup};
use hixie76_fuzz::{reference, Cursor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut cursor = Cursor::new(data);
    let setup = setup(&mut cursor);
    let stream = cursor.rest();
    let ours = drive(setup, stream, &[]);
    assert_eq!(ours, reference::frames(setup, stream), "{setup:?}");
    let connection = drive_connection(setup.connection(), stream, &[]);
    assert_eq!(connection, ours, "a connection read otherwise ({setup:?})");
});
