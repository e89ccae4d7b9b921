//! The handshake's challenge: reading a key as draft 5.2 steps 4–7 say, and the 16-byte answer.

use crate::md5;
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
    // 32-bit arithmetic throughout: the number may not pass 4294967295, so checked u32 steps
    // refuse exactly what the limit refuses, and a 32-bit processor divides without a 64-bit
    // division routine.
    let mut number: u32 = 0;
    let mut digits = false;
    let mut spaces: usize = 0;
    for &b in value {
        match b {
            b'0'..=b'9' => {
                digits = true;
                number = number
                    .checked_mul(10)
                    .and_then(|n| n.checked_add(u32::from(b - b'0')))
                    .ok_or(Error::KeyNumberTooLarge(key))?;
            }
            b' ' => spaces += 1,
            _ => {}
        }
    }
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
    }
}
