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
    /// A serial that cannot be incremented (a hand-edited or damaged file).
    #[error("the state's serial is {0}, the largest there is, so it cannot be incremented; set it lower by hand")]
    SerialExhausted(u64),
    #[error("no lock with ID {0} is held")]
    NoSuchLock(String),
    /// The configured state encryption could not read or write `what` (a wrong key, plain
    /// data where only encrypted is accepted); nothing was changed.
    // The problem is not a `source`: it is the message itself, and a chain would repeat it.
    #[error("{what}: {problem}")]
    Encryption { what: String, problem: crate::encryption::EncryptionError },
    // The I/O error is part of the message rather than a `source`, so that a chain printed
    // with its causes does not say it twice.
    #[error("state I/O failed on {path}: {error}")]
    Io { path: PathBuf, error: std::io::Error },
    /// The journal could not be written; the message names the file and the cause.
    #[error("{0}")]
    Journal(String),
}
