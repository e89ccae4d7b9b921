//! Whole connections in memory, through the shared `Pair`: our client and our server complete
//! the handshake, hand over to the connections with no byte lost (frames glued to key3 and to
//! the answer), exchange text, and close in both orders — whole, one byte at a time and in
//! pieces of a few bytes. And what the hand-over carries: the negotiated draft (a closing
//! handshake for hixie-76, none for hixie-75) and each side's own frame limits.

mod support;

use hixie76::client::{ClientConfig, Keys, Url};
use hixie76::connection::ConnectionState;
use hixie76::frame::FrameConfig;
use hixie76::Error;
use support::{v1_keys, Heard, Pair, Pick, Piece, Role, Say, Setup, SplitMix64};

/// The wires every session runs over.
const PIECES: [Piece; 6] = [
    Piece::Whole,
    Piece::Of(1),
    Piece::Of(2),
    Piece::Of(3),
    Piece::Of(7),
    Piece::Of(16),
];

fn text(text: &str) -> Heard {
    Heard::Text(text.to_owned())
}

/// The draft's example client: ws://example.com/demo from http://example.com, offering
/// `sample`.
fn example() -> ClientConfig<'static> {
    let url = Url::parse("ws://example.com/demo").unwrap();
    ClientConfig::new(url, "http://example.com").with_protocols(&["sample"])
}

#[test]
fn handshake_hands_over_every_byte_in_any_split() {
    for (i, piece) in PIECES.into_iter().enumerate() {
        let url = Url::parse("ws://Example.com:8080/chat?room=1").unwrap();
        let protocols = ["a", "chat"];
        let config = ClientConfig::new(url, "http://example.com").with_protocols(&protocols);
        let keys = Keys::generate(&mut SplitMix64(0x1234_5678_9abc_def0 ^ i as u64));
        let mut pair = Pair::connect(Setup {
            pick: Pick::Last,
            piece,
            // Two frames glued to key3; a frame and the close glued to the answer.
            client_says: &[Say::Text("hello"), Say::Text("wörld")],
            server_says: &[Say::Text("hi"), Say::Close],
            ..Setup::new(config, Some(keys))
        });
        assert_eq!(pair.protocol(), Some("chat"), "{piece:?}");
        assert_eq!(pair.server.handed, b"\x00hello\xFF\x00w\xC3\xB6rld\xFF");
        assert_eq!(pair.heard(Role::Server), [text("hello"), text("wörld")]);
        assert_eq!(pair.server.connection.state(), ConnectionState::CloseSent);

        // The client read the frame and the close behind the answer, and answered the close.
        assert_eq!(pair.client.handed, b"\x00hi\xFF\xFF\x00");
        assert_eq!(pair.heard(Role::Client), [text("hi"), Heard::Close]);
        assert_eq!(pair.client.wrote, b"\xFF\x00");
        assert!(pair.client.connection.is_closed());
        // Once the server reads the answer, both are closed.
        pair.drive();
        assert_eq!(pair.heard(Role::Server), [Heard::Close]);
        assert!(pair.server.connection.is_closed());
        assert_eq!(pair.send(Role::Client, "late"), Err(Error::InvalidState));
    }
}

#[test]
fn text_both_ways_then_a_close_from_either_end() {
    for piece in PIECES {
        for closer in [Role::Client, Role::Server] {
            let other = match closer {
                Role::Client => Role::Server,
                Role::Server => Role::Client,
            };
            let mut pair = Pair::connect(Setup {
                piece,
                ..Setup::new(example(), Some(v1_keys()))
            });
            assert_eq!(pair.protocol(), Some("sample"));
            pair.send(Role::Client, "ping €").unwrap();
            pair.send(Role::Server, "pong 😀").unwrap();
            pair.drive();
            assert_eq!(pair.heard(Role::Server), [text("ping €")]);
            assert_eq!(pair.heard(Role::Client), [text("pong 😀")]);

            assert_eq!(pair.close(closer), Ok(2));
            assert_eq!(
                pair.end(closer).connection.state(),
                ConnectionState::CloseSent
            );
            // The other end may still speak until it reads the close.
            pair.send(other, "last words").unwrap();
            pair.drive();
            assert_eq!(pair.heard(closer), [text("last words"), Heard::Close]);
            assert_eq!(pair.heard(other), [Heard::Close]);
            // Each end wrote its text, and one close: the closer's own, the other's answer.
            let (mut client_wrote, mut server_wrote) = (
                b"\x00ping \xE2\x82\xAC\xFF".to_vec(),
                b"\x00pong \xF0\x9F\x98\x80\xFF".to_vec(),
            );
            match other {
                Role::Client => client_wrote.extend_from_slice(b"\x00last words\xFF"),
                Role::Server => server_wrote.extend_from_slice(b"\x00last words\xFF"),
            }
            client_wrote.extend_from_slice(b"\xFF\x00");
            server_wrote.extend_from_slice(b"\xFF\x00");
            assert_eq!(
                pair.client.wrote, client_wrote,
                "{closer:?} closed, {piece:?}"
            );
            assert_eq!(
                pair.server.wrote, server_wrote,
                "{closer:?} closed, {piece:?}"
            );
            assert!(pair.client.connection.is_closed() && pair.server.connection.is_closed());
            assert_eq!(pair.close(other), Err(Error::InvalidState));
        }
    }
}

