//! Master-key rotation without downtime: every user's data key and every
//! session signing key is re-wrapped under the current master key, a batch
//! at a time, while the servers run (they open keys under the current and
//! the previous master keys meanwhile). Resumable: each batch is committed,
//! and a run picks up the keys still wrapped by an older master key. After
//! it, the previous master key is no longer needed. Only the small wrapped
//! keys change; no credential is re-encrypted.

use crate::cli_broker::session_tokens;
use crate::platform::{db, Db, Error};
use crate::vault::{Vault, WrappedKey};

/// Keys still wrapped by another master key than the current one.
pub async fn remaining(db: &Db, vault: &Vault) -> Result<i64, Error> {
    let current = vault.current_key_id();
    let users: i64 = db::fetch_one!(
        db,
        sqlx::query_scalar("SELECT COUNT(*) FROM user_keys WHERE master_key_id <> $1")
            .bind(current)
    )?;
    let signing: i64 = db::fetch_one!(
        db,
        sqlx::query_scalar("SELECT COUNT(*) FROM signing_keys WHERE master_key_id <> $1")
            .bind(current)
    )?;
    Ok(users + signing)
}

/// Re-wraps up to `size` keys (users' first, then signing keys); returns how
/// many. A key changed meanwhile by someone else is left for the next batch.
pub async fn rewrap_batch(db: &Db, vault: &Vault, size: i64) -> Result<u64, Error> {
    let current = vault.current_key_id();
    let users: Vec<(String, String, String)> = db::fetch_all!(
        db,
        sqlx::query_as(
            "SELECT user_id, master_key_id, wrapped FROM user_keys
             WHERE master_key_id <> $1 ORDER BY user_id LIMIT $2"
        )
        .bind(current)
        .bind(size)
    )?;
    let mut done = 0;
    for (user_id, master_key_id, wrapped) in users {
        let old = WrappedKey {
            master_key_id,
            wrapped,
        };
        let new = vault.rewrap(&user_id, &old)?;
        done += db::execute!(
            db,
            sqlx::query(
                "UPDATE user_keys SET master_key_id = $1, wrapped = $2
                 WHERE user_id = $3 AND master_key_id = $4 AND wrapped = $5"
            )
            .bind(&new.master_key_id)
            .bind(&new.wrapped)
            .bind(&user_id)
            .bind(&old.master_key_id)
            .bind(&old.wrapped)
        )?;
    }
    let room = size - done as i64;
    if room <= 0 {
        return Ok(done);
    }
    let signing: Vec<(String, String, String)> = db::fetch_all!(
        db,
        sqlx::query_as(
            "SELECT kid, master_key_id, wrapped_key FROM signing_keys
             WHERE master_key_id <> $1 ORDER BY kid LIMIT $2"
        )
        .bind(current)
        .bind(room)
    )?;
    for (kid, master_key_id, wrapped) in signing {
        let old = WrappedKey {
            master_key_id,
            wrapped,
        };
        let new = vault.rewrap(&session_tokens::key_owner(&kid), &old)?;
        done += db::execute!(
            db,
            sqlx::query(
                "UPDATE signing_keys SET master_key_id = $1, wrapped_key = $2
                 WHERE kid = $3 AND master_key_id = $4 AND wrapped_key = $5"
            )
            .bind(&new.master_key_id)
            .bind(&new.wrapped)
            .bind(&kid)
            .bind(&old.master_key_id)
            .bind(&old.wrapped)
        )?;
    }
    Ok(done)
}
