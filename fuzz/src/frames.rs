//! Driving the frame [`Decoder`] with arbitrary bytes, fed whole or in pieces, and checking
//! every promise of its `receive` contract on every call.

use hixie76::connection::{Connection, ConnectionState};
use hixie76::frame::{Decoder, FrameConfig, FrameEvent, CLOSE_FRAME};
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

/// A handshake's frame configuration, for the connection it hands over, from one setup byte:
/// bit 0 replace invalid UTF-8, bits 1–7 the message limit (0: the default 1 MiB, else n-1,
/// so 0 to 126 bytes). 0 is the default configuration.
pub fn config_byte(byte: u8) -> FrameConfig {
    let config = FrameConfig::new().with_replace_invalid_utf8(byte & 1 != 0);
    match byte >> 1 {
        0 => config,
        n => config.with_max_message(usize::from(n) - 1),
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
    let decoder = setup.decoder();
    assert_eq!(decoder.is_hixie75(), setup.hixie75);
    assert_eq!(decoder.config(), &setup.config);
    drive_machine(decoder, data, cuts)
}

/// [`drive`] for a [`Connection`], such as the one a handshake hands over: the same events and
/// checks as its decoder's, plus the closing handshake's. After the peer's close it must
/// want to answer, refuse `close` and `send_text` (a close is started once, and the answer is
/// `poll_transmit`'s), and give `FF 00` from `poll_transmit` once, keeping it queued while the
/// buffer is short. Open at the end, `close` must only start a close: `FF 00` and
/// `CloseSent` (hixie-75: nothing written and `Closed`), then no second close and no text,
/// and for hixie-76 the peer's `FF 00` finishing it.
pub fn drive_connection(connection: Connection, data: &[u8], cuts: &[usize]) -> Trace {
    assert_eq!(connection.state(), ConnectionState::Open);
    assert!(!connection.wants_transmit() && !connection.is_closed());
    drive_machine(connection, data, cuts)
}

/// Feeds what follows a handshake, `data` after its first `used` bytes, to the connection it
/// handed over, in the pieces `cuts` cut (see [`drive_connection`]); what it makes of
/// them must be what the reference reads.
pub fn after_handshake(connection: Connection, data: &[u8], cuts: &[usize], used: usize) -> Trace {
    let rest = &data[used..];
    let framing = FrameSetup::of(&connection);
    let cuts: Vec<usize> = cuts
        .iter()
        .filter(|&&cut| cut > used)
        .map(|&cut| cut - used)
        .collect();
    let trace = drive_connection(connection, rest, &cuts);
    assert_eq!(
        trace,
        crate::reference::frames(framing, rest),
        "frames after the handshake ({framing:?})"
    );
    trace
}

/// What [`drive`] feeds: a decoder, or a connection around one.
pub trait FrameMachine {
    /// The machine's input call.
    fn receive<'a>(&mut self, input: &'a [u8]) -> Result<Received<FrameEvent<'a>>, Error>;
    /// The decoder, for its queries.
    fn decoder(&self) -> &Decoder;
    /// Checks once the peer's close was received and the input after it ignored.
    fn closed(&mut self) {}
    /// Checks once an error was reported.
    fn failed(&mut self, _error: Error) {}
    /// Checks once the input ran out with neither a close nor an error.
    fn ended(&mut self) {}
}

impl FrameMachine for Decoder {
    fn receive<'a>(&mut self, input: &'a [u8]) -> Result<Received<FrameEvent<'a>>, Error> {
        Decoder::receive(self, input)
    }

    fn decoder(&self) -> &Decoder {
        self
    }
}

