//! One workspace's state in PostgreSQL: the `states` row, its `journal` rows and its
//! `locks` row, over one connection held for the store's life (the advisory lock is
//! that session's).
//!
//! The `postgres` client runs its own small runtime, which must not be entered or
//! dropped from inside another one; every call therefore runs on a scoped thread of its
//! own, so the store works from plain code and from inside the CLI's runtime alike.

use crate::config::PgConfig;
use gantry_core::state::{LockInfo, StateError, StateStore};
use sha2::{Digest, Sha256};
use std::sync::Mutex;

/// Serialises creating the schema and tables: `CREATE … IF NOT EXISTS` run by two
/// sessions at once can still collide. Any constant outside the per-workspace keys works.
const SETUP_LOCK_KEY: i64 = 0x67616e7472790001;

pub struct PgStore {
    config: PgConfig,
    workspace: String,
    /// `None` only while being dropped.
    client: Mutex<Option<postgres::Client>>,
    /// The lock this store's session holds: the advisory lock is re-entrant within a
    /// session, so a second `lock` through the same store must be refused here.
    held: Mutex<Option<LockInfo>>,
}

impl PgStore {
    /// Connects, and creates the schema, tables and indexes unless told to skip them.
    pub fn connect(config: PgConfig, workspace: &str) -> Result<PgStore, String> {
        let settings = config.connection.clone();
        let connected = std::thread::scope(|s| s.spawn(|| settings.connect(postgres::NoTls)).join())
            .unwrap_or_else(|p| std::panic::resume_unwind(p));
        let client = connected.map_err(|e| {
            format!("backend \"pg\" cannot connect to {}: {}", config.server(), config.redact(&detail(&e)))
        })?;
        let store = PgStore {
            config,
            workspace: workspace.to_string(),
            client: Mutex::new(Some(client)),
            held: Mutex::new(None),
        };
        store.create_tables().map_err(|e| e.to_string())?;
        Ok(store)
    }

