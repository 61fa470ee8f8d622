//! The one error type of the crate: a message that names the kustomization
//! file (and field) or input file it came from.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A kustomization (or a file it names) could not be read or parsed.
    #[error("{file}: {message}")]
    File { file: PathBuf, message: String },
    /// A field of a kustomization could not be applied.
    #[error("{file}: field `{field}`: {message}")]
    Field { file: PathBuf, field: String, message: String },
    /// A remote base could not be fetched.
    #[error("remote base {url}: {message}")]
    Remote { url: String, message: String },
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

pub type Result<T> = std::result::Result<T, Error>;
