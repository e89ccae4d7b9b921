//! HTTP statuses a server may refuse a handshake with. A closed set with fixed reason phrases,
//! so no application text ever reaches a status line.

/// A status for refusing a handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusCode {
    /// 400: the request breaks the protocol.
    BadRequest,
    /// 403: the application refuses the request (for example its Origin).
    Forbidden,
    /// 404: no WebSocket endpoint at this resource.
    NotFound,
    /// 405: the method is not GET.
    MethodNotAllowed,
    /// 431: the head exceeds the head or field limit.
    RequestHeaderFieldsTooLarge,
    /// 426: a WebSocket version this server does not speak; the response names version 13
    /// (RFC 6455), which a one-port server hands to an RFC 6455 implementation.
    UpgradeRequired,
    /// 500: the server could not answer (for example, the options its application chose cannot
    /// be used).
    InternalServerError,
    /// 502: a gateway could not reach the server behind it.
    BadGateway,
    /// 503: the server cannot take the connection now.
    ServiceUnavailable,
}

impl StatusCode {
    /// The three-digit code.
    #[must_use]
    pub const fn code(self) -> u16 {
        match self {
            StatusCode::BadRequest => 400,
            StatusCode::Forbidden => 403,
            StatusCode::NotFound => 404,
            StatusCode::MethodNotAllowed => 405,
            StatusCode::RequestHeaderFieldsTooLarge => 431,
            StatusCode::UpgradeRequired => 426,
            StatusCode::InternalServerError => 500,
            StatusCode::BadGateway => 502,
            StatusCode::ServiceUnavailable => 503,
        }
    }

    /// The reason phrase sent with the code.
    #[must_use]
    pub const fn reason(self) -> &'static str {
        match self {
            StatusCode::BadRequest => "Bad Request",
            StatusCode::Forbidden => "Forbidden",
            StatusCode::NotFound => "Not Found",
            StatusCode::MethodNotAllowed => "Method Not Allowed",
            StatusCode::RequestHeaderFieldsTooLarge => "Request Header Fields Too Large",
            StatusCode::UpgradeRequired => "Upgrade Required",
            StatusCode::InternalServerError => "Internal Server Error",
            StatusCode::BadGateway => "Bad Gateway",
            StatusCode::ServiceUnavailable => "Service Unavailable",
        }
    }
}
