//! "Continue with GitHub": the sign-up / sign-in use case, from the click to
//! an authenticated session.

use tower_sessions::Session;

use crate::identity::LoginFailure;
use crate::identity::{session, users};
use crate::platform::AppState;
use crate::providers::callback;
use crate::providers::callback::{internal, CheckedCallback};
use crate::providers::oauth;
use crate::providers::oauth_states::Purpose;
use crate::providers::userinfo::Subject;
use crate::repositories::github;
use crate::vault::credentials;

/// Starts a sign-in; returns where to send the browser.
pub async fn begin(app: &AppState, session: &Session) -> Result<url::Url, LoginFailure> {
    callback::start_login(app, session, app.providers.github(), Purpose::SignIn, None).await
}

/// Completes a sign-in and returns the path the user should land on.
pub async fn complete(
    app: &AppState,
    session: &Session,
    checked: CheckedCallback,
) -> Result<String, LoginFailure> {
    let user = authenticate(app, checked).await?;
    session::sign_in(app, session, &user.id)
        .await
        .map_err(internal)?;
    tracing::info!(user = %user.id, login = %user.login, "signed in");
    Ok(user.progress.home_path())
}

/// The GitHub side of any sign-in (browser or terminal): exchanges the code,
/// learns who it is, creates or updates the user and vaults the token.
pub async fn authenticate(
    app: &AppState,
    checked: CheckedCallback,
) -> Result<users::User, LoginFailure> {
    let provider = app.providers.github();
    let CheckedCallback { pending, code } = checked;
    let redirect = app.callback_url(provider.id);
    let tokens = oauth::exchange_code(
        &app.http,
        provider,
        &redirect,
        &code,
        &pending.pkce_verifier,
        &app.clock,
    )
    .await
    .map_err(|e| {
        tracing::warn!(provider = %provider.id, error = %e, "code exchange failed");
        e.failure()
    })?;
    let gh_user = github::fetch_user(&app.http, provider, &tokens.access_token)
        .await
        .map_err(|e| {
            tracing::warn!(provider = %provider.id, error = %e, "fetching the GitHub user failed");
            LoginFailure::ProviderUnavailable
        })?;

    let user = users::upsert_from_github(&app.db, &app.vault, &gh_user, &app.clock)
        .await
        .map_err(internal)?;
    // The sign-in token is also the Copilot credential: stored only in the vault.
    let subject = Subject {
        issuer: provider.subject_issuer(),
        id: gh_user.id.to_string(),
    };
    // GitHub's `/user` just answered for the token: that is its check.
    let proof = crate::providers::check::Proof::Account(user.login.clone()).finding();
    credentials::store(
        &app.db,
        &app.vault,
        &user.id,
        provider.id,
        &credentials::Connection {
            account: &user.login,
            subject: Some(&subject),
            method: crate::connect::CredentialMethod::SignIn,
            env_var: provider.id.info().oauth_env_var,
            token_hint: None,
            verification: crate::connect::Verification::Verified,
            proof: Some(&proof),
        },
        &tokens,
        &app.clock,
    )
    .await
    .map_err(internal)?;
    Ok(user)
}
