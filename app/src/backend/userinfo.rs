//! Who a provider token belongs to, for "Logged in as …".

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::backend::ProviderEndpoints;
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
    let fallback = format!("your {} account", info.name);
    let Some(url) = &endpoints.userinfo_url else {
        return fallback;
    };
    let answer = http
        .get(url.clone())
        .bearer_auth(token.expose_secret())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .and_then(|r| r.error_for_status());
    let info: Option<UserInfo> = match answer {
        Ok(response) => response.json().await.ok(),
        Err(e) => {
            tracing::warn!(provider = info.id, error = %e.without_url(), "userinfo failed");
            None
        }
    };
    info.and_then(|u| {
        [u.email, u.preferred_username, u.login, u.name, u.sub]
            .into_iter()
            .flatten()
            .find(|s| !s.trim().is_empty())
    })
    .map(|s| s.chars().take(200).collect())
    .unwrap_or(fallback)
}
