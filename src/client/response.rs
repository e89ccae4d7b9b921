//! Reading the server's response head as draft 4.1 steps 28–45 say: the status line, the
//! fields recorded while the head streams in, the judgement once it is complete, and the
//! zero-copy [`Response`] view handed to the application.

use core::ops::Range;

use super::config::ClientConfig;
use super::request::{emit_location, emit_protocols};
use crate::emit::{matches, Sink};
use crate::scan::find_byte;
use crate::{Error, Field};

/// Checks the status line (without its CR LF) as draft 4.1 step 28 says: at least two spaces,
/// a 3-digit code between the first two, and that code 101. The reason phrase is not checked:
/// it may hold any byte but LF, a bare CR or a NUL included.
pub(crate) fn status_line(line: &[u8]) -> Result<(), Error> {
    // The draft's first check, a line of at least 7 bytes with its CR LF, needs no code of its
    // own: the two spaces around three digits already take 5.
    let first = find_byte(b' ', line).ok_or(Error::BadStatusLine)?;
    let after = &line[first + 1..];
    let second = find_byte(b' ', after).ok_or(Error::BadStatusLine)?;
    let code = match &after[..second] {
        &[a, b, c] if [a, b, c].iter().all(u8::is_ascii_digit) => {
            u16::from(a - b'0') * 100 + u16::from(b - b'0') * 10 + u16::from(c - b'0')
        }
        _ => return Err(Error::BadStatusLine),
    };
    match code {
        101 => Ok(()),
        407 => Err(Error::ProxyAuthenticationRequired),
        other => Err(Error::UnexpectedStatus(other)),
    }
}

/// The status line hixie-75 requires, byte for byte (its first 44 of the 85 bytes checked).
const HIXIE75_STATUS: &[u8] = b"HTTP/1.1 101 Web Socket Protocol Handshake";

/// Checks a hixie-75 status line (without its CR LF): exactly [`HIXIE75_STATUS`]. Another
/// status or a malformed line is reported as [`status_line`] would; a 101 with another reason
/// phrase is [`Error::BadStatusLine`].
pub(crate) fn hixie75_status_line(line: &[u8]) -> Result<(), Error> {
    if line == HIXIE75_STATUS {
        return Ok(());
    }
    status_line(line).and(Err(Error::BadStatusLine))
}

/// Checks the second and third lines of a hixie-75 response, which complete its fixed 85-byte
/// start: `Upgrade: WebSocket` (`WebSocket` in any case when `any_case_upgrade`), then
/// `Connection: Upgrade`.
fn hixie75_fixed_field(line: &[u8], index: usize, any_case_upgrade: bool) -> Result<(), Error> {
    if index == 0 {
        let value = line.strip_prefix(b"Upgrade: ").ok_or(Error::BadUpgrade)?;
        let ok =
            value == b"WebSocket" || (any_case_upgrade && value.eq_ignore_ascii_case(b"WebSocket"));
        return if ok { Ok(()) } else { Err(Error::BadUpgrade) };
    }
    if line == b"Connection: Upgrade" {
        Ok(())
    } else {
        Err(Error::BadConnection)
    }
}

/// Splits a field line by the draft's rules: the name is everything before the first colon
/// (not empty), the value everything after it with one leading space removed. Nothing else is
/// trimmed.
fn split_field_draft(line: &[u8]) -> Result<(&[u8], &[u8]), Error> {
    match find_byte(b':', line) {
        Some(colon) if colon > 0 => {
            let value = &line[colon + 1..];
            Ok((&line[..colon], value.strip_prefix(b" ").unwrap_or(value)))
        }
        _ => Err(Error::BadField),
    }
}

/// One field the handshake requires once: where its value is and whether it repeated.
#[derive(Debug, Clone, Default)]
struct FieldOnce {
    value: Option<Range<usize>>,
    repeated: bool,
}

impl FieldOnce {
    fn record(&mut self, value: Range<usize>) {
        if self.value.is_some() {
            self.repeated = true;
        } else {
            self.value = Some(value);
        }
    }

    /// The single value, or the error for a missing or repeated field.
    fn once<'h>(&self, head: &'h [u8], field: Field) -> Result<&'h [u8], Error> {
        if self.repeated {
            return Err(Error::DuplicateField(field));
        }
        let span = self.value.clone().ok_or(Error::MissingField(field))?;
        head.get(span).ok_or(Error::MissingField(field))
    }
}

/// The fields recorded while the head streams in, so the complete head is not read again.
#[derive(Debug, Clone, Default)]
pub(crate) struct ResponseRecord {
    upgrade: FieldOnce,
    connection: FieldOnce,
    origin: FieldOnce,
    location: FieldOnce,
    protocol: FieldOnce,
    count: usize,
    /// Reading a hixie-75 response: its fixed start and its field names without `Sec-`.
    hixie75: bool,
    any_case_upgrade: bool,
}

