//! The `pg` state backend: each workspace's state is one row of a `states` table in a
//! PostgreSQL schema, as in Terraform's pg backend (`states (id bigserial primary key,
//! name text, data text)` with a unique index on `name`). Gantry adds two tables
//! beside it: `journal`, the records apply appends (one row per append, in a
//! transaction), and `locks`, who holds each workspace's lock.
//!
//! The lock is a session-level advisory lock (`pg_try_advisory_lock`) on a key derived
//! from the schema and workspace, held by the store's connection for the whole run:
//! PostgreSQL releases it when that session ends, however the run ends. The `locks`
//! row records the holder's [`LockInfo`] and server process, so that a refused run can
//! say who holds the lock and `force-unlock ID` can release it; a row whose session is
//! gone is stale and the next run replaces it.
//!
//! [`PgBackendFactory`] registers it with core's backend registry under `pg`.

mod config;
mod store;

pub use config::{PgConfig, DEFAULT_SCHEMA};
pub use store::PgStore;

use gantry_core::state::{BackendError, BackendFactory, BackendSettings, StateStore};
use std::sync::Arc;

/// `backend "pg" { … }` for the backend registry.
pub struct PgBackendFactory;

impl PgBackendFactory {
    pub fn arc() -> Arc<dyn BackendFactory> {
        Arc::new(PgBackendFactory)
    }
}

impl BackendFactory for PgBackendFactory {
    fn name(&self) -> &str {
        "pg"
    }

    fn open(&self, settings: &BackendSettings) -> Result<Box<dyn StateStore>, BackendError> {
        let config = PgConfig::from_settings(settings).map_err(BackendError::invalid)?;
        Ok(Box::new(PgStore::connect(config, &settings.workspace).map_err(BackendError::invalid)?))
    }

    fn workspaces(&self, settings: &BackendSettings) -> Result<Vec<String>, BackendError> {
        let config = PgConfig::from_settings(settings).map_err(BackendError::invalid)?;
        let store = PgStore::connect(config, gantry_core::state::DEFAULT_WORKSPACE).map_err(BackendError::invalid)?;
        store.workspaces().map_err(|e| BackendError::invalid(e.to_string()))
    }

    fn delete_workspace(&self, settings: &BackendSettings, name: &str) -> Result<(), BackendError> {
        let config = PgConfig::from_settings(settings).map_err(BackendError::invalid)?;
        let store = PgStore::connect(config, name).map_err(BackendError::invalid)?;
        store.delete().map_err(|e| BackendError::invalid(e.to_string()))
    }
}
