//! Shared by the fuzz targets: how a target's input is decoded into a setup, drivers that feed
//! the machines and check, on every call, the promises that hold for any input, and simple
//! reference implementations to compare the library with.
//!
//! One module per machine (`server`, `client`, `frames`, and `roundtrip` for the two ends
//! against each other). A target file only decodes its input and calls into these.

pub mod check;
pub mod client;
pub mod frames;
pub mod reference;
pub mod roundtrip;
pub mod server;

/// Reads setup bytes off the front of a fuzz input. Missing bytes read as 0, which always
/// means "the default", so short inputs and the committed seeds stay meaningful.
#[derive(Debug)]
pub struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Cursor { rest: data }
    }

    /// The next byte, or 0 past the end.
    pub fn byte(&mut self) -> u8 {
        match self.rest.split_first() {
            Some((&b, rest)) => {
                self.rest = rest;
                b
            }
            None => 0,
        }
    }

    /// The next `n` bytes, or fewer at the end.
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (taken, rest) = self.rest.split_at(n.min(self.rest.len()));
        self.rest = rest;
        taken
    }

    /// Everything not read yet.
    pub fn rest(self) -> &'a [u8] {
        self.rest
    }
}

/// Chunk sizes for feeding one input in pieces: `sizes` cycled until `len` bytes are covered.
/// A size of 0 feeds an empty slice (which must change nothing); if every size is 0, pieces
/// of one byte are used so the feeding ends.
pub fn chunks(sizes: &[u8], len: usize) -> Vec<usize> {
    let all_zero = sizes.iter().all(|&s| s == 0);
    let mut cuts = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < len {
        let size = if all_zero {
            1
        } else {
            usize::from(sizes[i % sizes.len()])
        };
        i += 1;
        at = (at + size).min(len);
        cuts.push(at);
    }
    cuts
}
