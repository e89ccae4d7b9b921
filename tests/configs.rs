//! Every configuration's defaults are the documented ones, and every builder's value comes
//! back from its getter, changed one at a time so that no getter can answer for another.

use std::time::Duration;

use hixie76::client::{ClientConfig, Keys, Url};
use hixie76::frame::{FrameConfig, Keepalive};
use hixie76::io::{AcceptConfig, AcceptOptions, ConnectConfig};
use hixie76::server::ServerConfig;
use hixie76::HeadLimits;

#[test]
fn head_limits() {
    let default = HeadLimits::new();
    assert_eq!(default, HeadLimits::default());
    assert_eq!(default, HeadLimits::DEFAULT);
    assert_eq!((default.max_head(), default.max_fields()), (8192, 64));

    let head = default.with_max_head(100);
    assert_eq!((head.max_head(), head.max_fields()), (100, 64));
    let fields = default.with_max_fields(3);
    assert_eq!((fields.max_head(), fields.max_fields()), (8192, 3));
}

#[test]
fn frame_config() {
    let default = FrameConfig::new();
    assert_eq!(default, FrameConfig::default());
    assert_eq!(default, FrameConfig::DEFAULT);
    let values = |c: FrameConfig| {
        (
            c.max_message(),
            c.max_length_bytes(),
            c.replace_invalid_utf8(),
        )
    };
    assert_eq!(values(default), (1 << 20, 10, false));
    assert_eq!(values(default.with_max_message(7)), (7, 10, false));
    assert_eq!(
        values(default.with_max_length_bytes(2)),
        (1 << 20, 2, false)
    );
    assert_eq!(
        values(default.with_replace_invalid_utf8(true)),
        (1 << 20, 10, true)
    );
    assert_eq!(
        values(
            default
                .with_replace_invalid_utf8(true)
                .with_replace_invalid_utf8(false)
        ),
        (1 << 20, 10, false)
    );
}

#[test]
fn server_config() {
    let default = ServerConfig::new();
    assert_eq!(default, ServerConfig::default());
    assert_eq!(default, ServerConfig::DEFAULT);
    assert_eq!(*default.limits(), HeadLimits::DEFAULT);
    assert_eq!(*default.frames(), FrameConfig::DEFAULT);
    assert!(!default.allows_hixie75());

    let limits = HeadLimits::new().with_max_head(512);
    let frames = FrameConfig::new().with_max_message(9);
    let with_limits = default.with_limits(limits);
    assert_eq!(*with_limits.limits(), limits);
    assert_eq!(*with_limits.frames(), FrameConfig::DEFAULT);
    let with_frames = default.with_frames(frames);
    assert_eq!(*with_frames.frames(), frames);
    assert_eq!(*with_frames.limits(), HeadLimits::DEFAULT);
    assert!(default.with_hixie75(true).allows_hixie75());
    assert!(!default
        .with_hixie75(true)
        .with_hixie75(false)
        .allows_hixie75());
}

#[test]
fn client_config() {
    let url = Url::parse("ws://example.com:8080/chat?room=1").unwrap();
    let default = ClientConfig::new(url, "http://example.com");
    assert_eq!(*default.url(), url);
    assert_eq!(default.origin(), "http://example.com");
    assert!(default.protocols().is_empty());
    assert!(default.fields().is_empty());
    assert!(!default.sends_content_length());
    assert!(!default.allows_any_case_upgrade());
    assert!(!default.ignores_unasked_protocol());
    assert_eq!(*default.limits(), HeadLimits::DEFAULT);
    assert_eq!(*default.frames(), FrameConfig::DEFAULT);

    let protocols = ["chat", "superchat"];
    let fields = [("Cookie", "a=b")];
    assert_eq!(default.with_protocols(&protocols).protocols(), &protocols);
    assert_eq!(default.with_fields(&fields).fields(), &fields);
    let flags = |c: ClientConfig| {
        (
            c.sends_content_length(),
            c.allows_any_case_upgrade(),
            c.ignores_unasked_protocol(),
        )
    };
    assert_eq!(
        flags(default.with_content_length(true)),
        (true, false, false)
    );
    assert_eq!(
        flags(default.with_any_case_upgrade(true)),
        (false, true, false)
    );
    assert_eq!(
        flags(default.with_unasked_protocol_ignored(true)),
        (false, false, true)
    );
    let limits = HeadLimits::new().with_max_fields(5);
    let frames = FrameConfig::new().with_max_length_bytes(3);
    assert_eq!(*default.with_limits(limits).limits(), limits);
    assert_eq!(*default.with_frames(frames).frames(), frames);
    assert_eq!(*default.with_limits(limits).frames(), FrameConfig::DEFAULT);
}

