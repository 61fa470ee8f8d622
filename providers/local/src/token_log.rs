//! The simulated cloud's client-token index for `local_network`: which network
//! each create token made.
//!
//! It is one append-only file of JSON lines rather than a file per token. A file
//! per token cost every create a new inode, an entry in a directory that grows
//! with the cloud, and two fsyncs (the file's and the directory's); appends cost
//! one `fdatasync`, and appends that overlap share it.
//!
//! Why this is crash-safe: `append` returns only after the line is on disk, and a
//! line is written with a single `write` to a file opened with `O_APPEND`, so a
//! SIGKILL leaves it whole or absent, never interleaved with another. A torn last
//! line (a power cut mid-append) was never acknowledged; it is skipped when read,
//! and the next writer starts on a fresh line so it cannot swallow the next entry.
//! Losing an unacknowledged entry is the case the network's create already
//! handles: the network is written first, and recovery finds it by its tags.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct TokenLog {
    path: PathBuf,
    writer: Mutex<Option<Writer>>,
    /// Serialises `fdatasync`s; holds the byte count known to be on disk.
    synced: Mutex<u64>,
    index: Mutex<Index>,
}

struct Writer {
    file: File,
    /// Bytes this log has written so far (its own appends only).
    written: u64,
}

#[derive(Default)]
struct Index {
    /// How far the file has been read; entries past it are read on the next lookup.
    read_to: u64,
    ids: HashMap<String, String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Entry {
    token: String,
    id: String,
}

impl TokenLog {
    pub fn new(path: PathBuf) -> TokenLog {
        TokenLog { path, writer: Mutex::new(None), synced: Mutex::new(0), index: Mutex::new(Index::default()) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn open(path: &Path) -> std::io::Result<Writer> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let created = !path.exists();
        let mut file = OpenOptions::new().create(true).append(true).read(true).open(path)?;
        let len = file.metadata()?.len();
        if len > 0 {
            let mut last = [0u8];
            file.seek(SeekFrom::Start(len - 1))?;
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")?;
            }
        }
        if created {
            // The new file's directory entry must be durable before any entry in it counts as such.
            file.sync_all()?;
            if let Some(dir) = path.parent().and_then(|d| File::open(d).ok()) {
                dir.sync_all()?;
            }
        }
        Ok(Writer { file, written: 0 })
    }

    /// Records that `token` made network `id`; returns once the record is durable.
    pub fn append(&self, token: &str, id: &str) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(&Entry { token: token.into(), id: id.into() })?;
        line.push(b'\n');
        let (file, mine) = {
            let mut w = self.writer.lock().unwrap_or_else(|e| e.into_inner());
            if w.is_none() {
                *w = Some(Self::open(&self.path)?);
            }
            let w = w.as_mut().expect("opened above");
            w.file.write_all(&line)?;
            w.written += line.len() as u64;
            (w.file.try_clone()?, w.written)
        };
        // Group commit: whoever syncs covers every append written before its sync began.
        let mut synced = self.synced.lock().unwrap_or_else(|e| e.into_inner());
        if *synced < mine {
            let target = self.writer.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map_or(mine, |w| w.written);
            file.sync_data()?;
            *synced = target;
        }
        drop(synced);
        self.index.lock().unwrap_or_else(|e| e.into_inner()).ids.insert(token.into(), id.into());
        Ok(())
    }

    /// The network `token` made, as far as the log knows.
    pub fn get(&self, token: &str) -> std::io::Result<Option<String>> {
        let mut index = self.index.lock().unwrap_or_else(|e| e.into_inner());
        let mut file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(index.ids.get(token).cloned()),
            Err(e) => return Err(e),
        };
        // Another run (or another provider instance) may have appended since the last look.
        let len = file.metadata()?.len();
        if len > index.read_to {
            file.seek(SeekFrom::Start(index.read_to))?;
            let mut tail = Vec::new();
            file.take(len - index.read_to).read_to_end(&mut tail)?;
            let complete = tail.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            for line in tail[..complete].split(|b| *b == b'\n') {
                if let Ok(e) = serde_json::from_slice::<Entry>(line) {
                    index.ids.insert(e.token, e.id);
                }
            }
            index.read_to += complete as u64;
        }
        Ok(index.ids.get(token).cloned())
    }
}
