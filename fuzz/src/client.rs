//! Driving [`ClientHandshake`] with arbitrary response bytes and checking every promise it
//! makes, and the request it writes.

use hixie76::client::{ClientConfig, ClientHandshake, Keys, Url};
use hixie76::frame::FrameConfig;
use hixie76::{Error, Fault, HeadLimits, Setting};

use crate::check::{field_line, head_lines, lossy};
use crate::frames::{self, FrameSetup, Trace};
use crate::reference;
use crate::Cursor;

/// How many setup bytes [`Setup::decode`] reads.
pub const SETUP_LEN: usize = 12;

/// The URL and origin of the conformance vectors (`tests/vectors/responses.tsv`).
pub const VECTOR_URL: &str = "ws://example.com/demo";
pub const VECTOR_ORIGIN: &str = "http://example.com";

/// The URLs a setup may choose: the vectors' one first, then one that exercises the canonical
/// Location (upper-case host, the default port spelled out, a query) and one over TLS with an
/// IPv6 host and another port.
const URLS: [&str; 3] = [
    VECTOR_URL,
    "ws://EXAMPLE.com:80/demo?x=1",
    "wss://[::1]:8443/",
];

/// The offered subprotocol sets a setup may choose (index 0: none).
const PROTOCOLS: [&[&str]; 4] = [&[], &["sample"], &["chat", "superchat"], &["x", "sample"]];

/// The draft's example keys, whose answer is `8jKS'y:G*Co,Wxa-` (section 1.3).
pub fn draft_keys() -> Keys {
    Keys::new("4 @1  46546xW%0l 1 5", "12998 5 Y3 1  .P00", *b"^n:ds[4U").unwrap()
}

/// splitmix64 seeded from fuzz input: deterministic entropy for `Keys::generate`.
pub fn splitmix(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// The client's configuration and keys, decoded from setup bytes. All zero is the vectors'
/// setting: `ws://example.com/demo`, no subprotocol, strict, hixie-76, the draft's keys.
#[derive(Debug, Clone)]
pub struct Setup {
    pub url: usize,
    pub protocols: &'static [&'static str],
    pub any_case_upgrade: bool,
    pub hixie75: bool,
    /// `None`: the draft's keys; otherwise the seed of the entropy keys are generated from.
    pub seed: Option<u64>,
    /// Write the right answer over the 16 bytes after the response head (if they are there),
    /// so that a response can be accepted whatever keys were generated.
    pub patch_answer: bool,
    pub content_length: bool,
    /// Head storage length.
    pub storage: usize,
    pub limits: HeadLimits,
    pub frames: FrameConfig,
}

impl Setup {
    /// Byte 0: bits 0–1 offered subprotocols (`PROTOCOLS`), bit 2 any-case Upgrade, bit 3
    /// hixie-75, bit 4 keys from entropy, bit 5 patch the answer in, bit 6 Content-Length,
    /// bit 7 the other URLs (then byte 1's low bit picks which). Byte 1 also: bits 1–7 head
    /// storage (0: 4096, else n*8). Byte 2: field limit (0: 64, else n-1). Bytes 3–10: the
    /// entropy seed. Byte 11: the frame configuration of the connection handed over
    /// (`frames::config_byte`).
    pub fn decode(cursor: &mut Cursor<'_>) -> Setup {
        let flags = cursor.byte();
        let sizes = cursor.byte();
        let fields = cursor.byte();
        let mut seed = [0u8; 8];
        let taken = cursor.take(8);
        seed[..taken.len()].copy_from_slice(taken);
        let frames = frames::config_byte(cursor.byte());
        let hixie75 = flags & 8 != 0;
        let mut protocols = PROTOCOLS[usize::from(flags & 3)];
        if hixie75 && protocols.len() > 1 {
            // hixie-75 offers one value at most; refusing two is checked in `roundtrip`.
            protocols = &protocols[..1];
        }
        Setup {
            url: if flags & 0x80 == 0 {
                0
            } else {
                1 + usize::from(sizes & 1)
            },
            protocols,
            any_case_upgrade: flags & 4 != 0,
            hixie75,
            seed: (flags & 0x10 != 0).then(|| u64::from_le_bytes(seed)),
            patch_answer: flags & 0x20 != 0,
            content_length: flags & 0x40 != 0 && !hixie75,
            storage: match sizes >> 1 {
                0 => 4096,
                n => usize::from(n) * 8,
            },
            limits: match fields {
                0 => HeadLimits::DEFAULT,
                n => HeadLimits::new().with_max_fields(usize::from(n) - 1),
            },
            frames,
        }
    }

