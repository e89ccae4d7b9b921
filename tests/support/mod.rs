//! What the integration tests share, so that each idea is written once and means the same in
//! every file:
//!
//! - [`unhex`] and [`hex`]: the vectors store bytes as hex;
//! - [`split`]: the ways a stream is cut into reads ("every split" is the same everywhere);
//! - [`SplitMix64`]: the one seeded generator, also the client's `Entropy` in tests;
//! - [`vector_kinds`]: the one table from an [`Error`] to the kind names the vectors use;
//! - [`serve`] and [`establish`]: one driver per handshake role, fed read by read, checking
//!   on every call what the machines promise (bytes used, hand-over, repeated errors);
//! - [`Pair`]: our client and our server in memory, handshakes first, then the two
//!   connections they hand over (in the style of quinn-proto's `Pair` and h11's
//!   `ConnectionPair`).
//!
//! Everything here allocates freely; `alloc_free.rs` takes only the constants.

// Each test binary uses a part of this module.
#![allow(dead_code)]

use hixie76::client::{ClientConfig, ClientHandshake, Entropy, Keys};
use hixie76::connection::Connection;
use hixie76::frame::{encode_text, FrameEvent};
use hixie76::server::{Accept, Outcome, Request, ServerConfig, ServerHandshake, Version};
use hixie76::Error;

// ---------------------------------------------------------------------------------------------
// The draft's example handshake (section 1.3), which many tests start from.

/// The draft's example request, key3 included.
pub const V1_REQUEST: &[u8] = b"GET /demo HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key2: 12998 5 Y3 1  .P00\r\nSec-WebSocket-Protocol: sample\r\n\
Upgrade: WebSocket\r\nSec-WebSocket-Key1: 4 @1  46546xW%0l 1 5\r\n\
Origin: http://example.com\r\n\r\n^n:ds[4U";
/// Its `Sec-WebSocket-Key1`.
pub const V1_KEY1: &str = "4 @1  46546xW%0l 1 5";
/// Its `Sec-WebSocket-Key2`.
pub const V1_KEY2: &str = "12998 5 Y3 1  .P00";
/// Its key3.
pub const V1_KEY3: [u8; 8] = *b"^n:ds[4U";
/// The 16 bytes the server answers it with.
pub const V1_ANSWER: &[u8; 16] = b"8jKS'y:G*Co,Wxa-";

/// The example's keys, for a client.
pub fn v1_keys() -> Keys {
    Keys::new(V1_KEY1, V1_KEY2, V1_KEY3).expect("the draft's keys are valid")
}

/// Where `needle` first occurs in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// Bytes as text

/// The bytes a hex string stands for. The vectors store bytes this way; a malformed string
/// is a broken vector, so it panics.
pub fn unhex(text: &str) -> Vec<u8> {
    assert!(text.len() % 2 == 0, "odd hex {text:?}");
    (0..text.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&text[i..i + 2], 16).unwrap_or_else(|_| panic!("bad hex {text:?}"))
        })
        .collect()
}

/// `bytes` as lowercase hex, the vectors' notation.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------------
// A seeded generator

/// splitmix64: tiny, deterministic, and good enough to drive tests (a failure reproduces from
/// its seed). It is the client's [`Entropy`] in tests too.
#[derive(Debug, Clone)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0, "below(0)");
        (self.next_u64() % n as u64) as usize
    }

    /// One of `items`.
    pub fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.below(items.len())]
    }
}

impl Entropy for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        SplitMix64::next_u64(self)
    }
}

// ---------------------------------------------------------------------------------------------
// Cutting a stream into reads

/// The ways a stream is cut into the reads a peer's bytes arrive in. Every machine must give
/// the same result however its input is cut, so every test that splits input uses these.
pub mod split {
    use super::SplitMix64;

