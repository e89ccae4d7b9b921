//! Eight bytes at a time: the word tricks the head scanner and the field reader use, kept apart
//! from the grammar they serve. Every function here has an exact byte-loop meaning, and the
//! tests below hold each one to it over every byte value. On targets without 64-bit registers
//! that byte loop is what runs ([`WORDS`]).

/// Whether a byte ends a line or has no place in a head: any control byte but HTAB.
pub(crate) const fn is_line_byte(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7F
}

/// Whether to work eight bytes at a time. Where registers are narrower (microcontrollers, for
/// heads that are small anyway) each word takes two or more registers and the tricks unroll
/// into far more code than they save time: a byte at a time there.
pub(crate) const WORDS: bool = cfg!(target_pointer_width = "64");

/// The offset of the first `needle`: `memchr` where words are 64 bits, a byte loop elsewhere,
/// where `memchr`'s word-at-a-time fallback costs nearly 1 KiB of code (on a microcontroller)
/// to search heads and messages that are small there.
#[inline]
pub(crate) fn find_byte(needle: u8, haystack: &[u8]) -> Option<usize> {
    if WORDS {
        memchr::memchr(needle, haystack)
    } else {
        find_byte_bytewise(needle, haystack)
    }
}

/// [`find_byte`] a byte at a time, what runs below 64 bits.
fn find_byte_bytewise(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// The offset of the first CR, LF, NUL or other control byte except HTAB. Head lines are a
/// few dozen bytes, too short for a vector search to pay for its setup; eight bytes at a time
/// with plain integer operations is cheaper there, still linear, and finds the byte's place
/// in its word without a loop.
#[inline]
pub(crate) fn find_line_byte(bytes: &[u8]) -> Option<usize> {
    if WORDS {
        find_line_byte_in_words(bytes)
    } else {
        bytes.iter().position(|&b| is_line_byte(b))
    }
}

/// [`find_line_byte`] eight bytes at a time.
#[inline(always)]
fn find_line_byte_in_words(bytes: &[u8]) -> Option<usize> {
    // Most words hold no byte below U+0020 and no DEL: a cheap test passes them. Its lowest
    // mark is exact, and is nearly always a line's CR: only when that mark is an HTAB does
    // the word take the exact test.
    let in_word = |word| {
        let maybe = maybe_line_bytes(word);
        if maybe == 0 || marked_byte(word, maybe) != b'\t' {
            maybe
        } else {
            line_bytes(word)
        }
    };
    find_by_words(bytes, in_word, is_line_byte)
}

/// The byte of `word` at the lowest mark of `marks` (a high bit), which must not be 0.
#[inline(always)]
const fn marked_byte(word: u64, marks: u64) -> u8 {
    // The mark is bit 7 of its byte: shifting by the bit's offset less 7 brings that byte
    // down; the cast keeps it alone.
    (word >> (marks.trailing_zeros() - 7)) as u8
}

/// Whether every byte is visible ASCII (U+0021–U+007E): eight bytes at a time where words are
/// 64 bits and there are eight bytes, the last eight overlapping the words before; four to
/// seven bytes there as one word of two overlapping halves.
// Inlined where words are 64 bits: a word or two for a target or origin, less than a call.
#[cfg_attr(target_pointer_width = "64", inline(always))]
pub(crate) fn is_visible_ascii(bytes: &[u8]) -> bool {
    let Some(last) = bytes.len().checked_sub(8).filter(|_| WORDS) else {
        // Four to seven bytes (a short target or subprotocol) as one word: the first four
        // and the last four, overlapping.
        if let (true, Some(first), Some(last)) =
            (WORDS, bytes.first_chunk::<4>(), bytes.last_chunk::<4>())
        {
            return invisible_bytes(halves(first, last)) == 0;
        }
        return bytes
            .iter()
            .fold(true, |all, &b| all & (b.wrapping_sub(0x21) < 0x5E));
    };
    // Every whole word from the start, and the last eight bytes, which may overlap them.
    let mut invisible = invisible_bytes(word_of(&bytes[last..]));
    for chunk in bytes.chunks_exact(8) {
        invisible |= invisible_bytes(word_of(chunk));
    }
    invisible == 0
}

/// `chunk`, which is exactly eight bytes (a `chunks_exact(8)` item or a slice's last eight),
/// as a little-endian word.
#[inline(always)]
fn word_of(chunk: &[u8]) -> u64 {
    let mut eight = [0u8; 8];
    eight.copy_from_slice(chunk);
    u64::from_le_bytes(eight)
}

/// One word of two four-byte halves, `first` in its low bytes: for four to seven bytes, their
/// first four and their last four, which overlap.
#[inline(always)]
fn halves(first: &[u8; 4], last: &[u8; 4]) -> u64 {
    let mut eight = [0u8; 8];
    eight[..4].copy_from_slice(first);
    eight[4..].copy_from_slice(last);
    u64::from_le_bytes(eight)
}

/// Copies `src` into `dest` ASCII-lowercased, as far as both go (they are as long where the
/// crate calls it): eight bytes at a time where words are 64 bits and there are eight bytes,
/// the last eight overlapping the words before (which writes those bytes again, the same).
#[inline]
pub(crate) fn copy_lowercase(dest: &mut [u8], src: &[u8]) {
    let len = src.len().min(dest.len());
    let (dest, src) = (&mut dest[..len], &src[..len]);
    let Some(last) = len.checked_sub(8).filter(|_| WORDS) else {
        for (d, s) in dest.iter_mut().zip(src) {
            *d = s.to_ascii_lowercase();
        }
        return;
    };
    let mut at = 0;
    loop {
        let from = at.min(last);
        let (Some(s), Some(d)) = (
            src.get(from..).and_then(<[u8]>::first_chunk::<8>),
            dest.get_mut(from..).and_then(<[u8]>::first_chunk_mut::<8>),
        ) else {
            return;
        };
        let word = u64::from_le_bytes(*s);
        // Each uppercase letter's mark, shifted from bit 0x80 down to bit 0x20 and added: that
        // bit is clear in an uppercase letter, so nothing carries.
        *d = (word + (upper_bytes(word) >> 2)).to_le_bytes();
        if from == last {
            return;
        }
        at += 8;
    }
}

/// The high bit of every ASCII uppercase letter of `x`, and no other. With the high bits
/// cleared nothing carries between bytes (0x7F + 0x3F < 0x100).
const fn upper_bytes(x: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    let low = x & (ONES * 0x7F);
    let from_a = low + ONES * (0x80 - b'A' as u64);
    let after_z = low + ONES * (0x80 - b'Z' as u64 - 1);
    from_a & !after_z & !x & (ONES * 0x80)
}

/// The high bit of every byte of `x` outside U+0021–U+007E, and no other.
const fn invisible_bytes(x: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    // With the high bits cleared nothing carries between bytes: 0x7F + 0x5F < 0x100.
    let low = x & (ONES * 0x7F);
    // In each byte's high bit: from U+0021 up, not U+007F, and below U+0080.
    let visible = (low + ONES * 0x5F) & !(low + ONES) & !x;
    !visible & (ONES * 0x80)
}

/// The offset of the first `:`, eight bytes at a time: field names are short, so this takes
/// one to three steps where a byte loop takes up to twenty.
pub(crate) fn find_colon(bytes: &[u8]) -> Option<usize> {
    const COLONS: u64 = u64::from_le_bytes([b':'; 8]);
    let is_colon = |b| b == b':';
    if WORDS {
        find_by_words(bytes, |word| zero_bytes(word ^ COLONS), is_colon)
    } else {
        bytes.iter().position(|&b| is_colon(b))
    }
}

/// The offset of the first space in a short run of bytes (a subprotocol list), eight bytes at
/// a time where words are 64 bits; four to seven bytes there as one word of two overlapping
/// halves, whose marks in the upper half count from the last four bytes.
#[inline]
pub(crate) fn find_space(bytes: &[u8]) -> Option<usize> {
    const SPACES: u64 = u64::from_le_bytes([b' '; 8]);
    let is_space = |b| b == b' ';
    let spaces = |word: u64| zero_bytes(word ^ SPACES);
    if WORDS {
        if bytes.first_chunk::<8>().is_some() {
            return find_by_words(bytes, spaces, is_space);
        }
        if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
            let marks = spaces(halves(first, last));
            if marks == 0 {
                return None;
            }
            // A mark in the upper half counts from the last four bytes. (Its first byte is
            // always among the first four as well, so it is never the lowest mark.)
            return Some(match (marks.trailing_zeros() / 8) as usize {
                lower @ 0..=3 => lower,
                upper => upper + bytes.len() - 8,
            });
        }
    }
    bytes.iter().position(|&b| is_space(b))
}

