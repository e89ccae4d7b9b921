//! `host[:port]`, as both roles read and write it: in a request's `Host` field (server) and in
//! a `ws://` URL (client).

use crate::scan::is_host_name;

/// Checks `host[:port]` — a host name, an IPv4 address or a bracketed IPv6 address, then an
/// optional port of 1–5 digits in 1..=65535 — and returns where the host ends and the port.
pub(crate) fn split(authority: &[u8]) -> Option<(usize, Option<u16>)> {
    let host_end = if let Some(inner) = authority.strip_prefix(b"[") {
        let close = memchr::memchr(b']', inner)?;
        let address = &inner[..close];
        let ok = address.contains(&b':')
            && address
                .iter()
                .all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if !ok {
            return None;
        }
        close + 2
    } else {
        let end = memchr::memchr(b':', authority).unwrap_or(authority.len());
        // `@` (user information) and every other byte outside a host name fail here.
        if !is_host_name(&authority[..end]) {
            return None;
        }
        end
    };
    match &authority[host_end..] {
        [] => Some((host_end, None)),
        [b':', digits @ ..] => port_number(digits).map(|port| (host_end, Some(port))),
        _ => None,
    }
}

/// A port of 1–5 ASCII digits with a value in 1..=65535.
pub(crate) fn port_number(digits: &[u8]) -> Option<u16> {
    if digits.is_empty() || digits.len() > 5 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits
        .iter()
        .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
    u16::try_from(value).ok().filter(|&port| port != 0)
}

/// `:port` in decimal, written at the end of `buf`.
pub(crate) fn port_text(port: u16, buf: &mut [u8; 6]) -> &[u8] {
    let mut start = buf.len();
    let mut rest = port;
    loop {
        start -= 1;
        // `rest % 10` is below 10, so the cast cannot truncate.
        buf[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    start -= 1;
    buf[start] = b':';
    &buf[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_and_port() {
        assert_eq!(split(b"example.com"), Some((11, None)));
        assert_eq!(split(b"example.com:8080"), Some((11, Some(8080))));
        assert_eq!(split(b"[::1]:9"), Some((5, Some(9))));
        assert_eq!(split(b"192.0.2.1"), Some((9, None)));
        for bad in [
            &b""[..],
            b":80",
            b"a:",
            b"a:0",
            b"a:65536",
            b"a:123456",
            b"a:8x",
            b"u@a",
            b"[::1",
            b"[]",
            b"[zz]",
            b"[::1]x",
        ] {
            assert_eq!(split(bad), None, "{:?}", core::str::from_utf8(bad));
        }
    }

    #[test]
    fn port_texts() {
        let mut buf = [0u8; 6];
        assert_eq!(port_text(8080, &mut buf), b":8080");
        assert_eq!(port_text(1, &mut buf), b":1");
        assert_eq!(port_text(65535, &mut buf), b":65535");
    }
}
