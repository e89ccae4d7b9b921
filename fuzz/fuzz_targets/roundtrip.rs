//! Our client's request through our server and our server's response through our client, with
//! the URL, origin, subprotocols, extra fields and key entropy from the input; values that
//! cannot be sent must be refused as the caller's fault, never written. Then text from the
//! input through the encoder and the decoder, and a closing handshake between two connections.
//! See `hixie76_fuzz::roundtrip::run` for the input layout.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| hixie76_fuzz::roundtrip::run(data));