    /// `bytes` cut at `cuts`, ascending offsets into it (a piece may be empty).
    pub fn at<'b>(bytes: &'b [u8], cuts: &[usize]) -> Vec<&'b [u8]> {
        let mut pieces = Vec::with_capacity(cuts.len() + 1);
        let mut start = 0;
        for &cut in cuts {
            assert!(
                start <= cut && cut <= bytes.len(),
                "cuts {cuts:?} not ascending within {} bytes",
                bytes.len()
            );
            pieces.push(&bytes[start..cut]);
            start = cut;
        }
        pieces.push(&bytes[start..]);
        pieces
    }

    /// One byte per read.
    pub fn bytewise(bytes: &[u8]) -> Vec<&[u8]> {
        bytes.chunks(1).collect()
    }

    /// Reads of `size` bytes, the last one shorter.
    pub fn pieces_of(bytes: &[u8], size: usize) -> Vec<&[u8]> {
        assert!(size > 0, "pieces of 0 bytes");
        bytes.chunks(size).collect()
    }

    /// `bytes` in two at every point, 0 and the end included (one read is empty there): every
    /// boundary a read can have, one at a time.
    pub fn every_point(bytes: &[u8]) -> Vec<Vec<&[u8]>> {
        (0..=bytes.len()).map(|cut| at(bytes, &[cut])).collect()
    }

    /// `bytes` in `n` reads cut at points drawn from `rng` (some may be empty).
    pub fn random<'b>(bytes: &'b [u8], rng: &mut SplitMix64, n: usize) -> Vec<&'b [u8]> {
        let mut cuts: Vec<usize> = (1..n).map(|_| rng.below(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        at(bytes, &cuts)
    }

    /// Every way the tests cut a stream, each with a label for failure messages: whole, one
    /// byte at a time, and in two at every point.
    pub fn every_way(bytes: &[u8]) -> Vec<(String, Vec<&[u8]>)> {
        let mut ways = vec![
            ("whole".to_string(), vec![bytes]),
            ("byte by byte".to_string(), bytewise(bytes)),
        ];
        for (cut, pieces) in every_point(bytes).into_iter().enumerate() {
            ways.push((format!("cut at {cut}"), pieces));
        }
        ways
    }
}

// ---------------------------------------------------------------------------------------------
// The vectors' names for errors

/// The names the vectors give `error`, each with its file's prefix: `reject:<kind>` in
/// `server/handshakes.tsv`, `fail:<kind>` in `responses.tsv`, `error:<kind>` in
/// `frames.tsv`. The files group several errors under one kind, and the request and response
/// files spell some kinds differently; this is the one place that knows how. Errors no vector
/// expects have no name.
pub fn vector_kinds(error: Error) -> &'static [&'static str] {
    match error {
        Error::BareCrOrLf | Error::BadField => &["reject:bad-field", "fail:bad-field"],
        Error::FoldedLine | Error::UnexpectedBody => &["reject:bad-field"],
        Error::HeadTooLarge => &["reject:head-too-large"],
        Error::BadRequestLine => &["reject:bad-request-line"],
        Error::BadMethod => &["reject:bad-method"],
        Error::MissingField(_) => &["reject:missing-field", "fail:missing-field"],
        Error::DuplicateField(_) => &["reject:duplicate-field", "fail:duplicate-field"],
        Error::BadUpgrade => &["reject:bad-upgrade", "fail:upgrade"],
        Error::KeyNoDigits(_) => &["reject:no-digits"],
        Error::KeyNumberTooLarge(_) => &["reject:key-number-too-large"],
        Error::KeyNoSpaces(_) => &["reject:no-spaces"],
        Error::KeyNotIntegral(_) => &["reject:not-integral"],
        Error::BadStatusLine | Error::UnexpectedStatus(_) => &["fail:status"],
        Error::ProxyAuthenticationRequired => &["fail:proxy-auth"],
        Error::OriginMismatch => &["fail:origin"],
        Error::LocationMismatch => &["fail:location"],
        Error::ProtocolMismatch => &["fail:protocol"],
        Error::ChallengeMismatch => &["fail:challenge"],
        Error::FrameTooLarge => &["error:frame-too-large"],
        Error::MessageTooLarge => &["error:message-too-large"],
        Error::InvalidUtf8 => &["error:invalid-utf8"],
        _ => &[],
    }
}

/// The name `error` has in the vector file whose names start with `prefix` (such as
/// `error:`), if it has one there.
pub fn vector_kind(error: Error, prefix: &str) -> Option<&'static str> {
    vector_kinds(error)
        .iter()
        .copied()
        .find(|name| name.starts_with(prefix))
}

// ---------------------------------------------------------------------------------------------
// The server driver

/// Which offered subprotocol the server driver accepts with.
#[derive(Debug, Clone, Copy)]
pub enum Pick<'a> {
    /// The first one offered, or none when none is offered.
    First,
    /// The last one offered, or none.
    Last,
    /// The first offered that is also in this list, or none.
    AnyOf(&'a [&'a str]),
    /// Whatever the `Accept` already says, offered or not.
    AsGiven,
}

