//! What the demo servers share: their command line, the page they serve on `GET /`, the
//! decision they make on a WebSocket request, and their log lines. Each example includes this
//! file with `#[path]`; it is not an example of its own.

#![allow(dead_code)] // each example uses its own part of it

use std::fmt::Display;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use hixie76::frame::Keepalive;
use hixie76::io::{AcceptConfig, AcceptOptions, Decision, Error, Protocol, Request};
use hixie76::proxy::ProxyHeader;
use hixie76::server::ServerConfig;
use hixie76::StatusCode;

/// The flags every demo server takes.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub listen: String,
    pub protocols: Vec<String>,
    pub allow_hixie75: bool,
    /// Require a PROXY protocol header (v1 or v2) before every request.
    pub proxy_protocol: bool,
    /// Write `wss://` in the Location: TLS is terminated by a proxy in front.
    pub secure: bool,
    /// A deadline for the whole handshake.
    pub handshake_timeout: Option<Duration>,
    /// How long a client may send nothing.
    pub idle_timeout: Option<Duration>,
    /// Send a keep-alive frame after this long without sending anything.
    pub keepalive: Option<Duration>,
    pub keepalive_frame: Keepalive,
}

/// The server flags' usage lines, shared by every server's `--help`.
pub const SERVER_FLAGS: &str = "  --listen ADDR:PORT          where to listen (default 127.0.0.1:8076; port 0 picks a free one)
  --protocol NAME             a subprotocol served (repeatable; the first offered match wins)
  --allow-hixie75             also answer the older draft-hixie-thewebsocketprotocol-75
  --proxy-protocol            require a PROXY protocol header (v1 or v2) before each request,
                              as HAProxy's send-proxy sends it; log its client address
  --secure                    the clients reach this server over TLS ended in a proxy in front:
                              hixie-76 answers carry wss:// in their Location
  --handshake-timeout SECS    a deadline for the whole handshake (default 10; 0: none)
  --idle-timeout SECS         drop a client that sends nothing for SECS (default: never)
  --keepalive SECS            send a keep-alive frame after SECS without sending (default: never)
  --keepalive-frame KIND      discard (80 00), sentinel (01 FF) or empty (00 FF, the default)
  --help                      this text";

/// What parsing the command line came to.
pub enum Parsed<T> {
    Run(T),
    /// `--help`: the usage was printed; exit 0.
    Help,
}

/// Parses the shared server flags, and any example-specific ones through `extra` (which gets
/// the flag and its argument source, and returns `Ok(false)` for a flag it does not know).
pub fn parse_server_args(
    usage: &str,
    mut extra: impl FnMut(&str, &mut dyn Iterator<Item = String>) -> Result<bool, String>,
) -> Result<Parsed<ServerOptions>, String> {
    let mut options = ServerOptions {
        listen: "127.0.0.1:8076".to_string(),
        protocols: Vec::new(),
        allow_hixie75: false,
        proxy_protocol: false,
        secure: false,
        handshake_timeout: Some(Duration::from_secs(10)),
        idle_timeout: None,
        keepalive: None,
        keepalive_frame: Keepalive::Empty,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--help" | "-h" => {
                println!("{usage}");
                return Ok(Parsed::Help);
            }
            "--listen" => options.listen = value(&mut args, "--listen", "ADDR:PORT")?,
            "--protocol" => options
                .protocols
                .push(value(&mut args, "--protocol", "NAME")?),
            "--allow-hixie75" => options.allow_hixie75 = true,
            "--proxy-protocol" => options.proxy_protocol = true,
            "--secure" => options.secure = true,
            "--handshake-timeout" => {
                options.handshake_timeout = seconds(&mut args, "--handshake-timeout")?
            }
            "--idle-timeout" => options.idle_timeout = seconds(&mut args, "--idle-timeout")?,
            "--keepalive" => options.keepalive = seconds(&mut args, "--keepalive")?,
            "--keepalive-frame" => {
                options.keepalive_frame =
                    match value(&mut args, "--keepalive-frame", "KIND")?.as_str() {
                        "discard" => Keepalive::Discard,
                        "sentinel" => Keepalive::Sentinel,
                        "empty" => Keepalive::Empty,
                        other => {
                            return Err(format!(
                                "--keepalive-frame {other:?}: expected discard, sentinel or empty"
                            ))
                        }
                    }
            }
            other => {
                if !extra(other, &mut args)? {
                    return Err(format!("unknown argument {other:?}"));
                }
            }
        }
    }
    Ok(Parsed::Run(options))
}