impl FrameMachine for Connection {
    fn receive<'a>(&mut self, input: &'a [u8]) -> Result<Received<FrameEvent<'a>>, Error> {
        Connection::receive(self, input)
    }

    fn decoder(&self) -> &Decoder {
        Connection::decoder(self)
    }

    fn closed(&mut self) {
        assert_eq!(self.state(), ConnectionState::CloseReceived);
        assert!(self.wants_transmit() && !self.is_closed());
        let mut out = [0xAAu8; 4];
        // Only an open connection starts a close; the answer is poll_transmit's.
        assert_eq!(self.close(&mut out), Err(Error::InvalidState));
        assert_eq!(self.send_text("x", &mut out), Err(Error::InvalidState));
        assert_eq!(self.send_text_parts("x"), Err(Error::InvalidState));
        assert_eq!(
            self.poll_transmit(&mut out[..1]),
            Err(Error::BufferTooSmall { needed: 2 })
        );
        assert_eq!(out, [0xAA; 4], "a refused call wrote");
        assert!(self.wants_transmit(), "a short buffer lost the answer");
        assert_eq!(self.poll_transmit(&mut out), Ok(2));
        assert_eq!(out[..2], CLOSE_FRAME);
        assert!(self.is_closed() && !self.wants_transmit());
        assert_eq!(self.poll_transmit(&mut out), Ok(0), "the answer sent twice");
        assert_eq!(self.close(&mut out), Err(Error::InvalidState));
        assert_eq!(self.receive(b"\xff\x00"), Ok(Received::partial(2)));
    }

    fn failed(&mut self, error: Error) {
        assert_eq!(self.decoder().error(), Some(error));
        assert_eq!(self.state(), ConnectionState::Open);
    }

    fn ended(&mut self) {
        assert_eq!(self.state(), ConnectionState::Open);
        assert!(!self.wants_transmit());
        let mut ours = self.clone();
        let mut out = [0xAAu8; 8];
        assert_eq!(ours.poll_transmit(&mut out), Ok(0), "nothing to answer");
        if ours.is_hixie75() {
            // No closing handshake: nothing to send, and the transport may close at once.
            assert_eq!(ours.close(&mut out), Ok(0));
            assert_eq!(out, [0xAA; 8], "a hixie-75 close wrote");
            assert!(ours.is_closed());
        } else {
            assert_eq!(
                ours.close(&mut out[..1]),
                Err(Error::BufferTooSmall { needed: 2 })
            );
            assert_eq!(out, [0xAA; 8], "a refused close wrote");
            assert_eq!(ours.state(), ConnectionState::Open);
            assert_eq!(ours.close(&mut out), Ok(2));
            assert_eq!(out[..2], CLOSE_FRAME);
            assert_eq!(ours.state(), ConnectionState::CloseSent);
            assert!(!ours.wants_transmit());
        }
        assert_eq!(
            ours.close(&mut out),
            Err(Error::InvalidState),
            "a second close"
        );
        assert_eq!(ours.send_text("x", &mut out), Err(Error::InvalidState));
        assert_eq!(ours.poll_transmit(&mut out), Ok(0));
        if !ours.is_hixie75() && self.decoder().is_between_frames() {
            // The peer's answer ends the closing handshake (unless a length-prefix limit of 0
            // refuses even the close's one length byte).
            let answer = crate::reference::frames(FrameSetup::of(&ours), &CLOSE_FRAME);
            match ours.receive(&CLOSE_FRAME) {
                Ok(received) => {
                    assert_eq!(answer.events, [Ev::Close]);
                    assert_eq!(received, Received::event(2, FrameEvent::Close));
                    assert!(ours.is_closed() && !ours.wants_transmit());
                }
                Err(error) => assert_eq!(answer.events, [Ev::Error(error)]),
            }
        }
    }
}

/// Drives any [`FrameMachine`]; see [`drive`].
pub fn drive_machine<M: FrameMachine>(mut machine: M, data: &[u8], cuts: &[usize]) -> Trace {
    let setup = FrameSetup {
        config: *machine.decoder().config(),
        hixie75: machine.decoder().is_hixie75(),
    };
    assert!(machine.decoder().is_between_frames() && !machine.decoder().is_closed());
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
            let between_before = machine.decoder().is_between_frames();
            let (used, event) = match machine.receive(input) {
                Ok(Received { used, event }) => (used, event),
                Err(error) => {
                    assert_eq!(error.fault(), Fault::Peer, "{error:?} blamed on the caller");
                    assert_eq!(machine.decoder().error(), Some(error));
                    assert_eq!(machine.receive(input), Err(error));
                    assert_eq!(machine.receive(b"\x00a\xff"), Err(error));
                    assert!(!machine.decoder().is_closed());
                    machine.failed(error);
                    events.push(Ev::Error(error));
                    return Trace {
                        events,
                        open_text: String::new(),
                        between_frames: false,
                    };
                }
            };
            assert!(used <= input.len(), "used {used} of {}", input.len());
            assert_eq!(machine.decoder().error(), None);
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
                        assert!(machine.decoder().is_between_frames());
                        events.push(Ev::Text(std::mem::take(&mut text)));
                        in_text = false;
                    }
                }
                Some(FrameEvent::Discarded) => {
                    assert!(!in_text, "a discard inside a text frame");
                    assert!(machine.decoder().is_between_frames());
                    events.push(Ev::Discard);
                }
                Some(FrameEvent::Close) => {
                    assert!(!setup.hixie75, "a close without the closing handshake");
                    assert!(!in_text);
                    assert!(machine.decoder().is_closed() && machine.decoder().is_between_frames());
                    events.push(Ev::Close);
                    // Everything after the close is used and ignored.
                    let rest = &input[used..];
                    assert_eq!(machine.receive(rest), Ok(Received::partial(rest.len())));
                    assert_eq!(
                        machine.receive(&data[start..]),
                        Ok(Received::partial(data.len() - start))
                    );
                    assert_eq!(machine.receive(b"\x00a\xff"), Ok(Received::partial(3)));
                    assert!(machine.decoder().is_closed());
                    machine.closed();
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
    let between_frames = machine.decoder().is_between_frames();
    assert!(
        !(between_frames && in_text),
        "between frames inside a text frame"
    );
    machine.ended();
    Trace {
        events,
        open_text: if in_text { text } else { String::new() },
        between_frames,
    }
}
