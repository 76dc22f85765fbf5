//! The generic OAuth 2.0 client (authorization code + PKCE S256), built on the
//! `oauth2` crate. Provider differences come from `ProviderEndpoints`, never
//! from branches here.

use std::future::Future;
use std::pin::Pin;

use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    HttpClientError, HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    RefreshToken, RequestTokenError, Scope, StandardErrorResponse, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::platform::Clock;
use crate::providers::registry::ProviderEndpoints;
use crate::providers::Revocation;
use crate::vault::credentials::TokenSet;

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

impl ExchangeError {
    /// What the login failure page says about it.
    pub fn failure(&self) -> crate::identity::LoginFailure {
        match self {
            ExchangeError::Rejected(_) => crate::identity::LoginFailure::ProviderError,
            ExchangeError::Unavailable(_) => crate::identity::LoginFailure::ProviderUnavailable,
        }
    }
}

/// The authorization URL with a fresh state and PKCE challenge; `None` when
/// the provider has no authorization endpoint (device code or import only).
pub fn authorize(provider: &ProviderEndpoints, redirect: &Url) -> Option<AuthorizeRequest> {
    let client = BasicClient::new(ClientId::new(provider.client_id.clone()))
        .set_auth_uri(AuthUrl::from_url(provider.auth_url.clone()?))
        .set_redirect_uri(RedirectUrl::from_url(redirect.clone()));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(provider.scopes.iter().map(|s| Scope::new(s.clone())))
        .set_pkce_challenge(challenge)
        .url();
    Some(AuthorizeRequest {
        url,
        state: SecretString::from(state.secret().clone()),
        pkce_verifier: SecretString::from(verifier.secret().clone()),
    })
}

/// A client of the provider's token endpoint, authenticated with the secret if it has one.
pub(crate) fn token_client(
    provider: &ProviderEndpoints,
) -> BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet> {
    let mut client = BasicClient::new(ClientId::new(provider.client_id.clone()))
        .set_token_uri(TokenUrl::from_url(provider.token_url.clone()));
    if let Some(secret) = &provider.client_secret {
        client = client.set_client_secret(ClientSecret::new(secret.expose_secret().to_owned()));
    }
    client
}

type HttpResult = Result<HttpResponse, HttpClientError<reqwest::Error>>;

/// The HTTP client the `oauth2` crate calls, with two corrections. GitHub
/// answers OAuth errors with HTTP 200, where RFC 6749 says 400: such an
/// answer is turned into the 400 it should have been, so every provider's
/// errors reach the crate's error handling the same way. And a 5xx is an
/// outage whatever its body says (`{"error":"server_error"}` included):
/// it must not pass for a refusal of the token, which ends the grant.
///
/// The closure owns its (cheaply cloned) client, so its futures borrow nothing.
pub(crate) fn http_for_oauth(
    http: &reqwest::Client,
) -> impl Fn(HttpRequest) -> Pin<Box<dyn Future<Output = HttpResult> + Send>> {
    let http = http.clone();
    move |request| {
        let http = http.clone();
        Box::pin(async move {
            let mut response = oauth2::AsyncHttpClient::call(&http, request).await?;
            if response.status().is_server_error() {
                return Err(HttpClientError::Other(format!(
                    "HTTP {}",
                    response.status()
                )));
            }
            if response.status() == oauth2::http::StatusCode::OK && is_error_body(response.body()) {
                *response.status_mut() = oauth2::http::StatusCode::BAD_REQUEST;
            }
            Ok(response)
        })
    }
}

fn is_error_body(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            let error = v.get("error")?.as_str()?.to_owned();
            Some(!error.is_empty() && v.get("access_token").is_none())
        })
        .unwrap_or(false)
}

/// The tokens of a successful token response.
pub fn token_set(response: &BasicTokenResponse, clock: &Clock) -> TokenSet {
    TokenSet {
        access_token: SecretString::from(response.access_token().secret().clone()),
        refresh_token: response
            .refresh_token()
            .map(|t| SecretString::from(t.secret().clone())),
        // Saturating: a provider's `expires_in` is any u64 on the wire.
        expires_at: response.expires_in().map(|d| {
            clock
                .now()
                .saturating_add(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        }),
        scopes: response
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect())
            .unwrap_or_default(),
    }
}

