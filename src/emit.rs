//! Writing a head, for both roles: the one place bytes are put into an output buffer or
//! compared with bytes received.
//!
//! A head is described once, as an [`Emit`] implementation that puts its pieces into a
//! [`Sink`]. Run through a counter it gives the length, so a too-small buffer is refused
//! before anything is written; run through a writer it fills the buffer; run through a
//! [`Matcher`] (the client's check of the Location and the subprotocol it gets back) it
//! compares. No length is counted by hand apart from the bytes written.

use crate::scan::{copy_lowercase, is_field_value, is_token, WORDS};
use crate::Error;

/// Where emitted bytes go.
pub(crate) trait Sink {
    /// Takes `bytes` as they are.
    fn put(&mut self, bytes: &[u8]);
    /// Takes `bytes` ASCII-lowercased.
    fn put_lowercase(&mut self, bytes: &[u8]);
}

/// Something that can be written as bytes.
pub(crate) trait Emit {
    fn emit<K: Sink>(&self, sink: &mut K);
}

/// Counts the bytes emitted: after inlining, a sum of a few lengths. Used on 64-bit targets;
/// elsewhere the [`Writer`] over no buffer counts.
struct Counter(usize);

impl Sink for Counter {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }

    #[inline]
    fn put_lowercase(&mut self, bytes: &[u8]) {
        self.0 += bytes.len();
    }
}

/// Writes what is emitted into a buffer, as far as it fits, and counts all of it. Over an
/// empty buffer it only counts: on targets narrower than 64 bits that is how heads are
/// counted, so that a head's emission is compiled once for counting and writing (on a
/// microcontroller, where it is not inlined, that saves code; on x86-64 a [`Counter`] saves
/// the bounds checks).
struct Writer<'o> {
    out: &'o mut [u8],
    at: usize,
}

impl Sink for Writer<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        let start = self.at;
        self.at += bytes.len();
        if let Some(dest) = self.out.get_mut(start..self.at) {
            dest.copy_from_slice(bytes);
        }
    }

    #[inline]
    fn put_lowercase(&mut self, bytes: &[u8]) {
        let start = self.at;
        self.at += bytes.len();
        if let Some(dest) = self.out.get_mut(start..self.at) {
            copy_lowercase(dest, bytes);
        }
    }
}

/// How many bytes `head` emits.
#[inline]
pub(crate) fn emitted_len(head: &impl Emit) -> usize {
    if WORDS {
        counted_len(head)
    } else {
        written_len(head)
    }
}

/// [`emitted_len`] by a [`Counter`].
#[inline]
fn counted_len(head: &impl Emit) -> usize {
    let mut counter = Counter(0);
    head.emit(&mut counter);
    counter.0
}

/// [`emitted_len`] by a [`Writer`] over no buffer.
fn written_len(head: &impl Emit) -> usize {
    let mut counter = Writer {
        out: &mut [],
        at: 0,
    };
    head.emit(&mut counter);
    counter.at
}

/// Writes `head` at the start of `out` and returns its length.
///
/// # Errors
///
/// [`Error::BufferTooSmall`] with the length needed when `out` is shorter; nothing is
/// written then: the length is counted first.
pub(crate) fn write(head: &impl Emit, out: &mut [u8]) -> Result<usize, Error> {
    write_inline(head, out)
}

/// [`write`], inlined where it is called: for a head whose fixed pieces are constants there,
/// so that they are copied without calls.
#[inline(always)]
pub(crate) fn write_inline(head: &impl Emit, out: &mut [u8]) -> Result<usize, Error> {
    let needed = emitted_len(head);
    let Some(out) = out.get_mut(..needed) else {
        return Err(Error::BufferTooSmall { needed });
    };
    head.emit(&mut Writer { out, at: 0 });
    Ok(needed)
}

/// Compares what would be emitted with `expected`, byte for byte.
pub(crate) struct Matcher<'e> {
    expected: &'e [u8],
    at: usize,
    equal: bool,
}

impl<'e> Matcher<'e> {
    pub(crate) fn new(expected: &'e [u8]) -> Self {
        Matcher {
            expected,
            at: 0,
            equal: true,
        }
    }

    /// Whether everything emitted equals all of `expected`.
    pub(crate) fn matched(&self) -> bool {
        self.equal && self.at == self.expected.len()
    }

    fn next(&mut self, len: usize) -> Option<&'e [u8]> {
        let got = self.expected.get(self.at..self.at + len);
        self.at += len;
        if got.is_none() {
            self.equal = false;
        }
        got
    }
}