#[test]
fn accept_config() {
    let default = AcceptConfig::new();
    assert_eq!(default, AcceptConfig::default());
    assert_eq!(default, AcceptConfig::DEFAULT);
    assert_eq!(*default.server(), ServerConfig::DEFAULT);
    assert_eq!(default.handshake_timeout(), Some(Duration::from_secs(10)));
    assert_eq!(default.idle_timeout(), None);
    assert_eq!(default.keepalive(), None);
    assert_eq!(default.keepalive_frame(), Keepalive::Empty);

    let server = ServerConfig::new().with_hixie75(true);
    assert_eq!(*default.with_server(server).server(), server);
    let second = Some(Duration::from_secs(1));
    let changed = default.with_handshake_timeout(None);
    assert_eq!(changed.handshake_timeout(), None);
    assert_eq!(changed.idle_timeout(), None);
    let changed = default.with_idle_timeout(second);
    assert_eq!(changed.idle_timeout(), second);
    assert_eq!(changed.keepalive(), None);
    let changed = default.with_keepalive(second);
    assert_eq!(changed.keepalive(), second);
    assert_eq!(changed.idle_timeout(), None);
    for frame in [Keepalive::Discard, Keepalive::Sentinel, Keepalive::Empty] {
        assert_eq!(default.with_keepalive_frame(frame).keepalive_frame(), frame);
    }
}

#[test]
fn accept_options() {
    let default = AcceptOptions::new();
    assert_eq!(default, AcceptOptions::default());
    assert_eq!(default.protocol(), None);
    assert!(default.fields().is_empty());
    assert!(!default.is_secure());

    let options = AcceptOptions::new()
        .with_protocol("chat")
        .with_field("Set-Cookie", "a=b")
        .with_field("X-Two", "2")
        .with_secure(true);
    assert_eq!(options.protocol(), Some("chat"));
    assert_eq!(
        options.fields(),
        &[
            ("Set-Cookie".to_owned(), "a=b".to_owned()),
            ("X-Two".to_owned(), "2".to_owned())
        ]
    );
    assert!(options.is_secure());
    assert!(!options.with_secure(false).is_secure());
}

#[test]
fn connect_config() {
    let default = ConnectConfig::new("http://example.com");
    assert_eq!(default.origin(), "http://example.com");
    assert!(default.protocols().is_empty());
    assert!(default.fields().is_empty());
    assert!(default.keys().is_none());
    assert_eq!(default.handshake_timeout(), Some(Duration::from_secs(10)));
    assert_eq!(*default.limits(), HeadLimits::DEFAULT);
    assert_eq!(*default.frames(), FrameConfig::DEFAULT);
    let flags = |c: &ConnectConfig| {
        (
            c.is_hixie75(),
            c.allows_any_case_upgrade(),
            c.ignores_unasked_protocol(),
            c.sends_content_length(),
        )
    };
    assert_eq!(flags(&default), (false, false, false, false));
    assert_eq!(
        flags(&default.clone().with_hixie75(true)),
        (true, false, false, false)
    );
    assert_eq!(
        flags(&default.clone().with_any_case_upgrade(true)),
        (false, true, false, false)
    );
    assert_eq!(
        flags(&default.clone().with_unasked_protocol_ignored(true)),
        (false, false, true, false)
    );
    assert_eq!(
        flags(&default.clone().with_content_length(true)),
        (false, false, false, true)
    );

    let keys = Keys::new("1 2", "3 4", *b"abcdefgh").unwrap();
    let limits = HeadLimits::new().with_max_head(300);
    let frames = FrameConfig::new().with_max_message(4);
    let config = default
        .with_protocol("chat")
        .with_protocol("superchat")
        .with_field("Cookie", "a=b")
        .with_keys(keys)
        .with_limits(limits)
        .with_frames(frames)
        .with_handshake_timeout(None);
    assert_eq!(
        config.protocols(),
        &["chat".to_owned(), "superchat".to_owned()]
    );
    assert_eq!(config.fields(), &[("Cookie".to_owned(), "a=b".to_owned())]);
    assert_eq!(config.keys(), Some(&keys));
    assert_eq!(*config.limits(), limits);
    assert_eq!(*config.frames(), frames);
    assert_eq!(config.handshake_timeout(), None);
}

#[test]
fn server_accept_reads_back_what_it_was_given() {
    use hixie76::server::Accept;
    let default = Accept::new();
    assert_eq!(default.protocol(), None);
    assert!(!default.is_secure());
    assert!(default.fields().is_empty());
    let fields = [("Set-Cookie", "a=1")];
    let accept = Accept::new()
        .with_protocol(Some("chat"))
        .with_secure(true)
        .with_fields(&fields);
    assert_eq!(accept.protocol(), Some("chat"));
    assert!(accept.is_secure());
    assert_eq!(accept.fields(), &fields[..]);
    assert!(!accept.with_secure(false).is_secure());
    assert_eq!(accept.with_protocol(None).protocol(), None);
}
