//! The PROXY protocol header (versions 1 and 2) that a load balancer sends before the request.
//!
//! States and transitions:
//!
//! ```text
//!          'P'           "PROXY TCP4 " or "PROXY TCP6 " src SP dst SP sport SP dport CR LF
//!   Start ─────▶ Line ───────────────────────────────────────────────────────────────▶ Done
//!     │                  "PROXY UNKNOWN" [SP anything] CR LF
//!     │  CR             12 bytes        version/command, family, length
//!     └─────▶ Signature ────────▶ Fixed ───────────────────────────────▶ Addresses
//!
//!   Addresses ──────────────────────────────▶ Skip ─────────────────────────────▶ Done
//!      kept: TCP over IPv4 12 bytes, IPv6 36       counted: the rest of the length
//!      (none for other families or LOCAL)          (addresses not kept, TLVs)
//!
//!   any state ── a byte no valid header has there ──▶ Failed (BadProxyHeader on every call)
//!   Done ── any further call ──▶ InvalidState
//! ```
//!
//! HAProxy (`send-proxy`, `send-proxy-v2`), nginx's stream module (`proxy_protocol on`) and
//! most cloud load balancers can start each connection they relay with this header; it carries
//! the real client's address, which the TCP peer address (the proxy's) hides. The format is
//! HAProxy's document `doc/proxy-protocol.txt` ("The PROXY protocol, Versions 1 & 2").
//!
//! Enable it on a listener only a trusted proxy can reach, and then **require** it: the first
//! byte must start a header, or [`ProxyDecoder::receive`] fails. Never accept the header as
//! optional: any client that connects directly could then send one of its own and pick the
//! address the application sees (the specification, sections 2 and 5, forbids guessing for
//! that reason).
//!
//! Feed the first bytes of a connection to a [`ProxyDecoder`]. It takes exactly the header's
//! bytes and reports a [`ProxyHeader`]; whatever follows (here the HTTP request) is left to the
//! caller, for the server handshake.
//!
//! ```
//! use std::net::SocketAddr;
//! use hixie76::proxy::{ProxyConfig, ProxyDecoder, ProxyHeader};
//!
//! let bytes = b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n\
//! GET /demo HTTP/1.1\r\nHost: example.com\r\n";
//! let mut decoder = ProxyDecoder::new(ProxyConfig::new());
//!
//! // A first read that ends inside the header: all of it is taken, more is needed.
//! let received = decoder.receive(&bytes[..20])?;
//! assert_eq!((received.used, received.event), (20, None));
//!
//! // The rest: only the header's remaining 27 bytes are used.
//! let received = decoder.receive(&bytes[20..])?;
//! assert_eq!(received.used, 27);
//! let client = SocketAddr::from(([192, 168, 0, 1], 56324));
//! let local = SocketAddr::from(([192, 168, 0, 11], 443));
//! assert_eq!(
//!     received.event,
//!     Some(ProxyHeader::Proxied { source: client, destination: local })
//! );
//! assert!(decoder.is_done());
//! assert!(bytes[20 + received.used..].starts_with(b"GET /demo HTTP/1.1\r\n"));
//! # Ok::<(), hixie76::Error>(())
//! ```

use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::{Error, Received};

/// The v2 signature (spec section 2.2). Its first byte, CR, is also how the first byte tells v2
/// from v1's `P`.
const SIGNATURE: &[u8; 12] = b"\r\n\r\n\x00\r\nQUIT\n";
/// The signature, version/command, family and the two length bytes.
const V2_FIXED: usize = 16;
/// The longest v1 line the specification allows, CR LF included (section 2.1).
const V1_MAX: usize = 107;
/// The largest address block a v2 header must have without TLVs: two 108-byte AF_UNIX paths.
const V2_UNIX_BLOCK: usize = 216;
/// The v2 address block of TCP over IPv4: two addresses and two ports.
const V2_INET_BLOCK: usize = 2 * (4 + 2);
/// The v2 address block of TCP over IPv6.
const V2_INET6_BLOCK: usize = 2 * (16 + 2);
/// No limit may refuse a header that merely carries the largest address block.
const MIN_MAX_HEADER: usize = V2_FIXED + V2_UNIX_BLOCK;

