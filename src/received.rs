//! The one shape every machine's input call returns.

/// What one `receive` call did: how many input bytes it used and, at most, one event.
///
/// Every machine of the crate (both handshakes, [`Decoder`](crate::frame::Decoder),
/// [`Connection`](crate::connection::Connection) and the message assembler) takes its input
/// through a `receive` method that returns this. `event: None` means the machine needs more
/// input: it is not an error. Drop the `used` bytes, and pass the rest of the input (with
/// whatever arrived meanwhile after it) to the next call; once a handshake is over, the rest
/// belongs to the next layer.
///
/// ```
/// use hixie76::Received;
///
/// let partial: Received<&str> = Received::partial(4);
/// assert_eq!((partial.used, partial.event), (4, None)); // needs more input
/// let done = Received::event(2, "close").map(str::len);
/// assert_eq!(done, Received { used: 2, event: Some(5) });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use = "`used` says how much of the input was taken; the rest must be passed again"]
pub struct Received<E> {
    /// How many bytes of the input were used, from its start.
    pub used: usize,
    /// What happened, if anything. `None`: more input is needed.
    pub event: Option<E>,
}

impl<E> Received<E> {
    /// `used` bytes were taken and more are needed.
    #[inline]
    pub const fn partial(used: usize) -> Self {
        Received { used, event: None }
    }

    /// `used` bytes were taken and gave `event`.
    #[inline]
    pub const fn event(used: usize, event: E) -> Self {
        Received {
            used,
            event: Some(event),
        }
    }

    /// The same result with its event turned into another type.
    #[inline]
    pub fn map<F>(self, f: impl FnOnce(E) -> F) -> Received<F> {
        Received {
            used: self.used,
            event: self.event.map(f),
        }
    }
}
