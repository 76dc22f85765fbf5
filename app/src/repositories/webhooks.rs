//! GitHub webhooks: a delivery is believed only when `X-Hub-Signature-256` is
//! the HMAC-SHA256 of the body under the configured secret (compared in
//! constant time), its event is recent, and it was not seen before. Then
//! `pull_request` and `issues` events of chosen repositories are recorded.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;

use crate::platform::{db, sha256_hex, Clock, Db, Error};
use crate::repositories::RepoEvent;

/// An event older than this (by its own signed timestamp) is refused as stale:
/// the delivery id is not signed, so a captured delivery could otherwise be
/// replayed under a new id.
pub const MAX_AGE_SECS: i64 = 60 * 60;
/// Clocks differ: an event this far in the future is still accepted.
const CLOCK_SKEW_SECS: i64 = 5 * 60;

/// Why a delivery was refused; the text is the response body.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Rejection {
    #[error("missing X-Hub-Signature-256: deliveries must be signed")]
    Unsigned,
    #[error("X-Hub-Signature-256 does not match the body")]
    BadSignature,
    #[error("{0}")]
    Malformed(String),
    #[error("the event is stale (older than an hour, or from the future)")]
    Stale,
    #[error("this delivery was already received")]
    Replayed,
}

/// What became of an accepted delivery.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Recorded for this many users who chose the repository.
    Recorded(usize),
    /// Accepted, nothing to record: the reason.
    Ignored(&'static str),
}

/// Checks `signature` (the header's value, `sha256=<hex>`) against `body`.
pub fn verify(
    secret: &SecretString,
    body: &[u8],
    signature: Option<&str>,
) -> Result<(), Rejection> {
    let signature = signature.ok_or(Rejection::Unsigned)?;
    let hex = signature
        .strip_prefix("sha256=")
        .ok_or(Rejection::BadSignature)?;
    let expected = crate::vault::unhex(hex)
        .filter(|bytes| bytes.len() == 32)
        .ok_or(Rejection::BadSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose_secret().as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&expected)
        .map_err(|_| Rejection::BadSignature)
}

#[derive(Deserialize)]
struct Payload {
    action: Option<String>,
    repository: Option<Repository>,
    pull_request: Option<Item>,
    issue: Option<Item>,
    sender: Option<Sender>,
}

#[derive(Deserialize)]
struct Repository {
    id: i64,
    full_name: String,
}

#[derive(Deserialize)]
struct Item {
    number: i64,
    #[serde(default)]
    title: String,
    updated_at: Option<String>,
}

#[derive(Deserialize)]
struct Sender {
    login: String,
}

/// Takes a delivery whose signature was verified: refuses stale and replayed
/// ones, and records `pull_request` / `issues` events of chosen repositories.
pub async fn receive(
    db: &Db,
    delivery_id: Option<&str>,
    event: Option<&str>,
    body: &[u8],
    clock: &Clock,
) -> Result<Outcome, ReceiveError> {
    let delivery_id = delivery_id
        .filter(|d| !d.is_empty() && d.len() <= 64)
        .filter(|d| d.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .ok_or_else(|| Rejection::Malformed("missing or malformed X-GitHub-Delivery".to_owned()))?;
    let event = event
        .filter(|e| {
            !e.is_empty() && e.len() <= 64 && e.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
        })
        .ok_or_else(|| Rejection::Malformed("missing or malformed X-GitHub-Event".to_owned()))?;
    let payload: Payload = serde_json::from_slice(body)
        .map_err(|_| Rejection::Malformed("the body is not a GitHub event in JSON".to_owned()))?;

    let item = match event {
        "pull_request" => payload.pull_request.as_ref(),
        "issues" => payload.issue.as_ref(),
        _ => None,
    };
    if let Some(item) = item {
        let at = item
            .updated_at
            .as_deref()
            .and_then(protocol::time::parse_iso8601)
            .ok_or_else(|| Rejection::Malformed("the event has no updated_at".to_owned()))?;
        let age = clock.now() - at;
        if !(-CLOCK_SKEW_SECS..=MAX_AGE_SECS).contains(&age) {
            return Err(Rejection::Stale.into());
        }
    }

    db::on_pool!(db, |pool| {
        let mut tx = pool.begin().await.map_err(Error::from)?;
        let first_time = sqlx::query(
        "INSERT INTO webhook_deliveries (delivery_id, body_sha256, event, received_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
    )
    .bind(delivery_id)
    .bind(sha256_hex(body))
    .bind(event)
    .bind(clock.now())
    .execute(&mut *tx)
    .await
    .map_err(Error::from)?
    .rows_affected()
        == 1;
        if !first_time {
            return Err(Rejection::Replayed.into());
        }
        let outcome = match (item, payload.repository) {
            (None, _) => Outcome::Ignored("only pull_request and issues events are recorded"),
            (Some(_), None) => Outcome::Ignored("the event names no repository"),
            (Some(item), Some(repo)) => {
                let users: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM repositories WHERE github_id = $1")
                        .bind(repo.id)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(Error::from)?;
                if users == 0 {
                    Outcome::Ignored("no Relay user chose this repository")
                } else {
                    sqlx::query(
                    "INSERT INTO repository_events (id, github_id, full_name, event, action, number, title, sender, delivery_id, received_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(repo.id)
                .bind(&repo.full_name)
                .bind(event)
                .bind(payload.action.as_deref().unwrap_or(""))
                .bind(item.number)
                .bind(item.title.chars().take(200).collect::<String>())
                .bind(payload.sender.map(|s| s.login).unwrap_or_default())
                .bind(delivery_id)
                .bind(clock.now())
                .execute(&mut *tx)
                .await
                .map_err(Error::from)?;
                    Outcome::Recorded(users as usize)
                }
            }
        };
        tx.commit().await.map_err(Error::from)?;
        Ok(outcome)
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error(transparent)]
    Rejected(#[from] Rejection),
    #[error(transparent)]
    Backend(#[from] Error),
}

/// The latest events of the user's chosen repositories, newest first.
pub async fn recent_events(db: &Db, user_id: &str, limit: i64) -> Result<Vec<RepoEvent>, Error> {
    Ok(db::fetch_all!(db, sqlx::query_as(
        "SELECT e.full_name AS repository, e.event, e.action, e.number, e.title, e.sender,
                e.received_at AS at
         FROM repository_events e JOIN repositories r ON r.github_id = e.github_id AND r.user_id = $1
         ORDER BY e.received_at DESC, e.id LIMIT $2",
    )
    .bind(user_id)
    .bind(limit))?)
}

/// Forgets deliveries older than a day: replays that old are stale anyway.
pub async fn prune(db: &Db, clock: &Clock) -> Result<(), Error> {
    db::execute!(
        db,
        sqlx::query(
            "DELETE FROM webhook_deliveries WHERE received_at < $1
         AND delivery_id NOT IN (SELECT delivery_id FROM repository_events)",
        )
        .bind(clock.now() - 24 * 60 * 60)
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked() {
        let secret = SecretString::from("It's a Secret to Everybody".to_owned());
        // GitHub's documented example.
        let good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(verify(&secret, b"Hello, World!", Some(good)), Ok(()));
        assert_eq!(
            verify(&secret, b"Hello, World?", Some(good)),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            verify(&secret, b"Hello, World!", None),
            Err(Rejection::Unsigned)
        );
        assert_eq!(
            verify(&secret, b"Hello, World!", Some("sha1=757107ea")),
            Err(Rejection::BadSignature)
        );
    }
}
