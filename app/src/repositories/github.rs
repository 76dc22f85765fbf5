//! GitHub's REST API (or the development stand-in behind the same interface).

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use crate::providers::registry::ProviderEndpoints;

#[derive(Clone, Debug, Deserialize)]
pub struct GithubUser {
    pub id: i64,
    pub login: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub avatar_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error("GitHub refused the token (HTTP {0})")]
    Unauthorized(u16),
    #[error("GitHub is unavailable: {0}")]
    Unavailable(String),
}

/// The API URL of `path` (relative to the REST API's root).
pub fn api(github: &ProviderEndpoints, path: &str) -> Result<Url, GithubError> {
    github
        .api_url
        .as_ref()
        .ok_or_else(|| GithubError::Unavailable("no GitHub API URL configured".to_owned()))?
        .join(path)
        .map_err(|e| GithubError::Unavailable(e.to_string()))
}

/// `GET url` with the user's token, the way GitHub asks to be called.
/// Transport failures are `Unavailable`; the status is the caller's to read.
pub async fn get(
    http: &reqwest::Client,
    token: &SecretString,
    url: Url,
) -> Result<reqwest::Response, GithubError> {
    http.get(url)
        .bearer_auth(token.expose_secret())
        .header(reqwest::header::ACCEPT, "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28")
        .send()
        .await
        .map_err(|e| GithubError::Unavailable(e.without_url().to_string()))
}

/// `GET /user`: who the token belongs to.
pub async fn fetch_user(
    http: &reqwest::Client,
    github: &ProviderEndpoints,
    token: &SecretString,
) -> Result<GithubUser, GithubError> {
    let response = get(http, token, api(github, "user")?).await?;
    let status = response.status();
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
        return Err(GithubError::Unauthorized(status.as_u16()));
    }
    if !status.is_success() {
        return Err(GithubError::Unavailable(format!("HTTP {status}")));
    }
    response
        .json()
        .await
        .map_err(|e| GithubError::Unavailable(e.without_url().to_string()))
}
