//! Keeping credentials fresh: a token used within five minutes of its expiry
//! is refreshed first, and a background sweep refreshes the rest in time.
//!
//! A credential has exactly one refresher at a time. Within this process a
//! per-credential lock queues concurrent users behind the one refresh;
//! across instances the refresher holds the credential's lease in the
//! database (`vault::leases`) before it calls the provider, and the others
//! wait and read what it stored. So a provider that rotates refresh tokens
//! (and revokes the grant on reuse, RFC 9700 §4.14.2) never sees one twice.
//! Storing stays a compare-and-swap on the refresh token, in case a lease
//! expired under a holder that was merely slow.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secrecy::SecretString;

use crate::audit::log as audit;
use crate::audit::log::Source;
use crate::audit::AuditAction;
use crate::platform::{AppState, Clock, Error};
use crate::providers::oauth;
use crate::providers::oauth::ExchangeError;
use crate::providers::{ProviderId, ProviderInfo};
use crate::vault::credentials::{Field, UsedRefresh};
use crate::vault::{credentials, leases};

/// Refresh when the token has less than this left.
pub const REFRESH_WINDOW_SECS: i64 = 5 * 60;
/// Tries of a refresh against a provider that times out or answers 5xx.
const ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(300);
/// How often a caller waiting for another instance's refresh looks again.
const LEASE_POLL: Duration = Duration::from_millis(50);

/// One lock per (user, provider) credential.
type CredentialLocks = HashMap<(String, ProviderId), Arc<tokio::sync::Mutex<()>>>;

#[derive(Default)]
pub struct Refresher {
    locks: Mutex<CredentialLocks>,
}