/// How much a [`ProxyDecoder`] accepts.
///
/// ```
/// use hixie76::proxy::ProxyConfig;
///
/// assert_eq!(ProxyConfig::new().max_header(), 4096);
/// assert_eq!(ProxyConfig::new().with_max_header(16 * 1024).max_header(), 16384);
/// assert_eq!(ProxyConfig::new().with_max_header(16).max_header(), 232); // raised to the floor
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxyConfig {
    max_header: usize,
}

impl ProxyConfig {
    /// The defaults: v2 headers of at most 4096 bytes.
    ///
    /// The specification wants a header to fit in 536 bytes, and the usual TLVs (ALPN, the
    /// authority, a unique ID of at most 128 bytes, the TLS version, cipher and common name)
    /// keep it there; 4096 also leaves room for a client certificate (`PP2_SUBTYPE_SSL_CLIENT_CERT`
    /// carries one in DER). TLV bytes are counted, never stored, so the limit costs no memory:
    /// it only bounds how many bytes a sender can put before the request. HAProxy's own
    /// receiver accepts up to its buffer size (16 KiB by default): raise the limit if your
    /// proxy forwards certificate chains.
    #[must_use]
    pub const fn new() -> Self {
        ProxyConfig { max_header: 4096 }
    }

    /// Sets the largest v2 header accepted, in bytes: 16 plus its length field. A longer one
    /// is refused as soon as its length bytes are read.
    ///
    /// Values below 232 (16 + 216, a header carrying two AF_UNIX addresses and no TLV) are
    /// raised to 232, so that every address family the specification defines stays usable.
    /// v1 headers are bounded by the specification instead: at most 107 bytes.
    #[must_use]
    pub const fn with_max_header(mut self, bytes: usize) -> Self {
        self.max_header = if bytes < MIN_MAX_HEADER {
            MIN_MAX_HEADER
        } else {
            bytes
        };
        self
    }

    /// The largest v2 header accepted, in bytes.
    #[must_use]
    pub const fn max_header(&self) -> usize {
        self.max_header
    }
}

impl Default for ProxyConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// What a PROXY header said about the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyHeader {
    /// v2 `LOCAL` command: the proxy opened the connection itself (a health check). Use the
    /// TCP peer's address.
    Local,
    /// v1 `UNKNOWN`, or v2 `PROXY` with a family or transport this crate does not report
    /// (AF_UNSPEC, AF_UNIX, datagrams): the proxy does not know or does not say who the client
    /// is. Use the TCP peer's address.
    Unknown,
    /// The real client and the address it connected to. A v1 `TCP6` line may carry an
    /// IPv4-mapped address (`::ffff:192.0.2.1`); it is reported as written, as an IPv6
    /// address ([`Ipv6Addr::to_canonical`] turns it into the IPv4 one).
    Proxied {
        /// The client's address, as the proxy saw it.
        source: SocketAddr,
        /// The address the client connected to, on the proxy.
        destination: SocketAddr,
    },
}

impl ProxyHeader {
    /// The real client's address, when the header names one; `None` for [`ProxyHeader::Local`]
    /// and [`ProxyHeader::Unknown`] (use the TCP peer's address then).
    ///
    /// ```
    /// use std::net::SocketAddr;
    /// use hixie76::proxy::ProxyHeader;
    ///
    /// let client: SocketAddr = "192.0.2.1:5000".parse()?;
    /// let header = ProxyHeader::Proxied { source: client, destination: "192.0.2.9:80".parse()? };
    /// assert_eq!(header.source(), Some(client));
    /// assert_eq!(ProxyHeader::Local.source(), None);
    /// # Ok::<(), std::net::AddrParseError>(())
    /// ```
    #[must_use]
    pub const fn source(&self) -> Option<SocketAddr> {
        match self {
            ProxyHeader::Proxied { source, .. } => Some(*source),
            ProxyHeader::Local | ProxyHeader::Unknown => None,
        }
    }
}

/// What a header will report, as far as it has been read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Report {
    Local,
    Unknown,
    Inet,
    Inet6,
}

#[derive(Debug, Clone, Copy)]
enum State {
    /// Nothing read: the first byte chooses the version.
    Start,
    /// Inside a v1 line; the byte count is `taken`.
    Line(Line),
    /// Matching the v2 signature.
    Signature,
    /// Reading version/command, family and length.
    Fixed,
    /// Keeping the addresses and ports of TCP over IPv4 or IPv6.
    Addresses,
    /// Counting the header's other bytes up to its length.
    Skip,
    /// The header was reported.
    Done,
    /// A byte broke the header.
    Failed,
}

