//! The session token, kept in a file only its owner can read
//! (`$RELAY_CONFIG_DIR/session.json`, by default in the user's config directory).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::api::CliError;

#[derive(Clone, Serialize, Deserialize)]
pub struct Session {
    pub server: String,
    pub token: String,
    pub login: String,
    /// Unix seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("server", &self.server)
            .field("login", &self.login)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

fn dir() -> Result<PathBuf, CliError> {
    if let Some(dir) = std::env::var_os("RELAY_CONFIG_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::config_dir().map(|d| d.join("relay")).ok_or_else(|| {
        CliError::Local("no configuration directory; set RELAY_CONFIG_DIR".to_owned())
    })
}

fn path() -> Result<PathBuf, CliError> {
    Ok(dir()?.join("session.json"))
}

fn local(e: std::io::Error) -> CliError {
    CliError::Local(e.to_string())
}

impl Session {
    pub fn load() -> Result<Option<Session>, CliError> {
        let path = path()?;
        match std::fs::read(&path) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(local(e)),
        }
    }

    pub fn expired(&self) -> bool {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        now >= self.expires_at
    }

    /// Writes the file with mode 0600 (created so, never widened).
    pub fn save(&self) -> Result<(), CliError> {
        use std::io::Write;
        let dir = dir()?;
        std::fs::create_dir_all(&dir).map_err(local)?;
        let path = path()?;
        let _ = std::fs::remove_file(&path);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&path).map_err(local)?;
        file.write_all(&serde_json::to_vec_pretty(self).expect("a session serialises"))
            .map_err(local)
    }

    pub fn forget() -> Result<(), CliError> {
        match std::fs::remove_file(path()?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(local(e)),
            _ => Ok(()),
        }
    }
}