    fn create_tables(&self) -> Result<(), StateError> {
        let c = &self.config;
        let s = c.schema_ident();
        let mut ddl = Vec::new();
        if !c.skip_schema_creation {
            ddl.push(format!("CREATE SCHEMA IF NOT EXISTS {s}"));
        }
        if !c.skip_table_creation {
            ddl.push(format!("CREATE TABLE IF NOT EXISTS {s}.states (id bigserial primary key, name text, data text)"));
            ddl.push(format!(
                "CREATE TABLE IF NOT EXISTS {s}.journal (seq bigserial primary key, name text not null, data text not null)"
            ));
            ddl.push(format!(
                "CREATE TABLE IF NOT EXISTS {s}.locks (name text primary key, info text not null, pid integer not null)"
            ));
        }
        if !c.skip_index_creation {
            ddl.push(format!("CREATE UNIQUE INDEX IF NOT EXISTS states_by_name ON {s}.states (name)"));
            ddl.push(format!("CREATE INDEX IF NOT EXISTS journal_by_name ON {s}.journal (name, seq)"));
        }
        if ddl.is_empty() {
            return Ok(());
        }
        self.with("creating the schema and tables", move |db| {
            let mut tx = db.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SETUP_LOCK_KEY])?;
            for statement in &ddl {
                tx.batch_execute(statement)?;
            }
            tx.commit()
        })
    }

    /// Runs `f` with the connection on a thread of its own (see the module's note).
    fn with<T: Send>(
        &self,
        what: &str,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send,
    ) -> Result<T, StateError> {
        let mut guard = self.client.lock().unwrap_or_else(|e| e.into_inner());
        let Some(client) = guard.as_mut() else { return Err(self.fail(what, "the connection is closed".into())) };
        let result =
            std::thread::scope(|s| s.spawn(move || f(client)).join()).unwrap_or_else(|p| std::panic::resume_unwind(p));
        result.map_err(|e| self.fail(what, detail(&e)))
    }

    fn fail(&self, what: &str, detail: String) -> StateError {
        StateError::Io {
            path: self.describe().into(),
            error: std::io::Error::other(format!("{what} failed: {}", self.config.redact(&detail))),
        }
    }

    fn table(&self, name: &str) -> String {
        format!("{}.{name}", self.config.schema_ident())
    }

    /// The advisory lock of this workspace: the same for every client of one schema.
    fn lock_key(&self) -> i64 {
        let digest = Sha256::new()
            .chain_update(b"gantry state lock\0")
            .chain_update(self.config.schema.as_bytes())
            .chain_update(b"\0")
            .chain_update(self.workspace.as_bytes())
            .finalize();
        i64::from_be_bytes(digest[..8].try_into().expect("a SHA-256 digest has 8 bytes"))
    }

    /// The workspaces that have a state row (`default` included when it has one).
    pub fn workspaces(&self) -> Result<Vec<String>, StateError> {
        let query = format!("SELECT name FROM {} WHERE name IS NOT NULL ORDER BY name", self.table("states"));
        self.with("listing the workspaces", move |db| {
            Ok(db.query(&query, &[])?.iter().map(|row| row.get::<_, String>(0)).collect())
        })
    }

    /// Deletes this workspace's state, journal and lock record, in one transaction,
    /// unless a run holds its lock.
    pub fn delete(&self) -> Result<(), StateError> {
        let (states, journal, locks) = (self.table("states"), self.table("journal"), self.table("locks"));
        let (name, key) = (self.workspace.clone(), self.lock_key());
        let free = self.with("deleting the workspace", move |db| {
            let mut tx = db.transaction()?;
            if !tx.query_one("SELECT pg_try_advisory_xact_lock($1)", &[&key])?.get::<_, bool>(0) {
                return Ok(false);
            }
            for table in [&states, &journal, &locks] {
                tx.execute(&format!("DELETE FROM {table} WHERE name = $1"), &[&name])?;
            }
            tx.commit()?;
            Ok(true)
        })?;
        if free {
            return Ok(());
        }
        Err(StateError::Locked(self.holder()?.unwrap_or_else(|| self.unrecorded_holder())))
    }

    /// The recorded holder of this workspace's lock and its server process, if a row exists.
    fn holder_row(&self) -> Result<Option<(LockInfo, i32)>, StateError> {
        let query = format!("SELECT info, pid FROM {} WHERE name = $1", self.table("locks"));
        let name = self.workspace.clone();
        let row = self.with("reading the lock", move |db| db.query_opt(&query, &[&name]))?;
        Ok(row.map(|r| (LockInfo::from_bytes(r.get::<_, String>(0).as_bytes(), &self.describe()), r.get(1))))
    }

    fn holder(&self) -> Result<Option<LockInfo>, StateError> {
        Ok(self.holder_row()?.map(|(info, _)| info))
    }

    /// A holder that took the advisory lock but has not yet written its record.
    fn unrecorded_holder(&self) -> LockInfo {
        LockInfo {
            id: "unknown".into(),
            operation: "unknown".into(),
            who: "a run that has just taken the lock and not yet recorded who it is".into(),
            created: "unknown".into(),
            path: self.describe(),
        }
    }

    /// Releases this session's advisory lock and removes its record.
    fn release_own(&self) -> Result<(), StateError> {
        let locks = self.table("locks");
        let (name, key) = (self.workspace.clone(), self.lock_key());
        self.with("releasing the lock", move |db| {
            db.execute(&format!("DELETE FROM {locks} WHERE name = $1 AND pid = pg_backend_pid()"), &[&name])?;
            db.execute("SELECT pg_advisory_unlock($1)", &[&key])?;
            Ok(())
        })?;
        *self.held.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(())
    }
}

/// A client error with the server's message, detail and hint, which its `Display` leaves out.
fn detail(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = db.message().to_string();
        if let Some(d) = db.detail() {
            text.push_str(&format!(" ({d})"));
        }
        if let Some(h) = db.hint() {
            text.push_str(&format!("; {h}"));
        }
        return text;
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

fn utf8(bytes: &[u8], what: &str) -> Result<String, StateError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| StateError::Io {
        path: what.into(),
        error: std::io::Error::other("the pg backend stores text, and these bytes are not UTF-8"),
    })
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Closing the connection drops the client's runtime, which must happen off any other runtime.
        if let Some(client) = self.client.get_mut().unwrap_or_else(|e| e.into_inner()).take() {
            std::thread::scope(|s| {
                s.spawn(move || drop(client));
            });
        }
    }
}

impl StateStore for PgStore {
    fn read_bytes(&self) -> Result<Option<Vec<u8>>, StateError> {
        let query = format!("SELECT data FROM {} WHERE name = $1", self.table("states"));
        let name = self.workspace.clone();
        let row = self.with("reading the state", move |db| db.query_opt(&query, &[&name]))?;
        Ok(row.and_then(|r| r.get::<_, Option<String>>(0)).map(String::into_bytes))
    }

    fn write_bytes(&self, bytes: &[u8]) -> Result<(), StateError> {
        let data = utf8(bytes, &self.describe())?;
        let query = format!(
            "INSERT INTO {} (name, data) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data",
            self.table("states")
        );
        let name = self.workspace.clone();
        self.with("writing the state", move |db| db.execute(&query, &[&name, &data]).map(|_| ()))
    }

    fn append_journal(&self, bytes: &[u8]) -> Result<(), StateError> {
        let data = utf8(bytes, &self.describe_journal())?;
        let query = format!("INSERT INTO {} (name, data) VALUES ($1, $2)", self.table("journal"));
        let name = self.workspace.clone();
        self.with("appending to the journal", move |db| {
            let mut tx = db.transaction()?;
            tx.execute(&query, &[&name, &data])?;
            tx.commit()
        })
    }