impl ResponseRecord {
    /// A record of the response to a request made with `config` (in hixie-75's words if
    /// `hixie75`).
    pub(crate) fn new(config: &ClientConfig<'_>, hixie75: bool) -> Self {
        ResponseRecord {
            hixie75,
            any_case_upgrade: config.any_case_upgrade,
            ..ResponseRecord::default()
        }
    }

    /// Reads one field line (`line` is its span in `head`, without CR LF).
    pub(crate) fn field(&mut self, head: &[u8], line: Range<usize>) -> Result<(), Error> {
        let text = head.get(line.clone()).ok_or(Error::BadField)?;
        if self.hixie75 && self.count < 2 {
            hixie75_fixed_field(text, self.count, self.any_case_upgrade)?;
        }
        let (name, value) = split_field_draft(text)?;
        self.count += 1;
        let end = line.end;
        let span = end - value.len()..end;
        let hixie75 = self.hixie75;
        let slot = match name.len() {
            7 if name.eq_ignore_ascii_case(b"upgrade") => &mut self.upgrade,
            10 if name.eq_ignore_ascii_case(b"connection") => &mut self.connection,
            20 if !hixie75 && name.eq_ignore_ascii_case(b"sec-websocket-origin") => {
                &mut self.origin
            }
            22 if !hixie75 && name.eq_ignore_ascii_case(b"sec-websocket-location") => {
                &mut self.location
            }
            22 if !hixie75 && name.eq_ignore_ascii_case(b"sec-websocket-protocol") => {
                &mut self.protocol
            }
            16 if hixie75 && name.eq_ignore_ascii_case(b"websocket-origin") => &mut self.origin,
            18 if hixie75 && name.eq_ignore_ascii_case(b"websocket-location") => &mut self.location,
            18 if hixie75 && name.eq_ignore_ascii_case(b"websocket-protocol") => &mut self.protocol,
            _ => return Ok(()),
        };
        slot.record(span);
        Ok(())
    }

    /// Judges the complete head against what was sent; returns where the agreed subprotocol
    /// is in `head`, if one was offered.
    pub(crate) fn judge(
        &self,
        head: &[u8],
        config: &ClientConfig<'_>,
    ) -> Result<Option<Range<usize>>, Error> {
        let upgrade = self.upgrade.once(head, Field::Upgrade)?;
        let upgrade_ok = if config.any_case_upgrade {
            upgrade.eq_ignore_ascii_case(b"WebSocket")
        } else {
            upgrade == b"WebSocket"
        };
        if !upgrade_ok {
            return Err(Error::BadUpgrade);
        }
        let connection = self.connection.once(head, Field::Connection)?;
        if !connection.eq_ignore_ascii_case(b"upgrade") {
            return Err(Error::BadConnection);
        }
        let (origin_field, location_field, protocol_field) = if self.hixie75 {
            (
                Field::WebSocketOrigin,
                Field::WebSocketLocation,
                Field::WebSocketProtocol,
            )
        } else {
            (Field::SecOrigin, Field::SecLocation, Field::Protocol)
        };
        let origin = self.origin.once(head, origin_field)?;
        if !matches(origin, |sent| sent.put_lowercase(config.origin.as_bytes())) {
            return Err(Error::OriginMismatch);
        }
        let location = self.location.once(head, location_field)?;
        if !matches(location, |built| emit_location(&config.url, built)) {
            return Err(Error::LocationMismatch);
        }
        // The draft ignores the field when nothing was offered; this crate refuses it unless
        // told to ignore it too (a client must not start speaking a subprotocol it never
        // offered).
        if config.protocols.is_empty() && config.ignore_unasked_protocol {
            return Ok(None);
        }
        if self.protocol.repeated {
            return Err(Error::DuplicateField(protocol_field));
        }
        match (&self.protocol.value, config.protocols) {
            (None, []) => Ok(None),
            // hixie-75 makes the echo optional: without it, no subprotocol was agreed.
            (None, _) if self.hixie75 => Ok(None),
            (Some(_), []) | (None, _) => Err(Error::ProtocolMismatch),
            (Some(span), offered) => {
                let chosen = head.get(span.clone()).ok_or(Error::ProtocolMismatch)?;
                let whole = matches(chosen, |offer| emit_protocols(offered, offer));
                if whole || offered.iter().any(|p| p.as_bytes() == chosen) {
                    Ok(Some(span.clone()))
                } else {
                    Err(Error::ProtocolMismatch)
                }
            }
        }
    }
}

