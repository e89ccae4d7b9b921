//! How much of a head a handshake will hold and count.

/// Bounds on an opening-handshake head (the request a server reads, or the response a
/// client reads): its size and its number of fields. Overrunning either is a typed error
/// ([`Error::HeadTooLarge`](crate::Error::HeadTooLarge),
/// [`Error::TooManyFields`](crate::Error::TooManyFields)), never a panic or an allocation.
///
/// The limits on what follows the handshake (message size, length prefixes) are
/// [`FrameConfig`](crate::frame::FrameConfig)'s.
///
/// ```
/// use hixie76::HeadLimits;
/// let limits = HeadLimits::new().with_max_fields(32);
/// assert_eq!((limits.max_head(), limits.max_fields()), (8192, 32));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct HeadLimits {
    max_head: usize,
    max_fields: usize,
}

impl HeadLimits {
    /// The defaults of [rule R12](crate::rules#r12): a head of at most 8192 bytes with at most
    /// 64 fields.
    pub const DEFAULT: HeadLimits = HeadLimits {
        max_head: 8192,
        max_fields: 64,
    };

    /// The defaults, as [`HeadLimits::DEFAULT`].
    #[must_use]
    pub const fn new() -> Self {
        Self::DEFAULT
    }

    /// The largest head in bytes, from the first byte of the request or status line through
    /// the blank line; key3 and the answer are not counted. The head storage handed to a
    /// handshake must be at least this large: the smaller of the two is the limit that
    /// applies.
    #[must_use]
    pub const fn with_max_head(mut self, bytes: usize) -> Self {
        self.max_head = bytes;
        self
    }

    /// The most header fields a head may have (the request or status line not counted).
    #[must_use]
    pub const fn with_max_fields(mut self, fields: usize) -> Self {
        self.max_fields = fields;
        self
    }

    /// The head size limit in bytes ([`with_max_head`](Self::with_max_head)).
    #[must_use]
    pub const fn max_head(&self) -> usize {
        self.max_head
    }

    /// The field count limit ([`with_max_fields`](Self::with_max_fields)).
    #[must_use]
    pub const fn max_fields(&self) -> usize {
        self.max_fields
    }
}

impl Default for HeadLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