    fn read_journal(&self) -> Result<Option<Vec<u8>>, StateError> {
        let query = format!("SELECT data FROM {} WHERE name = $1 ORDER BY seq", self.table("journal"));
        let name = self.workspace.clone();
        let rows = self.with("reading the journal", move |db| db.query(&query, &[&name]))?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::new();
        for row in rows {
            out.extend(row.get::<_, String>(0).into_bytes());
            // Each row is one whole append; the next record starts on a line of its own.
            if out.last() != Some(&b'\n') {
                out.push(b'\n');
            }
        }
        Ok(Some(out))
    }

    fn replace_journal(&self, bytes: &[u8]) -> Result<(), StateError> {
        let data = utf8(bytes, &self.describe_journal())?;
        let journal = self.table("journal");
        let name = self.workspace.clone();
        self.with("replacing the journal", move |db| {
            let mut tx = db.transaction()?;
            tx.execute(&format!("DELETE FROM {journal} WHERE name = $1"), &[&name])?;
            if !data.is_empty() {
                tx.execute(&format!("INSERT INTO {journal} (name, data) VALUES ($1, $2)"), &[&name, &data])?;
            }
            tx.commit()
        })
    }

    fn lock(&self, info: LockInfo) -> Result<LockInfo, StateError> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(holder) = held.as_ref() {
            return Err(StateError::Locked(holder.clone()));
        }
        let record = serde_json::to_string(&info).unwrap_or_default();
        let locks = self.table("locks");
        let (name, key) = (self.workspace.clone(), self.lock_key());
        let won = self.with("taking the lock", move |db| {
            if !db.query_one("SELECT pg_try_advisory_lock($1)", &[&key])?.get::<_, bool>(0) {
                return Ok(false);
            }
            // A record left here belongs to a session that has ended: its lock went with it.
            db.execute(
                &format!(
                    "INSERT INTO {locks} (name, info, pid) VALUES ($1, $2, pg_backend_pid()) ON CONFLICT (name) DO UPDATE SET info = EXCLUDED.info, pid = EXCLUDED.pid"
                ),
                &[&name, &record],
            )?;
            Ok(true)
        })?;
        if won {
            *held = Some(info.clone());
            return Ok(info);
        }
        Err(StateError::Locked(self.holder()?.unwrap_or_else(|| self.unrecorded_holder())))
    }

    fn unlock(&self, id: &str) -> Result<(), StateError> {
        let own = self.held.lock().unwrap_or_else(|e| e.into_inner()).as_ref().is_some_and(|h| h.id == id);
        if own {
            return self.release_own();
        }
        self.force_unlock(id).map(|_| ())
    }

    /// A holder whose session has ended left only its record, which is removed. A holder
    /// whose session lives (a run that hangs) has its server process terminated first,
    /// so that it cannot write after the lock is released.
    fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError> {
        if self.held.lock().unwrap_or_else(|e| e.into_inner()).as_ref().is_some_and(|h| h.id == id) {
            let holder = self.held.lock().unwrap_or_else(|e| e.into_inner()).clone().expect("checked above");
            self.release_own()?;
            return Ok(holder);
        }
        let Some((holder, pid)) = self.holder_row()? else { return Err(StateError::NoSuchLock(id.to_string())) };
        if holder.id != id {
            return Err(StateError::NoSuchLock(id.to_string()));
        }
        let key = self.lock_key();
        let taken = self.with("taking the lock", move |db| {
            if db.query_one("SELECT pg_try_advisory_lock($1)", &[&key])?.get::<_, bool>(0) {
                return Ok(true);
            }
            db.execute("SELECT pg_terminate_backend($1, 5000)", &[&pid])?;
            Ok(db.query_one("SELECT pg_try_advisory_lock($1)", &[&key])?.get::<_, bool>(0))
        })?;
        if !taken {
            return Err(self.fail(
                "force-unlock",
                format!("the run holding the lock (server process {pid}) could not be ended; end it, or ask the database administrator to run SELECT pg_terminate_backend({pid})"),
            ));
        }
        let locks = self.table("locks");
        let name = self.workspace.clone();
        self.with("releasing the lock", move |db| {
            db.execute(&format!("DELETE FROM {locks} WHERE name = $1"), &[&name])?;
            db.execute("SELECT pg_advisory_unlock($1)", &[&key])?;
            Ok(())
        })?;
        Ok(holder)
    }

    fn describe(&self) -> String {
        format!("{} schema {} workspace \"{}\"", self.config.server(), self.config.schema, self.workspace)
    }

    fn describe_journal(&self) -> String {
        format!("the journal of {}", self.describe())
    }
}
