//! Driving [`ServerHandshake`] with arbitrary bytes and checking every promise it makes.

use hixie76::server::{
    error_response, Accept, Handover, Outcome, Request, ServerConfig, ServerHandshake, Version,
};
use hixie76::{Error, Fault, HeadLimits, Key, Setting, StatusCode};

use crate::check::{field_line, head_lines, is_clean_value, is_tchar, lossy};
use crate::frames::{self, FrameSetup, Trace};
use crate::reference::{self, Asked};
use crate::Cursor;

/// How many setup bytes [`Setup::decode`] reads.
pub const SETUP_LEN: usize = 6;

/// The server's configuration and the application's decisions, decoded from setup bytes.
/// A byte of 0 always means the default, so `[0x08, 0, 0, 0, 0, 0]` is "defaults, accept the
/// first offered subprotocol" (the prefix of the committed seeds).
#[derive(Debug, Clone)]
pub struct Setup {
    pub config: ServerConfig,
    /// Length of the head storage handed to the machine.
    pub storage: usize,
    /// Whether the application says the connection is TLS (`wss://`).
    pub secure: bool,
    /// Which offered subprotocol to accept (modulo the number offered), or none.
    pub pick: Option<usize>,
    /// Whether the application echoes the request's last field into the response, as an
    /// application might echo a cookie: the library must refuse it unless it is safe.
    pub echo_field: bool,
    /// Size of the output buffer for the first `accept` try; too small must be a clean
    /// `BufferTooSmall` with nothing changed, after which the exact size is used.
    pub first_out: Option<usize>,
}

impl Setup {
    /// Byte 0: bit 0 hixie-75 allowed, bit 1 secure, bit 2 echo a field, bits 3–7 subprotocol
    /// pick (0 none, n the (n-1)-th offered). Byte 1: head limit (0: 8192, else n*40).
    /// Byte 2: field limit (0: 64, else n-1). Byte 3: storage (0: 8192, else n*40). Byte 4:
    /// first output buffer (0: ample, else n bytes). Byte 5: the frame configuration of the
    /// connection handed over (`frames::config_byte`).
    pub fn decode(cursor: &mut Cursor<'_>) -> Setup {
        let flags = cursor.byte();
        let head = cursor.byte();
        let fields = cursor.byte();
        let storage = cursor.byte();
        let out = cursor.byte();
        let frames = frames::config_byte(cursor.byte());
        let mut limits = HeadLimits::new();
        if head != 0 {
            limits = limits.with_max_head(usize::from(head) * 40);
        }
        if fields != 0 {
            limits = limits.with_max_fields(usize::from(fields) - 1);
        }
        Setup {
            config: ServerConfig::new()
                .with_limits(limits)
                .with_frames(frames)
                .with_hixie75(flags & 1 != 0),
            storage: if storage == 0 {
                8192
            } else {
                usize::from(storage) * 40
            },
            secure: flags & 2 != 0,
            echo_field: flags & 4 != 0,
            pick: match flags >> 3 {
                0 => None,
                n => Some(usize::from(n) - 1),
            },
            first_out: (out != 0).then_some(usize::from(out)),
        }
    }
}

/// Everything observable about one handshake over a whole byte stream. Equal for equal
/// inputs, however they are split.
#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    /// Accepted and answered: the 101 head, the answer, the bytes the handshake used, and
    /// what the connection it handed over made of the rest.
    Answer {
        head: Vec<u8>,
        answer: Vec<u8>,
        used: usize,
        frames: Trace,
    },
    /// Input ran out first: the head written so far (empty if the request was not complete).
    NeedMore { head: Vec<u8>, used: usize },
    /// The peer's bytes were refused.
    Rejected(Error),
    /// Another WebSocket version, handed over with these bytes.
    Other {
        version: Version,
        bytes: Vec<u8>,
        used: usize,
    },
    /// No WebSocket asked for (a plain HTTP request), handed over with these bytes.
    NotWebSocket { bytes: Vec<u8>, used: usize },
    /// The application refused the request (it offered subprotocols and none was chosen):
    /// the response, and the bytes the handshake used.
    Refused { response: Vec<u8>, used: usize },
}

/// An output buffer larger than any 101 head the setups allow.
const AMPLE: usize = 64 * 1024;

/// Where the request head in `data` ends (after its blank line), if it is complete.
pub fn head_len(data: &[u8]) -> Option<usize> {
    data.windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|at| at + 4)
}

