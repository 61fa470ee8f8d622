//! State: what Gantry last knew of every object it manages, where it is kept, the
//! lock that keeps two runs from writing it at once, and the operations that change
//! it outside of apply. Snapshots are written atomically (temp file, fsync, rename),
//! apply appends to a journal beside them, and the local backend keeps the previous
//! snapshot as a backup.

mod backend;
mod blocking;
mod encrypted;
mod error;
pub mod journal;
mod lock;
mod model;
pub mod ops;
mod store;
pub mod workspace;

pub use backend::{
    BackendError, BackendFactory, BackendRegistry, BackendSettings, LocalBackend, DEFAULT_STATE_FILE,
    DEFAULT_WORKSPACE_DIR,
};
pub use blocking::run_on;
pub use encrypted::EncryptedStore;
pub use error::StateError;
pub use journal::{Intent, Journaled, Operation, Record};
pub use lock::{lock, now_rfc3339, try_lock, LockError, LockGuard, LockInfo};
pub use model::{OutputState, ResourceInstanceState, State, STATE_VERSION};
pub use ops::StateOpError;
pub use store::{remove_stale_temporaries, replace_file, write_atomic, LocalStore, StateStore};
pub use workspace::{WorkspaceError, DEFAULT_WORKSPACE};