/// Whether `a` and `b` are the same bytes, without a call for the few bytes of a name: four to
/// sixteen bytes as their first and last four or eight, overlapping, where words are 64 bits.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if WORDS {
        if let Some(same) = same_in_words(a, b, 0) {
            return same;
        }
    }
    a == b
}

/// Whether `a`, with `case` set in each of its words, equals `b`, which is as long: eight bytes
/// at a time, the last eight overlapping the words before, or four to seven bytes as one word
/// of two overlapping halves. `None` under four bytes. `case` is 0 for an exact comparison, or
/// bit 0x20 in every byte to fold letters as [`name_is`] does.
#[inline(always)]
fn same_in_words(a: &[u8], b: &[u8], case: u64) -> Option<bool> {
    if let Some(last) = a.len().checked_sub(8) {
        let mut differ = (word_of(&a[last..]) | case) ^ word_of(&b[last..]);
        for (a, b) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
            differ |= (word_of(a) | case) ^ word_of(b);
        }
        return Some(differ == 0);
    }
    let (a_first, a_last) = (a.first_chunk::<4>()?, a.last_chunk::<4>()?);
    let (b_first, b_last) = (b.first_chunk::<4>()?, b.last_chunk::<4>()?);
    Some((halves(a_first, a_last) | case) ^ halves(b_first, b_last) == 0)
}

