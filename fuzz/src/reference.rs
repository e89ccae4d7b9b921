//! Deliberately plain restatements of the draft's arithmetic, written from the text of draft 76
//! section 5.2 steps 4–7 and not from the library, for differential checks.

use md5::{Digest, Md5};

/// Why a key value is refused, in the order the draft checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFault {
    /// Step 4: no digit at all, so there is no number.
    NoDigits,
    /// Step 4: the number is above 4294967295.
    TooLarge,
    /// Step 5: no U+0020 in the value.
    NoSpaces,
    /// Step 6: the number is not an integral multiple of the spaces.
    NotIntegral,
}

/// The key's part: its digits read as one number, divided by its count of U+0020.
///
/// The number is kept in a `u128` that saturates, so any length of digits is read correctly
/// (leading zeros included) and anything above `u32::MAX` stays above it.
pub fn key_part(value: &[u8]) -> Result<u32, KeyFault> {
    let mut number: u128 = 0;
    let mut digits = 0usize;
    for &b in value {
        if b.is_ascii_digit() {
            digits += 1;
            number = number
                .saturating_mul(10)
                .saturating_add(u128::from(b - b'0'));
        }
    }
    let spaces = value.iter().filter(|&&b| b == b' ').count() as u128;
    if digits == 0 {
        return Err(KeyFault::NoDigits);
    }
    if number > u128::from(u32::MAX) {
        return Err(KeyFault::TooLarge);
    }
    if spaces == 0 {
        return Err(KeyFault::NoSpaces);
    }
    if !number.is_multiple_of(spaces) {
        return Err(KeyFault::NotIntegral);
    }
    Ok((number / spaces) as u32)
}

/// The fault a library error names, if it is a key error, and which key it names.
pub fn key_fault(error: &hixie76::Error) -> Option<(KeyFault, hixie76::Key)> {
    use hixie76::Error;
    Some(match *error {
        Error::KeyNoDigits(key) => (KeyFault::NoDigits, key),
        Error::KeyNumberTooLarge(key) => (KeyFault::TooLarge, key),
        Error::KeyNoSpaces(key) => (KeyFault::NoSpaces, key),
        Error::KeyNotIntegral(key) => (KeyFault::NotIntegral, key),
        _ => return None,
    })
}

/// MD5 of the 16-byte challenge: part 1 and part 2 big-endian, then key3 (step 7).
pub fn answer(part1: u32, part2: u32, key3: &[u8; 8]) -> [u8; 16] {
    let mut challenge = Vec::with_capacity(16);
    challenge.extend_from_slice(&part1.to_be_bytes());
    challenge.extend_from_slice(&part2.to_be_bytes());
    challenge.extend_from_slice(key3);
    let mut md5 = Md5::new();
    md5.update(&challenge);
    md5.finalize().into()
}