/// Where a v1 line is.
#[derive(Debug, Clone, Copy)]
enum Line {
    /// The rest of a fixed piece of text, then what follows it.
    Text(&'static [u8], AfterText),
    /// After `PROXY `: `T` or `U`.
    Protocol,
    /// After `PROXY TCP`: `4` or `6`.
    TcpVersion,
    /// After `PROXY UNKNOWN`: SP or CR.
    UnknownEnd,
    /// The rest of an `UNKNOWN` line, which the receiver must ignore (section 2.1).
    UnknownRest,
    /// An address; `true` for the destination.
    Address(bool, Address),
    /// A port; `true` for the destination.
    Port(bool, Port),
    /// CR read; LF ends the line.
    Lf,
}

#[derive(Debug, Clone, Copy)]
enum AfterText {
    Protocol,
    TcpVersion,
    UnknownEnd,
    Source,
}

#[derive(Debug, Clone, Copy)]
enum Address {
    V4(Quad),
    V6(Groups),
}

impl Address {
    const fn new(report: Report) -> Self {
        match report {
            Report::Inet6 => Address::V6(Groups::NEW),
            _ => Address::V4(Quad::NEW),
        }
    }

    /// Reads one byte of the address; `false` when no address of the family goes on so.
    fn byte(&mut self, byte: u8) -> bool {
        match (self, byte) {
            (Address::V4(quad), b'0'..=b'9') => quad.digit(byte - b'0'),
            (Address::V4(quad), b'.') => quad.dot(),
            (Address::V4(_), _) => false,
            (Address::V6(groups), _) => groups.byte(byte),
        }
    }

    /// The address, laid out as v2 carries it (IPv4 in the low 32 bits), if it is complete.
    fn finish(self) -> Option<u128> {
        match self {
            Address::V4(quad) => quad.finish().map(|ip| u128::from(u32::from(ip))),
            Address::V6(groups) => groups.finish().map(u128::from),
        }
    }
}

/// An IPv4 address in dotted-quad form, read byte by byte: four decimal numbers, 0 to 255,
/// without leading zeros (the specification forbids them against octal readings).
#[derive(Debug, Clone, Copy)]
struct Quad {
    octets: [u8; 4],
    /// Numbers complete so far.
    done: u8,
    value: u16,
    digits: u8,
}

impl Quad {
    const NEW: Quad = Quad {
        octets: [0; 4],
        done: 0,
        value: 0,
        digits: 0,
    };

    /// Whether the number in progress could be a whole octet written canonically.
    const fn is_octet(value: u16, digits: u8) -> bool {
        let needed = if value >= 100 {
            3
        } else if value >= 10 {
            2
        } else {
            1
        };
        value <= 255 && digits == needed
    }

    fn digit(&mut self, digit: u8) -> bool {
        self.value = self.value * 10 + u16::from(digit);
        self.digits += 1;
        Self::is_octet(self.value, self.digits)
    }

    fn dot(&mut self) -> bool {
        let Some(slot) = self.octets.get_mut(usize::from(self.done)) else {
            return false;
        };
        // A dot ends a number, and only the first three.
        if self.digits == 0 || self.done == 3 {
            return false;
        }
        *slot = self.value as u8; // at most 255: `digit` refused more
        self.done += 1;
        self.value = 0;
        self.digits = 0;
        true
    }

    fn finish(mut self) -> Option<Ipv4Addr> {
        let last = self.octets.get_mut(3)?;
        if self.done != 3 || self.digits == 0 {
            return None;
        }
        *last = self.value as u8; // at most 255: `digit` refused more
        Some(Ipv4Addr::from(self.octets))
    }
}

/// Where an IPv6 address in text form is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Start,
    /// A colon at the start, which must be the first of `::`.
    LeadingColon,
    /// A colon after a group.
    Colon,
    /// Right after `::`.
    Gap,
    /// Inside a group.
    Group,
}

