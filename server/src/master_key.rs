//! The vault's master key: from `RELAY_MASTER_KEY`, or in development
//! generated once into `data/master.key`.

use std::io::Write;

use anyhow::Context;
use app::vault::{MasterKey, Vault};
use secrecy::ExposeSecret;

use crate::config::Config;

pub fn vault(config: &Config) -> anyhow::Result<Vault> {
    let current = match &config.master_key {
        Some(key) => MasterKey::parse(key.expose_secret()).context("RELAY_MASTER_KEY")?,
        None => development_key(config)?,
    };
    let previous = config
        .previous_master_keys
        .iter()
        .map(|k| MasterKey::parse(k.expose_secret()).context("RELAY_MASTER_KEY_PREVIOUS"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Vault::new(current, previous))
}

fn development_key(config: &Config) -> anyhow::Result<MasterKey> {
    let path = config.data_dir.join("master.key");
    if let Ok(text) = std::fs::read_to_string(&path) {
        return MasterKey::parse(&text)
            .with_context(|| format!("{} is not a valid master key", path.display()));
    }
    let hex = MasterKey::generate_hex();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(hex.as_bytes())?;
    tracing::warn!(
        path = %path.display(),
        "GENERATED A DEVELOPMENT MASTER KEY. Every credential in this database is encrypted with it: \
         losing the file loses them. Production requires RELAY_MASTER_KEY instead."
    );
    MasterKey::parse(&hex).map_err(Into::into)
}
