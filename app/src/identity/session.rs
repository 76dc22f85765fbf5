//! What Relay keeps in a browser session (tower-sessions, database store),
//! and how long a signed-in session lives: an absolute lifetime from sign-in,
//! an idle timeout, and "Sign out everywhere" (a generation per user that a
//! session must match). Times come from the app's clock, so tests move it.

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::platform::{db, sha256_hex, AppState, Db, Error};

const USER_ID: &str = "user_id";
const SIGNED_IN_AT: &str = "signed_in_at";
const LAST_SEEN_AT: &str = "last_seen_at";
const GENERATION: &str = "generation";
/// The SHA-256 of the state of the login this browser started.
const OAUTH_STATE: &str = "oauth_state_hash";
const CLI_CONFIRMATION: &str = "cli_confirmation";
const CLI_HANDOVER: &str = "cli_handover";
/// How often the idle clock is written (not on every request).
const SEEN_RESOLUTION_SECS: i64 = 60;

/// How long a signed-in browser session lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lifetimes {
    /// From sign-in, whatever the activity (`RELAY_SESSION_HOURS`, default 12 h).
    pub absolute_secs: i64,
    /// Without a request (`RELAY_SESSION_IDLE_MINUTES`, default 60 min).
    pub idle_secs: i64,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            absolute_secs: 12 * 60 * 60,
            idle_secs: 60 * 60,
        }
    }
}

/// The signed-in user of this session, or `None`. A session past its
/// lifetime, idle too long, or ended by "Sign out everywhere" is emptied.
pub async fn user_id(app: &AppState, session: &Session) -> Result<Option<String>, Error> {
    let Some(id) = session.get::<String>(USER_ID).await? else {
        return Ok(None);
    };
    let now = app.clock.now();
    // A session from before these fields existed reads as expired.
    let signed_in = session.get::<i64>(SIGNED_IN_AT).await?.unwrap_or(i64::MIN);
    let seen = session.get::<i64>(LAST_SEEN_AT).await?.unwrap_or(i64::MIN);
    let generation = session.get::<i64>(GENERATION).await?;
    let live = now.saturating_sub(signed_in) < app.session_lifetimes.absolute_secs
        && now.saturating_sub(seen) < app.session_lifetimes.idle_secs
        && generation.is_some()
        && current_generation(&app.db, &id).await? == generation;
    if !live {
        session.flush().await?;
        return Ok(None);
    }
    if now - seen >= SEEN_RESOLUTION_SECS {
        session.insert(LAST_SEEN_AT, now).await?;
    }
    Ok(Some(id))
}

/// Starts an authenticated session. The session id changes, so an id planted
/// before sign-in (session fixation) is worthless afterwards.
pub async fn sign_in(app: &AppState, session: &Session, user_id: &str) -> Result<(), Error> {
    let generation = current_generation(&app.db, user_id).await?.unwrap_or(0);
    let now = app.clock.now();
    session.cycle_id().await?;
    session.insert(USER_ID, user_id).await?;
    session.insert(SIGNED_IN_AT, now).await?;
    session.insert(LAST_SEEN_AT, now).await?;
    session.insert(GENERATION, generation).await?;
    Ok(())
}

pub async fn sign_out(session: &Session) -> Result<(), Error> {
    session.flush().await?;
    Ok(())
}

/// Ends every browser session of the user (each one's generation no longer
/// matches) and every terminal session (their tokens are revoked).
pub async fn sign_out_everywhere(app: &AppState, user_id: &str) -> Result<(), Error> {
    db::execute!(
        app.db,
        sqlx::query("UPDATE users SET session_generation = session_generation + 1 WHERE id = $1")
            .bind(user_id)
    )?;
    crate::cli_broker::session_tokens::revoke_all(&app.db, user_id, &app.clock).await
}

async fn current_generation(db: &Db, user_id: &str) -> Result<Option<i64>, Error> {
    Ok(db::fetch_optional!(
        db,
        sqlx::query_scalar("SELECT session_generation FROM users WHERE id = $1").bind(user_id)
    )?)
}

/// Binds a started login to this browser (by the state's hash: the session
/// table never holds the state itself).
pub async fn remember_login_state(session: &Session, state: &SecretString) -> Result<(), Error> {
    session
        .insert(OAUTH_STATE, sha256_hex(state.expose_secret()))
        .await?;
    Ok(())
}

/// Whether `state` is the login this browser started; forgets it either way.
pub async fn take_login_state(session: &Session, state: &str) -> Result<bool, Error> {
    let expected: Option<String> = session.remove(OAUTH_STATE).await?;
    let presented = sha256_hex(state);
    Ok(expected.is_some_and(|e| bool::from(e.as_bytes().ct_eq(presented.as_bytes()))))
}

/// Binds a terminal login waiting for confirmation to this browser.
pub async fn remember_cli_confirmation(session: &Session, key: &str) -> Result<(), Error> {
    session.insert(CLI_CONFIRMATION, key).await?;
    Ok(())
}

/// The terminal login this browser was asked to confirm; forgets it.
pub async fn take_cli_confirmation(session: &Session) -> Result<Option<String>, Error> {
    Ok(session.remove(CLI_CONFIRMATION).await?)
}

/// The terminal login this browser confirmed, whose page waits until the
/// terminal has collected its session (`/live/cli`).
pub async fn remember_cli_handover(session: &Session, key: &str) -> Result<(), Error> {
    session.insert(CLI_HANDOVER, key).await?;
    Ok(())
}

pub async fn cli_handover(session: &Session) -> Result<Option<String>, Error> {
    Ok(session.get(CLI_HANDOVER).await?)
}