/// An IPv6 address in text form, read byte by byte: groups of one to four hex digits, at most
/// one `::` standing for at least one zero group, and optionally a dotted quad as the last 32
/// bits. That is what `inet_ntop` writes, and so what proxies send (the specification's
/// "sets of 4 hexadecimal digits" is read as up to four: senders drop leading zeros).
#[derive(Debug, Clone, Copy)]
struct Groups {
    groups: [u16; 8],
    /// Groups complete so far.
    done: u8,
    /// How many groups came before the `::`, if there was one.
    gap: Option<u8>,
    at: At,
    /// The group in progress, read as hex ...
    hex: u16,
    /// ... and as decimal, in case a dot shows it was the first number of a dotted quad.
    decimal: u16,
    all_decimal: bool,
    digits: u8,
    /// The dotted quad that ends the address, once a dot was read.
    quad: Option<Quad>,
}

impl Groups {
    const NEW: Groups = Groups {
        groups: [0; 8],
        done: 0,
        gap: None,
        at: At::Start,
        hex: 0,
        decimal: 0,
        all_decimal: true,
        digits: 0,
        quad: None,
    };

    /// Of the eight groups, how many are spoken for: the complete ones and one for `::`.
    fn slots(&self) -> u8 {
        self.done + u8::from(self.gap.is_some())
    }

    fn push(&mut self) {
        if let Some(slot) = self.groups.get_mut(usize::from(self.done)) {
            *slot = self.hex;
        }
        self.done += 1;
        (self.hex, self.decimal, self.all_decimal, self.digits) = (0, 0, true, 0);
    }

    fn byte(&mut self, byte: u8) -> bool {
        if let Some(quad) = &mut self.quad {
            return match byte {
                b'0'..=b'9' => quad.digit(byte - b'0'),
                b'.' => quad.dot(),
                _ => false,
            };
        }
        if let Some(value) = hex_value(byte) {
            // A group starts only where one can still fit; the one in progress has four digits.
            let room = match self.at {
                At::Start | At::Colon => true,
                At::Gap => self.slots() < 8,
                At::Group => self.digits < 4,
                At::LeadingColon => false,
            };
            if !room {
                return false;
            }
            // Four digits at most: 0xFFFF and 9999 both fit.
            self.hex = self.hex * 16 + u16::from(value);
            self.decimal = self.decimal * 10 + u16::from(value);
            self.all_decimal &= byte.is_ascii_digit();
            self.digits += 1;
            self.at = At::Group;
            return true;
        }
        match (byte, self.at) {
            (b':', At::Start) => self.at = At::LeadingColon,
            (b':', At::LeadingColon) => {
                self.gap = Some(0);
                self.at = At::Gap;
            }
            (b':', At::Group) => {
                self.push();
                self.at = At::Colon;
                // A colon promises another group or `::`, which needs a free slot.
                return self.slots() < 8;
            }
            (b':', At::Colon) if self.gap.is_none() => {
                self.gap = Some(self.done);
                self.at = At::Gap;
            }
            (b'.', At::Group) => {
                // The dotted quad takes the last two slots: without `::` exactly six groups
                // come before it, with `::` at most five (the `::` taking a slot).
                let fits = match self.gap {
                    None => self.done == 6,
                    Some(_) => self.slots() <= 6,
                };
                if !(fits && self.all_decimal && Quad::is_octet(self.decimal, self.digits)) {
                    return false;
                }
                let mut quad = Quad {
                    value: self.decimal,
                    digits: self.digits,
                    ..Quad::NEW
                };
                let dotted = quad.dot();
                self.quad = Some(quad);
                return dotted;
            }
            _ => return false,
        }
        true
    }

    fn finish(mut self) -> Option<Ipv6Addr> {
        if let Some(quad) = self.quad {
            let [a, b, c, d] = quad.finish()?.octets();
            self.hex = u16::from_be_bytes([a, b]);
            self.push();
            self.hex = u16::from_be_bytes([c, d]);
            self.push();
        } else {
            match self.at {
                At::Group => self.push(),
                At::Gap => {}
                _ => return None,
            }
        }
        let (done, gap) = (usize::from(self.done), self.gap);
        // Without `::` all eight groups are written; with it, the checks above left it at
        // least one.
        if gap.is_none() && done != 8 {
            return None;
        }
        let gap = gap.map_or(done, usize::from);
        let mut groups = [0u16; 8];
        for (i, &group) in self.groups.iter().enumerate().take(done) {
            let to = if i < gap { i } else { i + 8 - done };
            if let Some(slot) = groups.get_mut(to) {
                *slot = group;
            }
        }
        Some(Ipv6Addr::from(groups))
    }
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// A decimal port, 0 to 65535, without leading zeros (section 2.1).
#[derive(Debug, Clone, Copy)]
struct Port {
    value: u32,
    digits: u8,
}

impl Port {
    const NEW: Port = Port {
        value: 0,
        digits: 0,
    };

