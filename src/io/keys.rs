//! Where a client adapter's keys come from: the caller, or the operating system.

use super::{ConnectConfig, Error};
use crate::client::Keys;

/// The keys for one connection: the ones the caller gave, or fresh ones from the operating
/// system's entropy (feature `getrandom`).
pub(crate) fn client_keys(config: &ConnectConfig) -> Result<Keys, Error> {
    match config.keys() {
        Some(keys) => Ok(*keys),
        #[cfg(feature = "getrandom")]
        None => os_keys(),
        #[cfg(not(feature = "getrandom"))]
        None => Err(Error::NoKeys),
    }
}

#[cfg(feature = "getrandom")]
fn os_keys() -> Result<Keys, Error> {
    /// The operating system's entropy; remembers a failure, since `Entropy` cannot report one.
    struct OsEntropy(Option<getrandom::Error>);

    impl crate::client::Entropy for OsEntropy {
        fn next_u64(&mut self) -> u64 {
            getrandom::u64().unwrap_or_else(|error| {
                self.0 = Some(error);
                0
            })
        }
    }

    let mut entropy = OsEntropy(None);
    let keys = Keys::generate(&mut entropy);
    match entropy.0 {
        None => Ok(keys),
        Some(error) => Err(Error::Io(std::io::Error::other(std::format!(
            "no entropy from the operating system: {error}"
        )))),
    }
}
