//! Connecting a provider by full-page redirect (authorization code + PKCE):
//! from "Login with Google" to the provider and back to where the user was.

use tower_sessions::Session;

use crate::audit::log as audit;
use crate::audit::log::Source;
use crate::audit::AuditAction;
use crate::connect::{proof, CredentialMethod};
use crate::identity::session;
use crate::identity::LoginFailure;
use crate::platform::AppState;
use crate::providers::callback;
use crate::providers::callback::{internal, CheckedCallback};
use crate::providers::oauth;
use crate::providers::oauth_states::Purpose;
use crate::providers::userinfo;
use crate::providers::{ConnectMethod, ProviderInfo, SentAs};
use crate::vault::credentials;
use crate::vault::credentials::Connection;

/// Where a connect returns when it was not told: the providers settings.
pub const DEFAULT_RETURN: &str = "/settings/providers";

/// Accepts only a same-site relative path ("/onboarding/providers"), never a
/// URL that leaves the site ("//evil.example", "https://…", "/\\evil").
pub fn safe_return_to(raw: Option<&str>) -> Result<String, &'static str> {
    let Some(path) = raw.filter(|p| !p.is_empty()) else {
        return Ok(DEFAULT_RETURN.to_owned());
    };
    let off_site = !path.starts_with('/')
        || path.starts_with("//")
        || path.contains('\\')
        || path.chars().any(|c| c.is_control())
        || path.len() > 512;
    if off_site {
        Err("return_to must be a path on this site, such as /settings/providers")
    } else {
        Ok(path.to_owned())
    }
}

/// Starts a connect for the signed-in user; returns the provider's authorization URL.
pub async fn begin(
    app: &AppState,
    session: &Session,
    info: &'static ProviderInfo,
    return_to: &str,
) -> Result<url::Url, LoginFailure> {
    let endpoints = app
        .providers
        .endpoints(info.id)
        .filter(|_| app.providers.supports(info, ConnectMethod::Redirect))
        .ok_or(LoginFailure::UnknownProvider)?;
    callback::start_login(app, session, endpoints, Purpose::Connect, Some(return_to)).await
}

/// Completes a connect: the code for tokens, the account from userinfo, the
/// tokens into the vault. Returns where to send the browser.
pub async fn complete(
    app: &AppState,
    session: &Session,
    checked: CheckedCallback,
    source: Source,
) -> Result<String, LoginFailure> {
    let CheckedCallback { pending, code } = checked;
    let info = pending.provider.info();
    let endpoints = app
        .providers
        .endpoints(info.id)
        .ok_or(LoginFailure::UnknownProvider)?;
    // Only the user who started the connect may finish it.
    let user_id = session::user_id(app, session)
        .await
        .map_err(internal)?
        .ok_or(LoginFailure::StateMismatch)?;
    let tokens = match oauth::exchange_code(
        &app.http,
        endpoints,
        &app.callback_url(info.id),
        &code,
        &pending.pkce_verifier,
        &app.clock,
    )
    .await
    {
        Ok(tokens) => tokens,
        Err(e) => {
            tracing::warn!(provider = %info.id, error = %e, "connect: code exchange failed");
            audit::note(
                &app.db,
                &user_id,
                AuditAction::ConnectFailed,
                info.id,
                "redirect: code exchange failed",
                &source,
                &app.clock,
            )
            .await;
            return Err(e.failure());
        }
    };
    let account = userinfo::account(&app.http, endpoints, info, &tokens.access_token).await;
    let storing = proof::Storing {
        user_id: &user_id,
        info,
        what: "redirect login",
        failed: AuditAction::ConnectFailed,
        source: &source,
    };
    let stored = proof::before_storing(app, storing, &tokens.access_token, Some(SentAs::Bearer))
        .await
        .map_err(|_| LoginFailure::ProviderError)?;
    credentials::store(
        &app.db,
        &app.vault,
        &user_id,
        info.id,
        &Connection {
            account: &account.name,
            subject: account.subject.as_ref(),
            method: CredentialMethod::Redirect,
            env_var: info.oauth_env_var,
            token_hint: None,
            verification: stored.verification,
            proof: stored.proof.as_deref(),
        },
        &tokens,
        &app.clock,
    )
    .await
    .map_err(internal)?;
    audit::note(
        &app.db,
        &user_id,
        AuditAction::Connect,
        info.id,
        "redirect",
        &source,
        &app.clock,
    )
    .await;
    Ok(pending
        .return_to
        .unwrap_or_else(|| DEFAULT_RETURN.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::safe_return_to;

    #[test]
    fn only_same_site_paths_are_accepted() {
        assert_eq!(safe_return_to(None).unwrap(), "/settings/providers");
        assert_eq!(
            safe_return_to(Some("/onboarding/providers")).unwrap(),
            "/onboarding/providers"
        );
        for bad in [
            "//evil.example",
            "https://evil.example/",
            "evil",
            "/\\evil.example",
            "/a\nb",
        ] {
            assert!(safe_return_to(Some(bad)).is_err(), "{bad:?}");
        }
    }
}