    fn digit(&mut self, byte: u8) -> bool {
        let leading_zero = self.digits > 0 && self.value == 0;
        self.value = self.value * 10 + u32::from(byte - b'0');
        self.digits += 1;
        !leading_zero && self.value <= 0xFFFF
    }

    fn finish(self) -> Option<u16> {
        if self.digits == 0 {
            return None;
        }
        u16::try_from(self.value).ok()
    }
}

/// For the v2 `PROXY` command, the family and transport byte: what the header will report and
/// how many address bytes its length must at least cover (section 2.2).
fn family(byte: u8) -> Option<(Report, usize)> {
    let block = match byte >> 4 {
        0x0 => 0,              // AF_UNSPEC
        0x1 => V2_INET_BLOCK,  // AF_INET
        0x2 => V2_INET6_BLOCK, // AF_INET6
        0x3 => V2_UNIX_BLOCK,  // AF_UNIX
        _ => return None,
    };
    // Transports: UNSPEC, STREAM, DGRAM; others must be rejected.
    if byte & 0x0F > 2 {
        return None;
    }
    // Only TCP over IPv4 or IPv6 names a client this connection can have come from. For the
    // other valid combinations the specification lets a receiver that does not support them
    // fall back to UNSPEC: accept and use the real endpoints. That includes datagrams: a UDP
    // header travels in the datagram it describes, so over this byte stream its addresses
    // would describe some other flow, not the peer of this connection; refusing them would
    // turn away a header the specification calls valid.
    let report = match byte {
        0x11 => Report::Inet,
        0x21 => Report::Inet6,
        _ => Report::Unknown,
    };
    Some((report, block))
}

/// The sans-IO PROXY protocol header decoder, for versions 1 and 2.
///
/// Feed it the first bytes of a connection with [`receive`](ProxyDecoder::receive) until it
/// reports a [`ProxyHeader`]. It never takes a byte past the header, keeps no copy of the
/// input (only the addresses and ports it will report), never allocates, and looks at each byte
/// once however the input is split. TLVs and address blocks it does not report are counted,
/// not kept.
///
/// Faults are reported at the byte that decides them: the decoder refuses a header as soon as
/// no valid header can begin with the bytes read, so a peer that does not speak the protocol is
/// turned away at its first byte, as the specification advises ("abort the connection as soon
/// as possible").
#[derive(Debug, Clone)]
pub struct ProxyDecoder {
    config: ProxyConfig,
    state: State,
    /// Bytes of the header taken so far.
    taken: usize,
    /// v2: the header's whole length, once its length bytes are read.
    total: usize,
    /// v2: how many address bytes the family requires.
    block: usize,
    /// What the header will report, known after v1's protocol or v2's family.
    report: Report,
    /// The addresses and ports, as v2 carries them: IPv4 addresses in the low 32 bits.
    source: u128,
    destination: u128,
    source_port: u16,
    destination_port: u16,
}

impl ProxyDecoder {
    /// A decoder waiting for the first byte of a header.
    #[must_use]
    pub const fn new(config: ProxyConfig) -> Self {
        ProxyDecoder {
            config,
            state: State::Start,
            taken: 0,
            total: 0,
            block: 0,
            report: Report::Unknown,
            source: 0,
            destination: 0,
            source_port: 0,
            destination_port: 0,
        }
    }

