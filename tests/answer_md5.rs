//! The crate computes the 16-byte answer with its own MD5 (a fixed-length form, smaller and
//! faster than a general one); here it is held to the `md-5` crate over many challenges,
//! corners included.

use hixie76::answer;
use md5::{Digest, Md5};

fn reference(part1: u32, part2: u32, key3: [u8; 8]) -> [u8; 16] {
    let mut hasher = Md5::new();
    hasher.update(part1.to_be_bytes());
    hasher.update(part2.to_be_bytes());
    hasher.update(key3);
    hasher.finalize().into()
}

#[test]
fn answer_matches_md5_crate_on_corners() {
    let parts = [
        0,
        1,
        0x7f,
        0x80,
        0xff,
        0x8000_0000,
        0x7fff_ffff,
        u32::MAX,
        0x0102_0304,
    ];
    let keys = [
        [0u8; 8],
        [0xff; 8],
        *b"Tm[K T2u",
        [0x80, 0, 0, 0, 0, 0, 0, 1],
    ];
    for part1 in parts {
        for part2 in parts {
            for key3 in keys {
                assert_eq!(
                    answer(part1, part2, key3),
                    reference(part1, part2, key3),
                    "{part1:#x} {part2:#x} {key3:?}"
                );
            }
        }
    }
}

#[test]
fn answer_matches_md5_crate_on_many_challenges() {
    // A xorshift sequence: every bit of every input position varies, reproducibly.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let parts = next();
        let key3 = next().to_le_bytes();
        let (part1, part2) = (parts as u32, (parts >> 32) as u32);
        assert_eq!(answer(part1, part2, key3), reference(part1, part2, key3));
    }
}

/// The draft's own example (section 1.3): keys `18x 6]8vM;54 *(5:  {   U1]8  z [  8` and
/// `1_ tx7X d  <  nw  334J702) 7]o}` 4` give parts 155712099 and 173347027; key3 `Tm[K T2u`
/// gives the answer `fQJ,fN/4F4!~K~MH`.
#[test]
fn answer_matches_draft_example() {
    assert_eq!(
        &answer(155_712_099, 173_347_027, *b"Tm[K T2u"),
        b"fQJ,fN/4F4!~K~MH"
    );
}
