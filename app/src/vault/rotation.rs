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

/// A table of wrapped keys: its columns, and the name each key is bound to.
struct KeyTable {
    table: &'static str,
    owner_column: &'static str,
    wrapped_column: &'static str,
    bound_to: fn(&str) -> String,
}

const KEY_TABLES: [KeyTable; 2] = [
    KeyTable {
        table: "user_keys",
        owner_column: "user_id",
        wrapped_column: "wrapped",
        bound_to: str::to_owned,
    },
    KeyTable {
        table: "signing_keys",
        owner_column: "kid",
        wrapped_column: "wrapped_key",
        bound_to: session_tokens::key_owner,
    },
];

/// Keys still wrapped by another master key than the current one.
pub async fn remaining(db: &Db, vault: &Vault) -> Result<i64, Error> {
    let mut left = 0;
    for t in &KEY_TABLES {
        let sql = format!("SELECT COUNT(*) FROM {} WHERE master_key_id <> $1", t.table);
        let n: i64 = db::fetch_one!(db, sqlx::query_scalar(&sql).bind(vault.current_key_id()))?;
        left += n;
    }
    Ok(left)
}

/// Re-wraps up to `size` keys (users' first, then signing keys); returns how
/// many. A key changed meanwhile by someone else is left for the next batch.
pub async fn rewrap_batch(db: &Db, vault: &Vault, size: i64) -> Result<u64, Error> {
    let mut done = 0;
    for t in &KEY_TABLES {
        let room = size - done as i64;
        if room <= 0 {
            break;
        }
        let select = format!(
            "SELECT {owner}, master_key_id, {wrapped} FROM {table}
             WHERE master_key_id <> $1 ORDER BY {owner} LIMIT $2",
            owner = t.owner_column,
            wrapped = t.wrapped_column,
            table = t.table
        );
        let update = format!(
            "UPDATE {table} SET master_key_id = $1, {wrapped} = $2
             WHERE {owner} = $3 AND master_key_id = $4 AND {wrapped} = $5",
            owner = t.owner_column,
            wrapped = t.wrapped_column,
            table = t.table
        );
        let keys: Vec<(String, String, String)> = db::fetch_all!(
            db,
            sqlx::query_as(&select)
                .bind(vault.current_key_id())
                .bind(room)
        )?;
        for (owner, master_key_id, wrapped) in keys {
            let old = WrappedKey {
                master_key_id,
                wrapped,
            };
            let new = vault.rewrap(&(t.bound_to)(&owner), &old)?;
            done += db::execute!(
                db,
                sqlx::query(&update)
                    .bind(&new.master_key_id)
                    .bind(&new.wrapped)
                    .bind(&owner)
                    .bind(&old.master_key_id)
                    .bind(&old.wrapped)
            )?;
        }
    }
    Ok(done)
}
