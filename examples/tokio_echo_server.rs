//! A WebSocket echo server on the async adapter: hixie-76 (and, with `--allow-hixie75`,
//! hixie-75) and RFC 6455 on the same port, one task per connection, and on `GET /` a page that
//! opens a socket to it from any browser, old or new. The flags are `echo_server`'s.
//!
//! ```text
//! cargo run --release --example tokio_echo_server -- --listen 127.0.0.1:8076 [--protocol NAME]... [--allow-hixie75]
//! ```

#[path = "common/mod.rs"]
mod common;

use std::process::ExitCode;
use std::sync::Arc;

use common::{Parsed, ServerOptions};
use hixie76::io::Message;
use hixie76::tokio::{accept_any, AnyAccepted};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

const USAGE: &str =
    "usage: tokio_echo_server [--listen ADDR:PORT] [--protocol NAME]... [--allow-hixie75]

A WebSocket echo server for hixie-76 and RFC 6455 clients on one port (tokio). GET / serves a
page that echoes what you type (?send=TEXT sends TEXT).

  --listen ADDR:PORT   where to listen (default 127.0.0.1:8076; port 0 picks a free one)
  --protocol NAME      a subprotocol served (repeatable; first offered match wins)
  --allow-hixie75      also answer the older draft-hixie-thewebsocketprotocol-75
  --help               this text";

fn main() -> ExitCode {
    let options = match common::parse_server_args(USAGE, |_, _| Ok(false)) {
        Ok(Parsed::Run(options)) => Arc::new(options),
        Ok(Parsed::Help) => return ExitCode::SUCCESS,
        Err(message) => return common::usage_error(&message, USAGE),
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

/// Runs one connection: the handshake, then echoing until the close.
async fn serve(stream: TcpStream, peer: std::net::SocketAddr, options: &ServerOptions) {
    let _ = stream.set_nodelay(true);
    let accepted = accept_any(stream, options.accept_config(), |request| {
        options.decide(request)
    })
    .await;
    let mut socket = match accepted {
        Ok(AnyAccepted::WebSocket(socket)) => socket,
        Ok(AnyAccepted::Http(mut request)) => {
            let response = common::http_response(request.method(), request.path());
            let _ = request.get_mut().write_all(&response).await;
            let _ = request.get_mut().shutdown().await;
            return;
        }
        Err(error) => return common::log(peer, format_args!("refused: {error}")),
    };
    common::log(peer, format_args!("accepted {:?}", socket.protocol()));
    let ended = loop {
        match socket.read().await {
            Some(Ok(Message::Close)) | None => break "closed".to_string(),
            Some(Ok(message)) => {
                if let Err(error) = socket.send(message).await {
                    break format!("failed: {error}");
                }
            }
            Some(Err(error)) => break format!("failed: {error}"),
        }
    };
    common::log(peer, ended);
}
