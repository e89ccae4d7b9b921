//! MD5 (RFC 1321), for the one 16-byte message the handshake hashes, in two forms chosen by
//! target: on 64-bit targets its 64 steps written out, with the block's constant padding words
//! folded into them (faster than `md-5`, which hashes any message); elsewhere a loop over the
//! steps, about a third of the code (a microcontroller's flash is the scarcer). Both are held
//! to RFC 1321's test vectors, and to `md-5` on 16-byte messages.

/// The state before the first block (RFC 1321 section 3.3).
const INIT: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

/// The per-step additive constants, `floor(abs(sin(i + 1)) * 2^32)` (section 3.4).
#[rustfmt::skip]
const K: [u32; 64] = [
    0xd76a_a478, 0xe8c7_b756, 0x2420_70db, 0xc1bd_ceee, 0xf57c_0faf, 0x4787_c62a,
    0xa830_4613, 0xfd46_9501, 0x6980_98d8, 0x8b44_f7af, 0xffff_5bb1, 0x895c_d7be,
    0x6b90_1122, 0xfd98_7193, 0xa679_438e, 0x49b4_0821, 0xf61e_2562, 0xc040_b340,
    0x265e_5a51, 0xe9b6_c7aa, 0xd62f_105d, 0x0244_1453, 0xd8a1_e681, 0xe7d3_fbc8,
    0x21e1_cde6, 0xc337_07d6, 0xf4d5_0d87, 0x455a_14ed, 0xa9e3_e905, 0xfcef_a3f8,
    0x676f_02d9, 0x8d2a_4c8a, 0xfffa_3942, 0x8771_f681, 0x6d9d_6122, 0xfde5_380c,
    0xa4be_ea44, 0x4bde_cfa9, 0xf6bb_4b60, 0xbebf_bc70, 0x289b_7ec6, 0xeaa1_27fa,
    0xd4ef_3085, 0x0488_1d05, 0xd9d4_d039, 0xe6db_99e5, 0x1fa2_7cf8, 0xc4ac_5665,
    0xf429_2244, 0x432a_ff97, 0xab94_23a7, 0xfc93_a039, 0x655b_59c3, 0x8f0c_cc92,
    0xffef_f47d, 0x8584_5dd1, 0x6fa8_7e4f, 0xfe2c_e6e0, 0xa301_4314, 0x4e08_11a1,
    0xf753_7e82, 0xbd3a_f235, 0x2ad7_d2bb, 0xeb86_d391,
];

/// The rotation of each step: four per round, repeated over its 16 steps.
const SHIFTS: [u32; 16] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

/// One block of 16 little-endian words into `state`: the form for this target.
#[inline]
fn compress(state: &mut [u32; 4], block: &[u32; 16]) {
    if cfg!(target_pointer_width = "64") {
        compress_unrolled(state, block);
    } else {
        compress_loop(state, block);
    }
}

/// The 64 steps as a loop (section 3.4).
fn compress_loop(state: &mut [u32; 4], block: &[u32; 16]) {
    let [mut a, mut b, mut c, mut d] = *state;
    for (i, &k) in K.iter().enumerate() {
        let round = i / 16;
        let (f, g) = match round {
            0 => (d ^ (b & (c ^ d)), i),
            1 => (c ^ (d & (b ^ c)), (5 * i + 1) % 16),
            2 => (b ^ c ^ d, (3 * i + 5) % 16),
            _ => (c ^ (b | !d), (7 * i) % 16),
        };
        let sum = f.wrapping_add(a).wrapping_add(k).wrapping_add(block[g]);
        a = d;
        d = c;
        c = b;
        b = b.wrapping_add(sum.rotate_left(SHIFTS[round * 4 + i % 4]));
    }
    for (word, add) in state.iter_mut().zip([a, b, c, d]) {
        *word = word.wrapping_add(add);
    }
}

