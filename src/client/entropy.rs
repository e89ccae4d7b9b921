//! Where the client's randomness comes from: the caller ([rule R1](crate::rules#r1)). The crate depends on no
//! random number generator; any source of 64-bit values plugs in.

/// A source of random 64-bit values for the handshake keys.
///
/// Implement it for your generator, or pass a closure: every `FnMut() -> u64` is one. Use a
/// cryptographically secure generator seeded from the operating system in production: the keys
/// are what stop a WebSocket client from being tricked into talking to a non-WebSocket server.
/// Any values are legal, even a constant; key generation always terminates.
///
/// ```
/// use hixie76::client::{Entropy, Keys};
/// // A toy generator (splitmix64), for the example only.
/// let mut state = 0x1234_5678_u64;
/// let mut next = move || {
///     state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
///     let mut z = state;
///     z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
///     z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
///     z ^ (z >> 31)
/// };
/// let keys = Keys::generate(&mut next);
/// assert!(keys.key1().contains(' '));
/// ```
pub trait Entropy {
    /// The next random value; all 64 bits should be random.
    fn next_u64(&mut self) -> u64;
}

impl<F: FnMut() -> u64> Entropy for F {
    fn next_u64(&mut self) -> u64 {
        self()
    }
}

/// A value in `0..n` (`n` in 1..=2^32; 0 is treated as 1) from one 64-bit draw reduced modulo
/// `n`. Some values come up once more than others over the 2^64 draws, so the bias is at most
/// n / 2^64 ≤ 2^-32 per draw: far below anything the handshake could notice, and unlike
/// rejection sampling it takes one draw whatever the source returns.
pub(crate) fn below<E: Entropy + ?Sized>(entropy: &mut E, n: u64) -> u64 {
    entropy.next_u64() % n.max(1)
}