    /// The configuration these settings describe.
    pub fn config(&self) -> ClientConfig<'static> {
        ClientConfig::new(Url::parse(URLS[self.url]).unwrap(), VECTOR_ORIGIN)
            .with_protocols(self.protocols)
            .with_any_case_upgrade(self.any_case_upgrade)
            .with_content_length(self.content_length)
            .with_limits(self.limits)
            .with_frames(self.frames)
    }

    /// The keys these settings describe (none for hixie-75).
    pub fn keys(&self) -> Option<Keys> {
        if self.hixie75 {
            return None;
        }
        Some(match self.seed {
            None => draft_keys(),
            Some(seed) => Keys::generate(&mut splitmix(seed)),
        })
    }
}

/// Everything observable about one response over a whole byte stream. Equal for equal
/// inputs, however they are split.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    /// The connection is open: the subprotocol agreed on, the response head, bytes used, and
    /// what the connection handed over made of the rest.
    Established {
        protocol: Option<String>,
        head: Vec<u8>,
        used: usize,
        frames: Trace,
    },
    /// The input ran out first, all of it used.
    NeedMore { used: usize },
    /// The server's bytes were refused.
    Failed(Error),
    /// The setup cannot read any response: head storage under [`MIN_HEAD`] bytes.
    Unusable(Error),
}

/// The least head storage a machine may be given, the length of `GET / HTTP/1.1`, its CR LF and
/// the blank line; less is `InvalidValue(Setting::MaxHead)`, the caller's fault.
pub const MIN_HEAD: usize = 18;

/// Where a response head in `data` ends (after its blank line), if it is complete.
pub fn head_len(data: &[u8]) -> Option<usize> {
    crate::server::head_len(data)
}

/// The response to feed: `data`, with the right answer written after the head when the
/// setup asks for it.
pub fn response(setup: &Setup, data: &[u8]) -> Vec<u8> {
    let mut data = data.to_vec();
    if let (true, Some(keys)) = (setup.patch_answer, setup.keys()) {
        if let Some(end) = head_len(&data) {
            let answer = keys.answer();
            let room = data.len().saturating_sub(end).min(16);
            data[end..end + room].copy_from_slice(&answer[..room]);
        }
    }
    data
}

/// Makes the client for `setup`, writes its request and checks it (see [`check_request`]).
pub fn client(setup: &Setup) -> ClientHandshake<'static, Vec<u8>> {
    let config = setup.config();
    let keys = setup.keys();
    let storage = vec![0u8; setup.storage];
    let mut handshake = match keys {
        Some(keys) => ClientHandshake::new(config, keys, storage),
        None => ClientHandshake::new_hixie75(config, storage),
    }
    .expect("a valid config");
    assert_eq!(handshake.is_hixie75(), setup.hixie75);
    assert_eq!(handshake.keys(), keys.as_ref());
    let len = handshake.request_len();
    // Too small a buffer: refused with the size needed, nothing written, nothing changed.
    let mut out = vec![0xAAu8; len - 1];
    assert_eq!(
        handshake.write_request(&mut out),
        Err(Error::BufferTooSmall { needed: len })
    );
    assert!(out.iter().all(|&b| b == 0xAA), "a refused write wrote");
    assert_eq!(
        handshake.receive(b"HTTP").err(),
        Some(Error::InvalidState),
        "receive before the request was written"
    );
    let mut out = vec![0u8; len + 8];
    let written = handshake.write_request(&mut out).expect("request written");
    assert_eq!(written, len, "request_len differs from what was written");
    check_request(
        &config,
        keys.as_ref(),
        setup.content_length,
        &out[..written],
    );
    assert_eq!(
        handshake.write_request(&mut out).err(),
        Some(Error::InvalidState),
        "a second request"
    );
    handshake
}