    /// Whether the header was reported. Everything after it is the caller's.
    #[must_use]
    pub const fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Takes bytes from the start of `input` and reports the header once it is complete.
    ///
    /// `used` counts exactly the bytes taken: with no event all of `input` (more is needed),
    /// with the header only the bytes that completed it. What follows the header is never
    /// used: `input[used..]` belongs to the next layer.
    ///
    /// # Errors
    ///
    /// - [`Error::BadProxyHeader`] at the first byte that cannot begin or continue a valid
    ///   header: a first byte other than `P` or CR; a v1 line off the grammar of section 2.1
    ///   (protocol, single spaces, canonical addresses of the announced family, decimal ports
    ///   up to 65535 without leading zeros, CR LF within 107 bytes); a wrong v2 signature,
    ///   version, command, family or transport; a v2 length shorter than the family's
    ///   addresses or making the header longer than [`ProxyConfig::max_header`]. Every later
    ///   call returns the same error.
    /// - [`Error::InvalidState`] when called after the header was reported.
    pub fn receive(&mut self, input: &[u8]) -> Result<Received<ProxyHeader>, Error> {
        match self.state {
            State::Done => return Err(Error::InvalidState),
            State::Failed => return Err(Error::BadProxyHeader),
            _ => {}
        }
        let mut used = 0;
        while let Some(rest) = input.get(used..).filter(|rest| !rest.is_empty()) {
            let before = self.taken;
            if let Err(error) = self.step(rest) {
                self.state = State::Failed;
                return Err(error);
            }
            used += self.taken - before;
            if self.is_done() {
                return Ok(Received::event(used, self.header()));
            }
        }
        Ok(Received::partial(used))
    }

    /// Takes what it can from `rest` (not empty): one byte where each byte decides something,
    /// runs of bytes where they are only compared or counted.
    fn step(&mut self, rest: &[u8]) -> Result<(), Error> {
        let Some(&byte) = rest.first() else {
            return Ok(());
        };
        match self.state {
            State::Start => {
                // The first byte chooses the version and is then read again by it.
                self.state = match byte {
                    b'P' => State::Line(Line::Text(b"PROXY ", AfterText::Protocol)),
                    b'\r' => State::Signature,
                    _ => return Err(Error::BadProxyHeader),
                };
            }
            State::Line(line) => {
                self.taken += 1;
                self.state = self.line(line, byte)?;
                // CR LF must end the line within 107 bytes, so byte 106 must be its CR.
                if self.taken >= V1_MAX - 1
                    && !matches!(self.state, State::Line(Line::Lf) | State::Done)
                {
                    return Err(Error::BadProxyHeader);
                }
            }
            State::Signature => {
                let want = SIGNATURE.get(self.taken..).unwrap_or_default();
                let n = want.len().min(rest.len());
                if rest.get(..n) != want.get(..n) {
                    return Err(Error::BadProxyHeader);
                }
                self.taken += n;
                if self.taken == SIGNATURE.len() {
                    self.state = State::Fixed;
                }
            }
            State::Fixed => {
                self.fixed(byte)?;
                self.taken += 1;
                if self.taken == V2_FIXED {
                    self.state = State::Addresses;
                    self.after_addresses();
                }
            }
            State::Addresses => {
                self.address_byte(byte);
                self.taken += 1;
                self.after_addresses();
            }
            State::Skip => {
                // The TLVs are not read: as many of them as this input holds are taken at once.
                self.taken = self.total.min(self.taken + rest.len());
                if self.taken == self.total {
                    self.state = State::Done;
                }
            }
            State::Done | State::Failed => return Err(Error::InvalidState),
        }
        Ok(())
    }

    /// One byte of a v1 line; the state it leads to.
    fn line(&mut self, line: Line, byte: u8) -> Result<State, Error> {
        let next = match (line, byte) {
            (Line::Text(text, then), _) => match text.split_first() {
                Some((&want, rest)) if want == byte => match (rest.is_empty(), then) {
                    (false, _) => Line::Text(rest, then),
                    (true, AfterText::Protocol) => Line::Protocol,
                    (true, AfterText::TcpVersion) => Line::TcpVersion,
                    (true, AfterText::UnknownEnd) => Line::UnknownEnd,
                    (true, AfterText::Source) => Line::Address(false, Address::new(self.report)),
                },
                _ => return Err(Error::BadProxyHeader),
            },
            (Line::Protocol, b'T') => Line::Text(b"CP", AfterText::TcpVersion),
            (Line::Protocol, b'U') => Line::Text(b"NKNOWN", AfterText::UnknownEnd),
            (Line::TcpVersion, b'4' | b'6') => {
                self.report = if byte == b'4' {
                    Report::Inet
                } else {
                    Report::Inet6
                };
                Line::Text(b" ", AfterText::Source)
            }
            (Line::UnknownEnd, b' ') => Line::UnknownRest,
            (Line::UnknownEnd | Line::UnknownRest, b'\r') => Line::Lf,
            // A lone LF never ends the line (section 2.1); anything else is ignored.
            (Line::UnknownRest, b'\n') => return Err(Error::BadProxyHeader),
            (Line::UnknownRest, _) => Line::UnknownRest,
            (Line::Address(destination, address), b' ') => {
                let ip = address.finish().ok_or(Error::BadProxyHeader)?;
                if destination {
                    self.destination = ip;
                    Line::Port(false, Port::NEW)
                } else {
                    self.source = ip;
                    Line::Address(true, Address::new(self.report))
                }
            }
            (Line::Address(destination, mut address), _) => {
                if !address.byte(byte) {
                    return Err(Error::BadProxyHeader);
                }
                Line::Address(destination, address)
            }
            (Line::Port(false, port), b' ') => {
                self.source_port = port.finish().ok_or(Error::BadProxyHeader)?;
                Line::Port(true, Port::NEW)
            }
            (Line::Port(true, port), b'\r') => {
                self.destination_port = port.finish().ok_or(Error::BadProxyHeader)?;
                Line::Lf
            }
            (Line::Port(destination, mut port), b'0'..=b'9') => {
                if !port.digit(byte) {
                    return Err(Error::BadProxyHeader);
                }
                Line::Port(destination, port)
            }
            (Line::Lf, b'\n') => return Ok(State::Done),
            _ => return Err(Error::BadProxyHeader),
        };
        Ok(State::Line(next))
    }

