//! One route for hixie-76 and RFC 6455: the core decides which a request asks for, and axum's
//! own `WebSocketUpgrade` takes what is not hixie.

use core::fmt;

use ::axum::extract::ws::rejection::WebSocketUpgradeRejection;
use ::axum::extract::ws::WebSocketUpgrade;
use ::axum::extract::{FromRequest, FromRequestParts, Request};
use ::axum::response::{IntoResponse, Response};

use super::upgrade::{config_of, judge, Hixie76Upgrade, Hixie76UpgradeRejection};
use crate::server::Version;

/// Extractor for a WebSocket handshake in either protocol, for a route that serves both.
///
/// The request's head is judged by the core first ([rule R9](crate::rules#r9) decides the
/// version): a hixie-76 request becomes [`Hixie76`](Self::Hixie76); an RFC 6455 request, or
/// one that asks for no WebSocket, is left to axum's [`WebSocketUpgrade`], which answers the
/// RFC 6455 handshake or refuses the rest. A bad hixie-76 request, or one for a version neither
/// side speaks (hybi-01 to hybi-03, hixie-75), is refused with the core's status.
///
/// The configuration's message limit (see [`Hixie76Upgrade`]) also becomes axum's
/// `max_message_size` and `max_frame_size`, so both protocols share it.
///
/// ```no_run
/// use axum::response::Response;
/// use hixie76::axum::AnyWebSocketUpgrade;
///
/// async fn handler(upgrade: AnyWebSocketUpgrade) -> Response {
///     match upgrade {
///         AnyWebSocketUpgrade::Hixie76(upgrade) => upgrade.on_upgrade(|_socket| async {}),
///         AnyWebSocketUpgrade::Rfc6455(upgrade) => upgrade.on_upgrade(|_socket| async {}),
///     }
/// }
/// # let _ = axum::Router::<()>::new().route("/", axum::routing::get(handler));
/// ```
// Taken apart at once by the handler: boxing the larger variant would cost an allocation per
// request for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum AnyWebSocketUpgrade {
    /// A hixie-76 handshake, answered by this crate.
    Hixie76(Hixie76Upgrade),
    /// An RFC 6455 handshake, answered by axum.
    Rfc6455(WebSocketUpgrade),
}

/// Why [`AnyWebSocketUpgrade`] refused a request: the hixie side's rejection, or axum's for a
/// request it took.
#[derive(Debug)]
pub enum AnyWebSocketUpgradeRejection {
    /// A bad hixie-76 request, or a version neither side speaks.
    Hixie76(Hixie76UpgradeRejection),
    /// axum's `WebSocketUpgrade` refused the request: a bad RFC 6455 request, or one that asks
    /// for no WebSocket.
    Rfc6455(WebSocketUpgradeRejection),
}

impl fmt::Display for AnyWebSocketUpgradeRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hixie76(rejection) => rejection.fmt(f),
            Self::Rfc6455(rejection) => rejection.fmt(f),
        }
    }
}

impl std::error::Error for AnyWebSocketUpgradeRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Hixie76(rejection) => Some(rejection),
            Self::Rfc6455(rejection) => Some(rejection),
        }
    }
}

impl IntoResponse for AnyWebSocketUpgradeRejection {
    fn into_response(self) -> Response {
        match self {
            Self::Hixie76(rejection) => rejection.into_response(),
            Self::Rfc6455(rejection) => rejection.into_response(),
        }
    }
}

impl<S: Send + Sync> FromRequest<S> for AnyWebSocketUpgrade {
    type Rejection = AnyWebSocketUpgradeRejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let config = config_of(&parts);
        match judge(&parts, &config) {
            Ok(accepting) => Hixie76Upgrade::new(accepting, &mut parts, body, config)
                .map(Self::Hixie76)
                .map_err(AnyWebSocketUpgradeRejection::Hixie76),
            Err(
                Hixie76UpgradeRejection::OtherVersion(Version::Rfc6455)
                | Hixie76UpgradeRejection::NotWebSocket,
            ) => {
                let limit = config.server().frames().max_message();
                WebSocketUpgrade::from_request_parts(&mut parts, state)
                    .await
                    .map(|upgrade| {
                        Self::Rfc6455(upgrade.max_message_size(limit).max_frame_size(limit))
                    })
                    .map_err(AnyWebSocketUpgradeRejection::Rfc6455)
            }
            Err(rejection) => Err(AnyWebSocketUpgradeRejection::Hixie76(rejection)),
        }
    }
}
