//! What both one-port servers share with tungstenite: its configuration, the application's
//! decision applied inside tungstenite's handshake, and messages in both directions.

use std::string::{String, ToString};
use std::sync::Mutex;

use tungstenite::handshake::server::{ErrorResponse, Response};
use tungstenite::protocol::WebSocketConfig;

use super::{AcceptConfig, Decision, Error, Message, Request};
use crate::server::Handover;
use crate::StatusCode;

/// tungstenite's configuration for a one-port server's RFC 6455 connections: the frame
/// configuration's message limit for messages and frames alike, and small buffers, written at
/// once.
pub(crate) fn config(config: &AcceptConfig) -> WebSocketConfig {
    let limit = config.server().frames().max_message();
    WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0)
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit))
}

/// Applies `decide` to an RFC 6455 request inside tungstenite's handshake. A refusal or options
/// that cannot be used are kept in `refused`, for the caller's error; the subprotocol agreed on
/// in `chosen`.
// The error type is the one tungstenite's callback must return.
#[allow(clippy::result_large_err)]
pub(crate) fn decide(
    head: &[u8],
    decide: impl FnOnce(&Request<'_>) -> Decision,
    mut response: Response,
    refused: &Mutex<Option<Error>>,
    chosen: &Mutex<Option<String>>,
) -> Result<Response, ErrorResponse> {
    use tungstenite::http::{HeaderName, HeaderValue, StatusCode as HttpStatus};

    let request = Request::rfc6455(Handover::new(head));
    let options = match decide(&request) {
        Decision::Reject(status) => {
            put(refused, status.into());
            return Err(error_response(status.code()));
        }
        Decision::Accept(options) => options,
    };
    let fail = |error: crate::Error| {
        put(refused, error.into());
        error_response(HttpStatus::INTERNAL_SERVER_ERROR.as_u16())
    };
    if let Some(protocol) = options.protocol() {
        if !request.protocols().any(|offered| offered == protocol) {
            return Err(fail(crate::Error::ProtocolNotOffered));
        }
        let value =
            HeaderValue::from_str(protocol).map_err(|_| fail(crate::Error::ProtocolNotOffered))?;
        response
            .headers_mut()
            .insert("sec-websocket-protocol", value);
        put(chosen, String::from(protocol));
    }
    for (name, value) in options.fields() {
        let checked = crate::emit::is_extra_field(name.as_bytes(), value.as_bytes(), &[]);
        let header = HeaderName::from_bytes(name.as_bytes())
            .ok()
            .zip(HeaderValue::from_str(value).ok())
            .filter(|_| checked);
        let Some((name, value)) = header else {
            return Err(fail(crate::Error::InvalidValue(crate::Setting::Field)));
        };
        response.headers_mut().append(name, value);
    }
    Ok(response)
}

fn error_response(code: u16) -> ErrorResponse {
    let mut response = ErrorResponse::new(None);
    *response.status_mut() = tungstenite::http::StatusCode::from_u16(code)
        .unwrap_or(tungstenite::http::StatusCode::BAD_REQUEST);
    response
}

/// A tungstenite message as this crate's: control frames are tungstenite's business (it
/// answers pings itself), so they give `None`.
pub(crate) fn from_rfc6455(message: tungstenite::Message) -> Option<Message> {
    match message {
        tungstenite::Message::Text(text) => Some(Message::Text(text.as_str().to_string())),
        tungstenite::Message::Binary(bytes) => Some(Message::Binary(bytes.to_vec())),
        tungstenite::Message::Close(_) => Some(Message::Close),
        tungstenite::Message::Ping(_)
        | tungstenite::Message::Pong(_)
        | tungstenite::Message::Frame(_) => None,
    }
}

/// This crate's message as tungstenite's.
pub(crate) fn to_rfc6455(message: Message) -> tungstenite::Message {
    match message {
        Message::Text(text) => tungstenite::Message::Text(text.into()),
        Message::Binary(bytes) => tungstenite::Message::Binary(bytes.into()),
        Message::Close => tungstenite::Message::Close(None),
    }
}

/// Judges what tungstenite would refuse without a word: a request for another version gets 426
/// naming 13; a malformed one (RFC 6455 section 4.2.1: a method other than GET, no HTTP/1.1,
/// no `Host`, no `websocket` upgrade, no `Connection: Upgrade`, no `Sec-WebSocket-Key`) gets
/// its 4xx as a bad hixie request does. `Ok` hands the request to tungstenite.
pub(crate) fn check(head: &[u8]) -> Result<(), StatusCode> {
    let request = Handover::new(head);
    let has_token = |name: &str, token: &str| {
        request
            .fields()
            .filter(|(field, _)| field.eq_ignore_ascii_case(name))
            .flat_map(|(_, value)| value.split(|&b| b == b','))
            .any(|item| item.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    };
    if request.field("sec-websocket-version") != Some(b"13") {
        return Err(StatusCode::UpgradeRequired);
    }
    if request.method() != "GET" {
        return Err(StatusCode::MethodNotAllowed);
    }
    let http11 = head
        .split(|&b| b == b'\r')
        .next()
        .is_some_and(|line| line.ends_with(b" HTTP/1.1"));
    let well_formed = http11
        && request.field("host").is_some()
        && request.field("sec-websocket-key").is_some()
        && has_token("upgrade", "websocket")
        && has_token("connection", "upgrade");
    if well_formed {
        Ok(())
    } else {
        Err(StatusCode::BadRequest)
    }
}

/// Keeps `value` for after tungstenite's handshake (a mutex, so the handshake's future may move
/// between threads).
fn put<T>(slot: &Mutex<Option<T>>, value: T) {
    if let Ok(mut slot) = slot.lock() {
        *slot = Some(value);
    }
}

/// What [`put`] kept, if anything.
pub(crate) fn take<T>(slot: &Mutex<Option<T>>) -> Option<T> {
    slot.lock().ok().and_then(|mut slot| slot.take())
}
