//! What a frame decoder enforces and how it treats invalid text.

/// The frame limits and the UTF-8 policy of a [`Decoder`](super::Decoder), and so of a
/// [`Connection`](crate::connection::Connection).
///
/// A handshake carries one in its configuration
/// ([`ServerConfig::with_frames`](crate::server::ServerConfig::with_frames),
/// [`ClientConfig::with_frames`](crate::client::ClientConfig::with_frames)) and hands it to the
/// connection it completes, so the limits set once hold for the whole connection.
///
/// ```
/// use hixie76::frame::FrameConfig;
/// let config = FrameConfig::new()
///     .with_max_message(64 * 1024)
///     .with_replace_invalid_utf8(true);
/// assert_eq!(config.max_message(), 65536);
/// assert_eq!(config.max_length_bytes(), 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FrameConfig {
    max_message: usize,
    max_length_bytes: usize,
    replace_invalid_utf8: bool,
}

impl FrameConfig {
    /// The defaults of [rule R12](crate::rules#r12): 1 MiB messages, 10-byte length prefixes,
    /// strict UTF-8.
    pub const DEFAULT: FrameConfig = FrameConfig {
        max_message: 1 << 20,
        max_length_bytes: 10,
        replace_invalid_utf8: false,
    };

    /// The defaults, as [`FrameConfig::DEFAULT`].
    #[must_use]
    pub const fn new() -> Self {
        Self::DEFAULT
    }

    /// The largest text message, in bytes of UTF-8 as received (the `0x00` and `0xFF` around it
    /// not counted). It also bounds a discarded frame: a length prefix above it is
    /// [`Error::FrameTooLarge`](crate::Error::FrameTooLarge) as soon as the prefix passes it,
    /// and so is a discarded sentinel frame (type `0x01`–`0x7F`) that runs longer.
    #[must_use]
    pub const fn with_max_message(mut self, bytes: usize) -> Self {
        self.max_message = bytes;
        self
    }

    /// The most bytes a length prefix may take. Leading `0x80` bytes add nothing to a length,
    /// so without this bound a peer could stretch one prefix forever. 10 is enough for any
    /// 64-bit length written minimally; a longer prefix is
    /// [`Error::FrameTooLarge`](crate::Error::FrameTooLarge).
    #[must_use]
    pub const fn with_max_length_bytes(mut self, bytes: usize) -> Self {
        self.max_length_bytes = bytes;
        self
    }

    /// Whether to replace each invalid UTF-8 sequence with U+FFFD (what the draft asks of a
    /// client) instead of failing with [`Error::InvalidUtf8`](crate::Error::InvalidUtf8), the
    /// default. Replacements arrive as [`TextChunk`](super::TextChunk)s of their own.
    #[must_use]
    pub const fn with_replace_invalid_utf8(mut self, replace: bool) -> Self {
        self.replace_invalid_utf8 = replace;
        self
    }

    /// The message limit in bytes ([`with_max_message`](Self::with_max_message)).
    #[must_use]
    pub const fn max_message(&self) -> usize {
        self.max_message
    }

    /// The length-prefix limit in bytes ([`with_max_length_bytes`](Self::with_max_length_bytes)).
    #[must_use]
    pub const fn max_length_bytes(&self) -> usize {
        self.max_length_bytes
    }

    /// Whether invalid UTF-8 is replaced rather than refused
    /// ([`with_replace_invalid_utf8`](Self::with_replace_invalid_utf8)).
    #[must_use]
    pub const fn replace_invalid_utf8(&self) -> bool {
        self.replace_invalid_utf8
    }
}

impl Default for FrameConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}
