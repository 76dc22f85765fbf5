//! The one callback per provider, `/oauth/callback/<provider>`: the checks
//! every provider answer goes through, whatever the login was for (the
//! single-use state row says which: sign-in or connect).

use serde::Deserialize;
use tower_sessions::Session;

use crate::identity::session;
use crate::identity::LoginFailure;
use crate::platform::AppState;
use crate::providers::oauth;
use crate::providers::oauth_states;
use crate::providers::oauth_states::{PendingLogin, Purpose, StateError};
use crate::providers::registry::ProviderEndpoints;
use crate::providers::ProviderId;

/// What the provider sends back to `/oauth/callback/<provider>`.
#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    /// RFC 9207: who issued this answer.
    pub iss: Option<String>,
}

/// Starts a login of any purpose: a single-use state (stored hashed, with the
/// PKCE verifier and where to return) bound to this browser's session.
/// Returns the provider's authorization URL.
pub async fn start_login(
    app: &AppState,
    session: &Session,
    provider: &ProviderEndpoints,
    purpose: Purpose,
    return_to: Option<&str>,
) -> Result<url::Url, LoginFailure> {
    let request = oauth::authorize(provider, &app.callback_url(provider.id))
        .ok_or(LoginFailure::UnknownProvider)?;
    oauth_states::create(
        &app.db,
        &request.state,
        provider.id,
        purpose,
        &request.pkce_verifier,
        return_to,
        &app.clock,
    )
    .await
    .map_err(internal)?;
    session::remember_login_state(session, &request.state)
        .await
        .map_err(internal)?;
    Ok(request.url)
}

/// A provider's answer, checked: the state was ours, single-use, started in
/// this browser, and the user said yes. What remains is the code exchange.
pub struct CheckedCallback {
    pub pending: PendingLogin,
    pub code: String,
}

/// The checks every callback shares, whatever the login was for.
pub async fn check_callback(
    app: &AppState,
    session: &Session,
    provider: ProviderId,
    query: CallbackQuery,
) -> Result<CheckedCallback, (Option<PendingLogin>, LoginFailure)> {
    let Some(state) = query.state.as_deref().filter(|s| !s.is_empty()) else {
        return Err((None, LoginFailure::StateMismatch));
    };
    // Consume the state first, whatever the outcome: a state is good for one answer.
    let pending = oauth_states::consume(&app.db, state, provider, &app.clock)
        .await
        .map_err(|e| {
            let failure = match e {
                StateError::Unknown => LoginFailure::StateMismatch,
                StateError::Used => LoginFailure::StateUsed,
                StateError::Expired => LoginFailure::StateExpired,
                StateError::Backend(e) => internal(e),
            };
            (None, failure)
        })?;
    match session::take_login_state(session, state).await {
        Ok(true) => {}
        Ok(false) => return Err((Some(pending), LoginFailure::StateMismatch)),
        Err(e) => return Err((Some(pending), internal(e))),
    }
    if let Some(endpoints) = app.providers.endpoints(provider) {
        if endpoints
            .check_callback_issuer(query.iss.as_deref())
            .is_err()
        {
            tracing::warn!(provider = %provider, iss = ?query.iss.as_deref().map(truncate), "an authorization response named another issuer");
            return Err((Some(pending), LoginFailure::WrongIssuer));
        }
    }
    if let Some(error) = query.error {
        tracing::info!(provider = %provider, error = %truncate(&error), "provider refused the login");
        let failure = if error == "access_denied" {
            LoginFailure::Denied
        } else {
            LoginFailure::ProviderError
        };
        return Err((Some(pending), failure));
    }
    match query.code.filter(|c| !c.is_empty()) {
        Some(code) => Ok(CheckedCallback { pending, code }),
        None => Err((Some(pending), LoginFailure::ProviderError)),
    }
}

pub(crate) fn internal(e: impl std::fmt::Display) -> LoginFailure {
    tracing::error!(error = %e, "sign-in failed");
    LoginFailure::Internal
}

/// Provider-sent text is logged, but bounded.
pub(crate) fn truncate(s: &str) -> &str {
    match s.char_indices().nth(64) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
