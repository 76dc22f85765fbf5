//! Refresh leases: the one instance that may send a credential's refresh
//! token to its provider right now (`refresh_leases`). A lease is claimed
//! with one conditional statement, so two instances cannot both win it.

use std::time::Duration;

use crate::platform::{db, Clock, Db, Error};
use crate::providers::ProviderId;

/// Longer than a refresh can take: three tries of at most 15 s each
/// (`RELAY_PROVIDER_TIMEOUT_SECS`) and their backoff, 46 s in all.
pub const LEASE: Duration = Duration::from_secs(60);

/// Claims the lease of (`user_id`, `provider`) for `holder`; false when a
/// live lease belongs to someone else.
pub async fn claim(
    db: &Db,
    user_id: &str,
    provider: ProviderId,
    holder: &str,
    clock: &Clock,
) -> Result<bool, Error> {
    let now = clock.now_ms();
    let claimed = db::execute!(
        db,
        sqlx::query(
            "INSERT INTO refresh_leases (user_id, provider, holder, expires_at_ms)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, provider) DO UPDATE
         SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms
         WHERE refresh_leases.expires_at_ms <= $5",
        )
        .bind(user_id)
        .bind(provider)
        .bind(holder)
        .bind(now + LEASE.as_millis() as i64)
        .bind(now)
    )?;
    Ok(claimed == 1)
}

/// Gives the lease back, if `holder` still has it.
pub async fn release(db: &Db, user_id: &str, provider: ProviderId, holder: &str) {
    let released = db::execute!(
        db,
        sqlx::query(
            "DELETE FROM refresh_leases WHERE user_id = $1 AND provider = $2 AND holder = $3",
        )
        .bind(user_id)
        .bind(provider)
        .bind(holder)
    );
    if let Err(e) = released {
        // It expires on its own; until then the others wait.
        tracing::warn!(error = %e, "releasing a refresh lease failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::db;

    #[tokio::test]
    async fn a_live_lease_has_one_holder_and_an_expired_one_can_be_taken() {
        let db = db::memory().await;
        db::execute!(db, sqlx::query("INSERT INTO users (id, github_id, login, created_at, updated_at) VALUES ('u1', 1, 'ada', 0, 0)"))
            .unwrap();
        let clock = Clock::system();
        let openai = crate::providers::OPENAI.id;
        assert!(claim(&db, "u1", openai, "a", &clock).await.unwrap());
        assert!(!claim(&db, "u1", openai, "b", &clock).await.unwrap());
        clock.advance(LEASE);
        assert!(
            claim(&db, "u1", openai, "b", &clock).await.unwrap(),
            "a died: b takes over"
        );
        release(&db, "u1", openai, "a").await;
        assert!(
            !claim(&db, "u1", openai, "c", &clock).await.unwrap(),
            "a's release no longer counts"
        );
        release(&db, "u1", openai, "b").await;
        assert!(claim(&db, "u1", openai, "c", &clock).await.unwrap());
    }
}