/// The next argument, the value of `flag`.
pub fn value(
    args: &mut dyn Iterator<Item = String>,
    flag: &str,
    what: &str,
) -> Result<String, String> {
    args.next().ok_or_else(|| format!("{flag} needs {what}"))
}

/// A number of seconds (fractions allowed); 0 means none.
fn seconds(args: &mut dyn Iterator<Item = String>, flag: &str) -> Result<Option<Duration>, String> {
    let text = value(args, flag, "SECS")?;
    let seconds: f64 = text
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s >= 0.0)
        .ok_or_else(|| format!("{flag} {text:?}: expected a number of seconds"))?;
    Ok((seconds > 0.0).then(|| Duration::from_secs_f64(seconds)))
}

/// Reports a bad command line on stderr and gives exit status 2.
pub fn usage_error(message: &str, usage: &str) -> ExitCode {
    eprintln!("{message}");
    eprintln!("{usage}");
    ExitCode::from(2)
}

impl ServerOptions {
    /// The adapters' configuration for these options. The handshake deadline is the
    /// server's own, since it also covers the PROXY header.
    pub fn accept_config(&self) -> AcceptConfig {
        AcceptConfig::new()
            .with_server(ServerConfig::new().with_hixie75(self.allow_hixie75))
            .with_handshake_timeout(None)
            .with_idle_timeout(self.idle_timeout)
            .with_keepalive(self.keepalive)
            .with_keepalive_frame(self.keepalive_frame)
    }

    /// Any origin; the first offered subprotocol that was named with `--protocol`. A client that
    /// offers subprotocols, none of them served here, is refused with 400: a hixie-76 client
    /// would fail a 101 without one, and browsers fail an RFC 6455 one too.
    pub fn decide(&self, request: &Request<'_>) -> Decision {
        let mut offered = request.protocols().peekable();
        let accept = AcceptOptions::new().with_secure(self.secure);
        if offered.peek().is_none() {
            return Decision::Accept(accept);
        }
        match offered.find(|offered| self.protocols.iter().any(|served| served == offered)) {
            Some(protocol) => Decision::Accept(accept.with_protocol(protocol)),
            None => Decision::Reject(StatusCode::BadRequest),
        }
    }
}

/// The client's address: the one the PROXY header names, or the TCP peer's.
pub fn client_address(peer: SocketAddr, header: ProxyHeader) -> SocketAddr {
    header.source().unwrap_or(peer)
}

/// A line on stderr about one connection, beginning with the client's address.
pub fn log(client: SocketAddr, message: impl Display) {
    eprintln!("{client} {message}");
}

/// The protocol's name in the log.
pub fn protocol_name(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Hixie76 => "hixie-76",
        Protocol::Hixie75 => "hixie-75",
        Protocol::Rfc6455 => "rfc6455",
    }
}

/// The log line for an accepted connection.
pub fn accepted_line(path: &str, protocol: Protocol, subprotocol: Option<&str>) -> String {
    format!(
        "accepted path={path} protocol={} subprotocol={}",
        protocol_name(protocol),
        subprotocol.unwrap_or("-")
    )
}

/// The log line for a connection that ended: how.
pub fn ended_line(how: Result<(), Error>) -> String {
    match how {
        Ok(()) => "ended: closed".to_string(),
        Err(Error::IdleTimeout) => "ended: idle timeout".to_string(),
        Err(error) => format!("ended: {error}"),
    }
}

/// The log line for a refused handshake: the status sent, if any, and why. A connection that
/// ended before its request was whole (a browser's preconnect, say) was refused nothing.
pub fn refused_line(error: &Error) -> String {
    if matches!(error, Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof) {
        return "ended: closed before its request was whole".to_string();
    }
    let status = match error {
        Error::Rejected(code) => Some(*code),
        Error::Protocol(error) => error.status().map(|status| status.code()),
        Error::UnsupportedVersion => Some(426),
        _ => None,
    };
    match status {
        Some(code) => format!("refused status={code} ({error})"),
        None => format!("refused status=- ({error})"),
    }
}

