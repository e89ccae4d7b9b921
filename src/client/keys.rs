//! The client's challenge: `Sec-WebSocket-Key1`/`Key2` made as draft 4.1 steps 16–22 say,
//! the 8-byte key3, and the answer the server must send back.

use core::fmt;

use super::entropy::{below, Entropy};
use crate::challenge::{answer, key_part};
use crate::{Error, Key, Setting};

/// The longest key: 10 digits, 12 random characters and 12 spaces.
const KEY_CAPACITY: usize = 34;

/// One `Sec-WebSocket-Key1`/`Key2` value, held inline (at most 34 bytes).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyText {
    bytes: [u8; KEY_CAPACITY],
    len: u8,
}

impl KeyText {
    const fn empty() -> Self {
        KeyText {
            bytes: [0; KEY_CAPACITY],
            len: 0,
        }
    }

    /// The key as sent.
    #[must_use]
    pub(crate) fn as_str(&self) -> &str {
        core::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The key's bytes as sent.
    #[must_use]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Inserts `byte` before position `at` (`at == len` appends). Callers stay within the
    /// capacity by construction; anything else is ignored rather than a panic.
    fn insert(&mut self, at: usize, byte: u8) {
        // The bytes from `at` to the first free one: none when the key is full or `at` is
        // past its end.
        let end = self.len();
        let Some(window) = self.bytes.get_mut(at..=end) else {
            return;
        };
        window.rotate_right(1);
        if let Some(first) = window.first_mut() {
            *first = byte;
        }
        self.len += 1;
    }

    fn push_decimal(&mut self, mut number: u32) {
        let start = self.len();
        loop {
            // `number % 10` is below 10, so the cast cannot truncate.
            self.insert(start, b'0' + (number % 10) as u8);
            number /= 10;
            if number == 0 {
                break;
            }
        }
    }
}

impl fmt::Debug for KeyText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The client's three keys and what they imply: the two key parts and so the answer.
///
/// Make them with [`Keys::generate`] from the caller's [`Entropy`], or with [`Keys::new`] from
/// given values (tests, published vectors).
///
/// ```
/// use hixie76::client::Keys;
/// // The draft's own example (section 1.3).
/// let keys = Keys::new("4 @1  46546xW%0l 1 5", "12998 5 Y3 1  .P00", *b"^n:ds[4U")?;
/// assert_eq!(&keys.answer(), b"8jKS'y:G*Co,Wxa-");
/// # Ok::<(), hixie76::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keys {
    key1: KeyText,
    key2: KeyText,
    key3: [u8; 8],
    part1: u32,
    part2: u32,
}

impl Keys {
    /// Makes fresh keys, as draft 4.1 steps 16–22 say, for each of key 1 and key 2:
    ///
    /// 1. `spaces`, a random integer in 1..=12, and `max` = 4294967295 / `spaces`;
    /// 2. `number`, a random integer in 0..=`max`; the key starts as `number × spaces` in
    ///    decimal;
    /// 3. 1..=12 random characters from U+0021–U+002F and U+003A–U+007E are inserted at random
    ///    positions, the ends included;
    /// 4. `spaces` U+0020 characters are inserted at random positions, never first or last.
    ///
    /// key3 is 8 random bytes whose first and last are never NUL or ASCII white space (some
    /// servers trim them), remapped deterministically rather than drawn again. Every draw is one
    /// call to `entropy`, so this terminates whatever it returns.
    pub fn generate<E: Entropy + ?Sized>(entropy: &mut E) -> Self {
        let (key1, part1) = generate_key(entropy);
        let (key2, part2) = generate_key(entropy);
        let mut key3 = entropy.next_u64().to_le_bytes();
        for at in [0, 7] {
            if matches!(key3[at], 0 | 0x09..=0x0D | b' ') {
                // Adding 0x40 maps NUL, 0x09–0x0D and 0x20 to '@', 'I'–'M' and '`'.
                key3[at] += 0x40;
            }
        }
        Keys {
            key1,
            key2,
            key3,
            part1,
            part2,
        }
    }

    /// Uses the given keys (tests, published vectors).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] naming [`Setting::Key`] with the key at fault, unless each of
    /// `key1` and `key2` is one a server accepts: at most 34 bytes of U+0020–U+007E, not
    /// starting or ending with a space, with at least one digit and one space, its number at
    /// most 4294967295 and a multiple of its spaces.
    pub fn new(key1: &str, key2: &str, key3: [u8; 8]) -> Result<Self, Error> {
        let (key1, part1) = given_key(key1, Key::Key1)?;
        let (key2, part2) = given_key(key2, Key::Key2)?;
        Ok(Keys {
            key1,
            key2,
            key3,
            part1,
            part2,
        })
    }

