//! Driving the frame [`Decoder`] with arbitrary bytes, fed whole or in pieces, and checking
//! every promise of its `receive` contract on every call.

use hixie76::connection::Connection;
use hixie76::frame::{Decoder, FrameConfig, FrameEvent};
use hixie76::{Error, Fault, Received};

use crate::Cursor;

/// How many setup bytes [`setup`] reads.
pub const SETUP_LEN: usize = 3;

/// What a decoder is made with: its limits and UTF-8 policy, and which draft's framing it
/// reads (hixie-75 has no closing handshake).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameSetup {
    pub config: FrameConfig,
    pub hixie75: bool,
}

impl FrameSetup {
    /// A fresh decoder for this setup.
    pub fn decoder(&self) -> Decoder {
        if self.hixie75 {
            Decoder::new_hixie75(self.config)
        } else {
            Decoder::new(self.config)
        }
    }

    /// A fresh connection for this setup.
    pub fn connection(&self) -> Connection {
        if self.hixie75 {
            Connection::new_hixie75(self.config)
        } else {
            Connection::new(self.config)
        }
    }

    /// The setup a connection runs with.
    pub fn of(connection: &Connection) -> FrameSetup {
        FrameSetup {
            config: *connection.decoder().config(),
            hixie75: connection.is_hixie75(),
        }
    }
}

/// The decoder setup from setup bytes; all zero is the default configuration.
///
/// Byte 0: bit 0 replace invalid UTF-8, bit 1 no closing handshake (hixie-75 framing).
/// Byte 1: message limit (0: the default 1 MiB, else n-1, so 0 to 254 bytes).
/// Byte 2: length-prefix limit (0: the default 10, else n-1 modulo 16).
pub fn setup(cursor: &mut Cursor<'_>) -> FrameSetup {
    let flags = cursor.byte();
    let message = cursor.byte();
    let prefix = cursor.byte();
    let mut config = FrameConfig::new().with_replace_invalid_utf8(flags & 1 != 0);
    if message != 0 {
        config = config.with_max_message(usize::from(message) - 1);
    }
    if prefix != 0 {
        config = config.with_max_length_bytes(usize::from(prefix - 1) % 16);
    }
    FrameSetup {
        config,
        hixie75: flags & 2 != 0,
    }
}

/// One event as "the same events" are judged (see `tests/vectors/frames.tsv`): a text
/// message is its concatenated chunks, and a message cut short by an error is the error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    Text(String),
    Discard,
    Close,
    Error(Error),
}

/// Everything a byte stream gave: the events, the text of a message still open at the end
/// (empty if none, or none of it decoded yet), and whether the stream ended between frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    pub events: Vec<Ev>,
    pub open_text: String,
    pub between_frames: bool,
}