/// The response to a plain HTTP request: the demo page at `/`, 404 elsewhere.
pub fn http_response(method: &str, path: &str) -> Vec<u8> {
    let (status, body) = match (method, path) {
        ("GET" | "HEAD", "/") => ("200 OK", PAGE),
        _ => ("404 Not Found", "not found\n"),
    };
    let content_type = if status.starts_with("200") {
        "text/html; charset=utf-8"
    } else {
        "text/plain; charset=utf-8"
    };
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if method != "HEAD" {
        response.extend_from_slice(body.as_bytes());
    }
    response
}

/// A page that opens a WebSocket to the server it came from and echoes what a person types.
/// Written for the oldest browsers that speak hixie-76 (no `let`, no arrow functions, no
/// `addEventListener` needed), so it works in them and in any RFC 6455 browser alike. With
/// `?send=TEXT` it sends TEXT once connected, so a script can drive it; every message it
/// receives is shown as a line `< TEXT`.
pub const PAGE: &str = r#"<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>hixie76 echo</title>
</head>
<body>
<h1>hixie76 echo</h1>
<p id="status">connecting...</p>
<form id="form"><input id="text" autocomplete="off"> <input type="submit" value="send"></form>
<pre id="log"></pre>
<script>
(function () {
  var log = document.getElementById('log');
  var status = document.getElementById('status');
  function line(text) { log.appendChild(document.createTextNode(text + '\n')); }
  function param(name) {
    var pairs = window.location.search.substring(1).split('&');
    for (var i = 0; i < pairs.length; i++) {
      var pair = pairs[i].split('=');
      if (pair[0] === name) { return decodeURIComponent((pair[1] || '').replace(/\+/g, ' ')); }
    }
    return null;
  }
  if (!window.WebSocket) { status.innerHTML = 'this browser has no WebSocket'; return; }
  var scheme = window.location.protocol === 'https:' ? 'wss://' : 'ws://';
  var socket = new WebSocket(scheme + window.location.host + '/echo');
  socket.onopen = function () {
    status.innerHTML = 'connected';
    var text = param('send');
    if (text !== null) { socket.send(text); }
  };
  socket.onmessage = function (event) { line('< ' + event.data); };
  socket.onclose = function () { status.innerHTML = 'closed'; };
  document.getElementById('form').onsubmit = function () {
    var input = document.getElementById('text');
    socket.send(input.value);
    input.value = '';
    return false;
  };
})();
</script>
</body>
</html>
"#;

/// A `TcpStream` for a blocking server that needs clocks: reads stop at a deadline (the whole
/// handshake's), and the time of the last byte read is kept (the idle time-out counts from it).
/// A blocking read cannot be interrupted otherwise, so the deadline becomes the read time-out.
pub struct ClockedStream {
    stream: std::net::TcpStream,
    deadline: Option<std::time::Instant>,
    last_heard: std::time::Instant,
}

impl ClockedStream {
    pub fn new(stream: std::net::TcpStream, deadline: Option<std::time::Instant>) -> Self {
        ClockedStream {
            stream,
            deadline,
            last_heard: std::time::Instant::now(),
        }
    }

    /// Reads stop at `deadline` (`None`: only the stream's own read time-out applies).
    pub fn set_deadline(&mut self, deadline: Option<std::time::Instant>) {
        self.deadline = deadline;
    }

    /// When the last byte arrived from the peer.
    pub fn last_heard(&self) -> std::time::Instant {
        self.last_heard
    }

    pub fn get_ref(&self) -> &std::net::TcpStream {
        &self.stream
    }
}

impl std::io::Read for ClockedStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if let Some(deadline) = self.deadline {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Err(std::io::ErrorKind::TimedOut.into());
            }
            self.stream.set_read_timeout(Some(left))?;
        }
        let n = self.stream.read(buf)?;
        if n > 0 {
            self.last_heard = std::time::Instant::now();
        }
        Ok(n)
    }
}

impl std::io::Write for ClockedStream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.stream.flush()
    }
}

/// Whether a blocking read gave up because its time-out ran out.
pub fn is_timeout(error: &Error) -> bool {
    matches!(error, Error::Io(error)
        if matches!(error.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut))
}
