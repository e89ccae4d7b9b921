//! `key_part` and `answer` against the harness's own reading of draft 76 section 5.2 steps
//! 4–7: the same parts for the same keys, the same refusal (and the same key named in it), and
//! the same MD5 as the `md-5` crate gives for the 16 challenge bytes.
//!
//! Input: one byte that splits the rest, 8 bytes of key3, then key 1 and key 2.
#![no_main]

use hixie76::Key;
use hixie76_fuzz::reference::{self, key_fault};
use hixie76_fuzz::Cursor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut cursor = Cursor::new(data);
    let split = cursor.byte();
    let mut key3 = [0u8; 8];
    let taken = cursor.take(8);
    key3[..taken.len()].copy_from_slice(taken);
    let keys = cursor.rest();
    let (key1, key2) = keys.split_at(usize::from(split).min(keys.len()));

    let mut parts = [0u32; 2];
    for (i, (value, key)) in [(key1, Key::Key1), (key2, Key::Key2)]
        .into_iter()
        .enumerate()
    {
        let ours = hixie76::key_part(value, key);
        let theirs = reference::key_part(value);
        match (ours, theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "parts differ for {value:?}"),
            (Err(error), Err(fault)) => {
                assert_eq!(key_fault(&error), Some((fault, key)), "for {value:?}");
                assert_eq!(error.fault(), hixie76::Fault::Peer);
                assert!(error.status().is_some());
            }
            (ours, theirs) => panic!("{value:?}: library {ours:?}, reference {theirs:?}"),
        }
        // Valid parts when the keys give them, otherwise arbitrary numbers from the key3 bytes
        // (the answer is defined for every pair of u32).
        parts[i] = theirs.unwrap_or_else(|_| {
            u32::from_be_bytes(key3[i * 4..i * 4 + 4].try_into().unwrap()).rotate_left(7)
        });
    }
    assert_eq!(
        hixie76::answer(parts[0], parts[1], key3),
        reference::answer(parts[0], parts[1], &key3),
        "answer differs for parts {parts:?} and key3 {key3:?}"
    );
});
