//! Our client's request through our server and our server's response through our client, with
//! the URL, origin, subprotocols, extra fields and key entropy from the input; values that
//! cannot be sent must be refused as the caller's fault, never written. The server chooses a
//! subprotocol by a name from the input: one not offered, or none from an offer, must be
//! refused with nothing written. Then text from the input through the encoder and the decoder,
//! and through the two connections the handshakes handed over, which close each other (a
//! hixie-75 pair has no closing handshake: `FF 00` is no close there). See
//! `hixie76_fuzz::roundtrip::run` for the input layout.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hixie76_fuzz::roundtrip::run(data);
});
