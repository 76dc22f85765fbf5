//! The generic OAuth 2.0 client (authorization code + PKCE S256), built on the
//! `oauth2` crate. Provider differences come from `ProviderEndpoints`, never
//! from branches here.

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, StandardErrorResponse, TokenResponse,
    TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::backend::credentials::TokenSet;
use crate::backend::{now, ProviderEndpoints};

/// A login about to be sent to the provider.
pub struct AuthorizeRequest {
    pub url: Url,
    pub state: SecretString,
    pub pkce_verifier: SecretString,
}

#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// The provider answered with an OAuth error (bad code, PKCE mismatch, …).
    #[error("the provider rejected the grant: {0}")]
    Rejected(String),
    /// Timeout, connection failure, 5xx or an unreadable answer.
    #[error("the provider is unavailable: {0}")]
    Unavailable(String),
}

/// The authorization URL with a fresh state and PKCE challenge.
pub fn authorize(provider: &ProviderEndpoints, redirect: &Url) -> AuthorizeRequest {
    let client = BasicClient::new(ClientId::new(provider.client_id.clone()))
        .set_auth_uri(AuthUrl::from_url(provider.auth_url.clone()))
        .set_redirect_uri(RedirectUrl::from_url(redirect.clone()));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(provider.scopes.iter().map(|s| Scope::new(s.clone())))
        .set_pkce_challenge(challenge)
        .url();
    AuthorizeRequest {
        url,
        state: SecretString::from(state.secret().clone()),
        pkce_verifier: SecretString::from(verifier.secret().clone()),
    }
}

/// Exchanges an authorization code (with its PKCE verifier) for tokens.
pub async fn exchange_code(
    http: &reqwest::Client,
    provider: &ProviderEndpoints,
    redirect: &Url,
    code: &str,
    pkce_verifier: &SecretString,
) -> Result<TokenSet, ExchangeError> {
    let mut client = BasicClient::new(ClientId::new(provider.client_id.clone()))
        .set_token_uri(TokenUrl::from_url(provider.token_url.clone()))
        .set_redirect_uri(RedirectUrl::from_url(redirect.clone()));
    if let Some(secret) = &provider.client_secret {
        client = client.set_client_secret(ClientSecret::new(secret.expose_secret().to_owned()));
    }
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(
            pkce_verifier.expose_secret().to_owned(),
        ))
        .request_async(http)
        .await
        .map_err(classify)?;
    Ok(TokenSet {
        access_token: SecretString::from(response.access_token().secret().clone()),
        refresh_token: response
            .refresh_token()
            .map(|t| SecretString::from(t.secret().clone())),
        expires_at: response.expires_in().map(|d| now() + d.as_secs() as i64),
        scopes: response
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
    })
}

type TokenError = RequestTokenError<
    oauth2::HttpClientError<reqwest::Error>,
    StandardErrorResponse<BasicErrorResponseType>,
>;

/// Tells a refusal (the user must start again) from an outage (try again later).
/// Only the error code travels on: descriptions may echo what we sent.
fn classify(err: TokenError) -> ExchangeError {
    match err {
        RequestTokenError::ServerResponse(e) => ExchangeError::Rejected(e.error().to_string()),
        RequestTokenError::Request(e) => ExchangeError::Unavailable(format!("request failed: {e}")),
        RequestTokenError::Parse(_, body) => {
            ExchangeError::Unavailable(format!("unreadable answer ({} bytes)", body.len()))
        }
        RequestTokenError::Other(e) => ExchangeError::Unavailable(e),
    }
}
