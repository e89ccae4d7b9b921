//! A WebSocket echo server on the async adapter: hixie-76 (and, with `--allow-hixie75`,
//! hixie-75) and RFC 6455 on the same port, one task per connection, and on `GET /` a page that
//! opens a socket to it from any browser, old or new. The flags are `echo_server`'s; this is
//! the server to put behind nginx or HAProxy (see the README's "Deploying").
//!
//! ```text
//! cargo run --release --example tokio_echo_server -- --listen 127.0.0.1:8076 [--protocol NAME]...
//!     [--allow-hixie75] [--proxy-protocol] [--secure] [--handshake-timeout SECS]
//!     [--idle-timeout SECS] [--keepalive SECS [--keepalive-frame discard|sentinel|empty]]
//! ```
//!
//! Logs to stderr one line when a handshake is decided and one when the connection ends, each
//! beginning with the client's address (with `--proxy-protocol`, the one the PROXY header
//! names).

#[path = "common/mod.rs"]
mod common;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use common::{Parsed, ServerOptions};
use hixie76::io::{Error, Message, Prefixed};
use hixie76::proxy::ProxyConfig;
use hixie76::tokio::{accept_any, read_proxy_header, AnyAccepted, AnyWebSocketStream};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{timeout_at, Instant};

fn main() -> ExitCode {
    let usage = format!(
        "usage: tokio_echo_server [FLAGS]\n\nA WebSocket echo server for hixie-76 and RFC 6455 \
         clients on one port (tokio). GET / serves a\npage that echoes what you type \
         (?send=TEXT sends TEXT).\n\n{}",
        common::SERVER_FLAGS
    );
    let options = match common::parse_server_args(&usage, |_, _| Ok(false)) {
        Ok(Parsed::Run(options)) => Arc::new(options),
        Ok(Parsed::Help) => return ExitCode::SUCCESS,
        Err(message) => return common::usage_error(&message, &usage),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(options))
}

async fn run(options: Arc<ServerOptions>) -> ExitCode {
    let listener = match TcpListener::bind(&options.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("cannot listen on {}: {error}", options.listen);
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => println!("listening on {addr}"),
        Err(error) => {
            eprintln!("cannot read the listening address: {error}");
            return ExitCode::FAILURE;
        }
    }
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let options = Arc::clone(&options);
        tokio::spawn(async move { serve(stream, peer, &options).await });
    }
}

/// Runs one connection: the handshake under its deadline, then echoing until the close.
async fn serve(stream: TcpStream, peer: SocketAddr, options: &ServerOptions) {
    let _ = stream.set_nodelay(true);
    let deadline = options
        .handshake_timeout
        .map(|timeout| Instant::now() + timeout);
    // Boxed: once it is over, the task keeps only the socket.
    let handshake = Box::pin(handshake(stream, peer, options));
    let (client, accepted) = match deadline {
        Some(deadline) => timeout_at(deadline, handshake)
            .await
            .unwrap_or((peer, Err(Error::HandshakeTimeout))),
        None => handshake.await,
    };
    let socket = match accepted {
        Ok(Some(socket)) => socket,
        Ok(None) => return, // a page was served
        Err(error) => return common::log(client, common::refused_line(&error)),
    };
    let ended = echo(socket).await;
    common::log(client, common::ended_line(ended));
}

/// Reads the PROXY header when one is required, then the request; the client's address, and
/// the open socket (or `None` after answering a plain HTTP request).
async fn handshake(
    stream: TcpStream,
    peer: SocketAddr,
    options: &ServerOptions,
) -> (
    SocketAddr,
    Result<Option<AnyWebSocketStream<Prefixed<TcpStream>>>, Error>,
) {
    let (client, stream) = if options.proxy_protocol {
        match read_proxy_header(stream, ProxyConfig::new()).await {
            Ok((header, stream)) => (common::client_address(peer, header), stream),
            Err(error) => return (peer, Err(error)),
        }
    } else {
        (peer, Prefixed::new(Vec::new(), stream))
    };
    let mut path = String::new();
    let accepted = accept_any(stream, options.accept_config(), |request| {
        path = request.path().to_string();
        options.decide(request)
    })
    .await;
    let socket = match accepted {
        Ok(AnyAccepted::WebSocket(socket)) => socket,
        Ok(AnyAccepted::Http(mut request)) => {
            let response = common::http_response(request.method(), request.path());
            common::log(
                client,
                format_args!("http {} {}", request.method(), request.path()),
            );
            let _ = request.get_mut().write_all(&response).await;
            let _ = request.get_mut().shutdown().await;
            return (client, Ok(None));
        }
        Err(error) => return (client, Err(error)),
    };
    let line = common::accepted_line(&path, socket.protocol(), socket.subprotocol());
    common::log(client, line);
    (client, Ok(Some(socket)))
}

async fn echo(mut socket: AnyWebSocketStream<Prefixed<TcpStream>>) -> Result<(), Error> {
    while let Some(message) = socket.read().await {
        match message? {
            Message::Close => break,
            message => socket.send(message).await?,
        }
    }
    Ok(())
}