/// What a server handshake made of a stream.
#[derive(Debug, PartialEq, Eq)]
pub enum Served {
    /// Accepted and answered: the 101 head written, the answer, whether it is hixie-75's,
    /// and how many input bytes the handshake used.
    Answer {
        head: Vec<u8>,
        answer: Vec<u8>,
        hixie75: bool,
        used: usize,
    },
    /// The input ran out first (after the head was written, if it was).
    NeedMore { head: Vec<u8>, used: usize },
    /// `receive` failed.
    Refused(Error),
    /// `accept` failed: nothing was written and the request stays pending.
    NotAccepted(Error),
    /// Handed over as another WebSocket version: the head's bytes, and the bytes used.
    OtherVersion {
        version: Version,
        bytes: Vec<u8>,
        used: usize,
    },
    /// Handed back as plain HTTP: the head's bytes, and the bytes used.
    NotWebSocket { bytes: Vec<u8>, used: usize },
}

/// A server handshake's run: what it made of the stream, the connection it handed over, and
/// the reads (or what was left of them) after the handshake, the connection's.
#[derive(Debug)]
pub struct ServerRun<'p> {
    pub served: Served,
    pub connection: Option<Connection>,
    pub rest: Vec<&'p [u8]>,
}

/// Drives a fresh server handshake through `pieces`, one read each, accepting with `accept`
/// and the subprotocol `pick` names.
pub fn serve(
    config: ServerConfig,
    accept: &Accept<'_>,
    pick: Pick<'_>,
    pieces: &[&[u8]],
) -> Served {
    serve_inspecting(config, accept, pick, pieces, |_| {}).served
}

/// [`serve`], handing the request to `inspect` before it is accepted, and returning the
/// connection and the rest of the stream too. Checks on every call: `used` within the input,
/// no event only when all of it was used, a failed machine repeating its error, a refused
/// accept giving the request back, a hand-over of exactly the bytes used, and a connection
/// for the answer's draft with the configured frame limits.
pub fn serve_inspecting<'p>(
    config: ServerConfig,
    accept: &Accept<'_>,
    pick: Pick<'_>,
    pieces: &[&'p [u8]],
    mut inspect: impl FnMut(&Request<'_>),
) -> ServerRun<'p> {
    let mut handshake = ServerHandshake::new(config, vec![0u8; 32 * 1024]);
    let mut head = Vec::new();
    let mut used = 0;
    let ended = |served| ServerRun {
        served,
        connection: None,
        rest: Vec::new(),
    };
    for (i, &piece) in pieces.iter().enumerate() {
        let mut input = piece;
        loop {
            let received = match handshake.receive(input) {
                Ok(received) => received,
                Err(error) => {
                    assert_eq!(handshake.receive(b"x").err(), Some(error), "error repeats");
                    return ended(Served::Refused(error));
                }
            };
            assert!(received.used <= input.len(), "used past the input");
            used += received.used;
            input = &input[received.used..];
            match received.event {
                None => {
                    assert!(input.is_empty(), "no event with input left");
                    break;
                }
                Some(Outcome::Request(pending)) => {
                    let request = pending.request();
                    inspect(&request);
                    let protocol = match pick {
                        Pick::First => request.protocols().next(),
                        Pick::Last => request.protocols().last(),
                        Pick::AnyOf(names) => request.protocols().find(|p| names.contains(p)),
                        Pick::AsGiven => accept.protocol(),
                    };
                    let mut out = [0u8; 2048];
                    match pending.accept(&accept.with_protocol(protocol), &mut out) {
                        Ok(n) => head.extend_from_slice(&out[..n]),
                        Err(error) => {
                            assert!(handshake.pending().is_some(), "request given back");
                            return ended(Served::NotAccepted(error));
                        }
                    }
                }
                Some(Outcome::Answer(answer)) => {
                    let connection = answer.connection();
                    assert_eq!(connection.is_hixie75(), answer.is_hixie75());
                    assert_eq!(connection.decoder().config(), config.frames());
                    assert!(handshake.is_done());
                    let mut rest = vec![input];
                    rest.extend_from_slice(&pieces[i + 1..]);
                    return ServerRun {
                        served: Served::Answer {
                            head,
                            answer: answer.as_bytes().to_vec(),
                            hixie75: answer.is_hixie75(),
                            used,
                        },
                        connection: Some(connection),
                        rest,
                    };
                }
                Some(Outcome::OtherVersion(version, handover)) => {
                    let bytes = handover.bytes().to_vec();
                    assert_eq!(bytes.len(), used, "the head is what was used");
                    return ended(Served::OtherVersion {
                        version,
                        bytes,
                        used,
                    });
                }
                Some(Outcome::NotWebSocket(handover)) => {
                    let bytes = handover.bytes().to_vec();
                    assert_eq!(bytes.len(), used, "the head is what was used");
                    return ended(Served::NotWebSocket { bytes, used });
                }
            }
        }
    }
    ended(Served::NeedMore { head, used })
}

