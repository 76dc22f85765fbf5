//! Pending provider logins: single-use, expiring, keyed by the hash of their state.

use secrecy::{ExposeSecret, SecretString};

use crate::platform::{db, sha256_hex, Clock, Db, Error};
use crate::providers::ProviderId;
use crate::vault;

/// What the PKCE verifier is sealed for (under its state).
pub const VERIFIER: &str = "oauth_states.pkce_verifier";

/// How long a started login stays valid.
pub const STATE_TTL_SECS: i64 = 10 * 60;

crate::text_enum! {
    /// What a login is for (`oauth_states.purpose`); the one callback URL per
    /// provider serves them all.
    pub enum Purpose {
        SignIn = "signin",
        /// Connecting a provider for a signed-in user (authorization code + PKCE).
        Connect = "connect",
        /// A terminal's login (`relay auth`): `return_to` holds its `cli_logins` key.
        Cli = "cli",
    }
}

#[derive(Debug)]
pub struct PendingLogin {
    pub provider: ProviderId,
    pub purpose: Purpose,
    pub pkce_verifier: SecretString,
    pub return_to: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("no login was started with this state")]
    Unknown,
    #[error("this login was already completed")]
    Used,
    #[error("this login expired")]
    Expired,
    #[error(transparent)]
    Backend(#[from] Error),
}