/// The events of a whole byte stream as draft 76 section 5.3 (and `tests/vectors/frames.tsv`)
/// read it, with the decoder's documented limits and options (the closing handshake for
/// hixie-76 only), written from the text and not from the library:
///
/// - type `0x00`: text up to the next `0xFF`; other types `0x01`–`0x7F`: discarded up to the
///   next `0xFF`; more than `max_message` payload bytes before it (text: `MessageTooLarge`,
///   unless the bytes within the limit already hold invalid UTF-8; other: `FrameTooLarge`);
/// - types `0x80`–`0xFF`: a base-128 length, at most `max_length_bytes` bytes and never above
///   `max_message` (`FrameTooLarge`), then that many bytes discarded; type `0xFF` with length
///   0 is the close when the closing handshake is on, and nothing after it counts;
/// - invalid UTF-8 fails the message, or with replacement becomes U+FFFD as
///   `String::from_utf8_lossy` does it. A message still open at the end has its text so far,
///   without a character whose bytes have not all arrived.
pub fn frames(setup: crate::frames::FrameSetup, data: &[u8]) -> crate::frames::Trace {
    use crate::frames::{Ev, Trace};
    use hixie76::Error;
    let max = setup.config.max_message();
    let replace = setup.config.replace_invalid_utf8();
    let closing_handshake = !setup.hixie75;
    let mut events = Vec::new();
    let done = |events, error: Option<Error>, open_text: String, between_frames| {
        let mut events: Vec<Ev> = events;
        events.extend(error.map(Ev::Error));
        Trace {
            events,
            open_text,
            between_frames,
        }
    };
    let mut pos = 0;
    while let Some(&ty) = data.get(pos) {
        pos += 1;
        let rest = &data[pos..];
        if ty < 0x80 {
            let end = rest.iter().position(|&b| b == 0xFF);
            let payload = &rest[..end.unwrap_or(rest.len())];
            if ty != 0x00 {
                if payload.len() > max {
                    return done(events, Some(Error::FrameTooLarge), String::new(), false);
                }
                let Some(end) = end else {
                    return done(events, None, String::new(), false);
                };
                events.push(Ev::Discard);
                pos += end + 1;
                continue;
            }
            if payload.len() > max {
                let within = &payload[..max];
                let invalid =
                    matches!(std::str::from_utf8(within), Err(e) if e.error_len().is_some());
                let error = if invalid && !replace {
                    Error::InvalidUtf8
                } else {
                    Error::MessageTooLarge
                };
                return done(events, Some(error), String::new(), false);
            }
            match end {
                Some(end) => {
                    if replace {
                        events.push(Ev::Text(String::from_utf8_lossy(payload).into_owned()));
                    } else {
                        match std::str::from_utf8(payload) {
                            Ok(text) => events.push(Ev::Text(text.to_owned())),
                            Err(_) => {
                                return done(events, Some(Error::InvalidUtf8), String::new(), false)
                            }
                        }
                    }
                    pos += end + 1;
                }
                None => {
                    // Open at the end: a character cut short by the end of the input waits.
                    let cut = (1..=payload.len().min(3))
                        .rev()
                        .find(|&back| {
                            matches!(std::str::from_utf8(&payload[payload.len() - back..]),
                                Err(e) if e.valid_up_to() == 0 && e.error_len().is_none())
                        })
                        .unwrap_or(0);
                    let arrived = &payload[..payload.len() - cut];
                    let text = if replace {
                        String::from_utf8_lossy(arrived).into_owned()
                    } else {
                        match std::str::from_utf8(arrived) {
                            Ok(text) => text.to_owned(),
                            Err(_) => {
                                return done(events, Some(Error::InvalidUtf8), String::new(), false)
                            }
                        }
                    };
                    return done(events, None, text, false);
                }
            }
            continue;
        }
        let mut len: u128 = 0;
        let mut bytes = 0usize;
        loop {
            let Some(&byte) = data.get(pos) else {
                return done(events, None, String::new(), false);
            };
            pos += 1;
            bytes += 1;
            if bytes > setup.config.max_length_bytes() {
                return done(events, Some(Error::FrameTooLarge), String::new(), false);
            }
            len = len * 128 + u128::from(byte & 0x7F);
            if len > max as u128 {
                return done(events, Some(Error::FrameTooLarge), String::new(), false);
            }
            if byte & 0x80 == 0 {
                break;
            }
        }
        if len == 0 && ty == 0xFF && closing_handshake {
            events.push(Ev::Close);
            return done(events, None, String::new(), true);
        }
        let len = len as usize;
        if data.len() - pos < len {
            return done(events, None, String::new(), false);
        }
        pos += len;
        events.push(Ev::Discard);
    }
    done(events, None, String::new(), true)
}

/// What a complete request head asks for, as rule R9 decides it, read from the head's bytes
/// and not from the library: a field only another version sends (`Sec-WebSocket-Key` or
/// `Sec-WebSocket-Version` for RFC 6455, else `Sec-WebSocket-Draft` for hybi-01 to -03) makes
/// it that version's; otherwise `Sec-WebSocket-Key1` or `Key2` make it hixie-76; otherwise an
/// `Upgrade` whose first value is `WebSocket` in any case makes it hixie-75; anything else asks
/// for no WebSocket at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asked {
    Hixie76,
    Hixie75,
    Other(hixie76::server::Version),
    NotWebSocket,
}

/// See [`Asked`]. `head` is complete, through its blank line.
pub fn asked(head: &[u8]) -> Asked {
    use hixie76::server::Version;
    let fields = fields(head);
    let has = |name: &str| {
        fields
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
    };
    if has("sec-websocket-key") || has("sec-websocket-version") {
        return Asked::Other(Version::Rfc6455);
    }
    if has("sec-websocket-draft") {
        return Asked::Other(Version::Hybi);
    }
    if has("sec-websocket-key1") || has("sec-websocket-key2") {
        return Asked::Hixie76;
    }
    let upgrade = fields
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(b"upgrade"))
        .map(|(_, v)| *v);
    match upgrade {
        Some(value) if value.eq_ignore_ascii_case(b"websocket") => Asked::Hixie75,
        _ => Asked::NotWebSocket,
    }
}

/// The first line of a head, without its CR LF.
pub fn request_line(head: &[u8]) -> &[u8] {
    let end = head
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(head.len());
    &head[..end]
}

/// The fields of a complete head, in order: every line after the first with a colon after a
/// non-empty name, split at its first colon, the value without the spaces and tabs around it.
/// Lines without such a colon are left out.
pub fn fields(head: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut lines = Vec::new();
    let mut rest = head;
    while let Some(at) = rest.windows(2).position(|w| w == b"\r\n") {
        lines.push(&rest[..at]);
        rest = &rest[at + 2..];
    }
    lines
        .into_iter()
        .skip(1)
        .filter_map(|line| {
            let colon = line.iter().position(|&b| b == b':')?;
            (colon > 0).then(|| (&line[..colon], trim_ows(&line[colon + 1..])))
        })
        .collect()
}

/// `value` without the spaces and tabs around it.
fn trim_ows(mut value: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = value {
        value = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = value {
        value = rest;
    }
    value
}