impl Sink for Matcher<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if self.next(bytes.len()) != Some(bytes) {
            self.equal = false;
        }
    }

    fn put_lowercase(&mut self, bytes: &[u8]) {
        let same = self.next(bytes.len()).is_some_and(|got| {
            got.iter()
                .zip(bytes)
                .all(|(&g, s)| g == s.to_ascii_lowercase())
        });
        if !same {
            self.equal = false;
        }
    }
}

/// Whether `emitted` emits exactly `expected`.
pub(crate) fn matches(expected: &[u8], emitted: impl FnOnce(&mut Matcher<'_>)) -> bool {
    let mut matcher = Matcher::new(expected);
    emitted(&mut matcher);
    matcher.matched()
}

/// The application's extra fields, each as `name: value` CR LF.
pub(crate) fn emit_fields(fields: &[(&str, &str)], sink: &mut impl Sink) {
    for (name, value) in fields {
        sink.put(name.as_bytes());
        sink.put(b": ");
        sink.put(value.as_bytes());
        sink.put(b"\r\n");
    }
}

/// Whether an application may add the field `name: value` to a head: a token name that is
/// not one the handshake writes itself or that would change how the head is read
/// (`Upgrade`, `Connection`, `Content-Length`, `Transfer-Encoding`, `Sec-WebSocket-*`,
/// `WebSocket-*`, nor any of `also_reserved`, given in lowercase), and a value free of control
/// bytes ([rule R5](crate::rules#r5)).
pub(crate) fn is_extra_field(name: &[u8], value: &[u8], also_reserved: &[&[u8]]) -> bool {
    let starts = |prefix: &[u8]| {
        name.get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    let reserved = [
        &b"upgrade"[..],
        b"connection",
        b"content-length",
        b"transfer-encoding",
    ]
    .iter()
    .chain(also_reserved)
    .any(|reserved| name.eq_ignore_ascii_case(reserved))
        || starts(b"sec-websocket-")
        || starts(b"websocket-");
    is_token(name) && !reserved && is_field_value(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Hello;

    impl Emit for Hello {
        fn emit<K: Sink>(&self, sink: &mut K) {
            sink.put(b"Hello, ");
            sink.put_lowercase(b"WORLD");
        }
    }

    #[test]
    fn writes_exactly_what_it_counts() {
        assert_eq!(emitted_len(&Hello), 12);
        assert_eq!(counted_len(&Hello), 12);
        assert_eq!(written_len(&Hello), 12);
        let mut out = [b'x'; 14];
        assert_eq!(write(&Hello, &mut out), Ok(12));
        assert_eq!(&out, b"Hello, worldxx");
        let mut short = [b'x'; 11];
        assert_eq!(
            write(&Hello, &mut short),
            Err(Error::BufferTooSmall { needed: 12 })
        );
        assert_eq!(short, [b'x'; 11]);
    }

    /// Below 64 bits heads are counted by a writer over no buffer: it counts what a counter
    /// counts, and writes nothing.
    #[test]
    fn a_writer_over_no_buffer_counts() {
        let mut writer = Writer {
            out: &mut [],
            at: 0,
        };
        Hello.emit(&mut writer);
        assert_eq!(writer.at, 12);
        // And over a buffer too short, it writes only what fits.
        let mut short = [b'x'; 9];
        let mut writer = Writer {
            out: &mut short,
            at: 0,
        };
        Hello.emit(&mut writer);
        assert_eq!(writer.at, 12);
        assert_eq!(&short, b"Hello, xx");
    }

    #[test]
    fn matches_byte_for_byte() {
        assert!(matches(b"Hello, world", |m| Hello.emit(m)));
        for other in [&b"Hello, WORLD"[..], b"Hello, worl", b"Hello, world!", b""] {
            assert!(!matches(other, |m| Hello.emit(m)), "{other:?}");
        }
    }

    #[test]
    fn extra_fields() {
        assert!(is_extra_field(b"Set-Cookie", b"a=b; c\td", &[]));
        for (name, value) in [
            (&b"Bad Name"[..], &b"v"[..]),
            (b"", b"v"),
            (b"X", b"a\r\nY: z"),
            (b"X", b"a\0"),
            (b"UPGRADE", b"v"),
            (b"connection", b"v"),
            (b"Content-Length", b"0"),
            (b"Transfer-Encoding", b"chunked"),
            (b"Sec-WebSocket-Key1", b"1 1"),
            (b"websocket-protocol", b"x"),
        ] {
            assert!(!is_extra_field(name, value, &[]), "{name:?}");
        }
        assert!(!is_extra_field(b"Host", b"x", &[b"host"]));
        assert!(is_extra_field(b"Host", b"x", &[]));
    }
}