    /// One of bytes 13 to 16 of a v2 header.
    fn fixed(&mut self, byte: u8) -> Result<(), Error> {
        let max = self.config.max_header;
        let ok = match self.taken {
            // Version 2, command LOCAL or PROXY.
            12 => {
                self.report = if byte == 0x20 {
                    Report::Local
                } else {
                    Report::Unknown
                };
                byte == 0x20 || byte == 0x21
            }
            // LOCAL ignores the family (section 2.2); PROXY must name a valid one.
            13 if self.report == Report::Local => true,
            13 => match family(byte) {
                Some((report, block)) => {
                    (self.report, self.block) = (report, block);
                    true
                }
                None => false,
            },
            // The high length byte alone can already make the header too long.
            14 => {
                self.total = V2_FIXED + (usize::from(byte) << 8);
                self.total <= max
            }
            _ => {
                self.total += usize::from(byte);
                self.total <= max && self.total - V2_FIXED >= self.block
            }
        };
        if ok {
            Ok(())
        } else {
            Err(Error::BadProxyHeader)
        }
    }

    /// Bytes of the v2 address block that are kept: those of TCP over IPv4 or IPv6.
    const fn kept(&self) -> usize {
        match self.report {
            Report::Inet => V2_INET_BLOCK,
            Report::Inet6 => V2_INET6_BLOCK,
            Report::Local | Report::Unknown => 0,
        }
    }

    /// Leaves [`State::Addresses`] once the kept bytes are in.
    fn after_addresses(&mut self) {
        if self.taken < V2_FIXED + self.kept() {
            return;
        }
        self.state = if self.taken == self.total {
            State::Done
        } else {
            State::Skip
        };
    }

    /// One byte of a kept v2 address block: addresses, then ports, in network byte order.
    fn address_byte(&mut self, byte: u8) {
        let width = if self.report == Report::Inet { 4 } else { 16 };
        let at = self.taken - V2_FIXED;
        if at < width {
            self.source = (self.source << 8) + u128::from(byte);
        } else if at < 2 * width {
            self.destination = (self.destination << 8) + u128::from(byte);
        } else if at < 2 * width + 2 {
            self.source_port = (self.source_port << 8) + u16::from(byte);
        } else {
            self.destination_port = (self.destination_port << 8) + u16::from(byte);
        }
    }

    fn header(&self) -> ProxyHeader {
        let ip = |bits: u128| match self.report {
            // Only the low 32 bits were ever set for IPv4.
            Report::Inet => Ipv4Addr::from(bits as u32).into(),
            _ => Ipv6Addr::from(bits).into(),
        };
        match self.report {
            Report::Local => ProxyHeader::Local,
            Report::Unknown => ProxyHeader::Unknown,
            Report::Inet | Report::Inet6 => ProxyHeader::Proxied {
                source: SocketAddr::new(ip(self.source), self.source_port),
                destination: SocketAddr::new(ip(self.destination), self.destination_port),
            },
        }
    }
}
