//! What the demo servers share: their command line, the page they serve on `GET /`, the
//! decision they make on a WebSocket request, and their log lines. Each example includes this
//! file with `#[path]`; it is not an example of its own.

#![allow(dead_code)] // each example uses its own part of it

use std::fmt::Display;
use std::process::ExitCode;

use hixie76::io::{AcceptConfig, AcceptOptions, Decision, Request};
use hixie76::server::ServerConfig;
use hixie76::StatusCode;

/// The flags every demo server takes.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub listen: String,
    pub protocols: Vec<String>,
    pub allow_hixie75: bool,
}

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

/// Reports a bad command line on stderr and gives exit status 2.
pub fn usage_error(message: &str, usage: &str) -> ExitCode {
    eprintln!("{message}");
    eprintln!("{usage}");
    ExitCode::from(2)
}

impl ServerOptions {
    /// The adapters' configuration for these options.
    pub fn accept_config(&self) -> AcceptConfig {
        AcceptConfig::new().with_server(ServerConfig::new().with_hixie75(self.allow_hixie75))
    }

    /// Any origin; the first offered subprotocol that was named with `--protocol`. A client that
    /// offers subprotocols, none of them served here, is refused with 400: a hixie-76 client
    /// would fail a 101 without one, and browsers fail an RFC 6455 one too.
    pub fn decide(&self, request: &Request<'_>) -> Decision {
        let mut offered = request.protocols().peekable();
        if offered.peek().is_none() {
            return Decision::Accept(AcceptOptions::new());
        }
        match offered.find(|offered| self.protocols.iter().any(|served| served == offered)) {
            Some(protocol) => Decision::Accept(AcceptOptions::new().with_protocol(protocol)),
            None => Decision::Reject(StatusCode::BadRequest),
        }
    }
}

/// A line on stderr about one connection, beginning with the client's address.
pub fn log(peer: impl Display, message: impl Display) {
    eprintln!("{peer} {message}");
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