/// The 64 steps written out (section 3.4), the four words taking turns as `a`. Inlined,
/// so that the words of a block known in advance are constants.
#[inline(always)]
fn compress_unrolled(state: &mut [u32; 4], x: &[u32; 16]) {
    #[inline(always)]
    fn step(f: u32, a: u32, b: u32, x: u32, k: u32, s: u32) -> u32 {
        b.wrapping_add(
            a.wrapping_add(f)
                .wrapping_add(x)
                .wrapping_add(k)
                .rotate_left(s),
        )
    }
    // F and G as three operations each: (b & c) | (!b & d) selects c where b has a one
    // bit and d elsewhere, as d ^ (b & (c ^ d)) does; likewise G with d selecting b or c.
    let f = |b: u32, c: u32, d: u32| d ^ (b & (c ^ d));
    let g = |b: u32, c: u32, d: u32| c ^ (d & (b ^ c));
    let h = |b: u32, c: u32, d: u32| b ^ c ^ d;
    let i = |b: u32, c: u32, d: u32| c ^ (b | !d);
    let [mut a, mut b, mut c, mut d] = *state;
    a = step(f(b, c, d), a, b, x[0], K[0], 7);
    d = step(f(a, b, c), d, a, x[1], K[1], 12);
    c = step(f(d, a, b), c, d, x[2], K[2], 17);
    b = step(f(c, d, a), b, c, x[3], K[3], 22);
    a = step(f(b, c, d), a, b, x[4], K[4], 7);
    d = step(f(a, b, c), d, a, x[5], K[5], 12);
    c = step(f(d, a, b), c, d, x[6], K[6], 17);
    b = step(f(c, d, a), b, c, x[7], K[7], 22);
    a = step(f(b, c, d), a, b, x[8], K[8], 7);
    d = step(f(a, b, c), d, a, x[9], K[9], 12);
    c = step(f(d, a, b), c, d, x[10], K[10], 17);
    b = step(f(c, d, a), b, c, x[11], K[11], 22);
    a = step(f(b, c, d), a, b, x[12], K[12], 7);
    d = step(f(a, b, c), d, a, x[13], K[13], 12);
    c = step(f(d, a, b), c, d, x[14], K[14], 17);
    b = step(f(c, d, a), b, c, x[15], K[15], 22);
    a = step(g(b, c, d), a, b, x[1], K[16], 5);
    d = step(g(a, b, c), d, a, x[6], K[17], 9);
    c = step(g(d, a, b), c, d, x[11], K[18], 14);
    b = step(g(c, d, a), b, c, x[0], K[19], 20);
    a = step(g(b, c, d), a, b, x[5], K[20], 5);
    d = step(g(a, b, c), d, a, x[10], K[21], 9);
    c = step(g(d, a, b), c, d, x[15], K[22], 14);
    b = step(g(c, d, a), b, c, x[4], K[23], 20);
    a = step(g(b, c, d), a, b, x[9], K[24], 5);
    d = step(g(a, b, c), d, a, x[14], K[25], 9);
    c = step(g(d, a, b), c, d, x[3], K[26], 14);
    b = step(g(c, d, a), b, c, x[8], K[27], 20);
    a = step(g(b, c, d), a, b, x[13], K[28], 5);
    d = step(g(a, b, c), d, a, x[2], K[29], 9);
    c = step(g(d, a, b), c, d, x[7], K[30], 14);
    b = step(g(c, d, a), b, c, x[12], K[31], 20);
    a = step(h(b, c, d), a, b, x[5], K[32], 4);
    d = step(h(a, b, c), d, a, x[8], K[33], 11);
    c = step(h(d, a, b), c, d, x[11], K[34], 16);
    b = step(h(c, d, a), b, c, x[14], K[35], 23);
    a = step(h(b, c, d), a, b, x[1], K[36], 4);
    d = step(h(a, b, c), d, a, x[4], K[37], 11);
    c = step(h(d, a, b), c, d, x[7], K[38], 16);
    b = step(h(c, d, a), b, c, x[10], K[39], 23);
    a = step(h(b, c, d), a, b, x[13], K[40], 4);
    d = step(h(a, b, c), d, a, x[0], K[41], 11);
    c = step(h(d, a, b), c, d, x[3], K[42], 16);
    b = step(h(c, d, a), b, c, x[6], K[43], 23);
    a = step(h(b, c, d), a, b, x[9], K[44], 4);
    d = step(h(a, b, c), d, a, x[12], K[45], 11);
    c = step(h(d, a, b), c, d, x[15], K[46], 16);
    b = step(h(c, d, a), b, c, x[2], K[47], 23);
    a = step(i(b, c, d), a, b, x[0], K[48], 6);
    d = step(i(a, b, c), d, a, x[7], K[49], 10);
    c = step(i(d, a, b), c, d, x[14], K[50], 15);
    b = step(i(c, d, a), b, c, x[5], K[51], 21);
    a = step(i(b, c, d), a, b, x[12], K[52], 6);
    d = step(i(a, b, c), d, a, x[3], K[53], 10);
    c = step(i(d, a, b), c, d, x[10], K[54], 15);
    b = step(i(c, d, a), b, c, x[1], K[55], 21);
    a = step(i(b, c, d), a, b, x[8], K[56], 6);
    d = step(i(a, b, c), d, a, x[15], K[57], 10);
    c = step(i(d, a, b), c, d, x[6], K[58], 15);
    b = step(i(c, d, a), b, c, x[13], K[59], 21);
    a = step(i(b, c, d), a, b, x[4], K[60], 6);
    d = step(i(a, b, c), d, a, x[11], K[61], 10);
    c = step(i(d, a, b), c, d, x[2], K[62], 15);
    b = step(i(c, d, a), b, c, x[9], K[63], 21);
    for (word, add) in state.iter_mut().zip([a, b, c, d]) {
        *word = word.wrapping_add(add);
    }
}

