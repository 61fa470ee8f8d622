//! What can go wrong reading, writing or locking state, whichever backend holds it.

use super::LockInfo;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The state could not be parsed; it is left untouched.
    #[error("the state file is not valid: {0}")]
    Corrupt(String),
    /// Written by a newer Gantry; reading it could lose information.
    #[error("the state file has format version {0}, newer than this Gantry understands; upgrade Gantry")]
    TooNew(u32),
    #[error("{0}")]
    Locked(LockInfo),
    #[error("no lock with ID {0} is held")]
    NoSuchLock(String),
    #[error("state I/O failed on {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