    /// The `Sec-WebSocket-Key1` value.
    #[must_use]
    pub fn key1(&self) -> &str {
        self.key1.as_str()
    }

    /// The `Sec-WebSocket-Key2` value.
    #[must_use]
    pub fn key2(&self) -> &str {
        self.key2.as_str()
    }

    /// The 8 bytes sent after the request head.
    #[must_use]
    pub const fn key3(&self) -> [u8; 8] {
        self.key3
    }

    /// The 16 bytes the server must answer with: MD5 of both key parts and key3.
    #[must_use]
    pub fn answer(&self) -> [u8; 16] {
        answer(self.part1, self.part2, self.key3)
    }
}

/// One key and its part (the `number` of the draft's steps).
fn generate_key<E: Entropy + ?Sized>(entropy: &mut E) -> (KeyText, u32) {
    // Draws below 12, below 84 and below 35 fit in u32; `below` never reaches its bound.
    let spaces = 1 + below(entropy, 12) as u32;
    let max = u32::MAX / spaces;
    let number = below(entropy, u64::from(max) + 1) as u32;
    let mut key = KeyText::empty();
    // number ≤ max, so number × spaces ≤ 4294967295.
    key.push_decimal(number.saturating_mul(spaces));
    for _ in 0..1 + below(entropy, 12) {
        let character = random_character(entropy);
        let at = below(entropy, key.len() as u64 + 1) as usize;
        key.insert(at, character);
    }
    for _ in 0..spaces {
        // Positions 1..=len-1: between two characters, never first or last. The key has at
        // least one digit and one character, so len ≥ 2.
        let at = 1 + below(entropy, key.len() as u64 - 1) as usize;
        key.insert(at, b' ');
    }
    (key, number)
}

/// A character from U+0021–U+002F (15 of them) or U+003A–U+007E (69): never a digit, a space
/// or DEL.
fn random_character<E: Entropy + ?Sized>(entropy: &mut E) -> u8 {
    let index = below(entropy, 15 + 69) as u8;
    if index < 15 {
        0x21 + index
    } else {
        0x3A + (index - 15)
    }
}

fn given_key(text: &str, which: Key) -> Result<(KeyText, u32), Error> {
    let bytes = text.as_bytes();
    let printable = bytes.iter().all(|&b| (0x20..=0x7E).contains(&b));
    let trimmed = !matches!(bytes.first(), Some(b' ')) && !matches!(bytes.last(), Some(b' '));
    let invalid = Error::InvalidValue(Setting::Key(which));
    if bytes.len() > KEY_CAPACITY || !printable || !trimmed {
        return Err(invalid);
    }
    let part = key_part(bytes, which).map_err(|_| invalid)?;
    let mut key = KeyText::empty();
    key.bytes[..bytes.len()].copy_from_slice(bytes);
    key.len = bytes.len() as u8;
    Ok((key, part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_sources_terminate_with_valid_keys() {
        for value in [0u64, 1, 11, 12, 83, u64::MAX, 0x2020_2020_2020_2020] {
            let keys = Keys::generate(&mut || value);
            for (text, which) in [(keys.key1, Key::Key1), (keys.key2, Key::Key2)] {
                let part = key_part(text.as_bytes(), which).unwrap();
                assert_eq!(Keys::new(text.as_str(), "1 1", [0; 8]).unwrap().part1, part);
                assert!(text.len() <= KEY_CAPACITY);
            }
            let key3 = keys.key3();
            for b in [key3[0], key3[7]] {
                assert!(!matches!(b, 0 | 0x09..=0x0D | b' '), "{value:#x}");
            }
        }
    }

    #[test]
    fn given_keys_are_checked() {
        assert!(Keys::new("1 1", "0 x", [0; 8]).is_ok());
        for bad in [
            " 1 1",
            "1 1 ",
            "11",
            "x x",
            "3 x y",
            "1\t 1",
            "4 294967296",
            "1 \r1",
        ] {
            assert_eq!(
                Keys::new(bad, "1 1", [0; 8]),
                Err(Error::InvalidValue(Setting::Key(Key::Key1))),
                "{bad:?}"
            );
        }
        let long = "1 111111111111111111111111111111111";
        assert_eq!(long.len(), 35);
        assert_eq!(
            Keys::new("1 1", long, [0; 8]),
            Err(Error::InvalidValue(Setting::Key(Key::Key2)))
        );
    }
}
