//! Reads files named by a kustomization, relative to its directory and
//! (like kustomize's default load restrictions) never from outside it.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub struct Loader {
    /// The kustomization's directory, canonical.
    pub root: PathBuf,
}

impl Loader {
    pub fn new(root: &Path) -> Result<Loader> {
        let root = root.canonicalize().map_err(|e| Error::file(root, format!("cannot open directory: {e}")))?;
        Ok(Loader { root })
    }

    /// Resolves a file path and checks it lies within the root.
    pub fn resolve_file(&self, rel: &str) -> Result<PathBuf> {
        let p = self.root.join(rel);
        let c = p.canonicalize().map_err(|e| Error::file(&p, format!("cannot read: {e}")))?;
        if !c.starts_with(&self.root) {
            return Err(Error::file(&p, format!("security: file is not in or below {}", self.root.display())));
        }
        Ok(c)
    }

    pub fn read_bytes(&self, rel: &str) -> Result<Vec<u8>> {
        let p = self.resolve_file(rel)?;
        std::fs::read(&p).map_err(|e| Error::file(&p, format!("cannot read: {e}")))
    }

    pub fn read_text(&self, rel: &str) -> Result<String> {
        let p = self.resolve_file(rel)?;
        let bytes = std::fs::read(&p).map_err(|e| Error::file(&p, format!("cannot read: {e}")))?;
        String::from_utf8(bytes).map_err(|_| Error::file(&p, "not UTF-8 text"))
    }
}

/// Finds the kustomization file in `dir`; more than one is an error, as in kustomize.
pub fn find_kustomization_file(dir: &Path) -> Result<PathBuf> {
    let found: Vec<PathBuf> =
        crate::kustomization::FILE_NAMES.iter().map(|n| dir.join(n)).filter(|p| p.is_file()).collect();
    match found.len() {
        1 => Ok(found.into_iter().next().expect("one")),
        0 => Err(Error::file(
            dir,
            "no kustomization file (kustomization.yaml, kustomization.yml or Kustomization) in this directory",
        )),
        _ => Err(Error::file(dir, "found more than one kustomization file; keep only one")),
    }
}
