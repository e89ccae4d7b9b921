//! `host[:port]`, as both roles read and write it: in a request's `Host` field (server) and in
//! a `ws://` URL (client).

use crate::scan::{find_byte, is_label_byte};

/// Checks `host[:port]` — a host name, an IPv4 address or a bracketed IPv6 address, then an
/// optional port of 1–5 digits in 1..=65535 — and returns where the host ends and the port.
// Inlined where words are 64 bits: a server judges one `Host` a request, and the call cost a
// tenth of it.
#[cfg_attr(target_pointer_width = "64", inline(always))]
pub(crate) fn split(authority: &[u8]) -> Option<(usize, Option<u16>)> {
    let host_end = if let Some(inner) = authority.strip_prefix(b"[") {
        let close = find_byte(b']', inner)?;
        if !is_ipv6(&inner[..close]) {
            return None;
        }
        close + 2
    } else {
        // `@` (user information) and every other byte outside a host name fail here.
        host_name_end(authority)?
    };
    match &authority[host_end..] {
        [] => Some((host_end, None)),
        [b':', digits @ ..] => port_number(digits).map(|port| (host_end, Some(port))),
        _ => None,
    }
}

/// Where a host name or an IPv4 address at the start of `authority` ends: at the first `:` or
/// the end. It is dot-separated labels of letters, digits, `-` and `_`, none empty and none
/// starting or ending with `-`; a fully qualified name may end in its root dot
/// (`example.com.`, RFC 1034 section 3.1; RFC 3986 section 3.2.2 allows it in a URL). `None`
/// if it is not one.
///
/// One pass that looks back one byte at a `.` or `-` only: a dot may not follow a dot, a dash
/// or the start (an empty label, or one ending in `-`), a dash may not follow a dot or the
/// start (a label starting with `-`), and the name may not be empty or end in a dash. A name
/// ending in a dot is then exactly one whose labels are whole before a single root dot.
// Inlined into `split` where words are 64 bits, as `split` is into its callers.
#[cfg_attr(target_pointer_width = "64", inline(always))]
fn host_name_end(authority: &[u8]) -> Option<usize> {
    // The byte before `at`, the start reading as a dot.
    let before = |at: usize| match at.checked_sub(1) {
        Some(before) => authority.get(before).copied().unwrap_or(b'.'),
        None => b'.',
    };
    let mut end = authority.len();
    for (at, &b) in authority.iter().enumerate() {
        // Letters, digits and `_` first: nearly every byte is one, and may follow anything.
        if is_label_byte(b) {
            continue;
        }
        match b {
            b':' => {
                end = at;
                break;
            }
            b'.' if !matches!(before(at), b'.' | b'-') => {}
            b'-' if before(at) != b'.' => {}
            _ => return None,
        }
    }
    (end > 0 && before(end) != b'-').then_some(end)
}

/// An IPv6 address in its text form: up to eight groups of 1–4 hex digits separated by
/// colons, at most one `::`, optionally ending in a dotted IPv4 address (which stands for two
/// groups).
///
/// One pass from the left: a group, then a `:` and the next group, or `::` once; a group that
/// runs into a `.` is the IPv4 ending, and must reach the end of the address.
fn is_ipv6(address: &[u8]) -> bool {
    let mut groups = 0;
    let mut compressed = false;
    let mut at = 0;
    if address.starts_with(b"::") {
        compressed = true;
        at = 2;
    }
    while at < address.len() {
        let rest = &address[at..];
        let digits = rest.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if rest.get(digits) == Some(&b'.') {
            if !is_ipv4(rest) {
                return false;
            }
            groups += 2;
            break;
        }
        if !(1..=4).contains(&digits) {
            return false;
        }
        groups += 1;
        at += digits;
        match &address[at..] {
            [] => break,
            [b':', b':', ..] if !compressed => {
                compressed = true;
                at += 2;
            }
            // A single colon separates this group from the next one, which must follow: a
            // second `::` leaves an empty group, refused when the loop comes round.
            [b':', _, ..] => at += 1,
            _ => return false,
        }
    }
    if compressed {
        groups < 8
    } else {
        groups == 8
    }
}

