//! "Delete my account", by crypto-shredding: Relay's grants are revoked at
//! the providers, every browser session and terminal is ended, the user's
//! vault key is destroyed (after which nothing sealed under it can be
//! opened, by anyone, with any master key), and their rows are deleted.
//! Signing in again with the same GitHub account starts afresh.

use crate::connect::connections::{self, Revoked};
use crate::platform::{db, AppState, Error};
use crate::vault::credentials;

/// What a deletion did, for the log (never a secret).
#[derive(Debug, Default)]
pub struct Deleted {
    /// Credentials whose grant the provider was asked to end.
    pub revoked: usize,
    pub credentials: usize,
}

pub async fn delete_account(app: &AppState, user_id: &str) -> Result<Deleted, Error> {
    let mut deleted = Deleted::default();
    // First, while the vault key still opens the tokens: end the grants.
    for row in credentials::list(&app.db, user_id).await? {
        let revoked =
            connections::revoke_at_provider(app, user_id, row.provider.info(), &row).await?;
        deleted.credentials += 1;
        deleted.revoked += usize::from(revoked == Revoked::Yes);
        tracing::info!(provider = %row.provider, detail = revoked.detail(), "account deletion");
    }
    // The shredding: without its wrapped data key, every value sealed for
    // this user is noise, wherever a copy of it lies.
    db::execute!(
        app.db,
        sqlx::query("DELETE FROM user_keys WHERE user_id = $1").bind(user_id)
    )?;
    // Every other row of theirs goes with the user (ON DELETE CASCADE), and
    // with it every session: a browser's finds no generation to match, a
    // terminal's token no row.
    db::execute!(
        app.db,
        sqlx::query("DELETE FROM users WHERE id = $1").bind(user_id)
    )?;
    // SQLite zeroes deleted rows in the pages it writes (`secure_delete`),
    // but the write-ahead log still holds the pages as they were: fold it
    // into the database and truncate it. (PostgreSQL keeps a dead row until
    // its space is reused; see the README.)
    if let db::Db::Sqlite(pool) = &app.db {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(pool)
            .await?;
    }
    Ok(deleted)
}
