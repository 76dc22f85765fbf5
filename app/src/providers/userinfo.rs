//! Who a provider token belongs to, for "Logged in as …".

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::providers::registry::ProviderEndpoints;
use crate::providers::ProviderInfo;

/// The fields of OpenID userinfo and of GitHub's `/user` that name a person.
#[derive(Deserialize)]
struct UserInfo {
    email: Option<String>,
    preferred_username: Option<String>,
    login: Option<String>,
    name: Option<String>,
    sub: Option<String>,
}

/// The account's email (or login, or name). Never fails: without an answer
/// the credential is still good, it is just named after the provider.
pub async fn account(
    http: &reqwest::Client,
    endpoints: &ProviderEndpoints,
    info: &ProviderInfo,
    token: &SecretString,
) -> String {
    match who(http, endpoints, token).await {
        Ok(Some(name)) => name,
        Ok(None) => format!("your {} account", info.name),
        Err(e) => {
            tracing::warn!(provider = %info.id, error = %e, "userinfo failed");
            format!("your {} account", info.name)
        }
    }
}

/// Asks the userinfo endpoint who `token` belongs to. `Ok(None)`: the
/// provider has no userinfo endpoint. The error says what the provider did.
pub async fn who(
    http: &reqwest::Client,
    endpoints: &ProviderEndpoints,
    token: &SecretString,
) -> Result<Option<String>, String> {
    let Some(url) = &endpoints.userinfo_url else {
        return Ok(None);
    };
    let response = http
        .get(url.clone())
        .bearer_auth(token.expose_secret())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| format!("no answer ({})", e.without_url()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    let info: UserInfo = response
        .json()
        .await
        .map_err(|_| "an unreadable answer".to_owned())?;
    Ok([
        info.email,
        info.preferred_username,
        info.login,
        info.name,
        info.sub,
    ]
    .into_iter()
    .flatten()
    .find(|s| !s.trim().is_empty())
    .map(|s| s.chars().take(200).collect()))
}