// ---------------------------------------------------------------------------------------------
// The client driver

/// What a client handshake made of a response.
#[derive(Debug, PartialEq, Eq)]
pub enum Got {
    /// Established after using this many bytes in all: the subprotocol, the `Set-Cookie`
    /// values, and whether it was hixie-75.
    Established {
        used: usize,
        protocol: Option<String>,
        cookies: Vec<Vec<u8>>,
        hixie75: bool,
    },
    /// The input ran out first.
    NeedMore,
    /// `receive` failed.
    Failed(Error),
}

/// A client handshake's run, as [`ServerRun`].
#[derive(Debug)]
pub struct ClientRun<'p> {
    pub got: Got,
    pub connection: Option<Connection>,
    pub rest: Vec<&'p [u8]>,
}

/// Writes the request of a new `handshake` (in a buffer of exactly
/// [`request_len`](ClientHandshake::request_len)) and returns it.
pub fn request_of<S: AsRef<[u8]> + AsMut<[u8]>>(handshake: &mut ClientHandshake<'_, S>) -> Vec<u8> {
    let mut out = vec![0u8; handshake.request_len()];
    let n = handshake.write_request(&mut out).expect("request written");
    assert_eq!(n, out.len(), "request_len is exact");
    out
}

/// Feeds a client handshake whose request is written with `pieces`, one call each. Checks
/// on every call: a read without an event used whole, nothing used past the answer, a failed
/// machine repeating its error, the machine done once established, and a connection for the
/// negotiated draft with the configured frame limits.
pub fn establish<'p, S: AsRef<[u8]> + AsMut<[u8]>>(
    handshake: &mut ClientHandshake<'_, S>,
    pieces: &[&'p [u8]],
) -> ClientRun<'p> {
    let mut used = 0;
    for (i, &piece) in pieces.iter().enumerate() {
        let received = match handshake.receive(piece) {
            Ok(received) => received,
            Err(error) => {
                assert_eq!(handshake.receive(b"x").err(), Some(error), "error repeats");
                return ClientRun {
                    got: Got::Failed(error),
                    connection: None,
                    rest: Vec::new(),
                };
            }
        };
        let step = received.used;
        assert!(step <= piece.len(), "used past the input");
        used += step;
        let Some(established) = received.event else {
            assert_eq!(step, piece.len(), "no event, yet input left");
            continue;
        };
        let got = Got::Established {
            used,
            protocol: established.protocol().map(str::to_owned),
            cookies: established
                .response()
                .set_cookies()
                .map(|(_, value)| value.to_vec())
                .collect(),
            hixie75: established.is_hixie75(),
        };
        let connection = established.connection();
        assert_eq!(connection.is_hixie75(), handshake.is_hixie75());
        assert_eq!(connection.decoder().config(), handshake.config().frames());
        assert!(handshake.is_done() && handshake.established().is_some());
        assert_eq!(handshake.receive(b"").err(), Some(Error::InvalidState));
        let mut rest = vec![&piece[step..]];
        rest.extend_from_slice(&pieces[i + 1..]);
        return ClientRun {
            got,
            connection: Some(connection),
            rest,
        };
    }
    ClientRun {
        got: Got::NeedMore,
        connection: None,
        rest: Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// A client and a server in memory

/// One end of a [`Pair`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Client,
    Server,
}

