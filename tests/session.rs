//! A whole connection in memory: our client and our server complete the handshake, hand over
//! to the connection with no byte lost (frames glued to key3 and to the answer), exchange
//! text, and close in both orders — fed whole and one byte at a time.

use hixie76::client::{self, ClientConfig, ClientHandshake, Keys, Url};
use hixie76::connection::{Connection, ConnectionState};
use hixie76::frame::FrameEvent;
use hixie76::server::{self, Accept, ServerConfig, ServerHandshake};

/// Feeds `bytes` to a connection in pieces of `piece` bytes; returns the text messages and
/// whether a close arrived.
fn drain(connection: &mut Connection, bytes: &[u8], piece: usize) -> (Vec<String>, bool) {
    let mut messages = Vec::new();
    let mut current = String::new();
    let mut closed = false;
    let mut pending: Vec<u8> = Vec::new();
    for chunk in bytes.chunks(piece.max(1)) {
        pending.extend_from_slice(chunk);
        loop {
            let (used, event) = connection.receive(&pending).expect("valid frames");
            let nothing = event.is_none();
            match event {
                Some(FrameEvent::Text { chunk, fin }) => {
                    current.push_str(chunk.as_str());
                    if fin {
                        messages.push(std::mem::take(&mut current));
                    }
                }
                Some(FrameEvent::Close) => closed = true,
                _ => {}
            }
            pending.drain(..used);
            if nothing && (used == 0 || pending.is_empty()) {
                break;
            }
        }
    }
    (messages, closed)
}

/// Runs the server handshake over `input` in pieces; returns the bytes it sent and the input
/// it did not use (frames for the connection).
fn serve(input: &[u8], piece: usize) -> (Vec<u8>, Vec<u8>) {
    let mut handshake = ServerHandshake::new(ServerConfig::default(), [0u8; 2048]);
    let mut sent = Vec::new();
    let mut rest = Vec::new();
    let mut done = false;
    for chunk in input.chunks(piece.max(1)) {
        if done {
            rest.extend_from_slice(chunk);
            continue;
        }
        let mut chunk = chunk;
        loop {
            let received = handshake.receive(chunk).expect("valid request");
            chunk = &chunk[received.used..];
            match received.outcome {
                server::Outcome::Partial => break,
                server::Outcome::Request(pending) => {
                    let choice = pending.request().protocols().last().map(|p| p.choice());
                    let mut out = [0u8; 512];
                    let n = pending
                        .accept(&Accept::new().protocol(choice), &mut out)
                        .expect("accept");
                    sent.extend_from_slice(&out[..n]);
                }
                server::Outcome::Answer(answer) => {
                    sent.extend_from_slice(answer.as_bytes());
                    rest.extend_from_slice(chunk);
                    done = true;
                    break;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert!(done, "handshake completed");
    (sent, rest)
}

#[test]
fn handshake_hands_over_every_byte_in_any_split() {
    for piece in [usize::MAX, 1, 2, 3, 7, 16] {
        let url = Url::parse("ws://Example.com:8080/chat?room=1").unwrap();
        let protocols = ["a", "chat"];
        let config = ClientConfig::new(url, "http://example.com").with_protocols(&protocols);
        let mut seed = 0x1234_5678_9abc_def0u64 ^ piece as u64;
        let mut entropy = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let keys = Keys::generate(&mut entropy);
        let mut client = ClientHandshake::new(config, keys, [0u8; 2048]).unwrap();

        // The client's request with two frames glued after key3.
        let mut wire = vec![0u8; 1024];
        let n = client.write_request(&mut wire).unwrap();
        wire.truncate(n);
        let mut client_conn = Connection::new();
        let mut out = [0u8; 64];
        let n = client_conn.send_text("hello", &mut out).unwrap();
        wire.extend_from_slice(&out[..n]);
        let n = client_conn.send_text("wörld", &mut out).unwrap();
        wire.extend_from_slice(&out[..n]);

        let (mut response, rest) = serve(&wire, piece);
        let mut server_conn = Connection::new();
        let (messages, closed) = drain(&mut server_conn, &rest, piece);
        assert_eq!(messages, ["hello", "wörld"], "piece {piece}");
        assert!(!closed);

        // The server answers with a frame and its close glued to the answer.
        let n = server_conn.send_text("hi", &mut out).unwrap();
        response.extend_from_slice(&out[..n]);
        let n = server_conn.close(&mut out).unwrap();
        response.extend_from_slice(&out[..n]);
        assert_eq!(server_conn.state(), ConnectionState::CloseSent);

        let mut input: &[u8];
        let mut leftover = Vec::new();
        let mut protocol = None;
        for chunk in response.chunks(piece.max(1)) {
            if client.is_established() {
                leftover.extend_from_slice(chunk);
                continue;
            }
            input = chunk;
            while !input.is_empty() {
                let received = client.receive(input).expect("valid response");
                input = &input[received.used..];
                if let client::Outcome::Established(established) = received.outcome {
                    protocol = established.protocol.map(str::to_owned);
                    leftover.extend_from_slice(input);
                    break;
                }
            }
        }
        assert_eq!(protocol.as_deref(), Some("chat"));
        let (messages, closed) = drain(&mut client_conn, &leftover, piece);
        assert_eq!(messages, ["hi"]);
        assert!(closed, "the server's close arrived");
        // The client answers the close; once the server reads it, both are closed.
        let n = client_conn.poll_transmit(&mut out).unwrap();
        assert_eq!(&out[..n], b"\xFF\x00");
        assert!(client_conn.is_closed());
        let (_, closed) = drain(&mut server_conn, &out[..n], piece);
        assert!(closed);
        assert!(server_conn.is_closed());
        assert!(client_conn.send_text("late", &mut out).is_err());
    }
}
