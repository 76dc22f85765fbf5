//! Rate limits kept in the database, so they hold across instances: a fixed
//! window per (limit, who), counted by one atomic upsert.

use crate::platform::{db, Clock, Db, Error};

/// At most `hits` per `per_secs` seconds, for each caller.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    /// Names the bucket; also what the metrics and logs say.
    pub name: &'static str,
    pub hits: i64,
    pub per_secs: i64,
}

/// Over a limit: try again after `retry_after_secs`.
#[derive(Debug, thiserror::Error)]
pub enum Limited {
    #[error("Too many attempts. Try again in {} second{}.", .retry_after_secs, if *.retry_after_secs == 1 { "" } else { "s" })]
    Over { retry_after_secs: i64 },
    #[error(transparent)]
    Backend(#[from] Error),
}

/// Counts one hit of `limit` by `who` (a user id, an address, a code's
/// owner); refuses once the window's allowance is spent. The refused hit
/// still counts, so hammering does not shorten the wait.
pub async fn hit(db: &Db, limit: &Limit, who: &str, clock: &Clock) -> Result<(), Limited> {
    let now = clock.now();
    let window_start = now - now.rem_euclid(limit.per_secs);
    let bucket = format!("{}:{who}", limit.name);
    let hits: i64 = db::fetch_one!(
        db,
        sqlx::query_scalar(
            "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1)
             ON CONFLICT (bucket) DO UPDATE SET
               hits = CASE WHEN rate_limits.window_start = excluded.window_start
                           THEN rate_limits.hits + 1 ELSE 1 END,
               window_start = excluded.window_start
             RETURNING hits",
        )
        .bind(&bucket)
        .bind(window_start)
    )
    .map_err(Error::from)?;
    if hits > limit.hits {
        tracing::warn!(limit = limit.name, hits, "rate limit reached");
        return Err(Limited::Over {
            retry_after_secs: (window_start + limit.per_secs - now).max(1),
        });
    }
    Ok(())
}

/// Forgets windows that ended (housekeeping).
pub async fn prune(db: &Db, longest_window_secs: i64, clock: &Clock) -> Result<u64, Error> {
    Ok(db::execute!(
        db,
        sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
            .bind(clock.now() - longest_window_secs)
    )?)
}