/// How the wire cuts what one end writes into the other end's reads.
#[derive(Debug, Clone, Copy)]
pub enum Piece {
    /// Everything written so far in one read.
    Whole,
    /// Reads of this many bytes.
    Of(usize),
    /// Two reads, cut at this offset (or one, if the stream is shorter).
    Cut(usize),
    /// This many reads cut at random points drawn from this seed.
    Random { seed: u64, pieces: usize },
}

impl Piece {
    /// `bytes` as this wire delivers them.
    pub fn split(self, bytes: &[u8]) -> Vec<&[u8]> {
        match self {
            Piece::Whole => vec![bytes],
            Piece::Of(size) => split::pieces_of(bytes, size),
            Piece::Cut(at) => split::at(bytes, &[at.min(bytes.len())]),
            Piece::Random { seed, pieces } => split::random(bytes, &mut SplitMix64(seed), pieces),
        }
    }
}

/// What an end writes right behind its handshake, in the same write.
#[derive(Debug, Clone, Copy)]
pub enum Say<'a> {
    /// A text frame.
    Text(&'a str),
    /// The close (the server's handed-over connection only: a client has no connection
    /// before its handshake ends).
    Close,
    /// These bytes, whatever they are.
    Raw(&'a [u8]),
}

/// What a connection received, message by message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    Text(String),
    Discarded,
    Close,
}

/// One end of a [`Pair`] once its handshake is over: its connection and what went through it.
#[derive(Debug)]
pub struct End {
    pub connection: Connection,
    /// The bytes behind the handshake that came in the handshake's reads: the hand-over.
    pub handed: Vec<u8>,
    /// Everything this end wrote once its connection existed: text, closes, answers to the
    /// peer's close, raw bytes.
    pub wrote: Vec<u8>,
    heard: Vec<Heard>,
    message: String,
    inbox: Vec<u8>,
}

impl End {
    fn new(connection: Connection) -> End {
        End {
            connection,
            handed: Vec::new(),
            wrote: Vec::new(),
            heard: Vec::new(),
            message: String::new(),
            inbox: Vec::new(),
        }
    }

    /// Takes `reads` one at a time as a socket wrapper does: decode until no event, keep what
    /// was not used for the next read, then write what the connection wants to send. Returns
    /// those bytes.
    fn read(&mut self, reads: &[&[u8]]) -> Result<Vec<u8>, Error> {
        let mut out = Vec::new();
        for read in reads {
            self.inbox.extend_from_slice(read);
            loop {
                let received = self.connection.receive(&self.inbox)?;
                let used = received.used;
                let done = received.event.is_none();
                let heard = match received.event {
                    None => None,
                    Some(FrameEvent::Text { chunk, fin }) => {
                        self.message.push_str(&chunk);
                        fin.then(|| Heard::Text(std::mem::take(&mut self.message)))
                    }
                    Some(FrameEvent::Discarded) => Some(Heard::Discarded),
                    Some(FrameEvent::Close) => Some(Heard::Close),
                };
                self.heard.extend(heard);
                self.inbox.drain(..used);
                if done {
                    break;
                }
            }
            let mut answer = [0u8; 8];
            let n = self.connection.poll_transmit(&mut answer)?;
            out.extend_from_slice(&answer[..n]);
        }
        self.wrote.extend_from_slice(&out);
        Ok(out)
    }

    /// Performs `says` on the connection (or, for a client, which has none before its
    /// handshake ends, encodes them) and returns the bytes.
    fn say(mut connection: Option<&mut Connection>, says: &[Say<'_>]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for say in says {
            let mut out = vec![0u8; say_len(say) + 2];
            let n = match *say {
                Say::Raw(raw) => {
                    bytes.extend_from_slice(raw);
                    continue;
                }
                Say::Text(text) => match connection.as_deref_mut() {
                    Some(connection) => connection.send_text(text, &mut out),
                    None => encode_text(text, &mut out),
                },
                Say::Close => connection
                    .as_deref_mut()
                    .expect("a client has no connection to close before its handshake ends")
                    .close(&mut out),
            }
            .expect("said");
            bytes.extend_from_slice(&out[..n]);
        }
        bytes
    }
}

/// The most bytes `say` adds besides a frame's two.
fn say_len(say: &Say<'_>) -> usize {
    match say {
        Say::Text(text) => text.len(),
        Say::Raw(_) | Say::Close => 0,
    }
}

