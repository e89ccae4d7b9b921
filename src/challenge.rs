//! The handshake's challenge: reading a key as draft 5.2 steps 4–7 say, and the 16-byte answer.
//!
//! A key is first tallied (its number, whether it has digits, its spaces), eight bytes at a
//! time where words are 64 bits and a byte at a time elsewhere; both tallies are the same, and
//! the draft's rules then judge it in their order.

use crate::md5;
use crate::scan::{digit_bytes, space_bytes, WORDS};
use crate::{Error, Key};

/// Reads one `Sec-WebSocket-Key1`/`Key2` value and returns its part: the key number (its
/// digits read as one decimal number) divided by its count of U+0020.
///
/// The number is checked against 4294967295 while it is accumulated, so no length of key can
/// overflow anything. This and [`answer`] are the way in for a server that parsed the request
/// head with another HTTP implementation.
///
/// # Errors
///
/// In the draft's order: [`Error::KeyNumberTooLarge`] (checked as the digits come),
/// [`Error::KeyNoDigits`], [`Error::KeyNoSpaces`], [`Error::KeyNotIntegral`], each naming
/// `key`.
///
/// ```
/// use hixie76::{key_part, Error, Key};
/// assert_eq!(key_part(b"4 @1  46546xW%0l 1 5", Key::Key1), Ok(829309203));
/// assert_eq!(key_part(b"12345", Key::Key1), Err(Error::KeyNoSpaces(Key::Key1)));
/// ```
pub fn key_part(value: &[u8], key: Key) -> Result<u32, Error> {
    let tally = if WORDS {
        tally_words(value)
    } else {
        tally_bytes(value)
    };
    part(tally, key)
}

/// What a key's bytes hold: its number, whether it has a digit at all, and its count of
/// U+0020.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Tally {
    number: u32,
    digits: bool,
    spaces: usize,
}

/// The rules after the number, in the draft's order; `None` is a number over 4294967295,
/// which comes first.
fn part(tally: Option<Tally>, key: Key) -> Result<u32, Error> {
    let Some(Tally {
        number,
        digits,
        spaces,
    }) = tally
    else {
        return Err(Error::KeyNumberTooLarge(key));
    };
    if !digits {
        return Err(Error::KeyNoDigits(key));
    }
    if spaces == 0 {
        return Err(Error::KeyNoSpaces(key));
    }
    // More spaces than any u32 (only a slice of over 4 GiB holds them) exceed the number, which
    // is then a multiple of them only when it is 0.
    let Ok(spaces) = u32::try_from(spaces) else {
        return if number == 0 {
            Ok(0)
        } else {
            Err(Error::KeyNotIntegral(key))
        };
    };
    if number % spaces != 0 {
        return Err(Error::KeyNotIntegral(key));
    }
    Ok(number / spaces)
}

/// A key a byte at a time, where registers are narrower than 64 bits. 32-bit arithmetic
/// throughout: the number may not pass 4294967295, so checked u32 steps refuse exactly what
/// the limit refuses, and a 32-bit processor divides without a 64-bit division routine.
fn tally_bytes(value: &[u8]) -> Option<Tally> {
    let mut number: u32 = 0;
    let mut digits = false;
    let mut spaces: usize = 0;
    for &b in value {
        match b {
            b'0'..=b'9' => {
                digits = true;
                number = number.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
            }
            b' ' => spaces += 1,
            _ => {}
        }
    }
    Some(Tally {
        number,
        digits,
        spaces,
    })
}

/// A key eight bytes at a time: the spaces of a word counted at once, and only its digits
/// visited. The number grows in 64 bits and is checked against 4294967295 after each word:
/// it never shrinks as digits come, so it passes the limit within a word exactly when it
/// is past it at the word's end, and eight digits more than 4294967295 stay far below 2^64.
fn tally_words(value: &[u8]) -> Option<Tally> {
    let mut tally = WordTally {
        number: 0,
        digits: 0,
        spaces: 0,
    };
    let mut words = value.chunks_exact(8);
    for word in &mut words {
        let mut eight = [0u8; 8];
        eight.copy_from_slice(word);
        tally.add(u64::from_le_bytes(eight))?;
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        // The rest as the low bytes of a word, zero bytes (neither digit nor space) above it:
        // the last eight bytes shifted down past those already read, or for a key shorter
        // than a word its bytes copied into a zeroed word.
        let last = match value.len().checked_sub(8) {
            Some(at) => {
                let mut eight = [0u8; 8];
                eight.copy_from_slice(&value[at..]);
                u64::from_le_bytes(eight) >> (8 * (8 - rest.len()))
            }
            None => {
                let mut eight = [0u8; 8];
                eight[..rest.len()].copy_from_slice(rest);
                u64::from_le_bytes(eight)
            }
        };
        tally.add(last)?;
    }
    Some(Tally {
        number: u32::try_from(tally.number).ok()?,
        digits: tally.digits != 0,
        spaces: tally.spaces,
    })
}