impl Refresher {
    fn lock_for(&self, user_id: &str, provider: ProviderId) -> Arc<tokio::sync::Mutex<()>> {
        self.locks
            .lock()
            .expect("not poisoned")
            .entry((user_id.to_owned(), provider))
            .or_default()
            .clone()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FreshError {
    #[error("not connected")]
    NotConnected,
    /// The provider refused the refresh token: the user must connect again.
    #[error("the provider refused the credential; reconnect it")]
    NeedsReconnect,
    /// The provider kept failing and the stored token has expired.
    #[error("the provider is unavailable")]
    Unavailable,
    #[error(transparent)]
    Backend(#[from] Error),
}

/// The user's access token for `provider`, refreshed first if it expires
/// within five minutes.
pub async fn access_token(
    app: &AppState,
    user_id: &str,
    provider: ProviderId,
    source: &Source,
) -> Result<SecretString, FreshError> {
    Ok(fresh(app, user_id, provider, source).await?.token)
}

/// A fresh access token, with what its row says about it.
struct Opened {
    token: SecretString,
    expires_at: Option<i64>,
    env_var: Option<String>,
}

async fn fresh(
    app: &AppState,
    user_id: &str,
    provider: ProviderId,
    source: &Source,
) -> Result<Opened, FreshError> {
    if let Stored::Fresh(opened) = stored(app, user_id, provider).await? {
        return Ok(opened);
    }
    let lock = app.refresher.lock_for(user_id, provider);
    let _held = lock.lock().await;
    // Across instances, only the lease holder talks to the provider; the
    // others wait for what it stores.
    let holder = uuid::Uuid::new_v4().to_string();
    let deadline = Instant::now() + leases::LEASE;
    let mut waited = false;
    while !leases::claim(&app.db, user_id, provider, &holder, &app.clock).await? {
        if !waited {
            app.metrics.lease_conflict();
            waited = true;
        }
        if let Stored::Fresh(opened) = stored(app, user_id, provider).await? {
            return Ok(opened);
        }
        if Instant::now() >= deadline {
            return Err(FreshError::Unavailable);
        }
        tokio::time::sleep(LEASE_POLL).await;
    }
    let refreshed = refresh_leased(app, user_id, provider, source).await;
    leases::release(&app.db, user_id, provider, &holder).await;
    refreshed
}

/// What is stored for a credential right now.
enum Stored {
    /// Not due for a refresh: its access token, opened.
    Fresh(Opened),
    Due(credentials::Sealed),
}

async fn stored(app: &AppState, user_id: &str, provider: ProviderId) -> Result<Stored, FreshError> {
    let sealed = credentials::sealed(&app.db, user_id, provider)
        .await?
        .ok_or(FreshError::NotConnected)?;
    if sealed.needs_reconnect {
        return Err(FreshError::NeedsReconnect);
    }
    if due(sealed.expires_at, sealed.refreshable, &app.clock) {
        return Ok(Stored::Due(sealed));
    }
    Ok(Stored::Fresh(open_access(app, user_id, provider, &sealed)?))
}

/// The refresh itself, by the holder of the credential's lease.
async fn refresh_leased(
    app: &AppState,
    user_id: &str,
    provider: ProviderId,
    source: &Source,
) -> Result<Opened, FreshError> {
    // Someone may have refreshed while this caller waited for the lock.
    let sealed = match stored(app, user_id, provider).await? {
        Stored::Fresh(opened) => return Ok(opened),
        Stored::Due(sealed) => sealed,
    };
    let used = sealed.refresh_token.clone().expect("due() requires one");
    let refresh_token = credentials::open(&app.vault, user_id, provider, &sealed, Field::Refresh)?;
    let Some(endpoints) = app.providers.endpoints(provider) else {
        return Err(FreshError::Unavailable);
    };

    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 1;
    let outcome = loop {
        match oauth::refresh(&app.http, endpoints, &refresh_token, &app.clock).await {
            Err(ExchangeError::Unavailable(reason)) if attempt < ATTEMPTS => {
                tracing::warn!(provider = %provider, attempt, %reason, "refresh failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff *= 2;
                attempt += 1;
            }
            other => break other,
        }
    };
    app.metrics.refreshed(match &outcome {
        Ok(_) => "ok",
        Err(ExchangeError::Rejected(_)) => "refused",
        Err(ExchangeError::Unavailable(_)) => "unavailable",
    });
    match outcome {
        Ok(tokens) => {
            let used = UsedRefresh {
                sealed: &used,
                token: &refresh_token,
            };
            if credentials::store_refreshed(
                &app.db, &app.vault, user_id, provider, used, &tokens, &app.clock,
            )
            .await?
            {
                audit::note(
                    &app.db,
                    user_id,
                    AuditAction::Refresh,
                    provider,
                    "",
                    source,
                    &app.clock,
                )
                .await;
                Ok(Opened {
                    expires_at: tokens.expires_at,
                    token: tokens.access_token,
                    env_var: sealed.env_var,
                })
            } else {
                // Another instance refreshed first; use what it stored.
                let sealed = credentials::sealed(&app.db, user_id, provider)
                    .await?
                    .ok_or(FreshError::NotConnected)?;
                open_access(app, user_id, provider, &sealed)
            }
        }
        Err(ExchangeError::Rejected(code)) => {
            // A rotation by another instance looks like a rejection: check first.
            let now_stored = credentials::sealed(&app.db, user_id, provider).await?;
            if let Some(s) = now_stored.filter(|s| s.refresh_token.as_deref() != Some(&used)) {
                return open_access(app, user_id, provider, &s);
            }
            crate::connect::proof::refused(
                app,
                user_id,
                provider,
                &format!("the refresh was rejected ({code})"),
                source,
            )
            .await?;
            audit::note(
                &app.db,
                user_id,
                AuditAction::RefreshFailed,
                provider,
                &format!("rejected: {code}"),
                source,
                &app.clock,
            )
            .await;
            Err(FreshError::NeedsReconnect)
        }
        Err(ExchangeError::Unavailable(reason)) => {
            audit::note(
                &app.db,
                user_id,
                AuditAction::RefreshFailed,
                provider,
                "provider unavailable; credential kept",
                source,
                &app.clock,
            )
            .await;
            tracing::warn!(provider = %provider, %reason, "refresh failed; keeping the stored credential");
            // Still valid for a few minutes? Then it is still the right answer.
            match sealed.expires_at {
                Some(at) if at > app.clock.now() => open_access(app, user_id, provider, &sealed),
                _ => Err(FreshError::Unavailable),
            }
        }
    }
}

/// A credential handed to an agent: the environment its CLI expects.
pub struct HandOut {
    pub env_var: String,
    pub token: SecretString,
    pub expires_at: Option<i64>,
}

/// Hands a fresh credential of `info` to an agent runner (refreshed first
/// when it expires within five minutes), and notes it in the audit log.
pub async fn hand_out(
    app: &AppState,
    user_id: &str,
    info: &'static ProviderInfo,
    source: &Source,
) -> Result<HandOut, FreshError> {
    let opened = fresh(app, user_id, info.id, source).await?;
    let env_var = opened
        .env_var
        .unwrap_or_else(|| info.oauth_env_var.to_owned());
    audit::note(
        &app.db,
        user_id,
        AuditAction::CredentialFetched,
        info.id,
        &env_var,
        source,
        &app.clock,
    )
    .await;
    Ok(HandOut {
        env_var,
        token: opened.token,
        expires_at: opened.expires_at,
    })
}

/// Refreshes every credential about to expire (the background sweep).
/// Returns how many it refreshed or tried to.
pub async fn sweep(app: &AppState) -> Result<usize, Error> {
    let due = credentials::expiring(&app.db, app.clock.now() + REFRESH_WINDOW_SECS).await?;
    for (user_id, provider) in &due {
        if let Err(e) = access_token(app, user_id, *provider, &Source::worker()).await {
            tracing::info!(provider = %provider, error = %e, "sweep could not refresh a credential");
        }
    }
    Ok(due.len())
}

fn due(expires_at: Option<i64>, refreshable: bool, clock: &Clock) -> bool {
    refreshable && expires_at.is_some_and(|at| at - clock.now() < REFRESH_WINDOW_SECS)
}

fn open_access(
    app: &AppState,
    user_id: &str,
    provider: ProviderId,
    sealed: &credentials::Sealed,
) -> Result<Opened, FreshError> {
    Ok(Opened {
        token: credentials::open(&app.vault, user_id, provider, sealed, Field::Access)?,
        expires_at: sealed.expires_at,
        env_var: sealed.env_var.clone(),
    })
}