/// The offset of the first byte that `in_word` marks (the lowest set bit of its answer is the
/// high bit of the first wanted byte of a little-endian word, and it is 0 when the word holds
/// none) or, in the last bytes that do not fill a word, that `is` accepts.
#[inline(always)]
fn find_by_words(
    bytes: &[u8],
    in_word: impl Fn(u64) -> u64,
    is: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let found = in_word(word_of(word));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| is(b))
        .map(|offset| at + offset)
}

/// The high bit of every zero byte of `v`, and no other (no borrow runs between bytes).
const fn zero_bytes(v: u64) -> u64 {
    const LOWS: u64 = u64::from_le_bytes([0x7F; 8]);
    !(((v & LOWS).wrapping_add(LOWS)) | v | LOWS)
}

/// The high bit of every ASCII digit of `x`, and no other. With the high bits cleared nothing
/// carries between bytes (0x7F + 0x50 < 0x100); a byte with its high bit set is no digit.
pub(crate) const fn digit_bytes(x: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    let low = x & (ONES * 0x7F);
    let from_30 = low + ONES * (0x80 - 0x30);
    let from_3a = low + ONES * (0x80 - 0x3A);
    from_30 & !from_3a & !x & (ONES * 0x80)
}

/// The high bit of every U+0020 of `x`, and no other.
pub(crate) const fn space_bytes(x: u64) -> u64 {
    zero_bytes(x ^ u64::from_le_bytes([b' '; 8]))
}

/// Marks (the high bit of a byte) every byte of `x` below U+0020 and every DEL: not zero
/// whenever [`line_bytes`] is not. A borrow may mark bytes above the lowest such byte as well,
/// but it starts only at such a byte: the lowest mark is always exact, and nothing is marked
/// in a word that holds neither kind.
const fn maybe_line_bytes(x: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = ONES * 0x80;
    let below_space = x.wrapping_sub(ONES * 0x20) & !x;
    let not_del = x ^ (ONES * 0x7F);
    let del = not_del.wrapping_sub(ONES) & !not_del;
    (below_space | del) & HIGHS
}

/// The high bit of every byte of `x` that [`is_line_byte`], and no other.
const fn line_bytes(x: u64) -> u64 {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    let below_space = zero_bytes(x & (ONES * 0xE0));
    let tab = zero_bytes(x ^ (ONES * 0x09));
    let del = zero_bytes(x ^ (ONES * 0x7F));
    // No byte is both below U+0020 and DEL: the marks are apart, and their sum is their union.
    (below_space & !tab) + del
}

/// Whether a token `name` equals `lower`, a lowercase name of letters, digits and `-`.
/// Setting bit 0x20 lowercases the letters of a token and leaves `-` and digits alone; the
/// only other token bytes it changes (`^`, `_`) become bytes no such name holds. When `lower`
/// is letters only, it is exact for any bytes at all: only a letter's two cases set bit 0x20
/// into that letter. Eight bytes
/// are compared at a time (the last word overlapping the one before), four for short names;
/// `lower` is a constant, so its words are too.
#[inline]
pub(crate) fn name_is(name: &[u8], lower: &[u8]) -> bool {
    if WORDS {
        name_is_in_words(name, lower)
    } else {
        name_is_bytewise(name, lower)
    }
}

