//! The crate's error: what went wrong (kind) and a message that reads like Helm's.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The chart (or one of its dependencies) could not be read or is malformed.
    Load,
    /// A dependency declared in Chart.yaml is missing from `charts/`.
    MissingDependency,
    /// A values file or `set` entry could not be parsed.
    Values,
    /// The values do not satisfy a chart's `values.schema.json`.
    Schema,
    /// A template failed to parse.
    Parse,
    /// A template failed while executing (including `fail` and `required`).
    Render,
    /// Rendered output is not valid YAML.
    Manifest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
