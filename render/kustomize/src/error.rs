//! The one error type of the crate: a message that names the kustomization
//! file (and field) or input file it came from.

use std::path::{Path, PathBuf};

/// Why a build failed. Display gives one line naming the file (and field,
/// or URL) first.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A kustomization (or a file it names) could not be read or parsed.
    #[error("{file}: {message}")]
    File {
        /// The file (or directory) at fault.
        file: PathBuf,
        /// What went wrong; YAML errors start with `line:column: `.
        message: String,
    },
    /// A field of a kustomization could not be applied.
    #[error("{file}: field `{field}`: {message}")]
    Field {
        /// The kustomization file.
        file: PathBuf,
        /// The kustomization field, e.g. `patches` or `configMapGenerator`.
        field: String,
        /// What went wrong.
        message: String,
    },
    /// A remote base could not be fetched.
    #[error("remote base {url}: {message}")]
    Remote {
        /// The URL as the kustomization wrote it.
        url: String,
        /// What went wrong, with git's own error text when git failed.
        message: String,
    },
    /// Anything else about the build as a whole.
    #[error("{0}")]
    Build(String),
}

impl Error {
    pub(crate) fn file(file: &Path, message: impl Into<String>) -> Self {
        Error::File { file: file.to_path_buf(), message: message.into() }
    }

    pub(crate) fn field(file: &Path, field: &str, message: impl Into<String>) -> Self {
        Error::Field { file: file.to_path_buf(), field: field.to_string(), message: message.into() }
    }

    /// Adds the kustomization file and field to an error raised without them.
    pub(crate) fn in_field(self, file: &Path, field: &str) -> Self {
        match self {
            Error::Build(message) => Error::field(file, field, message),
            other => other,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