/// The names the application may not add to a 101 head (the handshake's own, and body
/// framing), lowercased; anything starting with one of `RESERVED_PREFIXES` too.
const RESERVED: [&[u8]; 4] = [
    b"upgrade",
    b"connection",
    b"content-length",
    b"transfer-encoding",
];
const RESERVED_PREFIXES: [&[u8]; 2] = [b"sec-websocket-", b"websocket-"];

fn may_add(name: &[u8], value: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    !name.is_empty()
        && name.iter().all(|&b| is_tchar(b))
        && !RESERVED.contains(&&lower[..])
        && !RESERVED_PREFIXES.iter().any(|p| lower.starts_with(p))
        && is_clean_value(value)
}

/// What the 101 head must say, computed from the request by the harness itself.
struct Expected {
    hixie75: bool,
    origin: Option<Vec<u8>>,
    location: Vec<u8>,
    protocol: Option<Vec<u8>>,
    extra: Vec<(String, String)>,
    /// The key parts, by the reference arithmetic (hixie-76 only).
    parts: Option<(u32, u32)>,
}

/// Feeds `data` to a server configured by `setup`, cut after each offset in `cuts` (ascending;
/// the last must be `data.len()`, or `cuts` empty for one piece), accepting every valid
/// request (refusing it when the client offered subprotocols and the setup picks none), and
/// checks on every call:
///
/// - `used` never exceeds the input, and no event means all of it was used;
/// - a request is reported exactly when the head is complete, and the answer exactly 8 bytes
///   later (hixie-76) or at once (hixie-75): nothing past key3 is used (rule R2);
/// - what the complete head asks for (hixie-76, hixie-75, another version, no WebSocket) is
///   what `reference::asked` reads, and only a head this machine answers is judged (rule R9);
/// - a peer's fault is `Fault::Peer` with a status, and sticks;
/// - a refused `accept` is the caller's fault and writes nothing: too small a buffer, an
///   unsafe field, no subprotocol chosen from an offer;
/// - the 101 head is well formed, free of injected bytes (rule R5) and says exactly what the
///   request and the application's choices imply; the answer is the reference MD5;
/// - a hand-over, for another version or a plain HTTP request, carries exactly the head used,
///   so nothing of the input is lost (rule R9), and reads it as the harness does.
pub fn drive(setup: &Setup, data: &[u8], cuts: &[usize]) -> Seen {
    let mut handshake = ServerHandshake::new(setup.config, vec![0u8; setup.storage]);
    assert_eq!(handshake.config(), &setup.config);
    let end = head_len(data);
    // What the complete head asks for, by the harness's own reading.
    let asked = end.map(|end| reference::asked(&data[..end]));
    let mut head = Vec::new();
    let mut expected: Option<Expected> = None;
    let mut used_total = 0;
    let mut start = 0;
    let whole = [data.len()];
    let cuts = if cuts.is_empty() { &whole[..] } else { cuts };
    for &cut in cuts {
        let mut input = &data[start..cut];
        start = cut;
        loop {
            let received = match handshake.receive(input) {
                Ok(received) => received,
                Err(error) => {
                    check_peer_error(&error);
                    if is_judged(&error) {
                        // Only a head this machine answers is judged (rule R9): another
                        // version's is handed over whatever hixie-76 would think of it.
                        let asked = asked.expect("a head judged before it was complete");
                        let answered = asked == Asked::Hixie76
                            || (asked == Asked::Hixie75 && setup.config.allows_hixie75());
                        assert!(answered, "{error:?} for a head that asks for {asked:?}");
                    }
                    // The machine stays failed with the same error, whatever comes next.
                    assert_eq!(handshake.receive(input).err(), Some(error));
                    assert_eq!(handshake.receive(&[]).err(), Some(error));
                    assert!(handshake.request().is_none());
                    return Seen::Rejected(error);
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
            let Some(outcome) = received.event else {
                assert!(
                    input.is_empty(),
                    "no event with {} bytes unused",
                    input.len()
                );
                break;
            };
            match outcome {
                Outcome::Request(pending) => {
                    assert!(expected.is_none(), "a second request");
                    assert_eq!(Some(used_total), end, "request before the head's end");
                    let request = pending.request();
                    let mut exp = expectation(setup, &request, &data[..used_total]);
                    // Owned: the request borrows the machine, which a retry needs again.
                    let offered: Vec<String> = request.protocols().map(str::to_owned).collect();
                    let protocol = setup
                        .pick
                        .filter(|_| !offered.is_empty())
                        .map(|pick| offered[pick % offered.len()].clone());
                    let plain = Accept::new()
                        .with_secure(setup.secure)
                        .with_protocol(protocol.as_deref());
                    let extra: Vec<(&str, &str)> = exp
                        .extra
                        .iter()
                        .map(|(n, v)| (n.as_str(), v.as_str()))
                        .collect();
                    let mut with_extra = true;
                    let mut out = vec![0xAAu8; setup.first_out.unwrap_or(AMPLE)];
                    let mut asked_for = None;
                    let mut result = pending.accept(&plain.with_fields(&extra), &mut out);
                    let written = loop {
                        let error = match result {
                            Ok(n) => break Some(n),
                            Err(error) => error,
                        };
                        // Nothing written, nothing changed: the request is there to retry.
                        assert_eq!(error.fault(), Fault::Caller, "{error:?}");
                        assert!(out.iter().all(|&b| b == 0xAA), "a failed accept wrote");
                        match error {
                            Error::BufferTooSmall { needed } => {
                                assert!(
                                    needed > out.len() && asked_for.is_none(),
                                    "BufferTooSmall although {needed} <= {}",
                                    out.len()
                                );
                                asked_for = Some(needed);
                                out = vec![0xAAu8; needed];
                            }
                            Error::InvalidValue(Setting::Field) if with_extra => {
                                // Only an unsafe echoed field may be refused; then accept
                                // without it.
                                let unsafe_field = exp
                                    .extra
                                    .iter()
                                    .any(|(n, v)| !may_add(n.as_bytes(), v.as_bytes()));
                                assert!(unsafe_field, "a safe field was refused: {:?}", exp.extra);
                                with_extra = false;
                                out = vec![0xAAu8; AMPLE];
                            }
                            Error::NoProtocolChosen => {
                                // Accepting without a choice when a hixie-76 client offered
                                // some would make every conforming client fail: refuse
                                // instead. hixie-75 makes the echo optional.
                                assert!(protocol.is_none() && !offered.is_empty());
                                assert!(!exp.hixie75, "a hixie-75 accept needs no choice");
                                break None;
                            }
                            other => panic!("accept failed: {other:?}"),
                        }
                        let accept = if with_extra {
                            plain.with_fields(&extra)
                        } else {
                            plain
                        };
                        let pending = handshake.pending().expect("request kept");
                        result = pending.accept(&accept, &mut out);
                    };
                    let Some(n) = written else {
                        let pending = handshake.pending().expect("request kept");
                        let response = pending.reject(StatusCode::BadRequest);
                        assert_eq!(response, error_response(StatusCode::BadRequest));
                        assert!(handshake.pending().is_none() && handshake.request().is_none());
                        assert!(!handshake.is_done());
                        let after = handshake.receive(input).err();
                        assert_eq!(after, Some(Error::InvalidState));
                        assert_eq!(after.map(|e| e.fault()), Some(Fault::Caller));
                        return Seen::Refused {
                            response: response.to_vec(),
                            used: used_total,
                        };
                    };
                    if let Some(needed) = asked_for.filter(|_| with_extra) {
                        assert_eq!(n, needed, "wrote other than the size it asked for");
                    }
                    if !with_extra {
                        exp.extra.clear();
                    }
                    out.truncate(n);
                    check_head(&out, &exp);
                    expected = Some(exp);
                    head = out;
                }
                Outcome::Answer(answer) => {
                    let exp = expected.as_ref().expect("an answer without a request");
                    let end = end.expect("an answer without a head");
                    if exp.hixie75 {
                        assert!(answer.is_hixie75() && answer.as_bytes().is_empty());
                        assert_eq!(used_total, end, "hixie-75 used bytes past its head");
                    } else {
                        assert!(!answer.is_hixie75());
                        assert_eq!(used_total, end + 8, "used other than head + key3");
                        let key3: [u8; 8] = data[end..end + 8].try_into().unwrap();
                        let (part1, part2) = exp.parts.expect("hixie-76 parts");
                        assert_eq!(
                            answer.as_bytes(),
                            reference::answer(part1, part2, &key3),
                            "answer differs from the reference MD5"
                        );
                    }
                    assert!(handshake.is_done());
                    let after = handshake.receive(input).err();
                    assert_eq!(after, Some(Error::InvalidState));
                    assert_eq!(after.map(|e| e.fault()), Some(Fault::Caller));
                    // The rest is the connection's, configured as the server was and for the
                    // draft the handshake spoke.
                    let connection = answer.connection();
                    let framing = FrameSetup::of(&connection);
                    assert_eq!(
                        framing,
                        FrameSetup {
                            config: *setup.config.frames(),
                            hixie75: exp.hixie75,
                        }
                    );
                    return Seen::Answer {
                        head,
                        answer: answer.as_bytes().to_vec(),
                        used: used_total,
                        frames: frames::after_handshake(connection, data, cuts, used_total),
                    };
                }
                Outcome::OtherVersion(version, handover) => {
                    let asked = asked.expect("a hand-over without a head");
                    let by_harness = match asked {
                        Asked::Hixie75 if !setup.config.allows_hixie75() => Version::Hixie75,
                        Asked::Other(version) => version,
                        other => panic!("handed over as {version:?}, but asks for {other:?}"),
                    };
                    assert_eq!(version, by_harness, "handed over as another version");
                    let bytes = check_handover(&handover, data, used_total);
                    return Seen::Other {
                        version,
                        bytes,
                        used: used_total,
                    };
                }
                Outcome::NotWebSocket(handover) => {
                    let asked = asked.expect("a hand-over without a head");
                    assert_eq!(asked, Asked::NotWebSocket, "asks for a WebSocket");
                    let bytes = check_handover(&handover, data, used_total);
                    return Seen::NotWebSocket {
                        bytes,
                        used: used_total,
                    };
                }
            }
        }
    }
    assert_eq!(used_total, data.len(), "input ran out but not all was used");
    if let (Some(exp), Some(end)) = (&expected, end) {
        let key3_end = if exp.hixie75 { end } else { end + 8 };
        assert!(
            used_total < key3_end.max(end + 1),
            "used past key3 without an answer"
        );
    }
    Seen::NeedMore {
        head,
        used: used_total,
    }
}

/// Whether `error` can only come from judging a complete head, never from reading its bytes.
fn is_judged(error: &Error) -> bool {
    matches!(
        error,
        Error::BadRequestLine
            | Error::BadMethod
            | Error::MissingField(_)
            | Error::DuplicateField(_)
            | Error::BadUpgrade
            | Error::BadConnection
            | Error::BadHost
            | Error::BadProtocol
            | Error::UnexpectedBody
            | Error::KeyNoDigits(_)
            | Error::KeyNumberTooLarge(_)
            | Error::KeyNoSpaces(_)
            | Error::KeyNotIntegral(_)
    )
}

/// A hand-over carries exactly the head the machine used, so that it and the unused rest are
/// the input, untouched (rule R9); its views read that head as the harness does. Returns the
/// bytes handed over.
fn check_handover(handover: &Handover<'_>, data: &[u8], used: usize) -> Vec<u8> {
    assert_eq!(
        Some(used),
        head_len(data),
        "hand-over before the head's end"
    );
    let bytes = handover.bytes();
    assert_eq!(bytes, &data[..used], "hand-over lost or changed bytes");
    let line = reference::request_line(bytes);
    // The request line's parts as documented: ASCII text, or empty. For a part that is UTF-8
    // but not ASCII the library gives the text itself (`GET /\u{e9} HTTP/1.1` has the resource
    // `/\u{e9}`), which the documentation does not allow; both are accepted here until the one
    // or the other is changed, so that the rest of the checks keep running.
    let check_part = |got: &str, index: usize, what: &str| {
        let part = line.split(|&b| b == b' ').nth(index).unwrap_or_default();
        let ok = if part.is_ascii() {
            got.as_bytes() == part
        } else {
            got.is_empty() || got.as_bytes() == part
        };
        assert!(ok, "{what} {got:?} of {:?}", lossy(line));
    };
    check_part(handover.method(), 0, "method");
    check_part(handover.resource(), 1, "resource");
    let resource = handover.resource();
    assert_eq!(
        handover.path(),
        resource.split('?').next().unwrap_or_default()
    );
    let fields = reference::fields(bytes);
    let got: Vec<(&str, &[u8])> = handover.fields().collect();
    let want: Vec<(&str, &[u8])> = fields
        .iter()
        .map(|(name, value)| (std::str::from_utf8(name).unwrap_or_default(), *value))
        .collect();
    assert_eq!(got, want, "fields of the handed-over head");
    for (name, _) in &want {
        let first = want
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v);
        assert_eq!(handover.field(name), first, "field {name:?}");
    }
    bytes.to_vec()
}

/// A peer's fault is the peer's, and a server knows what to answer it with.
fn check_peer_error(error: &Error) {
    assert_eq!(error.fault(), Fault::Peer, "{error:?} blamed on the caller");
    assert!(error.status().is_some(), "{error:?} has no status");
}

/// What the head must say for this request (whose head is `bytes`) and these choices.
fn expectation(setup: &Setup, request: &Request<'_>, bytes: &[u8]) -> Expected {
    assert_eq!(
        request.head(),
        bytes,
        "the request's head is not the input's"
    );
    let asked = reference::asked(bytes);
    let key1 = request.field("Sec-WebSocket-Key1");
    let key2 = request.field("Sec-WebSocket-Key2");
    let hixie75 = key1.is_none() && key2.is_none();
    assert_eq!(request.is_hixie75(), hixie75);
    let parts = if hixie75 {
        assert!(
            setup.config.allows_hixie75(),
            "hixie-75 accepted although off"
        );
        assert_eq!(asked, Asked::Hixie75, "a request for a decision");
        None
    } else {
        assert_eq!(asked, Asked::Hixie76, "a request for a decision");
        // A request handed out for a decision passed the key rules: the reference agrees.
        let part = |value: Option<&[u8]>, key: Key| match reference::key_part(value.unwrap()) {
            Ok(part) => part,
            Err(fault) => panic!("{key:?} {:?} accepted; reference: {fault:?}", value),
        };
        Some((part(key1, Key::Key1), part(key2, Key::Key2)))
    };
    let host = request.host().as_bytes();
    let (name, port) = match host.first() {
        Some(b'[') => {
            let close = host.iter().position(|&b| b == b']').expect("IPv6 host");
            host.split_at(close + 1)
        }
        _ => host.split_at(host.iter().position(|&b| b == b':').unwrap_or(host.len())),
    };
    let default = if setup.secure { 443 } else { 80 };
    let port = match port {
        [] => None,
        [b':', digits @ ..] => {
            let port: u32 = std::str::from_utf8(digits).unwrap().parse().unwrap();
            assert!((1..=65535).contains(&port), "port {port} accepted");
            (port != default).then_some(port)
        }
        other => panic!(
            "host {:?} accepted with {:?} after it",
            lossy(host),
            lossy(other)
        ),
    };
    let mut location = Vec::new();
    location.extend_from_slice(if setup.secure { b"wss://" } else { b"ws://" });
    location.extend_from_slice(&name.to_ascii_lowercase());
    if let Some(port) = port {
        location.extend_from_slice(format!(":{port}").as_bytes());
    }
    location.extend_from_slice(request.resource().as_bytes());
    let offered: Vec<&str> = request.protocols().collect();
    let protocol = setup
        .pick
        .filter(|_| !offered.is_empty())
        .map(|pick| offered[pick % offered.len()].as_bytes().to_vec());
    let extra = if setup.echo_field {
        request
            .fields()
            .last()
            .map(|(name, value)| (name.to_owned(), String::from_utf8_lossy(value).into_owned()))
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    Expected {
        hixie75,
        origin: request.origin().map(|o| o.as_bytes().to_vec()),
        location,
        protocol,
        extra,
        parts,
    }
}

/// The 101 head is well formed and says exactly what was expected, in the draft's order.
fn check_head(head: &[u8], exp: &Expected) {
    let lines = head_lines(head);
    let (status, prefix): (&[u8], &str) = if exp.hixie75 {
        (b"HTTP/1.1 101 Web Socket Protocol Handshake", "")
    } else {
        (b"HTTP/1.1 101 WebSocket Protocol Handshake", "Sec-")
    };
    let mut want: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (b"Upgrade".to_vec(), b"WebSocket".to_vec()),
        (b"Connection".to_vec(), b"Upgrade".to_vec()),
    ];
    if let Some(origin) = &exp.origin {
        want.push((format!("{prefix}WebSocket-Origin").into(), origin.clone()));
    }
    want.push((
        format!("{prefix}WebSocket-Location").into(),
        exp.location.clone(),
    ));
    if let Some(protocol) = &exp.protocol {
        assert!(!protocol.is_empty(), "an empty subprotocol was offered");
        want.push((
            format!("{prefix}WebSocket-Protocol").into(),
            protocol.clone(),
        ));
    }
    for (name, value) in &exp.extra {
        want.push((name.clone().into(), value.clone().into()));
    }
    assert_eq!(lines[0], status, "status line");
    let got: Vec<(Vec<u8>, Vec<u8>)> = lines[1..]
        .iter()
        .map(|line| {
            let (name, value) = field_line(line);
            (name.to_vec(), value.to_vec())
        })
        .collect();
    assert_eq!(
        got.iter()
            .map(|(n, v)| (lossy(n), lossy(v)))
            .collect::<Vec<_>>(),
        want.iter()
            .map(|(n, v)| (lossy(n), lossy(v)))
            .collect::<Vec<_>>(),
        "101 head fields"
    );
    assert_eq!(got, want, "101 head fields (bytes)");
}