/// A zero-copy view of an accepted response head, borrowed from the handshake's storage:
/// every field is here, including `Set-Cookie` for the application's cookie jar.
#[derive(Debug, Clone, Copy)]
pub struct Response<'h> {
    pub(crate) head: &'h [u8],
}

impl<'h> Response<'h> {
    /// The head exactly as received, from the status line through the blank line.
    #[must_use]
    pub fn head(&self) -> &'h [u8] {
        self.head
    }

    /// The status line without its CR LF (the reason phrase is whatever the server sent, a
    /// bare CR or a control byte included).
    #[must_use]
    pub fn status_line(&self) -> &'h [u8] {
        let end = find_byte(b'\n', self.head).map_or(self.head.len(), |lf| lf.saturating_sub(1));
        self.head.get(..end).unwrap_or_default()
    }

    /// Every field as `(name, value)`, in order: the name as sent (compare it
    /// case-insensitively), the value after the colon with one leading space removed.
    #[must_use]
    pub fn fields(&self) -> ResponseFields<'h> {
        // Skip the status line; every line of an accepted head ends in CR LF.
        let start = find_byte(b'\n', self.head).map_or(self.head.len(), |lf| lf + 1);
        ResponseFields {
            rest: &self.head[start..],
        }
    }

    /// The first value of the named field (compared case-insensitively).
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&'h [u8]> {
        self.fields()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, value)| value)
    }

    /// The `Set-Cookie` and `Set-Cookie2` fields as `(name, value)`, in order, for the
    /// application's cookie jar.
    pub fn set_cookies(&self) -> impl Iterator<Item = (&'h [u8], &'h [u8])> + 'h {
        self.fields().filter(|(name, _)| {
            name.eq_ignore_ascii_case(b"set-cookie") || name.eq_ignore_ascii_case(b"set-cookie2")
        })
    }
}

/// The fields of a [`Response`], from [`Response::fields`].
#[derive(Debug, Clone)]
pub struct ResponseFields<'h> {
    rest: &'h [u8],
}

impl<'h> Iterator for ResponseFields<'h> {
    type Item = (&'h [u8], &'h [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let lf = find_byte(b'\n', self.rest)?;
            let line = &self.rest[..lf];
            self.rest = &self.rest[lf + 1..];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                // The blank line ends the head.
                self.rest = &[];
                return None;
            }
            if let Ok(field) = split_field_draft(line) {
                return Some(field);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(
            status_line(b"HTTP/1.1 101 WebSocket Protocol Handshake"),
            Ok(())
        );
        assert_eq!(status_line(b"HTTP/1.1 101 "), Ok(()));
        assert_eq!(status_line(b"x 101 "), Ok(()));
        // The shortest line the draft allows: 7 bytes with its CR LF.
        assert_eq!(status_line(b" 101 "), Ok(()));
        assert_eq!(status_line(b" 101"), Err(Error::BadStatusLine));
        assert_eq!(status_line(b"101 "), Err(Error::BadStatusLine));
        assert_eq!(status_line(b""), Err(Error::BadStatusLine));
        assert_eq!(status_line(b"1 101"), Err(Error::BadStatusLine));
        assert_eq!(status_line(b"a 1 b"), Err(Error::BadStatusLine));
        assert_eq!(status_line(b"a  b"), Err(Error::BadStatusLine));
        assert_eq!(status_line(b"HTTP/1.1 1o1 x"), Err(Error::BadStatusLine));
        assert_eq!(status_line(b"HTTP/1.1 1010 x"), Err(Error::BadStatusLine));
        assert_eq!(status_line(b"HTTP/1.1 101"), Err(Error::BadStatusLine));
        assert_eq!(
            status_line(b"HTTP/1.1 407 Proxy"),
            Err(Error::ProxyAuthenticationRequired)
        );
        assert_eq!(
            status_line(b"HTTP/1.1 200 OK"),
            Err(Error::UnexpectedStatus(200))
        );
        assert_eq!(status_line(b"ICY 999 x"), Err(Error::UnexpectedStatus(999)));
    }

    #[test]
    fn fields_by_the_draft() {
        assert_eq!(split_field_draft(b"A:b"), Ok((&b"A"[..], &b"b"[..])));
        assert_eq!(split_field_draft(b"A:  b "), Ok((&b"A"[..], &b" b "[..])));
        assert_eq!(split_field_draft(b"A b:"), Ok((&b"A b"[..], &b""[..])));
        assert_eq!(split_field_draft(b":b"), Err(Error::BadField));
        assert_eq!(split_field_draft(b"Ab"), Err(Error::BadField));
    }
}