/// The digest of a state, its words little-endian.
fn digest_bytes(state: &[u32; 4]) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (bytes, word) in out.chunks_exact_mut(4).zip(state) {
        bytes.copy_from_slice(&word.to_le_bytes());
    }
    out
}

/// MD5 of exactly 16 bytes: one block, whose padding (0x80, zeros, the length of 128
/// bits) is known in advance.
pub(crate) fn digest_16(message: &[u8; 16]) -> [u8; 16] {
    let mut block = [0u32; 16];
    for (word, bytes) in block.iter_mut().zip(message.chunks_exact(4)) {
        let mut four = [0u8; 4];
        four.copy_from_slice(bytes);
        *word = u32::from_le_bytes(four);
    }
    block[4] = 0x80;
    block[14] = 128;
    let mut state = INIT;
    compress(&mut state, &block);
    digest_bytes(&state)
}

/// MD5 of any message of up to 247 bytes (sections 3.1–3.5) with the given form of the
/// steps, to hold both to the RFC's test vectors.
#[cfg(test)]
pub(crate) fn digest(message: &[u8], unrolled: bool) -> [u8; 16] {
    let mut padded = [0u8; 256];
    let len = message.len();
    assert!(len + 9 <= padded.len(), "test messages only");
    padded[..len].copy_from_slice(message);
    padded[len] = 0x80;
    let total = (len + 9).div_ceil(64) * 64;
    padded[total - 8..total].copy_from_slice(&(len as u64 * 8).to_le_bytes());
    let mut state = INIT;
    for chunk in padded[..total].chunks_exact(64) {
        let mut block = [0u32; 16];
        for (word, bytes) in block.iter_mut().zip(chunk.chunks_exact(4)) {
            let mut four = [0u8; 4];
            four.copy_from_slice(bytes);
            *word = u32::from_le_bytes(four);
        }
        if unrolled {
            compress_unrolled(&mut state, &block);
        } else {
            compress_loop(&mut state, &block);
        }
    }
    digest_bytes(&state)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 32 hex digits as 16 bytes.
    fn unhex(text: &str) -> [u8; 16] {
        let mut bytes = [0u8; 16];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
            let pair = core::str::from_utf8(pair).unwrap();
            *byte = u8::from_str_radix(pair, 16).unwrap();
        }
        bytes
    }

    /// RFC 1321's test suite (appendix A.5), for both forms of the steps.
    #[test]
    fn md5_meets_rfc_1321() {
        for (message, expected) in [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "abcdefghijklmnopqrstuvwxyz",
                "c3fcd3d76192e4007dfb496cca67e13b",
            ),
            (
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                "d174ab98d277d9f5a5611c2c9f419d9f",
            ),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ] {
            for unrolled in [false, true] {
                assert_eq!(
                    digest(message.as_bytes(), unrolled),
                    unhex(expected),
                    "{message:?}"
                );
            }
        }
    }

    /// The 16-byte path, whose padding is written in advance, against the general one, and
    /// the draft's example (its challenge, then its answer).
    #[test]
    fn md5_of_16_bytes() {
        let mut message = [0u8; 16];
        for round in 0..300u32 {
            for (i, byte) in message.iter_mut().enumerate() {
                *byte = (round.wrapping_mul(2_654_435_761) >> (i % 24)) as u8 ^ i as u8;
            }
            let expected = digest(&message, false);
            assert_eq!(digest_16(&message), expected);
            assert_eq!(digest(&message, true), expected);
        }
        assert_eq!(
            &digest_16(b"\x31\x6e\x41\x13\x0f\x7e\xd6\x3c^n:ds[4U"),
            b"8jKS'y:G*Co,Wxa-"
        );
    }
}
