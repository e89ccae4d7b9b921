//! Between hyper's parsed messages and the core's bytes: the request head rebuilt for the core
//! to judge, and the heads the core writes turned into responses for hyper to send.

use std::string::ToString;
use std::vec::Vec;

use ::axum::body::Body;
use ::axum::extract::OriginalUri;
use ::axum::http::header::{HeaderName, HeaderValue, CONNECTION};
use ::axum::http::request::Parts;
use ::axum::http::{StatusCode, Version};
use ::axum::response::Response;
use hyper::ext::ReasonPhrase;

/// The request head as the core reads it: the request line (method, the target as the client
/// sent it, version) and every field, each value on a line of its own, then the blank line.
///
/// The target is axum's `OriginalUri` when the route is nested, so the Location names what the
/// client asked for. The order of the fields and the letter case of their names are lost;
/// the draft's server rules depend on neither.
pub(super) fn request_head(parts: &Parts) -> Vec<u8> {
    let target = parts
        .extensions
        .get::<OriginalUri>()
        .map_or(&parts.uri, |original| &original.0);
    let target = target.to_string();
    let mut head = Vec::with_capacity(256 + parts.headers.len() * 32);
    head.extend_from_slice(parts.method.as_str().as_bytes());
    head.push(b' ');
    head.extend_from_slice(target.as_bytes());
    head.push(b' ');
    head.extend_from_slice(version_text(parts.version));
    head.extend_from_slice(b"\r\n");
    for (name, value) in &parts.headers {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// How the request line names `version`; anything but `HTTP/1.1` is refused by the core.
fn version_text(version: Version) -> &'static [u8] {
    if version == Version::HTTP_11 {
        b"HTTP/1.1"
    } else if version == Version::HTTP_10 {
        b"HTTP/1.0"
    } else if version == Version::HTTP_09 {
        b"HTTP/0.9"
    } else if version == Version::HTTP_2 {
        b"HTTP/2.0"
    } else {
        b"HTTP/3.0"
    }
}

/// A response head the core wrote (a 101, or a refusal from
/// [`error_response`](crate::server::error_response)) as a response hyper sends: the same
/// status, the same reason phrase (through hyper's `ReasonPhrase` when it is not the usual
/// one), the same fields and no body. hyper writes the names in lowercase and adds `date`.
pub(super) fn response(head: &[u8]) -> Response {
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let status_line = lines.next().unwrap_or_default();
    let mut words = status_line.splitn(3, |&b| b == b' ');
    let _version = words.next();
    let status = words
        .next()
        .and_then(|code| StatusCode::from_bytes(code).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let reason = words.next().unwrap_or_default();
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    if status.canonical_reason().map(str::as_bytes) != Some(reason) {
        if let Ok(reason) = ReasonPhrase::try_from(reason) {
            response.extensions_mut().insert(reason);
        }
    }
    for line in lines.take_while(|line| !line.is_empty()) {
        let Some(colon) = memchr::memchr(b':', line) else {
            continue;
        };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if let (Ok(name), Ok(value)) =
            (HeaderName::from_bytes(name), HeaderValue::from_bytes(value))
        {
            response.headers_mut().append(name, value);
        }
    }
    response
}

/// A refusal for a failure that has no status of the core's: `status`, `Connection: close`
/// and no body.
pub(super) fn closing_response(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::error_response;
    use crate::StatusCode as Status;

    #[test]
    fn the_head_is_rebuilt_with_every_value() {
        let request = ::axum::http::Request::get("/chat?room=1")
            .header("Host", "example.com")
            .header("Cookie", "a=1")
            .header("Cookie", "b=2")
            .body(())
            .unwrap();
        let (parts, ()) = request.into_parts();
        assert_eq!(
            request_head(&parts),
            b"GET /chat?room=1 HTTP/1.1\r\nhost: example.com\r\ncookie: a=1\r\ncookie: b=2\r\n\r\n"
        );
    }

    #[test]
    fn the_original_target_is_used_under_a_nested_route() {
        let mut request = ::axum::http::Request::get("/echo").body(()).unwrap();
        let original = OriginalUri("/api/echo?x=1".parse().unwrap());
        request.extensions_mut().insert(original);
        let (parts, ()) = request.into_parts();
        assert!(request_head(&parts).starts_with(b"GET /api/echo?x=1 HTTP/1.1\r\n"));
    }

    #[test]
    fn every_version_is_named_as_sent() {
        for (version, text) in [
            (Version::HTTP_09, "HTTP/0.9"),
            (Version::HTTP_10, "HTTP/1.0"),
            (Version::HTTP_11, "HTTP/1.1"),
            (Version::HTTP_2, "HTTP/2.0"),
            (Version::HTTP_3, "HTTP/3.0"),
        ] {
            let request = ::axum::http::Request::get("/")
                .version(version)
                .body(())
                .unwrap();
            let (parts, ()) = request.into_parts();
            let head = request_head(&parts);
            assert_eq!(&head[6..14], text.as_bytes());
        }
    }

    #[test]
    fn a_101_keeps_its_reason_phrase_and_fields() {
        let head = b"HTTP/1.1 101 WebSocket Protocol Handshake\r\nUpgrade: WebSocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Location: ws://example.com/\r\n\r\n";
        let response = response(head);
        assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
        let reason = response.extensions().get::<ReasonPhrase>().unwrap();
        assert_eq!(reason.as_bytes(), b"WebSocket Protocol Handshake");
        let headers = response.headers();
        assert_eq!(headers.len(), 3);
        assert_eq!(headers["upgrade"], "WebSocket");
        assert_eq!(headers["connection"], "Upgrade");
        assert_eq!(headers["sec-websocket-location"], "ws://example.com/");
    }

    #[test]
    fn a_refusal_keeps_its_status_and_fields() {
        let response = response(error_response(Status::MethodNotAllowed));
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(response.extensions().get::<ReasonPhrase>().is_none());
        assert_eq!(response.headers()["allow"], "GET");
        assert_eq!(response.headers()["connection"], "close");
        assert_eq!(response.headers()["content-length"], "0");
    }
}