/// The request is one well-formed head (rule R5), with the handshake's fields and valid keys
/// (checked by the reference arithmetic), followed by key3 alone (rule R7); no
/// Content-Length unless asked for. No keys: a hixie-75 request, with no body.
pub fn check_request(
    config: &ClientConfig<'_>,
    keys: Option<&Keys>,
    content_length_asked: bool,
    request: &[u8],
) {
    let end = head_len(request).expect("request head without a blank line");
    let (head, body) = request.split_at(end);
    let lines = head_lines(head);
    assert!(
        lines[0].starts_with(b"GET /") && lines[0].ends_with(b" HTTP/1.1"),
        "request line {:?}",
        lossy(lines[0])
    );
    let fields: Vec<(String, &[u8])> = lines[1..]
        .iter()
        .map(|line| {
            let (name, value) = field_line(line);
            (lossy(name).to_ascii_lowercase(), value)
        })
        .collect();
    let get = |name: &str| -> Vec<&[u8]> {
        fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .collect()
    };
    assert_eq!(get("upgrade"), [b"WebSocket"]);
    assert_eq!(get("connection"), [b"Upgrade"]);
    assert_eq!(get("host").len(), 1);
    assert_eq!(
        get("origin"),
        [config.origin().to_ascii_lowercase().as_bytes()]
    );
    let offered = config.protocols().join(" ");
    let (protocol_name, other_name) = if keys.is_none() {
        ("websocket-protocol", "sec-websocket-protocol")
    } else {
        ("sec-websocket-protocol", "websocket-protocol")
    };
    if offered.is_empty() {
        assert!(get(protocol_name).is_empty());
    } else {
        assert_eq!(get(protocol_name), [offered.as_bytes()]);
    }
    assert!(get(other_name).is_empty());
    let Some(keys) = keys else {
        assert!(body.is_empty(), "hixie-75 request with a body");
        assert!(get("sec-websocket-key1").is_empty() && get("content-length").is_empty());
        assert!(get("sec-websocket-key2").is_empty());
        return;
    };
    for (name, key) in [
        ("sec-websocket-key1", keys.key1()),
        ("sec-websocket-key2", keys.key2()),
    ] {
        assert_eq!(get(name), [key.as_bytes()], "{name}");
        let value = key.as_bytes();
        reference::key_part(value).unwrap_or_else(|e| panic!("{name} {key:?}: {e:?}"));
        assert!(
            value.first() != Some(&b' ') && value.last() != Some(&b' '),
            "{name} {key:?} starts or ends with a space"
        );
    }
    assert_eq!(body, keys.key3(), "key3 is not all that follows the head");
    let content_length = get("content-length");
    if content_length_asked {
        assert_eq!(content_length, [b"8"], "Content-Length asked for");
    } else {
        assert!(
            content_length.is_empty(),
            "Content-Length not asked for (rule R7)"
        );
    }
}

