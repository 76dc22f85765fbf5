//! The audit log: who did what to which credential, when and from where.
//! Entries carry provider error codes and methods, never a secret.

use crate::audit::{AuditAction, AuditEntry};
use crate::platform::{db, Clock, Db, Error};
use crate::providers::ProviderId;

/// Where an action came from: a browser's address, or Relay's own worker.
#[derive(Clone, Debug, Default)]
pub struct Source(pub String);

impl Source {
    pub fn worker() -> Source {
        Source("worker".to_owned())
    }
}

/// `provider` is a `ProviderId`, or `None` for what concerns no provider.
pub async fn record(
    db: &Db,
    user_id: &str,
    action: AuditAction,
    provider: impl Into<Option<ProviderId>>,
    detail: &str,
    source: &Source,
    clock: &Clock,
) -> Result<(), Error> {
    db::execute!(db, sqlx::query(
        "INSERT INTO audit_log (id, user_id, action, provider, detail, source, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user_id)
    .bind(action)
    .bind(provider.into())
    .bind(detail)
    .bind(&source.0)
    .bind(clock.now_ms()))?;
    Ok(())
}

/// Records, logging instead of failing: an audit write must not undo the action it describes.
pub async fn note(
    db: &Db,
    user_id: &str,
    action: AuditAction,
    provider: impl Into<Option<ProviderId>>,
    detail: &str,
    source: &Source,
    clock: &Clock,
) {
    let provider = provider.into();
    if let Err(e) = record(db, user_id, action, provider, detail, source, clock).await {
        tracing::error!(error = %e, action = action.as_str(), ?provider, "writing the audit log failed");
    }
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    action: AuditAction,
    provider: Option<ProviderId>,
    detail: String,
    source: String,
    at_ms: i64,
}

/// The user's latest entries, newest first.
pub async fn latest(db: &Db, user_id: &str, limit: i64) -> Result<Vec<AuditEntry>, Error> {
    let rows: Vec<AuditRow> = db::fetch_all!(db, sqlx::query_as(
        "SELECT action, provider, detail, source, at_ms FROM audit_log WHERE user_id = $1 ORDER BY at_ms DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(limit))?;
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            action: row.action,
            provider: row.provider,
            detail: row.detail,
            source: row.source,
            at: row.at_ms / 1000,
        })
        .collect())
}