/// How a [`Pair`] is made: the client's configuration and keys (none: hixie-75), the
/// server's configuration and acceptance, the wire, and what each end glues behind its
/// handshake. [`Setup::new`] gives the defaults; change fields with `..`.
#[derive(Debug, Clone, Copy)]
pub struct Setup<'a> {
    pub client: ClientConfig<'a>,
    pub keys: Option<Keys>,
    pub server: ServerConfig,
    pub accept: Accept<'a>,
    pub pick: Pick<'a>,
    pub piece: Piece,
    pub client_says: &'a [Say<'a>],
    pub server_says: &'a [Say<'a>],
}

impl<'a> Setup<'a> {
    /// A hixie-76 client with `keys`, or a hixie-75 one with `None`; a default server that
    /// allows hixie-75 exactly when the client speaks it; acceptance with the first offered
    /// subprotocol; whole reads; nothing glued.
    pub fn new(client: ClientConfig<'a>, keys: Option<Keys>) -> Self {
        Setup {
            client,
            keys,
            server: ServerConfig::new().with_hixie75(keys.is_none()),
            accept: Accept::new(),
            pick: Pick::First,
            piece: Piece::Whole,
            client_says: &[],
            server_says: &[],
        }
    }
}

/// The request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub resource: String,
    pub host: String,
    pub origin: Option<String>,
    pub offered: Vec<String>,
    pub hixie75: bool,
}

/// Our client and our server connected in memory: both handshakes run over the wire
/// [`Setup::piece`] describes, and then the two connections they hand over talk through it.
/// What an end wants to send goes out after each of its reads, as a socket wrapper would.
#[derive(Debug)]
pub struct Pair {
    pub client: End,
    pub server: End,
    pub piece: Piece,
    /// The client's request, head and key3 (for hixie-75 the head alone).
    pub request: Vec<u8>,
    /// The server's 101 head and answer.
    pub response: Vec<u8>,
    /// The answer alone (16 bytes for hixie-76, none for hixie-75).
    pub answer: Vec<u8>,
    /// The request as the server saw it.
    pub seen: Seen,
    /// Whether the server's answer was hixie-75's.
    pub answer_hixie75: bool,
    /// What the client made of the response ([`Got::Established`]).
    pub got: Got,
    to_client: Vec<u8>,
    to_server: Vec<u8>,
}

impl Pair {
    /// Runs both handshakes as `setup` says; panics if either fails. Checks that each
    /// handshake used exactly the other's handshake bytes, so the ends got every byte behind
    /// them.
    pub fn connect(setup: Setup<'_>) -> Pair {
        let storage = vec![0u8; 4096];
        let mut client = match setup.keys {
            Some(keys) => ClientHandshake::new(setup.client, keys, storage),
            None => ClientHandshake::new_hixie75(setup.client, storage),
        }
        .expect("a valid client configuration");
        let request = request_of(&mut client);
        let mut wire = request.clone();
        wire.extend_from_slice(&End::say(None, setup.client_says));

        let mut seen = None;
        let reads = setup.piece.split(&wire);
        let run = serve_inspecting(setup.server, &setup.accept, setup.pick, &reads, |r| {
            seen = Some(Seen {
                resource: r.resource().to_owned(),
                host: r.host().to_owned(),
                origin: r.origin().map(str::to_owned),
                offered: r.protocols().map(str::to_owned).collect(),
                hixie75: r.is_hixie75(),
            });
        });
        let Served::Answer {
            head,
            answer,
            hixie75: answer_hixie75,
            used,
        } = run.served
        else {
            panic!("the server did not answer: {:?}", run.served);
        };
        assert_eq!(used, request.len(), "the server used exactly the request");
        let mut server = End::new(run.connection.expect("answered"));
        let response = [&head[..], &answer].concat();
        let mut wire = response.clone();
        let said = End::say(Some(&mut server.connection), setup.server_says);
        server.wrote.extend_from_slice(&said);
        wire.extend_from_slice(&said);
        server.handed = run.rest.concat();
        let to_client = server.read(&run.rest).expect("the client's first frames");

        let reads = setup.piece.split(&wire);
        let run = establish(&mut client, &reads);
        let Got::Established { used, .. } = run.got else {
            panic!("the client did not establish: {:?}", run.got);
        };
        assert_eq!(used, response.len(), "the client used exactly the response");
        let mut client = End::new(run.connection.expect("established"));
        client.handed = run.rest.concat();
        let to_server = client.read(&run.rest).expect("the server's first frames");

        Pair {
            client,
            server,
            piece: setup.piece,
            request,
            response,
            answer,
            seen: seen.expect("the server saw a request"),
            answer_hixie75,
            got: run.got,
            to_client,
            to_server,
        }
    }