/// Exchanges an authorization code (with its PKCE verifier) for tokens.
pub async fn exchange_code(
    http: &reqwest::Client,
    provider: &ProviderEndpoints,
    redirect: &Url,
    code: &str,
    pkce_verifier: &SecretString,
    clock: &Clock,
) -> Result<TokenSet, ExchangeError> {
    let client = token_client(provider).set_redirect_uri(RedirectUrl::from_url(redirect.clone()));
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(
            pkce_verifier.expose_secret().to_owned(),
        ))
        .request_async(&http_for_oauth(http))
        .await
        .map_err(classify)?;
    Ok(token_set(&response, clock))
}

/// Trades a refresh token for fresh tokens. The answer may carry a new
/// refresh token (rotation); without one, the old one stays valid.
pub async fn refresh(
    http: &reqwest::Client,
    provider: &ProviderEndpoints,
    refresh_token: &SecretString,
    clock: &Clock,
) -> Result<TokenSet, ExchangeError> {
    let refresh_token = RefreshToken::new(refresh_token.expose_secret().to_owned());
    let response = token_client(provider)
        .exchange_refresh_token(&refresh_token)
        .request_async(&http_for_oauth(http))
        .await
        .map_err(classify)?;
    Ok(token_set(&response, clock))
}

/// Tells the provider to end the grant, the way its registry entry says
/// (`Revocation`). `Ok(false)` when it has no way to here.
///
/// RFC 7009 is sent with reqwest rather than the `oauth2` crate: the crate refuses any
/// non-https revocation URL, which would leave this path untested against the
/// loopback development providers. The request is the RFC's form POST with
/// the same client authentication (HTTP Basic) as the token endpoint.
pub async fn revoke(
    http: &reqwest::Client,
    provider: &ProviderEndpoints,
    revocation: Revocation,
    access_token: &SecretString,
    refresh_token: Option<&SecretString>,
) -> Result<bool, ExchangeError> {
    let request = match revocation {
        Revocation::Rfc7009 => {
            let Some(revoke_url) = &provider.revoke_url else {
                return Ok(false);
            };
            // Revoking the refresh token ends the whole grant; else the access token.
            let (token, hint) = match refresh_token {
                Some(refresh) => (refresh, "refresh_token"),
                None => (access_token, "access_token"),
            };
            let mut form = vec![("token", token.expose_secret()), ("token_type_hint", hint)];
            let mut request = http.post(revoke_url.clone());
            match &provider.client_secret {
                Some(secret) => {
                    request = request.basic_auth(&provider.client_id, Some(secret.expose_secret()))
                }
                // A public client names itself in the body (RFC 7009 §2.1).
                None => form.push(("client_id", &provider.client_id)),
            }
            request.form(&form)
        }
        Revocation::GitHubGrant => {
            let (Some(api), Some(secret)) = (&provider.api_url, &provider.client_secret) else {
                return Ok(false);
            };
            let url = api
                .join(&format!("applications/{}/grant", provider.client_id))
                .map_err(|e| ExchangeError::Unavailable(e.to_string()))?;
            http.delete(url)
                .basic_auth(&provider.client_id, Some(secret.expose_secret()))
                .header(reqwest::header::ACCEPT, "application/vnd.github+json")
                .json(&serde_json::json!({ "access_token": access_token.expose_secret() }))
        }
    };
    let response = request
        .send()
        .await
        .map_err(|e| ExchangeError::Unavailable(e.without_url().to_string()))?;
    let status = response.status();
    if status.is_success() {
        Ok(true)
    } else if status.is_server_error() {
        Err(ExchangeError::Unavailable(format!("HTTP {status}")))
    } else {
        Err(ExchangeError::Rejected(format!("HTTP {status}")))
    }
}

type TokenError = RequestTokenError<
    HttpClientError<reqwest::Error>,
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
