//! Deliberately plain restatements of the draft's arithmetic, written from the text of draft 76
//! section 5.2 steps 4–7 and not from the library, for differential checks.

use md5::{Digest, Md5};

/// Why a key value is refused, in the order the draft checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFault {
    /// Step 4: no digit at all, so there is no number.
    NoDigits,
    /// Step 4: the number is above 4294967295.
    TooLarge,
    /// Step 5: no U+0020 in the value.
    NoSpaces,
    /// Step 6: the number is not an integral multiple of the spaces.
    NotIntegral,
}

/// The key's part: its digits read as one number, divided by its count of U+0020.
///
/// The number is kept in a `u128` that saturates, so any length of digits is read correctly
/// (leading zeros included) and anything above `u32::MAX` stays above it.
pub fn key_part(value: &[u8]) -> Result<u32, KeyFault> {
    let mut number: u128 = 0;
    let mut digits = 0usize;
    for &b in value {
        if b.is_ascii_digit() {
            digits += 1;
            number = number
                .saturating_mul(10)
                .saturating_add(u128::from(b - b'0'));
        }
    }
    let spaces = value.iter().filter(|&&b| b == b' ').count() as u128;
    if digits == 0 {
        return Err(KeyFault::NoDigits);
    }
    if number > u128::from(u32::MAX) {
        return Err(KeyFault::TooLarge);
    }
    if spaces == 0 {
        return Err(KeyFault::NoSpaces);
    }
    if !number.is_multiple_of(spaces) {
        return Err(KeyFault::NotIntegral);
    }
    Ok((number / spaces) as u32)
}

/// The fault a library error names, if it is a key error, and which key it names.
pub fn key_fault(error: &hixie76::Error) -> Option<(KeyFault, hixie76::Key)> {
    use hixie76::Error;
    Some(match *error {
        Error::KeyNoDigits(key) => (KeyFault::NoDigits, key),
        Error::KeyNumberTooLarge(key) => (KeyFault::TooLarge, key),
        Error::KeyNoSpaces(key) => (KeyFault::NoSpaces, key),
        Error::KeyNotIntegral(key) => (KeyFault::NotIntegral, key),
        _ => return None,
    })
}

/// MD5 of the 16-byte challenge: part 1 and part 2 big-endian, then key3 (step 7).
pub fn answer(part1: u32, part2: u32, key3: &[u8; 8]) -> [u8; 16] {
    let mut challenge = Vec::with_capacity(16);
    challenge.extend_from_slice(&part1.to_be_bytes());
    challenge.extend_from_slice(&part2.to_be_bytes());
    challenge.extend_from_slice(key3);
    let mut md5 = Md5::new();
    md5.update(&challenge);
    md5.finalize().into()
}