/// Feeds `data` to a decoder made by `setup`, the bytes arriving in pieces that end at each
/// offset in `cuts` (ascending, the last `data.len()`; empty for one piece). As the contract
/// says, bytes a call did not use start the next call's input, followed by what arrived
/// meanwhile. Checks on every call:
///
/// - `used` never exceeds the input;
/// - no event means every byte was used and more are needed: `used == input.len()`;
/// - an event that uses no byte (a U+FFFD for a character held from an earlier input) is not
///   followed by another one: calls always progress;
/// - a text chunk is a valid `&str` (the type says so), a message's bytes as received stay
///   within `max_message`, and so does its text when invalid UTF-8 is refused;
/// - a close comes only with the closing handshake on, and everything after it is used and
///   ignored;
/// - an error is `Fault::Peer`, sticks and is reported by `error()`.
pub fn drive(setup: FrameSetup, data: &[u8], cuts: &[usize]) -> Trace {
    let mut decoder = setup.decoder();
    assert_eq!(decoder.is_hixie75(), setup.hixie75);
    assert_eq!(decoder.config(), &setup.config);
    let mut events = Vec::new();
    let mut text = String::new();
    let mut in_text = false;
    // Bytes of the current message as received (the 0xFF not counted).
    let mut received = 0usize;
    let mut buffered: Vec<u8> = Vec::new();
    let mut start = 0;
    let whole = [data.len()];
    let cuts = if cuts.is_empty() { &whole[..] } else { cuts };
    let max = setup.config.max_message();
    for &cut in cuts {
        buffered.extend_from_slice(&data[start..cut]);
        start = cut;
        let mut idle_events = 0;
        loop {
            let input = &buffered[..];
            let between_before = decoder.is_between_frames();
            let (used, event) = match decoder.receive(input) {
                Ok(Received { used, event }) => (used, event),
                Err(error) => {
                    assert_eq!(error.fault(), Fault::Peer, "{error:?} blamed on the caller");
                    assert_eq!(decoder.error(), Some(error));
                    assert_eq!(decoder.receive(input), Err(error));
                    assert_eq!(decoder.receive(b"\x00a\xff"), Err(error));
                    assert!(!decoder.is_closed());
                    events.push(Ev::Error(error));
                    return Trace {
                        events,
                        open_text: String::new(),
                        between_frames: false,
                    };
                }
            };
            assert!(used <= input.len(), "used {used} of {}", input.len());
            assert_eq!(decoder.error(), None);
            // A text frame starts with 0x00 between frames; its bytes as received are counted
            // from the input (an event with text uses its 0xFF too, which is not counted).
            if between_before && used > 0 && input[0] == 0x00 {
                in_text = true;
                received = 0;
            }
            let mut counted = used;
            if between_before && used > 0 && input[0] == 0x00 {
                counted -= 1;
            }
            match event {
                None => {
                    assert_eq!(
                        used,
                        input.len(),
                        "no event, but {} bytes left",
                        input.len() - used
                    );
                    if in_text {
                        received += counted;
                    }
                    buffered.clear();
                    break;
                }
                Some(FrameEvent::Text { chunk, fin }) => {
                    assert!(in_text, "text outside a text frame");
                    let chunk: &str = &chunk;
                    text.push_str(chunk);
                    received += if fin { counted - 1 } else { counted };
                    if fin {
                        assert!(decoder.is_between_frames());
                        events.push(Ev::Text(std::mem::take(&mut text)));
                        in_text = false;
                    }
                }
                Some(FrameEvent::Discarded) => {
                    assert!(!in_text, "a discard inside a text frame");
                    assert!(decoder.is_between_frames());
                    events.push(Ev::Discard);
                }
                Some(FrameEvent::Close) => {
                    assert!(!setup.hixie75, "a close without the closing handshake");
                    assert!(!in_text);
                    assert!(decoder.is_closed() && decoder.is_between_frames());
                    events.push(Ev::Close);
                    // Everything after the close is used and ignored.
                    let rest = &input[used..];
                    assert_eq!(decoder.receive(rest), Ok(Received::partial(rest.len())));
                    assert_eq!(
                        decoder.receive(&data[start..]),
                        Ok(Received::partial(data.len() - start))
                    );
                    assert_eq!(decoder.receive(b"\x00a\xff"), Ok(Received::partial(3)));
                    assert!(decoder.is_closed());
                    return Trace {
                        events,
                        open_text: String::new(),
                        between_frames: true,
                    };
                }
            }
            assert!(
                received <= max,
                "{received} bytes of a message taken, limit {max}"
            );
            if !setup.config.replace_invalid_utf8() {
                assert!(
                    text.len() <= max,
                    "{} bytes of text, limit {max}",
                    text.len()
                );
            } else {
                // One U+FFFD (3 bytes) stands for at least one byte received.
                assert!(text.len() <= max.saturating_mul(3));
            }
            if used == 0 {
                idle_events += 1;
                assert!(idle_events <= 1, "two events in a row without using a byte");
            } else {
                idle_events = 0;
            }
            buffered.drain(..used);
        }
    }
    let between_frames = decoder.is_between_frames();
    assert!(
        !(between_frames && in_text),
        "between frames inside a text frame"
    );
    Trace {
        events,
        open_text: if in_text { text } else { String::new() },
        between_frames,
    }
}