/// [`name_is`] eight (or four) bytes at a time.
#[inline(always)]
fn name_is_in_words(name: &[u8], lower: &[u8]) -> bool {
    const CASE: u64 = u64::from_le_bytes([0x20; 8]);
    if name.len() != lower.len() {
        return false;
    }
    same_in_words(name, lower, CASE).unwrap_or_else(|| {
        name.iter()
            .zip(lower)
            .fold(true, |same, (&n, &l)| same & (n | 0x20 == l))
    })
}

/// [`name_is`] a byte at a time: bit 0x20 set in each byte of `name`, then compared. One copy
/// for every name compared, not one loop per name.
#[inline(never)]
fn name_is_bytewise(name: &[u8], lower: &[u8]) -> bool {
    name.len() == lower.len() && name.iter().zip(lower).all(|(&n, &l)| n | 0x20 == l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_line_bytes_at_every_position() {
        assert_eq!(find_line_byte(&[b'a'; 40]), None);
        assert_eq!(find_line_byte(&[b'\t'; 40]), None);
        for at in 0..40 {
            for special in [b'\r', b'\n', 0, 0x01, 0x1F, 0x7F] {
                let mut bytes = [b'a'; 40];
                bytes[at] = special;
                assert_eq!(find_line_byte(&bytes), Some(at));
                assert_eq!(find_line_byte(&bytes[..at]), None);
            }
        }
        // High bytes never look like the searched ones.
        assert_eq!(
            find_line_byte(&[0x80, 0x8D, 0x8A, 0xFF, 0x20, 0x7E, 0x09, 0x21, 0xA0]),
            None
        );
    }

    #[test]
    fn finds_a_byte_as_memchr_does_on_every_target() {
        for len in 0..20 {
            for at in 0..=len {
                let mut bytes = [b'a'; 20];
                if at < len {
                    bytes[at] = b'\n';
                }
                let expected = (at < len).then_some(at);
                assert_eq!(find_byte(b'\n', &bytes[..len]), expected, "{at} of {len}");
                assert_eq!(find_byte_bytewise(b'\n', &bytes[..len]), expected);
            }
        }
    }

    #[test]
    fn finds_the_same_byte_as_a_byte_loop() {
        // Every byte value after every other, inside and across words, among HTABs or letters.
        for first in 0..=255u8 {
            for second in 0..=255u8 {
                for (at, filler) in [(0, b'\t'), (6, b'a'), (7, b'\t'), (15, b'a'), (3, b' ')] {
                    let mut bytes = [filler; 20];
                    bytes[at] = first;
                    bytes[at + 1] = second;
                    let naive = bytes.iter().position(|&b| is_line_byte(b));
                    assert_eq!(find_line_byte(&bytes), naive, "{first:#x} {second:#x} {at}");
                }
            }
        }
    }

    #[test]
    fn finds_the_colon_at_every_position() {
        assert_eq!(find_colon(b""), None);
        for len in 0..40 {
            assert_eq!(find_colon(&[b'a'; 40][..len]), None);
            // Bytes one bit away from ':' are not colons.
            assert_eq!(find_colon(&[0xBA; 40][..len]), None);
            assert_eq!(find_colon(&[0x3B; 40][..len]), None);
            for at in 0..len {
                let mut bytes = [b'a'; 40];
                bytes[at] = b':';
                if at + 3 < len {
                    bytes[at + 3] = b':';
                }
                assert_eq!(find_colon(&bytes[..len]), Some(at));
            }
        }
    }

    #[test]
    fn finds_the_space_at_every_length_and_place() {
        for len in 0..30 {
            // Bytes one bit away from a space, and high bytes, are not spaces.
            for filler in [b'a', 0x21, 0x00, 0xA0, 0x30, 0x60] {
                assert_eq!(find_space(&[filler; 30][..len]), None);
            }
            for at in 0..len {
                for second in [None, Some(at + 1), Some(at + 3), Some(len - 1)] {
                    let mut bytes = [b'x'; 30];
                    bytes[at] = b' ';
                    if let Some(second) = second.filter(|&second| second < len) {
                        bytes[second] = b' ';
                    }
                    assert_eq!(find_space(&bytes[..len]), Some(at), "{at} of {len}");
                }
            }
        }
    }

    #[test]
    fn same_bytes_at_every_length_and_place() {
        let text = b"sec-websocket-protocol-and-more-0123456789";
        for len in 0..=text.len() {
            let a = &text[..len];
            assert!(same_bytes(a, a));
            assert!(!same_bytes(a, &text[..len.saturating_sub(1)]) || len == 0);
            assert!(!same_bytes(&text[..len.saturating_sub(1)], a) || len == 0);
            for at in 0..len {
                for flip in [0x01, 0x20, 0x80] {
                    let mut b = [0u8; 64];
                    b[..len].copy_from_slice(a);
                    b[at] ^= flip;
                    assert!(!same_bytes(a, &b[..len]), "{len} {at}");
                    assert!(!same_bytes(&b[..len], a), "{len} {at}");
                }
            }
        }
    }

    #[test]
    fn names_compare_at_every_length() {
        let lower = b"sec-websocket-protocol-and-more-0123456789";
        for len in 0..=lower.len() {
            let lower = &lower[..len];
            let mut name = [0u8; 64];
            name[..len].copy_from_slice(lower);
            name[..len].make_ascii_uppercase();
            for name_is in [name_is, name_is_bytewise] {
                assert!(name_is(lower, lower), "{len}");
                assert!(name_is(&name[..len], lower));
                assert!(!name_is(&name[..len + 1], lower));
                for at in 0..len {
                    let mut other = name;
                    other[at] ^= 0x01;
                    assert!(!name_is(&other[..len], lower), "{len} {at}");
                    other[at] = b'_';
                    assert!(!name_is(&other[..len], lower), "{len} {at}");
                }
            }
        }
    }

    #[test]
    fn letter_names_fold_exactly_for_any_byte() {
        let lower = b"websocket";
        for at in 0..lower.len() {
            for b in 0..=255u8 {
                let mut value = *lower;
                value[at] = b;
                assert_eq!(name_is(&value, lower), b.eq_ignore_ascii_case(&lower[at]));
                assert_eq!(name_is_bytewise(&value, lower), name_is(&value, lower));
            }
        }
    }

    /// The prefilter may say "maybe" too often, never too rarely: every word holding a byte
    /// below U+0020 or DEL passes it, and a word with neither never does.
    #[test]
    fn the_prefilter_passes_exactly_the_words_to_look_at() {
        for b in 0..=255u8 {
            for at in 0..8 {
                for filler in [b'a', b' ', 0x80, 0xFF, 0x7E] {
                    let mut bytes = [filler; 8];
                    bytes[at] = b;
                    let word = u64::from_le_bytes(bytes);
                    let wanted = b < 0x20 || b == 0x7F;
                    let marks = maybe_line_bytes(word);
                    assert_eq!(marks != 0, wanted, "{b:#x} at {at} in {filler:#x}");
                    // Only high bits are marks.
                    assert_eq!(marks & !u64::from_le_bytes([0x80; 8]), 0);
                    if wanted {
                        assert_eq!(marks.trailing_zeros(), at as u32 * 8 + 7);
                        assert_eq!(marked_byte(word, marks), b);
                    }
                }
            }
        }
    }

    /// The lowest mark is the first byte below U+0020 or DEL, whatever the bytes after it:
    /// every pair of byte values, in every place of a word.
    #[test]
    fn the_prefilters_lowest_mark_is_exact() {
        for first in 0..=255u8 {
            for second in 0..=255u8 {
                for (at, filler) in [(0, b'a'), (3, 0xFF), (6, b' '), (1, 0x80), (5, b'~')] {
                    let mut bytes = [filler; 8];
                    bytes[at] = first;
                    bytes[at + 1] = second;
                    let word = u64::from_le_bytes(bytes);
                    let marks = maybe_line_bytes(word);
                    match bytes.iter().position(|&b| b < 0x20 || b == 0x7F) {
                        None => assert_eq!(marks, 0),
                        Some(first_at) => {
                            assert_eq!(marks.trailing_zeros(), first_at as u32 * 8 + 7);
                            assert_eq!(marked_byte(word, marks), bytes[first_at]);
                        }
                    }
                }
            }
        }
    }

    /// The exact test marks the high bit of every control byte but HTAB, and nothing else.
    #[test]
    fn line_bytes_marks_each_byte_exactly() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut bytes = [b'a'; 8];
                bytes[at] = b;
                let mut expected = [0u8; 8];
                if is_line_byte(b) {
                    expected[at] = 0x80;
                }
                assert_eq!(
                    line_bytes(u64::from_le_bytes(bytes)),
                    u64::from_le_bytes(expected)
                );
            }
        }
    }

    #[test]
    fn invisible_bytes_marks_each_byte_exactly() {
        for b in 0..=255u8 {
            for at in 0..8 {
                for filler in [b'a', b'!', b'~', 0x80, 0xA1, 0xFE] {
                    let mut bytes = [filler; 8];
                    bytes[at] = b;
                    let expected = bytes.map(|b| if (0x21..=0x7E).contains(&b) { 0 } else { 0x80 });
                    assert_eq!(
                        invisible_bytes(u64::from_le_bytes(bytes)),
                        u64::from_le_bytes(expected)
                    );
                }
            }
        }
    }

    #[test]
    fn upper_bytes_marks_each_byte_exactly() {
        for b in 0..=255u8 {
            for at in 0..8 {
                for filler in [b'a', b'@', b'[', b'A', b'Z', 0xC1, 0xDA, 0xFF, 0x00] {
                    let mut bytes = [filler; 8];
                    bytes[at] = b;
                    let expected = bytes.map(|b| if b.is_ascii_uppercase() { 0x80 } else { 0 });
                    assert_eq!(
                        upper_bytes(u64::from_le_bytes(bytes)),
                        u64::from_le_bytes(expected),
                        "{b:#x} at {at}"
                    );
                }
            }
        }
    }

    #[test]
    fn lowercase_copies_at_every_length_and_place() {
        for len in 0..30 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut src: [u8; 30] = core::array::from_fn(|i| b"Ab@[Z`z{"[i % 8]);
                    src[at] = b;
                    let mut dest = [0u8; 30];
                    copy_lowercase(&mut dest[..len], &src[..len]);
                    assert_eq!(
                        dest[..len],
                        src[..len].to_ascii_lowercase()[..],
                        "{b:#x} at {at}"
                    );
                    // Nothing past the copy is written.
                    assert!(dest[len..].iter().all(|&b| b == 0));
                }
            }
        }
        // Unequal lengths: as far as both go.
        for (dest_len, src_len) in [(3, 12), (12, 3), (9, 17), (17, 9)] {
            let src = [b'Q'; 17];
            let mut dest = [0u8; 17];
            copy_lowercase(&mut dest[..dest_len], &src[..src_len]);
            let copied = dest_len.min(src_len);
            assert!(dest[..copied].iter().all(|&b| b == b'q'));
            assert!(dest[copied..].iter().all(|&b| b == 0));
        }
    }

    #[test]
    fn visible_ascii_at_every_length_and_place() {
        for len in 0..30 {
            assert!(is_visible_ascii(&[b'~'; 30][..len]));
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut bytes = [b'!'; 30];
                    bytes[at] = b;
                    assert_eq!(
                        is_visible_ascii(&bytes[..len]),
                        (0x21..=0x7E).contains(&b),
                        "{b:#x} at {at} of {len}"
                    );
                }
            }
        }
    }

    /// Digits and spaces are marked exactly, beside the bytes next to them ('/' and ':',
    /// 0x1F and 0x21) and their images with the high bit set.
    #[test]
    fn digit_and_space_bytes_mark_each_byte_exactly() {
        for b in 0..=255u8 {
            for at in 0..8 {
                for filler in [
                    b'a', b'0', b'9', b' ', b'/', b':', 0x1F, 0x21, 0xB0, 0xA0, 0xFF,
                ] {
                    let mut bytes = [filler; 8];
                    bytes[at] = b;
                    let word = u64::from_le_bytes(bytes);
                    let digits = bytes.map(|b| if b.is_ascii_digit() { 0x80 } else { 0 });
                    assert_eq!(
                        digit_bytes(word),
                        u64::from_le_bytes(digits),
                        "{b:#x} at {at}"
                    );
                    let spaces = bytes.map(|b| if b == b' ' { 0x80 } else { 0 });
                    assert_eq!(
                        space_bytes(word),
                        u64::from_le_bytes(spaces),
                        "{b:#x} at {at}"
                    );
                }
            }
        }
    }

    #[test]
    fn zero_bytes_marks_each_zero_byte_exactly() {
        for b in 0..=255u8 {
            for at in 0..8 {
                let mut bytes = [0x01u8; 8];
                bytes[at] = b;
                let mut expected = [0u8; 8];
                if b == 0 {
                    expected[at] = 0x80;
                }
                assert_eq!(
                    zero_bytes(u64::from_le_bytes(bytes)),
                    u64::from_le_bytes(expected)
                );
            }
        }
        assert_eq!(zero_bytes(0), u64::from_le_bytes([0x80; 8]));
    }
}