/// A dotted IPv4 address: four decimal octets of 1–3 digits, each at most 255.
fn is_ipv4(address: &[u8]) -> bool {
    let mut octets = 0;
    for octet in address.split(|&b| b == b'.') {
        if !(1..=3).contains(&octet.len()) || !octet.iter().all(u8::is_ascii_digit) {
            return false;
        }
        let value = octet
            .iter()
            .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
        if value > 255 {
            return false;
        }
        octets += 1;
    }
    octets == 4
}

/// A port of 1–5 ASCII digits with a value in 1..=65535.
fn port_number(digits: &[u8]) -> Option<u16> {
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
    use crate::scan::is_host_chars;

    #[test]
    fn host_and_port() {
        assert_eq!(split(b"example.com"), Some((11, None)));
        assert_eq!(split(b"example.com:8080"), Some((11, Some(8080))));
        assert_eq!(split(b"[::1]:9"), Some((5, Some(9))));
        assert_eq!(split(b"192.0.2.1"), Some((9, None)));
        assert_eq!(split(b"example.com.:8080"), Some((12, Some(8080))));
        for good in [
            &b"[::]"[..],
            b"[1:2:3:4:5:6:7:8]",
            b"[fe80::1]",
            b"[::ffff:192.0.2.1]",
            b"[1:2:3:4:5:6:192.0.2.1]",
            b"[1:2:3:4:5:6:7::]",
            b"[::2:3:4:5:6:7:8]",
            b"[1:2:3:4:5::192.0.2.1]",
            b"a-b.c_d.example",
            b"localhost",
            b"example.com.",
            b"localhost.",
        ] {
            assert!(split(good).is_some(), "{:?}", core::str::from_utf8(good));
        }
        for bad in [
            &b""[..],
            b":80",
            b"a:",
            b"a:0",
            b"a:65536",
            b"a:123456",
            // Five digits at most, leading zeros included; twenty would overflow any sum.
            b"a:000080",
            b"a:99999999999999999999",
            b"a:8x",
            b"u@a",
            b"[::1",
            b"[]",
            b"[zz]",
            b"[::1]x",
            b"[:]",
            b"[1:2:3:4:5:6:7:8:9]",
            b"[1::2::3]",
            b"[1::2:::3]",
            b"[1:::2]",
            b"[1:2]",
            b"[12345::1]",
            b"[1:2:3:4:5:6:7]",
            // `::` stands for one group or more, so at most seven are written beside it.
            b"[1:2:3:4:5:6:7::8]",
            b"[::1:2:3:4:5:6:7:8]",
            b"[1:2:3:4:5:6:7:8::]",
            b"[1:2:3:4:5:6::192.0.2.1]",
            b"[::ffff:192.0.2.256]",
            b"[::1.2.3]",
            b"..-_",
            b"a..b",
            b".",
            b"..",
            b"example.com..",
            b"example.com.:",
            b"-a.",
            b"-a.b",
            b"a-.b",
            b".a",
        ] {
            assert_eq!(split(bad), None, "{:?}", core::str::from_utf8(bad));
        }
    }

    /// The IPv6 grammar as first written, around the one `::`, for [`is_ipv6`] to be held to.
    fn is_ipv6_by_groups(address: &[u8]) -> bool {
        let (groups_text, ipv4) = match address.iter().rposition(|&b| b == b':') {
            // Drop the colon before an IPv4 tail, unless it is half of a `::`.
            Some(last) if address[last + 1..].contains(&b'.') => {
                let before = &address[..last];
                let groups = if before.ends_with(b":") {
                    &address[..=last]
                } else {
                    before
                };
                (groups, Some(&address[last + 1..]))
            }
            _ => (address, None),
        };
        if let Some(ipv4) = ipv4 {
            let octets = ipv4.split(|&b| b == b'.');
            let valid = octets.clone().count() == 4
                && octets.into_iter().all(|octet| {
                    (1..=3).contains(&octet.len())
                        && octet.iter().all(u8::is_ascii_digit)
                        && octet
                            .iter()
                            .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'))
                            <= 255
                });
            if !valid {
                return false;
            }
        }
        // At most one `::`, counted as a left-to-right search counts them (`:::` is one, followed
        // by an empty group).
        let double = find_double_colon(groups_text);
        let compressed = double.map_or(0, |at| {
            1 + usize::from(find_double_colon(&groups_text[at + 2..]).is_some())
        });
        if compressed > 1 || groups_text.is_empty() {
            return false;
        }
        // Split around the one `::`, if any; every remaining group must be 1–4 hex digits.
        let mut groups = 0;
        let halves: [&[u8]; 2] = match double {
            Some(at) => [&groups_text[..at], &groups_text[at + 2..]],
            None => [groups_text, &[]],
        };
        for half in halves {
            if half.is_empty() {
                continue;
            }
            for group in half.split(|&b| b == b':') {
                if !(1..=4).contains(&group.len()) || !group.iter().all(u8::is_ascii_hexdigit) {
                    return false;
                }
                groups += 1;
            }
        }
        let capacity = if ipv4.is_some() { 6 } else { 8 };
        if compressed == 1 {
            groups < capacity
        } else {
            groups == capacity
        }
    }

    fn find_double_colon(text: &[u8]) -> Option<usize> {
        text.windows(2).position(|pair| pair == b"::")
    }

    /// Every string of up to ten bytes of `:`, `1`, `f` and `.`, then addresses built of
    /// random groups, against the reading around the one `::`.
    #[test]
    fn ipv6_as_groups_say() {
        let alphabet = [b':', b'1', b'f', b'.'];
        let mut text = [0u8; 10];
        for len in 0..=text.len() {
            let mut index = [0usize; 10];
            loop {
                for (byte, &i) in text.iter_mut().zip(&index).take(len) {
                    *byte = alphabet[i];
                }
                let address = &text[..len];
                assert_eq!(is_ipv6(address), is_ipv6_by_groups(address), "{address:?}");
                let mut digit = 0;
                while digit < len {
                    index[digit] += 1;
                    if index[digit] < alphabet.len() {
                        break;
                    }
                    index[digit] = 0;
                    digit += 1;
                }
                if digit == len {
                    break;
                }
            }
        }
        let pieces: [&[u8]; 14] = [
            b"0",
            b"ffff",
            b"12345",
            b"aBc",
            b"g",
            b"",
            b":",
            b"::",
            b"1.2.3.4",
            b"255.0.0.1",
            b"256.1.1.1",
            b"1.2.3",
            b"01.2.3.4",
            b"1.2.3.4.5",
        ];
        let mut state = 0x2545_f491_u32;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state
        };
        let mut valid = 0;
        for _ in 0..200_000 {
            let mut address = [0u8; 64];
            let mut len = 0;
            for _ in 0..next() % 11 {
                let piece = pieces[next() as usize % pieces.len()];
                let separator: &[u8] = if next() % 4 == 0 { b"::" } else { b":" };
                for part in [separator, piece] {
                    if len + part.len() <= address.len() {
                        address[len..len + part.len()].copy_from_slice(part);
                        len += part.len();
                    }
                }
            }
            let start = (next() % 3) as usize;
            let address = &address[start.min(len)..len];
            assert_eq!(is_ipv6(address), is_ipv6_by_groups(address), "{address:?}");
            valid += usize::from(is_ipv6(address));
        }
        // Both answers were put to the test.
        assert!(valid > 1000, "{valid} valid addresses");
    }

    /// The grammar as first written, label by label, for [`host_name_end`] to be held to.
    fn is_host_name(host: &[u8]) -> bool {
        let labels = host.strip_suffix(b".").unwrap_or(host);
        !labels.is_empty()
            && labels.split(|&b| b == b'.').all(|label| {
                is_host_chars(label) && label.first() != Some(&b'-') && label.last() != Some(&b'-')
            })
    }

    /// Every string of up to six bytes from the bytes that matter to the grammar, and a few
    /// that do not belong, against the label-by-label reading.
    #[test]
    fn host_names_as_labels_say() {
        let alphabet = [b'a', b'Z', b'0', b'_', b'-', b'.', b':', b'@', 0x80];
        let mut text = [0u8; 6];
        for len in 0..=text.len() {
            let mut index = [0usize; 6];
            loop {
                for (byte, &i) in text.iter_mut().zip(&index).take(len) {
                    *byte = alphabet[i];
                }
                let host = &text[..len];
                let end = host.iter().position(|&b| b == b':').unwrap_or(len);
                let expected = is_host_name(&host[..end]).then_some(end);
                assert_eq!(host_name_end(host), expected, "{host:?}");
                // The next string of this length, as an odometer.
                let mut digit = 0;
                while digit < len {
                    index[digit] += 1;
                    if index[digit] < alphabet.len() {
                        break;
                    }
                    index[digit] = 0;
                    digit += 1;
                }
                if digit == len {
                    break;
                }
            }
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
