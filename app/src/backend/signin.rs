//! "Continue with GitHub": the sign-up / sign-in use case, from the click to
//! an authenticated session.

use serde::Deserialize;
use tower_sessions::Session;

use crate::backend::oauth::{self, ExchangeError};
use crate::backend::oauth_states::{self, Purpose, StateError};
use crate::backend::{credentials, github, session, users, AppState};
use crate::models::LoginFailure;

/// What the provider sends back to `/oauth/callback/<provider>`.
#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// Starts a sign-in: records a single-use state and returns where to send the browser.
pub async fn begin(app: &AppState, session: &Session) -> Result<url::Url, LoginFailure> {
    let provider = app.providers.github();
    let request = oauth::authorize(provider, &app.callback_url(provider.id))
        .ok_or(LoginFailure::UnknownProvider)?;
    oauth_states::create(
        &app.db,
        &request.state,
        provider.id,
        Purpose::SignIn,
        &request.pkce_verifier,
        None,
    )
    .await
    .map_err(internal)?;
    session::remember_login_state(session, &request.state)
        .await
        .map_err(internal)?;
    Ok(request.url)
}

/// Completes a sign-in and returns the path the user should land on.
pub async fn complete(
    app: &AppState,
    session: &Session,
    query: CallbackQuery,
) -> Result<String, LoginFailure> {
    let provider = app.providers.github();
    let Some(state) = query.state.as_deref().filter(|s| !s.is_empty()) else {
        return Err(LoginFailure::StateMismatch);
    };
    // Consume the state first, whatever the outcome: a state is good for one answer.
    let pending = oauth_states::consume(&app.db, state, provider.id)
        .await
        .map_err(|e| match e {
            StateError::Unknown => LoginFailure::StateMismatch,
            StateError::Used => LoginFailure::StateUsed,
            StateError::Expired => LoginFailure::StateExpired,
            StateError::Backend(e) => internal(e),
        })?;
    if !session::take_login_state(session, state)
        .await
        .map_err(internal)?
    {
        return Err(LoginFailure::StateMismatch);
    }
    if let Some(error) = query.error {
        tracing::info!(provider = provider.id, error = %truncate(&error), "provider refused the sign-in");
        return Err(if error == "access_denied" {
            LoginFailure::Denied
        } else {
            LoginFailure::ProviderError
        });
    }
    let code = query
        .code
        .filter(|c| !c.is_empty())
        .ok_or(LoginFailure::ProviderError)?;

    let redirect = app.callback_url(provider.id);
    let tokens = oauth::exchange_code(
        &app.http,
        provider,
        &redirect,
        &code,
        &pending.pkce_verifier,
    )
    .await
    .map_err(|e| {
        tracing::warn!(provider = provider.id, error = %e, "code exchange failed");
        match e {
            ExchangeError::Rejected(_) => LoginFailure::ProviderError,
            ExchangeError::Unavailable(_) => LoginFailure::ProviderUnavailable,
        }
    })?;
    let gh_user = github::fetch_user(&app.http, provider, &tokens.access_token)
        .await
        .map_err(|e| {
            tracing::warn!(provider = provider.id, error = %e, "fetching the GitHub user failed");
            LoginFailure::ProviderUnavailable
        })?;

    let user = users::upsert_from_github(&app.db, &app.vault, &gh_user)
        .await
        .map_err(internal)?;
    // The sign-in token is also the Copilot credential: stored only in the vault.
    credentials::store(
        &app.db,
        &app.vault,
        &user.id,
        provider.id,
        &credentials::Connection {
            account: &user.login,
            method: credentials::Method::SignIn,
            env_var: crate::providers::GITHUB.oauth_env_var,
            token_hint: None,
        },
        &tokens,
    )
    .await
    .map_err(internal)?;
    session::sign_in(session, &user.id)
        .await
        .map_err(internal)?;
    tracing::info!(user = %user.id, login = %user.login, "signed in");
    Ok(user.progress().home_path())
}

fn internal(e: impl std::fmt::Display) -> LoginFailure {
    tracing::error!(error = %e, "sign-in failed");
    LoginFailure::Internal
}

/// Provider-sent text is logged, but bounded.
fn truncate(s: &str) -> &str {
    match s.char_indices().nth(64) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
