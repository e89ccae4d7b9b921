//! The PROXY protocol header decoder (feature `proxy-protocol`), against HAProxy's
//! `doc/proxy-protocol.txt`: its examples, vectors of our own for every version, protocol and
//! family, each fed whole, a byte at a time and split at every point with a request after it,
//! and every way a header can be refused, each at the byte that decides it.
#![cfg(feature = "proxy-protocol")]

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use hixie76::proxy::{ProxyConfig, ProxyDecoder, ProxyHeader};
use hixie76::{Error, Received};

/// What follows the header on the wire: it must never be used.
const REQUEST: &[u8] = b"GET /demo HTTP/1.1\r\nHost: example.com\r\n\r\n";

/// The v2 signature (spec section 2.2).
const SIG: &[u8; 12] = b"\x0D\x0A\x0D\x0A\x00\x0D\x0A\x51\x55\x49\x54\x0A";

fn proxied(source: &str, destination: &str) -> ProxyHeader {
    ProxyHeader::Proxied {
        source: source.parse().unwrap(),
        destination: destination.parse().unwrap(),
    }
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A v2 header: signature, version/command, family, the length of `body`, `body`.
fn v2(ver_cmd: u8, family: u8, body: &[u8]) -> Vec<u8> {
    let len = u16::try_from(body.len()).unwrap().to_be_bytes();
    cat(&[SIG, &[ver_cmd, family], &len, body])
}

/// The address block of TCP over IPv4.
fn inet(source: [u8; 4], destination: [u8; 4], ports: (u16, u16)) -> Vec<u8> {
    let (s, d) = (ports.0.to_be_bytes(), ports.1.to_be_bytes());
    cat(&[&source, &destination, &s, &d])
}

/// The address block of TCP over IPv6.
fn inet6(source: &str, destination: &str, ports: (u16, u16)) -> Vec<u8> {
    let source = source.parse::<Ipv6Addr>().unwrap().octets();
    let destination = destination.parse::<Ipv6Addr>().unwrap().octets();
    let (s, d) = (ports.0.to_be_bytes(), ports.1.to_be_bytes());
    cat(&[&source, &destination, &s, &d])
}

/// A few TLVs (spec 2.2.1 to 2.2.5): ALPN, authority, NOOP and a unique ID.
fn tlvs() -> Vec<u8> {
    cat(&[
        b"\x01\x00\x02h2",
        b"\x02\x00\x0bexample.com",
        b"\x04\x00\x03\x00\x00\x00",
        b"\x05\x00\x04\xde\xad\xbe\xef",
    ])
}

/// `header` followed by [`REQUEST`] is accepted as `expected`, using exactly the header's
/// bytes, whether fed whole, a byte at a time (with empty calls between) or split at any point;
/// afterwards every call is [`Error::InvalidState`].
fn accepts_with(config: ProxyConfig, header: &[u8], expected: ProxyHeader) {
    let input = cat(&[header, REQUEST]);
    let show = String::from_utf8_lossy(header);
    let done = |decoder: &mut ProxyDecoder| {
        assert!(decoder.is_done(), "{show:?}");
        assert_eq!(
            decoder.receive(REQUEST),
            Err(Error::InvalidState),
            "{show:?}"
        );
        assert_eq!(decoder.receive(b""), Err(Error::InvalidState), "{show:?}");
    };

    // The address an application logs is the source of a proxied connection, none otherwise.
    let source = match expected {
        ProxyHeader::Proxied { source, .. } => Some(source),
        ProxyHeader::Local | ProxyHeader::Unknown => None,
    };
    assert_eq!(expected.source(), source, "{show:?}");

    let mut decoder = ProxyDecoder::new(config);
    assert_eq!(
        decoder.receive(&input),
        Ok(Received::event(header.len(), expected)),
        "whole {show:?}"
    );
    done(&mut decoder);

    let mut decoder = ProxyDecoder::new(config);
    for (i, byte) in input.iter().enumerate().take(header.len()) {
        assert_eq!(
            decoder.receive(b""),
            Ok(Received::partial(0)),
            "{show:?} empty at {i}"
        );
        assert!(!decoder.is_done());
        let want = if i + 1 == header.len() {
            Received::event(1, expected)
        } else {
            Received::partial(1)
        };
        assert_eq!(
            decoder.receive(std::slice::from_ref(byte)),
            Ok(want),
            "{show:?} byte {i}"
        );
    }
    done(&mut decoder);

    for cut in 0..=input.len() {
        let mut decoder = ProxyDecoder::new(config);
        let first = decoder.receive(&input[..cut]);
        if cut < header.len() {
            assert_eq!(first, Ok(Received::partial(cut)), "{show:?} cut {cut}");
            assert_eq!(
                decoder.receive(&input[cut..]),
                Ok(Received::event(header.len() - cut, expected)),
                "{show:?} after cut {cut}"
            );
        } else {
            assert_eq!(
                first,
                Ok(Received::event(header.len(), expected)),
                "{show:?} cut {cut}"
            );
        }
        done(&mut decoder);
    }
}

fn accepts(header: &[u8], expected: ProxyHeader) {
    accepts_with(ProxyConfig::new(), header, expected);
}

/// `good` followed by `bad` is refused at the first byte of `bad`: every byte of `good` is
/// taken without complaint, whatever the pieces, and the first of `bad` gives
/// [`Error::BadProxyHeader`], which every later call repeats.
fn rejects_with(config: ProxyConfig, good: &[u8], bad: &[u8]) {
    assert!(!bad.is_empty());
    let input = cat(&[good, bad]);
    let show = String::from_utf8_lossy(&input);
    let at = good.len();
    let failed = |decoder: &mut ProxyDecoder| {
        assert!(!decoder.is_done());
        for again in [&b""[..], b"PROXY UNKNOWN\r\n", REQUEST] {
            assert_eq!(
                decoder.receive(again),
                Err(Error::BadProxyHeader),
                "{show:?}"
            );
        }
    };

    let mut decoder = ProxyDecoder::new(config);
    assert_eq!(
        decoder.receive(&input),
        Err(Error::BadProxyHeader),
        "whole {show:?}"
    );
    failed(&mut decoder);

    let mut decoder = ProxyDecoder::new(config);
    for (i, byte) in good.iter().enumerate() {
        assert_eq!(
            decoder.receive(std::slice::from_ref(byte)),
            Ok(Received::partial(1)),
            "{show:?} byte {i} of the good part"
        );
    }
    assert_eq!(
        decoder.receive(&input[at..at + 1]),
        Err(Error::BadProxyHeader),
        "{show:?}: the deciding byte {at}"
    );
    failed(&mut decoder);

    for cut in 0..=at {
        let mut decoder = ProxyDecoder::new(config);
        assert_eq!(
            decoder.receive(&input[..cut]),
            Ok(Received::partial(cut)),
            "{show:?} cut {cut}"
        );
        assert_eq!(
            decoder.receive(&input[cut..]),
            Err(Error::BadProxyHeader),
            "{show:?} after cut {cut}"
        );
        failed(&mut decoder);
    }
}

fn rejects(good: &[u8], bad: &[u8]) {
    rejects_with(ProxyConfig::new(), good, bad);
}

// ----- configuration -----

#[test]
fn config_defaults_and_floor() {
    assert_eq!(ProxyConfig::new(), ProxyConfig::default());
    assert_eq!(ProxyConfig::new().max_header(), 4096);
    assert_eq!(ProxyConfig::new().with_max_header(300).max_header(), 300);
    assert_eq!(ProxyConfig::new().with_max_header(232).max_header(), 232);
    // Below a bare AF_UNIX header (16 + 216): raised to it.
    assert_eq!(ProxyConfig::new().with_max_header(231).max_header(), 232);
    assert_eq!(ProxyConfig::new().with_max_header(0).max_header(), 232);
    assert_eq!(
        ProxyConfig::new().with_max_header(usize::MAX).max_header(),
        usize::MAX
    );
}

#[test]
fn nothing_fed_is_nothing_taken() {
    let mut decoder = ProxyDecoder::new(ProxyConfig::new());
    assert_eq!(decoder.receive(b""), Ok(Received::partial(0)));
    assert!(!decoder.is_done());
    assert_eq!(
        decoder.receive(b"PROXY UNKNOWN\r\n"),
        Ok(Received::event(15, ProxyHeader::Unknown))
    );
}

// ----- v1 -----

#[test]
fn v1_spec_example() {
    // Section 2.1's example, with the request it shows after the line.
    let header = b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
    let request = b"GET / HTTP/1.1\r\nHost: 192.168.0.11\r\n\r\n";
    let expected = proxied("192.168.0.1:56324", "192.168.0.11:443");
    accepts(header, expected);
    let input = cat(&[header, request]);
    let mut decoder = ProxyDecoder::new(ProxyConfig::new());
    let received = decoder.receive(&input).unwrap();
    assert_eq!(received, Received::event(47, expected));
    assert_eq!(&input[received.used..], request);
}

#[test]
fn v1_spec_longest_lines() {
    // Section 2.1's longest lines: 56, 104, 15 and 107 bytes.
    let tcp4 = b"PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
    assert_eq!(tcp4.len(), 56);
    accepts(
        tcp4,
        proxied("255.255.255.255:65535", "255.255.255.255:65535"),
    );

    let all = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    let tcp6 = format!("PROXY TCP6 {all} {all} 65535 65535\r\n");
    assert_eq!(tcp6.len(), 104);
    let max = format!("[{all}]:65535");
    accepts(tcp6.as_bytes(), proxied(&max, &max));

    accepts(b"PROXY UNKNOWN\r\n", ProxyHeader::Unknown);

    let worst = format!("PROXY UNKNOWN {all} {all} 65535 65535\r\n");
    assert_eq!(worst.len(), 107);
    accepts(worst.as_bytes(), ProxyHeader::Unknown);
}

#[test]
fn v1_tcp4() {
    accepts(
        b"PROXY TCP4 0.0.0.0 10.0.0.1 0 80\r\n",
        proxied("0.0.0.0:0", "10.0.0.1:80"),
    );
    accepts(
        b"PROXY TCP4 203.0.113.7 198.51.100.20 1024 8080\r\n",
        proxied("203.0.113.7:1024", "198.51.100.20:8080"),
    );
    accepts(
        b"PROXY TCP4 100.10.1.0 1.2.3.4 10 65535\r\n",
        proxied("100.10.1.0:10", "1.2.3.4:65535"),
    );
}

#[test]
fn v1_tcp6() {
    accepts(
        b"PROXY TCP6 2001:db8::1 2001:DB8:0:0:0:0:0:2 51000 443\r\n",
        proxied("[2001:db8::1]:51000", "[2001:db8::2]:443"),
    );
    accepts(b"PROXY TCP6 :: ::1 1 2\r\n", proxied("[::]:1", "[::1]:2"));
    // Groups written with all four digits, as the specification describes them.
    accepts(
        b"PROXY TCP6 0001:0db8:0000:0000:0000:0000:0000:0001 1:2:3:4:5:6:7:8 1 2\r\n",
        proxied("[1:db8::1]:1", "[1:2:3:4:5:6:7:8]:2"),
    );
    // `::` for exactly one group, at either end.
    accepts(
        b"PROXY TCP6 1:2:3:4:5:6:7:: ::2:3:4:5:6:7:8 3 4\r\n",
        proxied("[1:2:3:4:5:6:7:0]:3", "[0:2:3:4:5:6:7:8]:4"),
    );
    accepts(
        b"PROXY TCP6 fe80:: aBcD::eF01 60000 7\r\n",
        proxied("[fe80::]:60000", "[abcd::ef01]:7"),
    );
    // inet_ntop writes IPv4-mapped addresses with a dotted quad: reported as written.
    let header = b"PROXY TCP6 ::ffff:192.0.2.1 1:2:3:4:5:6:10.0.0.255 12345 8080\r\n";
    let expected = proxied("[::ffff:192.0.2.1]:12345", "[1:2:3:4:5:6:a00:ff]:8080");
    accepts(header, expected);
    let ProxyHeader::Proxied { source, .. } = expected else {
        unreachable!()
    };
    let SocketAddr::V6(v6) = source else {
        unreachable!()
    };
    assert_eq!(v6.ip().to_canonical(), Ipv4Addr::new(192, 0, 2, 1));
    accepts(
        b"PROXY TCP6 ::1.2.3.4 1::5:6:0.0.0.0 1 2\r\n",
        proxied("[::102:304]:1", "[1::5:6:0:0]:2"),
    );
}

#[test]
fn v1_unknown() {
    accepts(b"PROXY UNKNOWN\r\n", ProxyHeader::Unknown);
    accepts(b"PROXY UNKNOWN \r\n", ProxyHeader::Unknown);
    // The receiver must ignore anything before the CR LF, whatever it is.
    accepts(
        b"PROXY UNKNOWN 1.2.3.4 ::1 99999 x\r\n",
        ProxyHeader::Unknown,
    );
    accepts(
        b"PROXY UNKNOWN \x00\x7f\xff\tPROXY \r\n",
        ProxyHeader::Unknown,
    );
}

#[test]
fn v1_line_length_limit() {
    // 14 + 91 + 2 = 107 bytes: the longest line allowed.
    let mut line = b"PROXY UNKNOWN ".to_vec();
    line.resize(105, b'x');
    accepts(&cat(&[&line, b"\r\n"]), ProxyHeader::Unknown);
    // One more byte and the 106th is not the CR: refused there, before any CR LF arrives.
    rejects(&line, b"x\r\n");
    // A valid TCP6 grammar made too long by uncompressed mapped addresses (116 bytes).
    let long = "0000:0000:0000:0000:0000:ffff:255.255.255.255";
    let good = format!("PROXY TCP6 {long} {long} 65");
    assert_eq!(good.len(), 105);
    rejects(good.as_bytes(), b"535 65535\r\n");
}

#[test]
fn v1_header_then_another_header_is_the_callers() {
    let first = b"PROXY TCP4 1.1.1.1 2.2.2.2 1 2\r\n";
    let input = cat(&[first, b"PROXY TCP4 3.3.3.3 4.4.4.4 3 4\r\n"]);
    let mut decoder = ProxyDecoder::new(ProxyConfig::new());
    assert_eq!(
        decoder.receive(&input),
        Ok(Received::event(
            first.len(),
            proxied("1.1.1.1:1", "2.2.2.2:2")
        ))
    );
}

#[test]
fn wrong_first_byte() {
    rejects(b"", REQUEST);
    rejects(b"", b"\x16\x03\x01\x02\x00"); // a TLS ClientHello
    rejects(b"", b"proxy TCP4");
    rejects(b"", b"\x00");
    rejects(b"", b"\n");
}

#[test]
fn v1_prefix_and_protocol() {
    rejects(b"PROX", b"X TCP4");
    rejects(b"PROXY", b"\r\n");
    rejects(b"PROXY", b"\tTCP4 1.1.1.1 2.2.2.2 1 2\r\n");
    rejects(b"PROXY ", b" TCP4 1.1.1.1 2.2.2.2 1 2\r\n");
    rejects(b"PROXY ", b"tcp4 1.1.1.1 2.2.2.2 1 2\r\n");
    rejects(b"PROXY U", b"DP4 1.1.1.1 2.2.2.2 1 2\r\n");
    rejects(b"PROXY TC", b"X4 ");
    rejects(b"PROXY TCP", b"5 1.1.1.1 2.2.2.2 1 2\r\n");
    rejects(b"PROXY TCP4", b"\r\n");
    rejects(b"PROXY TCP6 ", b" ::1 ::1 1 2\r\n");
    rejects(b"PROXY UNKNOW", b"\r\n");
    rejects(b"PROXY UNKNOWN", b"X\r\n");
}

#[test]
fn v1_line_ends() {
    rejects(b"PROXY UNKNOWN", b"\n");
    rejects(b"PROXY UNKNOWN 1.2.3.4", b"\n");
    rejects(b"PROXY UNKNOWN\r", b"\r\n");
    rejects(b"PROXY UNKNOWN abc\r", b"def\r\n");
    rejects(b"PROXY TCP4 1.1.1.1 2.2.2.2 1 2", b"\n");
    rejects(b"PROXY TCP4 1.1.1.1 2.2.2.2 1 2\r", b"\r\n");
    rejects(b"PROXY TCP4 1.1.1.1 2.2.2.2 1 2\r", b" \n");
    rejects(b"PROXY TCP4 1.1.1.1 2.2.2.2 1 2", b" \r\n");
    rejects(b"PROXY TCP6 ::1 ::2 1 2", b"\n");
}

#[test]
fn v1_bad_ipv4() {
    let tail = b" 2.2.2.2 1 2\r\n";
    rejects(b"PROXY TCP4 25", &cat(&[b"6.0.0.1", tail]));
    rejects(b"PROXY TCP4 1.2.3.99", &cat(&[b"9", tail]));
    rejects(b"PROXY TCP4 0", &cat(&[b"1.0.0.1", tail]));
    rejects(b"PROXY TCP4 10.0", &cat(&[b"0.0.1", tail]));
    rejects(b"PROXY TCP4 1.2.3", tail);
    rejects(b"PROXY TCP4 1.2.3.4", &cat(&[b".5", tail]));
    rejects(b"PROXY TCP4 1.", &cat(&[b".2.3", tail]));
    rejects(b"PROXY TCP4 ", &cat(&[b".1.2.3", tail]));
    rejects(b"PROXY TCP4 1.2.3.", tail);
    rejects(b"PROXY TCP4 1.2.3.4", &cat(&[b"x", tail]));
    rejects(b"PROXY TCP4 ", b"::1 2.2.2.2 1 2\r\n");
    rejects(b"PROXY TCP4 0", b"x1.2.3.4 2.2.2.2 1 2\r\n");
    rejects(b"PROXY TCP4 1.1.1.1 ", b"::1 1 2\r\n");
    rejects(b"PROXY TCP4 1.1.1.1 ", b" 2.2.2.2 1 2\r\n");
    rejects(b"PROXY TCP4 1.1.1.1 2.2.2.2", b"\r\n");
    rejects(b"PROXY TCP4 1.1.1.1 2.2.2", b"\r\n");
}

#[test]
fn v1_bad_ipv6() {
    let tail = b" ::1 1 2\r\n";
    rejects(b"PROXY TCP6 1:2:3:4:5:6:7:8", &cat(&[b":9", tail]));
    rejects(b"PROXY TCP6 1:2:3:4:5:6:7:8", &cat(&[b"::", tail]));
    rejects(b"PROXY TCP6 1:2:3:4:5:6:7", tail);
    rejects(b"PROXY TCP6 1:2:3:4:5:6:7::", &cat(&[b"8", tail]));
    rejects(b"PROXY TCP6 1::2:3:4:5:6:7", &cat(&[b":8", tail]));
    rejects(b"PROXY TCP6 :", &cat(&[b"1::", tail]));
    rejects(b"PROXY TCP6 ::", &cat(&[b":", tail]));
    rejects(b"PROXY TCP6 1::2:", &cat(&[b":3", tail]));
    rejects(b"PROXY TCP6 1:", tail);
    rejects(b"PROXY TCP6 1234", &cat(&[b"5::", tail]));
    rejects(b"PROXY TCP6 ", &cat(&[b"g::", tail]));
    rejects(b"PROXY TCP6 ", &cat(&[b"[::1]", tail]));
    rejects(b"PROXY TCP6 ", tail);
    rejects(b"PROXY TCP6 ::1", &cat(&[b"%eth0", tail]));
    rejects(b"PROXY TCP6 1", &cat(&[b".2.3.4", tail]));
    // A dotted quad must end the address, after six groups or `::`.
    rejects(b"PROXY TCP6 1:2:3:4:5:1", &cat(&[b".2.3.4", tail]));
    rejects(b"PROXY TCP6 1::3:4:5:6:7:1", &cat(&[b".2.3.4", tail]));
    rejects(b"PROXY TCP6 ::ffff:1.2.3.4", &cat(&[b".5", tail]));
    rejects(b"PROXY TCP6 ::ffff:1.2.3.4", &cat(&[b":1", tail]));
    rejects(b"PROXY TCP6 ::ffff:1.2.3", tail);
    rejects(b"PROXY TCP6 ::ffff:1.2.3.", tail);
    rejects(b"PROXY TCP6 ::ffff:1.2.3.4", &cat(&[b"a", tail]));
    // Its numbers follow the IPv4 rules.
    rejects(b"PROXY TCP6 ::ffff:01", &cat(&[b".2.3.4", tail]));
    rejects(b"PROXY TCP6 ::ffff:256", &cat(&[b".1.1.1", tail]));
    rejects(b"PROXY TCP6 ::ffff:1a", &cat(&[b".2.3.4", tail]));
    rejects(b"PROXY TCP6 ::ffff:1234", &cat(&[b".2.3.4", tail]));
    rejects(b"PROXY TCP6 ::ffff:1.25", &cat(&[b"6.3.4", tail]));
    rejects(b"PROXY TCP6 ::1 1", b".2.3.4 1 2\r\n");
}

#[test]
fn v1_bad_ports() {
    let line = b"PROXY TCP4 1.1.1.1 2.2.2.2 ";
    rejects(&cat(&[line, b"6553"]), b"6 443\r\n");
    rejects(&cat(&[line, b"9999"]), b"9 443\r\n");
    rejects(&cat(&[line, b"0"]), b"0 443\r\n");
    rejects(&cat(&[line, b"0"]), b"80 443\r\n");
    rejects(line, b"+1 443\r\n");
    rejects(line, b"-1 443\r\n");
    rejects(line, b" 1 443\r\n");
    rejects(line, b"x 443\r\n");
    rejects(&cat(&[line, b"1 "]), b"\r\n");
    rejects(&cat(&[line, b"1 6553"]), b"6\r\n");
    rejects(&cat(&[line, b"1 0"]), b"443\r\n");
    rejects(&cat(&[line, b"1"]), b"\r\n");
    rejects(&cat(&[line, b"1 2"]), b" 3\r\n");
}

// ----- v2 -----

#[test]
fn v2_local() {
    accepts(&v2(0x20, 0x00, b""), ProxyHeader::Local);
    // LOCAL with addresses anyway: skipped, never used.
    let block = inet([10, 0, 0, 1], [10, 0, 0, 2], (1, 2));
    accepts(&v2(0x20, 0x11, &block), ProxyHeader::Local);
    accepts(
        &v2(0x20, 0x11, &cat(&[&block, &tlvs()])),
        ProxyHeader::Local,
    );
    // The family is ignored with LOCAL (section 2.2), even one PROXY could not use.
    accepts(&v2(0x20, 0xFF, b""), ProxyHeader::Local);
    accepts(&v2(0x20, 0x21, b"\x01\x02"), ProxyHeader::Local);
}

#[test]
fn v2_tcp4() {
    let block = inet([192, 168, 0, 1], [192, 168, 0, 11], (56324, 443));
    let expected = proxied("192.168.0.1:56324", "192.168.0.11:443");
    accepts(&v2(0x21, 0x11, &block), expected);
    accepts(&v2(0x21, 0x11, &cat(&[&block, &tlvs()])), expected);
    // TLVs are skipped whole, their inner lengths not checked against the total.
    accepts(&v2(0x21, 0x11, &cat(&[&block, b"\x01\xff\xff"])), expected);
    let header = v2(0x21, 0x11, &inet([0; 4], [255; 4], (0, 65535)));
    accepts(&header, proxied("0.0.0.0:0", "255.255.255.255:65535"));
}

#[test]
fn v2_tcp6() {
    let block = inet6("2001:db8::1", "2001:db8::2", (51000, 443));
    let expected = proxied("[2001:db8::1]:51000", "[2001:db8::2]:443");
    accepts(&v2(0x21, 0x21, &block), expected);
    accepts(&v2(0x21, 0x21, &cat(&[&block, &tlvs()])), expected);
    let block = inet6(
        "::ffff:192.0.2.1",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        (1, 0),
    );
    let expected = proxied(
        "[::ffff:192.0.2.1]:1",
        "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:0",
    );
    accepts(&v2(0x21, 0x21, &block), expected);
}

#[test]
fn v2_unix_unspec_and_datagrams_report_unknown() {
    let mut paths = [0u8; 216];
    paths[..13].copy_from_slice(b"/run/app.sock");
    paths[108..121].copy_from_slice(b"/run/lb.sock\0");
    accepts(&v2(0x21, 0x31, &paths), ProxyHeader::Unknown);
    accepts(
        &v2(0x21, 0x31, &cat(&[&paths, &tlvs()])),
        ProxyHeader::Unknown,
    );
    accepts(&v2(0x21, 0x32, &paths), ProxyHeader::Unknown);
    accepts(&v2(0x21, 0x00, b""), ProxyHeader::Unknown);
    accepts(&v2(0x21, 0x00, &tlvs()), ProxyHeader::Unknown);
    // UDP: the addresses describe a datagram flow, not this stream's peer.
    let block = inet([192, 0, 2, 1], [192, 0, 2, 2], (53, 5353));
    accepts(&v2(0x21, 0x12, &block), ProxyHeader::Unknown);
    let block6 = inet6("2001:db8::1", "2001:db8::2", (53, 5353));
    accepts(&v2(0x21, 0x22, &block6), ProxyHeader::Unknown);
    // A family with an unspecified transport, or the reverse.
    accepts(&v2(0x21, 0x10, &block), ProxyHeader::Unknown);
    accepts(&v2(0x21, 0x01, b""), ProxyHeader::Unknown);
}

#[test]
fn v2_bad_signature() {
    let header = v2(0x21, 0x11, &inet([1; 4], [2; 4], (1, 2)));
    // Byte 0 must be CR to start a v2 header at all; every later signature byte is checked.
    for at in 1..SIG.len() {
        let mut bad = header.clone();
        bad[at] ^= 0x20;
        rejects(&bad[..at], &bad[at..]);
    }
    rejects(b"\r\n\r\n", b"GET / HTTP/1.1\r\n");
}

#[test]
fn v2_bad_version_or_command() {
    let rest = b"\x11\x00\x0c\x01\x01\x01\x01\x02\x02\x02\x02\x00\x01\x00\x02";
    for ver_cmd in [0x00, 0x01, 0x11, 0x12, 0x31, 0xF1, 0x22, 0x2F, 0x10] {
        rejects(SIG, &cat(&[&[ver_cmd], rest]));
    }
}

#[test]
fn v2_bad_family_or_transport() {
    let good = cat(&[SIG, b"\x21"]);
    for family in [0x41, 0x51, 0xF1, 0x13, 0x1F, 0x03, 0x33, 0x40] {
        rejects(&good, &[family, 0x00, 0x0c]);
    }
}

#[test]
fn v2_length_too_short_for_the_family() {
    for (family, needed) in [
        (0x11u8, 12u8),
        (0x12, 12),
        (0x21, 36),
        (0x22, 36),
        (0x31, 216),
    ] {
        let good = cat(&[SIG, &[0x21, family, 0x00]]);
        rejects(&good, &[needed - 1, 0, 0]);
        rejects(&good, &[0, 0, 0]);
        // The exact length is fine (with zero addresses).
        let header = v2(0x21, family, &vec![0; usize::from(needed)]);
        let mut decoder = ProxyDecoder::new(ProxyConfig::new());
        let received = decoder.receive(&cat(&[&header, REQUEST])).unwrap();
        assert_eq!(received.used, header.len());
    }
}

#[test]
fn v2_length_limit() {
    let block = inet([1; 4], [2; 4], (1, 2));
    let expected = proxied("1.1.1.1:1", "2.2.2.2:2");
    // The default limit, 4096 bytes in all: reached exactly, then passed.
    let padding = vec![0x04; 4096 - 16 - block.len()];
    accepts(&v2(0x21, 0x11, &cat(&[&block, &padding])), expected);
    let over = v2(0x21, 0x11, &cat(&[&block, &padding, b"\x04"]));
    rejects(&over[..15], &over[15..]);
    // A high length byte alone can pass it: refused before the low byte.
    rejects(&cat(&[SIG, b"\x21\x11"]), b"\x10\x00");
    rejects(&cat(&[SIG, b"\x20\x00"]), b"\xff\xff");
    // A limit of our own, and the floor (232) still taking a bare AF_UNIX header.
    let config = ProxyConfig::new().with_max_header(300);
    let fits = v2(0x21, 0x11, &[0; 284]);
    accepts_with(config, &fits, proxied("0.0.0.0:0", "0.0.0.0:0"));
    let over = v2(0x21, 0x11, &[0; 285]);
    rejects_with(config, &over[..15], &over[15..]);
    rejects_with(config, &cat(&[SIG, b"\x20\x00"]), b"\x02");
    let config = ProxyConfig::new().with_max_header(0);
    accepts_with(config, &v2(0x21, 0x31, &[0; 216]), ProxyHeader::Unknown);
    let over = v2(0x21, 0x31, &[0; 217]);
    rejects_with(config, &over[..15], &over[15..]);
    // Above the limit but never complete: still refused at the length.
    rejects(&cat(&[SIG, b"\x20\x00\x0f"]), b"\xf1");
}

// ----- v1 addresses against the standard library's parsers -----

/// Whether the decoder accepts `address` as the source of a `family` line, and as what.
fn v1_address(family: &str, address: &str) -> Option<SocketAddr> {
    let other = if family == "TCP4" { "1.1.1.1" } else { "::1" };
    let line = format!("PROXY {family} {address} {other} 7 8\r\n");
    let mut decoder = ProxyDecoder::new(ProxyConfig::new());
    match decoder.receive(line.as_bytes()) {
        Ok(Received {
            used,
            event: Some(ProxyHeader::Proxied { source, .. }),
        }) => {
            assert_eq!(used, line.len(), "{line:?}");
            Some(source)
        }
        Ok(other) => panic!("{line:?}: {other:?}"),
        Err(error) => {
            assert_eq!(error, Error::BadProxyHeader, "{line:?}");
            None
        }
    }
}

/// Every string over `alphabet` of up to `len` bytes, and every single-byte edit of `seeds`.
fn candidates(alphabet: &[u8], len: usize, seeds: &[&str]) -> Vec<String> {
    let mut all = vec![String::new()];
    let mut level = vec![String::new()];
    for _ in 0..len {
        level = level
            .iter()
            .flat_map(|s| alphabet.iter().map(move |&c| format!("{s}{}", c as char)))
            .collect();
        all.extend(level.iter().cloned());
    }
    for seed in seeds {
        let seed = seed.as_bytes();
        all.push(String::from_utf8(seed.to_vec()).unwrap());
        for i in 0..=seed.len() {
            for &c in alphabet {
                let mut inserted = seed.to_vec();
                inserted.insert(i, c);
                all.push(String::from_utf8(inserted).unwrap());
                if i < seed.len() {
                    let mut replaced = seed.to_vec();
                    replaced[i] = c;
                    all.push(String::from_utf8(replaced).unwrap());
                }
            }
            if i < seed.len() {
                let mut removed = seed.to_vec();
                removed.remove(i);
                all.push(String::from_utf8(removed).unwrap());
            }
        }
    }
    all
}

#[test]
fn v1_ipv4_agrees_with_std() {
    let seeds = ["192.168.0.1", "255.255.255.255", "0.0.0.0", "10.200.30.4"];
    let mut accepted = 0;
    for text in candidates(b"0159.", 7, &seeds) {
        let std = text.parse::<Ipv4Addr>().ok();
        let ours = v1_address("TCP4", &text).map(|a| a.ip());
        assert_eq!(ours, std.map(Into::into), "{text:?}");
        accepted += usize::from(ours.is_some());
    }
    assert!(accepted > 400, "{accepted}");
}

#[test]
fn v1_ipv6_agrees_with_std() {
    let seeds = [
        "2001:db8::1",
        "1:2:3:4:5:6:7:8",
        "::ffff:192.0.2.1",
        "1:2:3:4:5:6:1.2.3.4",
        "fe80::abcd:0:0:1",
        "::",
        "1:2:3:4:5:6:7::",
        "::2:3:4:5:6:7:8",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "1::1.2.3.4",
    ];
    let mut accepted = 0;
    for text in candidates(b"0:1f.A", 7, &seeds) {
        let std = text.parse::<Ipv6Addr>().ok();
        let ours = v1_address("TCP6", &text).map(|a| a.ip());
        assert_eq!(ours, std.map(Into::into), "{text:?}");
        accepted += usize::from(ours.is_some());
    }
    assert!(accepted > 1000, "{accepted}");
}

#[test]
fn v1_ports_follow_the_spec() {
    // Decimal 0 to 65535 without leading zeros (section 2.1).
    let spec = |text: &str| -> Option<u16> {
        let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        let canonical = text == "0" || !text.starts_with('0');
        (digits && canonical).then(|| text.parse().ok()).flatten()
    };
    let mut accepted = 0;
    for text in candidates(b"0165", 6, &["65535", "443", "10"]) {
        let line = format!("PROXY TCP4 1.1.1.1 2.2.2.2 {text} 1\r\n");
        let mut decoder = ProxyDecoder::new(ProxyConfig::new());
        let ours = match decoder.receive(line.as_bytes()) {
            Ok(Received {
                event: Some(ProxyHeader::Proxied { source, .. }),
                ..
            }) => Some(source.port()),
            Ok(other) => panic!("{line:?}: {other:?}"),
            Err(_) => None,
        };
        assert_eq!(ours, spec(&text), "{text:?}");
        accepted += usize::from(ours.is_some());
    }
    assert!(accepted > 500, "{accepted}");
}
