//! What Relay keeps in a browser session (tower-sessions, database store).

use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use crate::platform::Error;

const USER_ID: &str = "user_id";
const OAUTH_STATE: &str = "oauth_state";
const CLI_CONFIRMATION: &str = "cli_confirmation";

pub async fn user_id(session: &Session) -> Result<Option<String>, Error> {
    Ok(session.get::<String>(USER_ID).await?)
}

/// Starts an authenticated session. The session id changes, so an id planted
/// before sign-in (session fixation) is worthless afterwards.
pub async fn sign_in(session: &Session, user_id: &str) -> Result<(), Error> {
    session.cycle_id().await?;
    session.insert(USER_ID, user_id).await?;
    Ok(())
}

pub async fn sign_out(session: &Session) -> Result<(), Error> {
    session.flush().await?;
    Ok(())
}

/// Binds a started login to this browser.
pub async fn remember_login_state(session: &Session, state: &SecretString) -> Result<(), Error> {
    session.insert(OAUTH_STATE, state.expose_secret()).await?;
    Ok(())
}

/// Whether `state` is the login this browser started; forgets it either way.
pub async fn take_login_state(session: &Session, state: &str) -> Result<bool, Error> {
    let expected: Option<String> = session.remove(OAUTH_STATE).await?;
    Ok(expected.is_some_and(|e| bool::from(e.as_bytes().ct_eq(state.as_bytes()))))
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
