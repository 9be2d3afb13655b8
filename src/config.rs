//! Typed configuration, built from the command line and environment by `main`.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub database: DatabaseUrl,
    /// Outgoing mail; `None` when no SMTP relay is configured (links are then only shown).
    pub mail: Option<crate::mail::MailConfig>,
    /// Request size limits (the spreadsheet upload's is configurable).
    pub limits: crate::web::limits::Limits,
    /// The evidence library: where files go, how large they may be, how old items may be.
    pub evidence: crate::evidence::storage::EvidenceConfig,
}

/// Where the data lives. `Display` never shows a password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite database file.
    Sqlite(PathBuf),
    /// A `postgres://` or `postgresql://` connection URL.
    Postgres(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("the database URL must start with `sqlite:` or `postgres://` (or `postgresql://`); got `{0}`")]
    UnknownScheme(String),
    #[error("the database URL `{0}` names no SQLite file")]
    EmptySqlitePath(String),
}

impl DatabaseUrl {
    /// The default: `selfassess.db` in the data directory.
    pub fn default_in(data_dir: &std::path::Path) -> Self {
        DatabaseUrl::Sqlite(data_dir.join("selfassess.db"))
    }
}

impl FromStr for DatabaseUrl {
    type Err = ConfigError;

    fn from_str(url: &str) -> Result<Self, ConfigError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(url.to_owned()));
        }
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.strip_prefix("//").unwrap_or(rest);
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(ConfigError::EmptySqlitePath(redact(url)));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        Err(ConfigError::UnknownScheme(redact(url)))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite:{}", path.display()),
            DatabaseUrl::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Hides the password of a URL such as `postgres://user:secret@host/db`.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Setting a password only fails for URLs that cannot have one.
            let _ = parsed.set_password(Some("****"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        // Not a URL: show only the scheme-like prefix, never the rest.
        Err(_) => match url.split_once(':') {
            Some((scheme, _)) if scheme.len() < 20 => format!("{scheme}:…"),
            _ => "(unparseable)".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_choose_the_backend() {
        assert_eq!(
            "postgres://u:p@localhost/db".parse(),
            Ok(DatabaseUrl::Postgres("postgres://u:p@localhost/db".into()))
        );
        assert_eq!("sqlite:data/x.db".parse(), Ok(DatabaseUrl::Sqlite("data/x.db".into())));
        assert_eq!("sqlite:///tmp/x.db?mode=rwc".parse(), Ok(DatabaseUrl::Sqlite("/tmp/x.db".into())));
        assert!(matches!("mysql://x".parse::<DatabaseUrl>(), Err(ConfigError::UnknownScheme(_))));
        assert!(matches!("sqlite:".parse::<DatabaseUrl>(), Err(ConfigError::EmptySqlitePath(_))));
    }

    #[test]
    fn passwords_are_never_displayed() {
        let url: DatabaseUrl = "postgres://app:hunter2@db.example/selfassess".parse().unwrap();
        assert!(!url.to_string().contains("hunter2"));
        assert!(!format!("{url:?}").contains("hunter2"));
        let err = "mysql://app:hunter2@db".parse::<DatabaseUrl>().unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
}