    /// The subprotocol the client was told.
    pub fn protocol(&self) -> Option<&str> {
        match &self.got {
            Got::Established { protocol, .. } => protocol.as_deref(),
            _ => None,
        }
    }

    /// One end.
    pub fn end(&mut self, role: Role) -> &mut End {
        match role {
            Role::Client => &mut self.client,
            Role::Server => &mut self.server,
        }
    }

    /// `from` sends `text`; the other end reads it on the next [`drive`](Self::drive).
    pub fn send(&mut self, from: Role, text: &str) -> Result<(), Error> {
        let mut out = vec![0u8; text.len() + 2];
        let n = self.end(from).connection.send_text(text, &mut out)?;
        self.put(from, &out[..n]);
        Ok(())
    }

    /// `from` starts the closing handshake; returns how many bytes that wrote.
    pub fn close(&mut self, from: Role) -> Result<usize, Error> {
        let mut out = [0u8; 2];
        let n = self.end(from).connection.close(&mut out)?;
        self.put(from, &out[..n]);
        Ok(n)
    }

    /// Puts `bytes` on the wire as if `from` wrote them.
    pub fn raw(&mut self, from: Role, bytes: &[u8]) {
        self.put(from, bytes);
    }

    fn put(&mut self, from: Role, bytes: &[u8]) {
        match from {
            Role::Client => {
                self.client.wrote.extend_from_slice(bytes);
                self.to_server.extend_from_slice(bytes);
            }
            Role::Server => {
                self.server.wrote.extend_from_slice(bytes);
                self.to_client.extend_from_slice(bytes);
            }
        }
    }

    /// Delivers everything on the wire, both ways, until nothing moves; panics on an error.
    pub fn drive(&mut self) {
        if let Err((role, error)) = self.try_drive() {
            panic!("the {role:?}'s connection failed: {error}");
        }
    }

    /// [`drive`](Self::drive), returning the first error and which end's connection had it.
    pub fn try_drive(&mut self) -> Result<(), (Role, Error)> {
        for _ in 0..16 {
            if self.to_client.is_empty() && self.to_server.is_empty() {
                return Ok(());
            }
            let bytes = std::mem::take(&mut self.to_server);
            let reply = self
                .server
                .read(&self.piece.split(&bytes))
                .map_err(|e| (Role::Server, e))?;
            self.to_client.extend_from_slice(&reply);
            let bytes = std::mem::take(&mut self.to_client);
            let reply = self
                .client
                .read(&self.piece.split(&bytes))
                .map_err(|e| (Role::Client, e))?;
            self.to_server.extend_from_slice(&reply);
        }
        panic!("the pair never settles");
    }

    /// What `role`'s connection received since the last call.
    pub fn heard(&mut self, role: Role) -> Vec<Heard> {
        std::mem::take(&mut self.end(role).heard)
    }
}

// ---------------------------------------------------------------------------------------------
// Field names next to the ones the handshakes read.

/// Names one byte away from `name`, each a token of the same length: every position changed
/// in turn (a letter to the next letter in the same case, a digit to the next digit, `-` to
/// `_`), and `name` with one byte more and one fewer. A handshake must read each as an
/// ordinary field, whatever its word-at-a-time comparison does.
pub fn near_names(name: &str) -> Vec<String> {
    let bytes = name.as_bytes();
    let mut names = Vec::new();
    for at in 0..bytes.len() {
        let mut near = bytes.to_vec();
        near[at] = match near[at] {
            b'z' => b'a',
            b'Z' => b'A',
            b'9' => b'0',
            b'-' => b'_',
            other => other + 1,
        };
        names.push(String::from_utf8(near).unwrap());
    }
    names.push(format!("{name}x"));
    names.push(name[..name.len() - 1].to_owned());
    names
}

/// `head` with the line `field` (CR LF added) inserted after its first line.
pub fn with_field_first(head: &[u8], field: &str) -> Vec<u8> {
    let at = find(head, b"\r\n").unwrap() + 2;
    let mut bytes = head[..at].to_vec();
    bytes.extend_from_slice(field.as_bytes());
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(&head[at..]);
    bytes
}
