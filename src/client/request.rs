//! What the client writes: the whole request, head and key3, as one byte sequence
//! ([rule R7](crate::rules#r7)); for hixie-75 the head alone, without keys.
//!
//! The same code that writes `Host` and the resource also rebuilds the expected
//! `Sec-WebSocket-Location` for comparison, so the two cannot drift apart. Every value written
//! was checked by [`ClientConfig::validate`] or comes from [`Url::parse`] or [`Keys`], so
//! nothing carrying CR, LF or NUL can reach the output ([rule R5](crate::rules#r5)).

use super::config::ClientConfig;
use super::keys::Keys;
use super::url::Url;
use crate::authority::port_text;
use crate::emit::{emit_fields, Emit, Sink};

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

/// The request: for hixie-76 with its keys, for hixie-75 (`keys: None`) without.
pub(crate) struct RequestHead<'c, 'a> {
    pub(crate) config: &'c ClientConfig<'a>,
    pub(crate) keys: Option<&'c Keys>,
}

impl Emit for RequestHead<'_, '_> {
    fn emit<K: Sink>(&self, sink: &mut K) {
        let config = self.config;
        sink.put(b"GET ");
        emit_resource(&config.url, sink);
        sink.put(b" HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nHost: ");
        emit_host(&config.url, sink);
        sink.put(b"\r\nOrigin: ");
        sink.put_lowercase(config.origin.as_bytes());
        sink.put(b"\r\n");
        if !config.protocols.is_empty() {
            // hixie-75 names it without `Sec-`, and validation allowed it one value only.
            sink.put(match self.keys {
                Some(_) => b"Sec-WebSocket-Protocol: ",
                None => b"WebSocket-Protocol: ",
            });
            emit_protocols(config.protocols, sink);
            sink.put(b"\r\n");
        }
        let Some(keys) = self.keys else {
            // hixie-75: no keys, no key3 and so no body; the blank line ends the request.
            emit_fields(config.fields, sink);
            sink.put(b"\r\n");
            return;
        };
        sink.put(b"Sec-WebSocket-Key1: ");
        sink.put(keys.key1().as_bytes());
        sink.put(b"\r\nSec-WebSocket-Key2: ");
        sink.put(keys.key2().as_bytes());
        sink.put(b"\r\n");
        emit_fields(config.fields, sink);
        if config.content_length {
            sink.put(b"Content-Length: 8\r\n");
        }
        sink.put(b"\r\n");
        sink.put(&keys.key3());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emit::matches;

    fn location_matches(url: &str, got: &[u8]) -> bool {
        matches(got, |m| emit_location(&Url::parse(url).unwrap(), m))
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
}
