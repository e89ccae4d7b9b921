//! What the client writes: the whole request, head and key3, as one byte sequence (rule R7);
//! in hixie-75 mode the head alone, without keys.
//!
//! The same code that writes `Host` and the resource also rebuilds the expected
//! `Sec-WebSocket-Location` for comparison, so the two cannot drift apart. Every value written
//! was checked by [`ClientConfig::validate`] or comes from [`Url::parse`] or [`Keys`], so
//! nothing carrying CR, LF or NUL can reach the output (rule R5).

use super::config::ClientConfig;
use super::keys::Keys;
use super::url::Url;
use crate::authority::port_text;
use crate::Error;

/// Where emitted bytes go: an output buffer, or a comparison with received bytes.
pub(crate) trait Sink {
    /// Takes `bytes` as they are.
    fn put(&mut self, bytes: &[u8]);
    /// Takes `bytes` ASCII-lowercased.
    fn put_lowercase(&mut self, bytes: &[u8]);
}

/// Writes into a buffer while there is room, and counts every byte either way, so one pass
/// over an empty buffer gives the length.
struct Writer<'o> {
    out: &'o mut [u8],
    len: usize,
}

impl Sink for Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if let Some(dest) = self.out.get_mut(self.len..self.len + bytes.len()) {
            dest.copy_from_slice(bytes);
        }
        self.len += bytes.len();
    }

    fn put_lowercase(&mut self, bytes: &[u8]) {
        if let Some(dest) = self.out.get_mut(self.len..self.len + bytes.len()) {
            for (d, s) in dest.iter_mut().zip(bytes) {
                *d = s.to_ascii_lowercase();
            }
        }
        self.len += bytes.len();
    }
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

/// `host[:port]` as in `Host`: lowercased, the port only when it is not the default.
pub(crate) fn emit_host(url: &Url<'_>, sink: &mut impl Sink) {
    sink.put_lowercase(url.host().as_bytes());
    if !url.has_default_port() {
        let mut digits = [0u8; 6];
        sink.put(port_text(url.port(), &mut digits));
    }
}

/// The resource: the path (`/` when empty) and `?query`.
pub(crate) fn emit_resource(url: &Url<'_>, sink: &mut impl Sink) {
    sink.put(match url.path() {
        "" => b"/",
        path => path.as_bytes(),
    });
    if let Some(query) = url.query() {
        sink.put(b"?");
        sink.put(query.as_bytes());
    }
}

/// The `Sec-WebSocket-Location` the server must send back.
pub(crate) fn emit_location(url: &Url<'_>, sink: &mut impl Sink) {
    sink.put(if url.is_secure() { b"wss://" } else { b"ws://" });
    emit_host(url, sink);
    emit_resource(url, sink);
}

/// The offered subprotocols separated by single spaces.
pub(crate) fn emit_protocols(protocols: &[&str], sink: &mut impl Sink) {
    for (i, protocol) in protocols.iter().enumerate() {
        if i > 0 {
            sink.put(b" ");
        }
        sink.put(protocol.as_bytes());
    }
}

fn emit_request(config: &ClientConfig<'_>, keys: &Keys, sink: &mut impl Sink) {
    sink.put(b"GET ");
    emit_resource(&config.url, sink);
    sink.put(b" HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: ");
    emit_host(&config.url, sink);
    sink.put(b"\r\nOrigin: ");
    sink.put_lowercase(config.origin.as_bytes());
    sink.put(b"\r\n");
    if !config.protocols.is_empty() {
        // hixie-75 names it without `Sec-`, and validation allowed it one value only.
        sink.put(if config.hixie75 {
            b"WebSocket-Protocol: "
        } else {
            b"Sec-WebSocket-Protocol: "
        });
        emit_protocols(config.protocols, sink);
        sink.put(b"\r\n");
    }
    if !config.hixie75 {
        sink.put(b"Sec-WebSocket-Key1: ");
        sink.put(keys.key1().as_bytes());
        sink.put(b"\r\nSec-WebSocket-Key2: ");
        sink.put(keys.key2().as_bytes());
        sink.put(b"\r\n");
    }
    for (name, value) in config.fields {
        sink.put(name.as_bytes());
        sink.put(b": ");
        sink.put(value.as_bytes());
        sink.put(b"\r\n");
    }
    if config.hixie75 {
        // No key3 and so no body: the blank line ends the request.
        sink.put(b"\r\n");
        return;
    }
    if config.content_length {
        sink.put(b"Content-Length: 8\r\n");
    }
    sink.put(b"\r\n");
    sink.put(&keys.key3());
}

/// The request's length in bytes.
pub(crate) fn request_len(config: &ClientConfig<'_>, keys: &Keys) -> usize {
    let mut count = Writer {
        out: &mut [],
        len: 0,
    };
    emit_request(config, keys, &mut count);
    count.len
}

/// Writes the request into `out` and returns its length; writes nothing when `out` is too
/// small. `config` must have been validated.
pub(crate) fn write_request(
    config: &ClientConfig<'_>,
    keys: &Keys,
    out: &mut [u8],
) -> Result<usize, Error> {
    let needed = request_len(config, keys);
    let Some(dest) = out.get_mut(..needed) else {
        return Err(Error::BufferTooSmall { needed });
    };
    let mut writer = Writer { out: dest, len: 0 };
    emit_request(config, keys, &mut writer);
    Ok(needed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location_matches(url: &str, got: &[u8]) -> bool {
        let mut matcher = Matcher::new(got);
        emit_location(&Url::parse(url).unwrap(), &mut matcher);
        matcher.matched()
    }

    #[test]
    fn location_is_canonical() {
        assert!(location_matches("ws://Example.com", b"ws://example.com/"));
        assert!(location_matches(
            "ws://example.com:80/a?b",
            b"ws://example.com/a?b"
        ));
        assert!(location_matches(
            "wss://example.com:80/",
            b"wss://example.com:80/"
        ));
        assert!(location_matches("wss://[::1]:443/", b"wss://[::1]/"));
        assert!(!location_matches(
            "ws://example.com/a",
            b"ws://example.com/a/"
        ));
        assert!(!location_matches(
            "ws://example.com/a",
            b"ws://example.com/"
        ));
        assert!(!location_matches(
            "ws://example.com/a",
            b"ws://Example.com/a"
        ));
    }

    #[test]
    fn ports() {}
}