/// [`tally_words`] so far.
struct WordTally {
    number: u64,
    /// Every word's digit marks, or-ed: not zero once there was a digit.
    digits: u64,
    spaces: usize,
}

impl WordTally {
    /// Reads one word; `None` once the number is past 4294967295.
    #[inline(always)]
    fn add(&mut self, word: u64) -> Option<()> {
        const ONES: u64 = u64::from_le_bytes([0x01; 8]);
        let digits = digit_bytes(word);
        self.digits |= digits;
        // One bit at the foot of each space's byte: their sum, at most 8, is the top byte
        // of the product.
        self.spaces += ((space_bytes(word) >> 7).wrapping_mul(ONES) >> 56) as usize;
        // One bit at the foot of each digit's byte, whose offset is then the shift that brings
        // the digit down.
        let mut marks = digits >> 7;
        while marks != 0 {
            let digit = (word >> marks.trailing_zeros()) & 0x0F;
            self.number = self.number * 10 + digit;
            marks &= marks - 1;
        }
        (self.number <= u64::from(u32::MAX)).then_some(())
    }
}

/// The 16-byte answer: MD5 of part 1 and part 2 as big-endian 32-bit numbers, then key3 as
/// received (draft 5.2 step 7).
///
/// ```
/// // The draft's own example (section 1.3).
/// assert_eq!(&hixie76::answer(829309203, 259970620, *b"^n:ds[4U"), b"8jKS'y:G*Co,Wxa-");
/// ```
#[must_use]
pub fn answer(part1: u32, part2: u32, key3: [u8; 8]) -> [u8; 16] {
    let mut challenge = [0u8; 16];
    challenge[..4].copy_from_slice(&part1.to_be_bytes());
    challenge[4..8].copy_from_slice(&part2.to_be_bytes());
    challenge[8..].copy_from_slice(&key3);
    md5::digest_16(&challenge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_example_parts() {
        assert_eq!(key_part(b"12998 5 Y3 1  .P00", Key::Key2), Ok(259970620));
    }

    /// More spaces than a u32 counts take a key of over 4 GiB, so the rules are given the
    /// tally of one: only a number of 0 is a multiple of so many spaces.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn more_spaces_than_a_u32_counts() {
        let tally = |number| {
            Some(Tally {
                number,
                digits: true,
                spaces: 1 << 32,
            })
        };
        assert_eq!(part(tally(0), Key::Key2), Ok(0));
        for number in [1, u32::MAX] {
            assert_eq!(
                part(tally(number), Key::Key2),
                Err(Error::KeyNotIntegral(Key::Key2))
            );
        }
    }

    /// Both tallies, which must agree, and the key's part by each.
    fn both(value: &[u8]) -> Result<u32, Error> {
        let words = tally_words(value);
        assert_eq!(words, tally_bytes(value), "{value:?}");
        let part_by_words = part(words, Key::Key1);
        assert_eq!(part_by_words, part(tally_bytes(value), Key::Key1));
        assert_eq!(key_part(value, Key::Key1), part_by_words);
        part_by_words
    }

    #[test]
    fn tallies_agree_on_every_byte_at_every_place() {
        // Among digits and spaces; among spaces only, where the number is the byte's digit
        // alone; among the bytes beside digits and spaces.
        for filler in [b"1 2x", b"x y\t", b"/ :\x1f"] {
            for len in 0..=41 {
                for at in 0..len {
                    for b in 0..=255u8 {
                        let mut value: [u8; 41] = core::array::from_fn(|i| filler[i % 4]);
                        value[at] = b;
                        let _ = both(&value[..len]);
                    }
                }
            }
        }
    }

    #[test]
    fn tallies_agree_on_the_bytes_beside_digits_and_spaces() {
        let alphabet = [
            b'0', b'9', b'5', b' ', b'/', b':', 0x1F, 0x21, 0xB0, 0xB9, 0xA0, 0x00, 0xFF, b'a',
        ];
        let mut state = 0x9E37_79B9_u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        let mut found = [0usize; 3];
        for _ in 0..100_000 {
            let mut value = [0u8; 40];
            let len = next() as usize % (value.len() + 1);
            for byte in &mut value[..len] {
                // Mostly spaces and non-digits, so that numbers stay within the limit often.
                *byte = alphabet[next() as usize % alphabet.len()];
            }
            match both(&value[..len]) {
                Ok(_) => found[0] += 1,
                Err(Error::KeyNumberTooLarge(_)) => found[1] += 1,
                Err(_) => found[2] += 1,
            }
        }
        // Each outcome was put to the test.
        assert!(found.iter().all(|&n| n > 1000), "{found:?}");
    }

    /// The limit, with its digits spread over the words in every way a space can split them,
    /// and behind leading zeros.
    #[test]
    fn the_limit_wherever_the_digits_fall() {
        for (digits, fits) in [(&b"4294967295"[..], true), (b"4294967296", false)] {
            for zeros in 0..20 {
                for space in 0..=digits.len() {
                    for pad in 0..9 {
                        let mut value = [b'x'; 64];
                        let mut len = pad;
                        for &b in core::iter::repeat(&b'0')
                            .take(zeros)
                            .chain(&digits[..space])
                        {
                            value[len] = b;
                            len += 1;
                        }
                        value[len] = b' ';
                        len += 1;
                        for &b in &digits[space..] {
                            value[len] = b;
                            len += 1;
                        }
                        let expected = if fits {
                            Ok(4294967295)
                        } else {
                            Err(Error::KeyNumberTooLarge(Key::Key1))
                        };
                        assert_eq!(both(&value[..len]), expected, "{:?}", &value[..len]);
                    }
                }
            }
        }
        // Past the limit in one word, in the next, and by many digits.
        assert_eq!(
            both(b"42949672950 "),
            Err(Error::KeyNumberTooLarge(Key::Key1))
        );
        assert_eq!(
            both(b"4294967 295000000000000 "),
            Err(Error::KeyNumberTooLarge(Key::Key1))
        );
        assert_eq!(both(&[b'9'; 200]), Err(Error::KeyNumberTooLarge(Key::Key1)));
    }

    #[test]
    fn key_rules_in_order() {
        assert_eq!(
            key_part(b" x ", Key::Key2),
            Err(Error::KeyNoDigits(Key::Key2))
        );
        assert_eq!(key_part(b"0 ", Key::Key1), Ok(0));
        assert_eq!(key_part(b"4294967295 ", Key::Key1), Ok(4294967295));
        assert_eq!(
            key_part(b"4294967296 ", Key::Key1),
            Err(Error::KeyNumberTooLarge(Key::Key1))
        );
        assert_eq!(
            key_part(b"123456789012345678901234567890 ", Key::Key1),
            Err(Error::KeyNumberTooLarge(Key::Key1))
        );
        assert_eq!(
            key_part(b"7  ", Key::Key1),
            Err(Error::KeyNotIntegral(Key::Key1))
        );
        // Tabs are not spaces.
        assert_eq!(
            key_part(b"8\t", Key::Key1),
            Err(Error::KeyNoSpaces(Key::Key1))
        );
        // Each rule before the next, by both tallies.
        for (value, expected) in [
            (&b"42949672960"[..], Error::KeyNumberTooLarge(Key::Key1)),
            (b"x\t", Error::KeyNoDigits(Key::Key1)),
            (b"", Error::KeyNoDigits(Key::Key1)),
            (b"12345678901234567", Error::KeyNumberTooLarge(Key::Key1)),
            (b"7", Error::KeyNoSpaces(Key::Key1)),
            (b"1234567\t", Error::KeyNoSpaces(Key::Key1)),
            (b"1 2 3 4 5 6 7 ", Error::KeyNotIntegral(Key::Key1)),
        ] {
            assert_eq!(both(value), Err(expected), "{value:?}");
        }
        assert_eq!(both(b"1 2 3 4 5 6 7 8 9 0"), Ok(1234567890 / 9));
        assert_eq!(both(b"4 @1  46546xW%0l 1 5"), Ok(829309203));
        assert_eq!(both(b"12998 5 Y3 1  .P00"), Ok(259970620));
        assert_eq!(both(b"        0"), Ok(0));
    }
}
