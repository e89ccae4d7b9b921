//! The bounds every machine enforces (rule R4/R12). Overrunning one is a typed error.

/// Limits on what a peer may make this crate hold or count. All are configurable; the defaults
/// are those of rule R12.
///
/// ```
/// let limits = hixie76::Limits { max_fields: 32, ..hixie76::Limits::DEFAULT };
/// assert_eq!(limits.max_head, 8192);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest head in bytes, request or status line through the blank line (key3 and the
    /// answer are not counted). The head storage must also be at least this large; the smaller
    /// of the two applies.
    pub max_head: usize,
    /// Most header fields in a head.
    pub max_fields: usize,
    /// Largest text message in bytes; also bounds the declared length of a discarded
    /// length-prefixed frame.
    pub max_message: usize,
}

impl Limits {
    /// Head 8192 bytes, 64 fields, message 1 MiB.
    pub const DEFAULT: Limits = Limits {
        max_head: 8192,
        max_fields: 64,
        max_message: 1 << 20,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