pub async fn create(
    db: &Db,
    state: &SecretString,
    provider: ProviderId,
    purpose: Purpose,
    pkce_verifier: &SecretString,
    return_to: Option<&str>,
    clock: &Clock,
) -> Result<(), Error> {
    let now = clock.now();
    db::execute!(db, sqlx::query(
        "INSERT INTO oauth_states (state_hash, provider, purpose, pkce_verifier, return_to, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(sha256_hex(state.expose_secret()))
    .bind(provider)
    .bind(purpose)
    .bind(vault::seal_under(state.expose_secret(), VERIFIER, pkce_verifier))
    .bind(return_to)
    .bind(now)
    .bind(now + STATE_TTL_SECS))?;
    Ok(())
}

/// Marks the login as used and returns it: exactly one caller ever succeeds.
pub async fn consume(
    db: &Db,
    state: &str,
    provider: ProviderId,
    clock: &Clock,
) -> Result<PendingLogin, StateError> {
    let hash = sha256_hex(state);
    let now = clock.now();
    let row: Option<(Purpose, String, Option<String>, i64)> = db::fetch_optional!(
        db,
        sqlx::query_as(
            "UPDATE oauth_states SET used_at = $1
         WHERE state_hash = $2 AND provider = $3 AND used_at IS NULL
         RETURNING purpose, pkce_verifier, return_to, expires_at",
        )
        .bind(now)
        .bind(&hash)
        .bind(provider)
    )
    .map_err(Error::from)?;

    let Some((purpose, verifier, return_to, expires_at)) = row else {
        let exists: Option<i64> = db::fetch_optional!(
            db,
            sqlx::query_scalar(
                "SELECT used_at FROM oauth_states WHERE state_hash = $1 AND provider = $2",
            )
            .bind(&hash)
            .bind(provider)
        )
        .map_err(Error::from)?
        .flatten();
        return Err(if exists.is_some() {
            StateError::Used
        } else {
            StateError::Unknown
        });
    };
    if expires_at <= now {
        return Err(StateError::Expired);
    }
    // Only the state opens it; a row from before sealing reads as unknown.
    let pkce_verifier =
        vault::open_under(state, VERIFIER, &verifier).map_err(|_| StateError::Unknown)?;
    Ok(PendingLogin {
        provider,
        purpose,
        pkce_verifier,
        return_to,
    })
}

/// Forgets logins that ended more than a day ago (used or expired).
pub async fn prune(db: &Db, clock: &Clock) -> Result<u64, Error> {
    let cutoff = clock.now() - 24 * 60 * 60;
    Ok(db::execute!(
        db,
        sqlx::query("DELETE FROM oauth_states WHERE expires_at < $1").bind(cutoff)
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::db;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    async fn started(db: &Db, state: &str) {
        create(
            db,
            &secret(state),
            crate::providers::GITHUB.id,
            Purpose::SignIn,
            &secret("verifier-123"),
            Some("/onboarding/team"),
            &Clock::system(),
        )
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn a_state_is_consumed_exactly_once() {
        let db = db::memory().await;
        started(&db, "s1").await;

        let login = consume(&db, "s1", crate::providers::GITHUB.id, &Clock::system())
            .await
            .unwrap();
        assert_eq!(login.purpose, Purpose::SignIn);
        assert_eq!(login.pkce_verifier.expose_secret(), "verifier-123");
        assert_eq!(login.return_to.as_deref(), Some("/onboarding/team"));

        assert!(matches!(
            consume(&db, "s1", crate::providers::GITHUB.id, &Clock::system()).await,
            Err(StateError::Used)
        ));
    }

    #[tokio::test]
    async fn an_unknown_state_or_another_providers_state_is_unknown() {
        let db = db::memory().await;
        started(&db, "s1").await;

        assert!(matches!(
            consume(&db, "nope", crate::providers::GITHUB.id, &Clock::system()).await,
            Err(StateError::Unknown)
        ));
        assert!(matches!(
            consume(&db, "s1", crate::providers::GOOGLE.id, &Clock::system()).await,
            Err(StateError::Unknown)
        ));
        assert!(
            consume(&db, "s1", crate::providers::GITHUB.id, &Clock::system())
                .await
                .is_ok(),
            "the failed attempts did not burn it"
        );
    }

    #[tokio::test]
    async fn an_expired_state_is_refused_and_burned() {
        let db = db::memory().await;
        started(&db, "s1").await;
        let later = Clock::system();
        later.advance(std::time::Duration::from_secs(STATE_TTL_SECS as u64 + 1));

        assert!(matches!(
            consume(&db, "s1", crate::providers::GITHUB.id, &later).await,
            Err(StateError::Expired)
        ));
        assert!(matches!(
            consume(&db, "s1", crate::providers::GITHUB.id, &Clock::system()).await,
            Err(StateError::Used)
        ));
    }

    #[tokio::test]
    async fn only_the_hash_of_a_state_is_stored() {
        let db = db::memory().await;
        started(&db, "plain-state-value").await;

        let stored: String = db::fetch_one!(
            db,
            sqlx::query_scalar("SELECT state_hash FROM oauth_states")
        )
        .unwrap();
        assert_eq!(stored, sha256_hex("plain-state-value"));
    }

    #[tokio::test]
    async fn the_pkce_verifier_is_stored_sealed_under_the_state() {
        let db = db::memory().await;
        started(&db, "a-state-of-enough-entropy").await;
        let stored: String = db::fetch_one!(
            db,
            sqlx::query_scalar("SELECT pkce_verifier FROM oauth_states")
        )
        .unwrap();
        assert!(!stored.contains("verifier-123"), "{stored}");
        assert!(vault::open_under("another-state", VERIFIER, &stored).is_err());
        assert_eq!(
            vault::open_under("a-state-of-enough-entropy", VERIFIER, &stored)
                .unwrap()
                .expose_secret(),
            "verifier-123"
        );
    }

    #[tokio::test]
    async fn pruning_forgets_old_logins_only() {
        let db = db::memory().await;
        started(&db, "old").await;
        started(&db, "new").await;
        db::execute!(
            db,
            sqlx::query("UPDATE oauth_states SET expires_at = 1 WHERE state_hash = $1")
                .bind(sha256_hex("old"))
        )
        .unwrap();

        assert_eq!(prune(&db, &Clock::system()).await.unwrap(), 1);
        assert!(
            consume(&db, "new", crate::providers::GITHUB.id, &Clock::system())
                .await
                .is_ok()
        );
    }
}