/// Feeds `data` (a response) to a fresh client for `setup`, cut after each offset in `cuts`
/// (ascending, the last `data.len()`; empty for one piece), and checks on every call:
///
/// - `used` never exceeds the input, and no event means all of it was used;
/// - nothing past the 16-byte answer is used (rule R2): `Established` exactly at the end of
///   the head plus 16 bytes (hixie-75: at the end of the head), and only if those 16 bytes
///   are the keys' answer;
/// - the subprotocol is one of the offered values or the whole offer, and present exactly
///   when some were offered;
/// - a fault is `Fault::Peer` and sticks; after `Established`, `receive` is a caller error.
pub fn drive(setup: &Setup, data: &[u8], cuts: &[usize]) -> Seen {
    let mut handshake = client(setup);
    let expected = setup.keys().map(|keys| keys.answer());
    let end = head_len(data);
    let mut used_total = 0;
    let mut start = 0;
    let whole = [data.len()];
    let cuts = if cuts.is_empty() { &whole[..] } else { cuts };
    for &cut in cuts {
        // One call takes all it can: no event means it used the whole input.
        let mut input = &data[start..cut];
        start = cut;
        let received = match handshake.receive(input) {
            Ok(received) => received,
            Err(error) if setup.storage < MIN_HEAD => {
                // Storage no status line fits in is the caller's setup, whatever arrives;
                // nothing was taken and nothing failed for good.
                assert_eq!(error, Error::InvalidValue(Setting::MaxHead));
                assert_eq!(error.fault(), Fault::Caller);
                assert_eq!(used_total, 0);
                assert_eq!(handshake.receive(&[]).err(), Some(error));
                assert_eq!(handshake.receive(data).err(), Some(error));
                assert!(!handshake.is_done() && handshake.established().is_none());
                return Seen::Unusable(error);
            }
            Err(error) => {
                assert_eq!(error.fault(), Fault::Peer, "{error:?} blamed on the caller");
                assert_eq!(handshake.receive(input).err(), Some(error));
                assert_eq!(handshake.receive(&[]).err(), Some(error));
                assert_eq!(handshake.receive(b"\r\n\r\n").err(), Some(error));
                assert!(!handshake.is_done() && handshake.established().is_none());
                return Seen::Failed(error);
            }
        };
        assert!(
            received.used <= input.len(),
            "used {} of {}",
            received.used,
            input.len()
        );
        used_total += received.used;
        input = &input[received.used..];
        let Some(established) = received.event else {
            assert!(
                input.is_empty(),
                "no event with {} bytes unused",
                input.len()
            );
            assert!(!handshake.is_done());
            continue;
        };
        let end = end.expect("established without a complete head");
        assert_eq!(established.is_hixie75(), setup.hixie75);
        match expected {
            None => {
                assert_eq!(used_total, end, "hixie-75 used bytes past its head");
                assert!(
                    data.starts_with(b"HTTP/1.1 101 Web Socket Protocol Handshake\r\n"),
                    "hixie-75 status line"
                );
            }
            Some(expected) => {
                assert_eq!(used_total, end + 16, "used other than head + answer");
                assert_eq!(
                    data[end..end + 16],
                    expected,
                    "established on a wrong answer"
                );
            }
        }
        // The rest is the connection's, configured as the client was and for the draft the
        // handshake spoke.
        let connection = established.connection();
        assert_eq!(
            FrameSetup::of(&connection),
            FrameSetup {
                config: setup.frames,
                hixie75: setup.hixie75,
            }
        );
        let head = established.response().head().to_vec();
        assert_eq!(head, data[..end], "response head differs from the input");
        let protocol = established.protocol().map(str::to_owned);
        check_protocol(setup.protocols, setup.hixie75, protocol.as_deref());
        assert!(handshake.is_done());
        let facts = handshake
            .established()
            .expect("established() after Established");
        assert_eq!(facts.protocol(), protocol.as_deref());
        let after = handshake.receive(input).err();
        assert_eq!(after, Some(Error::InvalidState));
        assert_eq!(after.map(|e| e.fault()), Some(Fault::Caller));
        return Seen::Established {
            protocol,
            head,
            used: used_total,
            frames: frames::after_handshake(connection, data, cuts, used_total),
        };
    }
    assert_eq!(used_total, data.len(), "input ran out but not all was used");
    if let Some(end) = end {
        let answer_end = if setup.hixie75 { end } else { end + 16 };
        assert!(
            used_total < answer_end,
            "used the whole answer without a verdict"
        );
    }
    Seen::NeedMore { used: used_total }
}

/// The agreed subprotocol is one offered, or the whole offer as one string; there is one
/// exactly when some were offered, except that a hixie-75 server may leave the offer
/// unanswered (the crate's `Recorder::judge`: the echo is optional there, and then none was
/// agreed).
pub fn check_protocol(offered: &[&str], hixie75: bool, protocol: Option<&str>) {
    match protocol {
        None => assert!(
            offered.is_empty() || hixie75,
            "no subprotocol although {offered:?} offered"
        ),
        Some(p) => assert!(
            offered.contains(&p) || (!offered.is_empty() && p == offered.join(" ")),
            "subprotocol {p:?} agreed, {offered:?} offered"
        ),
    }
}