#[test]
fn the_connection_follows_the_negotiated_draft() {
    for piece in PIECES {
        // hixie-76: `FF 00` is the close, and close() starts the closing handshake.
        let mut pair = Pair::connect(Setup {
            piece,
            ..Setup::new(example(), Some(v1_keys()))
        });
        assert!(!pair.answer_hixie75);
        assert!(!pair.client.connection.is_hixie75());
        assert!(!pair.server.connection.is_hixie75());
        assert_eq!(pair.close(Role::Client), Ok(2));
        pair.drive();
        assert_eq!(pair.heard(Role::Server), [Heard::Close]);
        assert_eq!(pair.heard(Role::Client), [Heard::Close]);
        assert!(pair.client.connection.is_closed() && pair.server.connection.is_closed());

        // hixie-75: `FF 00` is a frame to discard, and close() writes nothing.
        let mut pair = Pair::connect(Setup {
            piece,
            ..Setup::new(example(), None)
        });
        assert!(pair.answer_hixie75);
        assert!(pair.client.connection.is_hixie75());
        assert!(pair.server.connection.is_hixie75());
        pair.raw(Role::Client, b"\xFF\x00");
        pair.raw(Role::Server, b"\xFF\x00");
        pair.drive();
        assert_eq!(pair.heard(Role::Server), [Heard::Discarded]);
        assert_eq!(pair.heard(Role::Client), [Heard::Discarded]);
        for role in [Role::Client, Role::Server] {
            let end = pair.end(role);
            assert_eq!(end.connection.state(), ConnectionState::Open);
            assert!(!end.connection.wants_transmit());
            let wrote = end.wrote.len();
            assert_eq!(pair.close(role), Ok(0));
            let end = pair.end(role);
            assert_eq!(end.wrote.len(), wrote, "a hixie-75 close writes nothing");
            assert_eq!(end.connection.state(), ConnectionState::Closed);
            assert_eq!(pair.close(role), Err(Error::InvalidState));
        }
    }
}

#[test]
fn the_connection_carries_each_sides_frame_limits() {
    let client_frames = FrameConfig::new()
        .with_max_message(8)
        .with_max_length_bytes(3)
        .with_replace_invalid_utf8(true);
    let server_frames = FrameConfig::new().with_max_message(12);
    for keys in [Some(v1_keys()), None] {
        for piece in [Piece::Whole, Piece::Of(1), Piece::Of(5)] {
            let defaults = Setup::new(example().with_frames(client_frames), keys);
            let setup = Setup {
                server: defaults.server.with_frames(server_frames),
                piece,
                ..defaults
            };
            let mut pair = Pair::connect(setup);
            assert_eq!(pair.client.connection.decoder().config(), &client_frames);
            assert_eq!(pair.server.connection.decoder().config(), &server_frames);

            // Exactly at each side's limit: delivered.
            pair.send(Role::Client, &"x".repeat(12)).unwrap();
            pair.send(Role::Server, &"y".repeat(8)).unwrap();
            pair.drive();
            assert_eq!(pair.heard(Role::Server), [text(&"x".repeat(12))]);
            assert_eq!(pair.heard(Role::Client), [text(&"y".repeat(8))]);
            // The client replaces invalid UTF-8, as configured.
            pair.raw(Role::Server, b"\x00a\x80\xFF");
            pair.drive();
            assert_eq!(pair.heard(Role::Client), [text("a\u{FFFD}")]);

            // One byte over: the receiving end's connection fails.
            let mut over = Pair::connect(setup);
            over.send(Role::Client, &"x".repeat(13)).unwrap();
            assert_eq!(
                over.try_drive(),
                Err((Role::Server, Error::MessageTooLarge))
            );
            let mut over = Pair::connect(setup);
            over.send(Role::Server, &"y".repeat(9)).unwrap();
            assert_eq!(
                over.try_drive(),
                Err((Role::Client, Error::MessageTooLarge))
            );
            // The server is strict, as configured.
            let mut strict = Pair::connect(setup);
            strict.raw(Role::Client, b"\x00a\x80\xFF");
            assert_eq!(strict.try_drive(), Err((Role::Server, Error::InvalidUtf8)));
            // The client's length-prefix limit: 3 bytes pass, 4 do not.
            let mut prefix = Pair::connect(setup);
            prefix.raw(Role::Server, b"\x80\x80\x80\x00");
            prefix.drive();
            assert_eq!(prefix.heard(Role::Client), [Heard::Discarded]);
            prefix.raw(Role::Server, b"\x80\x80\x80\x80\x00");
            assert_eq!(
                prefix.try_drive(),
                Err((Role::Client, Error::FrameTooLarge))
            );
        }
    }
}
