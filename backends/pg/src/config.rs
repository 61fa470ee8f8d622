//! The settings of `backend "pg" { … }`, and keeping the connection string's password
//! out of every message.

use gantry_core::state::BackendSettings;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

/// The schema when the block names none. Gantry's own, so that a database shared with
/// Terraform (whose default is `terraform_remote_state`) keeps the two apart.
pub const DEFAULT_SCHEMA: &str = "gantry_remote_state";

const KEYS: &[&str] =
    &["conn_str", "schema_name", "skip_schema_creation", "skip_table_creation", "skip_index_creation"];

/// How long connecting may take before the run gives up, unless `connect_timeout` says.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct PgConfig {
    pub connection: postgres::Config,
    pub schema: String,
    pub skip_schema_creation: bool,
    pub skip_table_creation: bool,
    pub skip_index_creation: bool,
    /// Every secret the connection string holds, to be blanked out of messages.
    secrets: Vec<String>,
}

impl std::fmt::Debug for PgConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConfig").field("server", &self.server()).field("schema", &self.schema).finish()
    }
}

impl PgConfig {
    /// Reads the block's attributes, falling back to `PG_CONN_STR` and `PG_SCHEMA_NAME` as Terraform does.
    pub fn from_settings(settings: &BackendSettings) -> Result<PgConfig, String> {
        Self::from_attributes(&settings.attributes, |k| std::env::var(k).ok())
    }

    pub fn from_attributes(
        attrs: &BTreeMap<String, serde_json::Value>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<PgConfig, String> {
        if let Some(k) = attrs.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(format!("backend \"pg\" has no argument \"{k}\"; it takes {}", KEYS.join(", ")));
        }
        let text = |k: &str| attrs.get(k).and_then(|v| v.as_str()).map(str::to_string).filter(|s| !s.is_empty());
        let flag = |k: &str| -> Result<bool, String> {
            match attrs.get(k) {
                None | Some(serde_json::Value::Null) => Ok(false),
                Some(serde_json::Value::Bool(b)) => Ok(*b),
                Some(other) => Err(format!("backend \"pg\" argument \"{k}\" must be true or false, not {other}")),
            }
        };
        let conn_str = text("conn_str").or_else(|| env("PG_CONN_STR").filter(|s| !s.is_empty())).ok_or(
            "backend \"pg\" needs \"conn_str\" (or the PG_CONN_STR environment variable), for example postgres://user@db.example.com/gantry",
        )?;
        let mut connection = postgres::Config::from_str(&conn_str).map_err(|_| {
            "backend \"pg\" argument \"conn_str\" is not a PostgreSQL connection string: write it as a URL (postgres://USER@HOST:PORT/DATABASE) or as key=value pairs (host=HOST dbname=DATABASE)".to_string()
        })?;
        if connection.get_connect_timeout().is_none() {
            connection.connect_timeout(CONNECT_TIMEOUT);
        }
        if connection.get_application_name().is_none() {
            connection.application_name("gantry");
        }
        let mut secrets: Vec<String> = Vec::new();
        if let Some(p) = connection.get_password() {
            secrets.push(String::from_utf8_lossy(p).into_owned());
        }
        let schema = text("schema_name").or_else(|| env("PG_SCHEMA_NAME").filter(|s| !s.is_empty()));
        Ok(PgConfig {
            connection,
            schema: schema.unwrap_or_else(|| DEFAULT_SCHEMA.to_string()),
            skip_schema_creation: flag("skip_schema_creation")?,
            skip_table_creation: flag("skip_table_creation")?,
            skip_index_creation: flag("skip_index_creation")?,
            secrets: secrets.into_iter().filter(|s| !s.is_empty()).collect(),
        })
    }

    /// `postgres://USER@HOST:PORT/DATABASE`, without the password or other options.
    pub fn server(&self) -> String {
        let c = &self.connection;
        let user = c.get_user().map(|u| format!("{u}@")).unwrap_or_default();
        let host = match c.get_hosts().first() {
            Some(postgres::config::Host::Tcp(h)) => h.clone(),
            #[cfg(unix)]
            Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
            None => "localhost".into(),
        };
        let port = c.get_ports().first().map(|p| format!(":{p}")).unwrap_or_default();
        let db = c.get_dbname().map(|d| format!("/{d}")).unwrap_or_default();
        format!("postgres://{user}{host}{port}{db}")
    }

    /// `text` with every secret of the connection string blanked out.
    pub fn redact(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_string(), |t, s| t.replace(s.as_str(), "***"))
    }

    /// The schema as an SQL identifier.
    pub fn schema_ident(&self) -> String {
        quote_ident(&self.schema)
    }
}

/// An SQL identifier, quoted so that any name is taken literally.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, serde_json::Value)]) -> BTreeMap<String, serde_json::Value> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn the_password_never_reaches_a_description_or_message() {
        let c = PgConfig::from_attributes(
            &attrs(&[("conn_str", "postgres://app:s3cr3t-pw@db.internal:6543/infra".into())]),
            |_| None,
        )
        .unwrap();
        assert_eq!(c.server(), "postgres://app@db.internal:6543/infra");
        assert_eq!(c.redact("auth failed for s3cr3t-pw"), "auth failed for ***");
        assert!(!format!("{c:?}").contains("s3cr3t"));
        assert_eq!(c.schema, DEFAULT_SCHEMA);
    }

    #[test]
    fn settings_come_from_the_block_then_the_environment() {
        let env = |k: &str| match k {
            "PG_CONN_STR" => Some("host=127.0.0.1 user=u password=pw dbname=d".to_string()),
            "PG_SCHEMA_NAME" => Some("from_env".to_string()),
            _ => None,
        };
        let c = PgConfig::from_attributes(&BTreeMap::new(), env).unwrap();
        assert_eq!(c.server(), "postgres://u@127.0.0.1/d");
        assert_eq!(c.schema, "from_env");
        assert_eq!(c.redact("pw"), "***");
        let c = PgConfig::from_attributes(&attrs(&[("schema_name", "mine".into())]), env).unwrap();
        assert_eq!(c.schema, "mine");
    }

    #[test]
    fn bad_settings_are_refused_without_echoing_the_connection_string() {
        let none = |_: &str| None;
        let err = PgConfig::from_attributes(&BTreeMap::new(), none).unwrap_err();
        assert!(err.contains("needs \"conn_str\""), "{err}");
        let err = PgConfig::from_attributes(&attrs(&[("conn_string", "x".into())]), none).unwrap_err();
        assert!(err.contains("has no argument \"conn_string\""), "{err}");
        let err = PgConfig::from_attributes(&attrs(&[("conn_str", "postgres://u:hunter2@h:notaport/d".into())]), none)
            .unwrap_err();
        assert!(err.contains("is not a PostgreSQL connection string") && !err.contains("hunter2"), "{err}");
        let err = PgConfig::from_attributes(
            &attrs(&[("conn_str", "postgres://h/d".into()), ("skip_table_creation", "yes".into())]),
            none,
        )
        .unwrap_err();
        assert!(err.contains("must be true or false"), "{err}");
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
