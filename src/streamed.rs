//! Writing to the terminal or a pipe. A large plan goes to standard output change by
//! change instead of being held whole in memory first, and a closed pipe (`gantry plan |
//! head`) ends the output quietly instead of failing the command: an apply whose reader
//! went away goes on and records what it does.

use std::io::Write as _;

/// Standard output, written in chunks.
pub struct Streamed {
    buf: String,
    closed: bool,
}

/// Written out whenever this much is waiting.
const CHUNK: usize = 1 << 16;

impl Streamed {
    pub fn stdout() -> Streamed {
        Streamed { buf: String::with_capacity(CHUNK), closed: false }
    }

    pub fn push_str(&mut self, text: &str) {
        if self.closed {
            return;
        }
        self.buf.push_str(text);
        if self.buf.len() >= CHUNK {
            self.flush();
        }
    }

    pub fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }

    fn flush(&mut self) {
        let mut out = std::io::stdout().lock();
        if out.write_all(self.buf.as_bytes()).and_then(|_| out.flush()).is_err() {
            // The reader has gone (a closed pipe); nothing more can reach it.
            self.closed = true;
        }
        self.buf.clear();
    }
}

impl std::fmt::Write for Streamed {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.push_str(text);
        Ok(())
    }
}

impl Drop for Streamed {
    fn drop(&mut self) {
        if !self.closed && !self.buf.is_empty() {
            self.flush();
        }
    }
}

/// What `println!` and `print!` write in this binary; see `main.rs`.
pub fn to_stdout(args: std::fmt::Arguments<'_>) {
    // A closed pipe is the reader's choice, not an error of the command.
    let _ = std::io::stdout().lock().write_fmt(args);
}

/// What `eprintln!` and `eprint!` write in this binary.
pub fn to_stderr(args: std::fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(args);
}
