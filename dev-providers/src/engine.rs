//! The generic OAuth 2.0 authorization server behind every development
//! provider: authorization code with PKCE (RFC 6749, RFC 7636) and refresh
//! tokens that rotate. It keeps only SHA-256 hashes of what it issues, as a
//! real token server does.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use rand::distributions::{Alphanumeric, DistString};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use subtle::ConstantTimeEq;
use url::Url;

use crate::console::KeyState;
use crate::page::{error_line, escape, layout, person_picker};
use crate::{hash, people, stand_in, DevClient};
use protocol::clock::Clock;

pub(super) const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const CODE_TTL_SECS: i64 = 10 * 60;
const ACCESS_TTL_SECS: i64 = 8 * 60 * 60;
const REFRESH_TTL_SECS: i64 = 184 * 24 * 60 * 60;

pub struct Engine {
    db: SqlitePool,
    clients: HashMap<String, Vec<DevClient>>,
    /// Where browsers reach the development providers (for verification URIs).
    public_url: Url,
    device: DevSettings,
    clock: Clock,
}

/// How the development providers behave (configurable, so tests and demos
/// need not wait 15 minutes, and so each real provider's quirks can be
/// switched on or off).
#[derive(Clone, Copy, Debug)]
pub struct DevSettings {
    /// Lifetime of device codes, seconds.
    pub expires_in: i64,
    /// Device-code polling interval, seconds.
    pub interval: i64,
    /// Each stand-in behaves like the real provider it plays (see `Quirks`).
    pub quirks: bool,
    /// GitHub's stand-in answers `device_flow_disabled` when this is off.
    pub github_device_flow: bool,
}

/// The known deviations of real providers from the RFCs (DESIGN.md,
/// "Providers"), reproduced so Relay's one generic client is tested against
/// each. Every stand-in answers in form encoding unless asked for JSON, and
/// wants the client secret when polling, as GitHub and Google do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Quirks {
    /// GitHub: OAuth errors come with HTTP 200.
    pub errors_with_200: bool,
    /// GitHub, with device flow off for the app: `device_flow_disabled`.
    pub device_flow_disabled: bool,
    /// Google: `verification_url` instead of `verification_uri`.
    pub verification_url: bool,
    /// Microsoft Entra: a `message` field, no `verification_uri_complete`,
    /// `authorization_declined` for a denial, `bad_verification_code` for an unknown code.
    pub entra: bool,
}

impl Quirks {
    /// Exactly as the RFCs say.
    pub const NONE: Quirks = Quirks {
        errors_with_200: false,
        device_flow_disabled: false,
        verification_url: false,
        entra: false,
    };
}

pub async fn create_tables(db: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS dev_grants (
            code_hash TEXT PRIMARY KEY, provider TEXT NOT NULL, client_id TEXT NOT NULL,
            redirect_uri TEXT NOT NULL, code_challenge TEXT NOT NULL, login TEXT NOT NULL,
            scope TEXT NOT NULL, expires_at BIGINT NOT NULL, used INTEGER NOT NULL DEFAULT 0)",
    )
    .execute(db)
    .await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS dev_tokens (
            token_hash TEXT PRIMARY KEY, provider TEXT NOT NULL, kind TEXT NOT NULL, login TEXT NOT NULL,
            client_id TEXT NOT NULL, scope TEXT NOT NULL, grant_hash TEXT NOT NULL,
            expires_at BIGINT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)",
    )
    .execute(db)
    .await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS dev_directory (
            provider TEXT NOT NULL, login TEXT NOT NULL, email TEXT NOT NULL,
            PRIMARY KEY (provider, login))",
    )
    .execute(db)
    .await?;
    Ok(())
}

pub fn routes() -> Router<Arc<Engine>> {
    Router::new()
        .route("/{provider}/authorize", get(authorize_page).post(decide))
        .route("/{provider}/token", post(token))
        .route("/{provider}/revoke", post(revoke))
        .route("/{provider}/userinfo", get(userinfo))
}

impl Engine {
    /// The stand-in's issuer identifier, as `iss` names it.
    fn issuer(&self, provider: &str) -> String {
        crate::issuer(&self.public_url, provider).to_string()
    }

    pub fn new(
        db: SqlitePool,
        clients: HashMap<String, Vec<DevClient>>,
        public_url: Url,
        device: DevSettings,
        clock: Clock,
    ) -> Self {
        Self {
            db,
            clients,
            public_url,
            device,
            clock,
        }
    }

    /// The stand-ins' clock; in tests, the one that moves Relay's too.
    pub(super) fn clock(&self) -> &Clock {
        &self.clock
    }

    pub(super) fn db(&self) -> &SqlitePool {
        &self.db
    }

    pub(super) fn public_url(&self) -> &Url {
        &self.public_url
    }

    /// How `provider`'s stand-in deviates from the RFCs.
    pub(super) fn quirks(&self, provider: &str) -> Quirks {
        let Some(stand_in) = stand_in(provider) else {
            return Quirks::NONE;
        };
        Quirks {
            device_flow_disabled: stand_in.device_flow_switch && !self.device.github_device_flow,
            ..if self.device.quirks {
                stand_in.quirks
            } else {
                Quirks::NONE
            }
        }
    }

    pub(super) fn device_settings(&self) -> DevSettings {
        self.device
    }

    fn client(&self, provider: &str, client_id: &str) -> Option<&DevClient> {
        self.clients
            .get(provider)?
            .iter()
            .find(|c| c.client_id == client_id)
    }

    /// Lists `email` as `login`'s in `provider`'s directory, as a tenant
    /// admin can without any proof; empty changes nothing. The error is
    /// for the page.
    pub(super) async fn list_in_directory(
        &self,
        provider: &str,
        login: &str,
        email: &str,
    ) -> Result<(), &'static str> {
        let email = email.trim();
        if email.is_empty() {
            return Ok(());
        }
        let plausible = email.len() <= 254
            && !email.chars().any(char::is_whitespace)
            && email
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'));
        if !plausible {
            return Err("The directory email must look like name@example.com.");
        }
        sqlx::query(
            "INSERT INTO dev_directory (provider, login, email) VALUES ($1, $2, $3)
             ON CONFLICT (provider, login) DO UPDATE SET email = excluded.email",
        )
        .bind(provider)
        .bind(login)
        .bind(email)
        .execute(&self.db)
        .await
        .map(|_| ())
        .map_err(|_| "The development provider could not store the directory entry.")
    }

    /// The email `login` has at `provider`, and whether the provider
    /// verified it: its own address, unless a directory entry replaced it.
    pub(super) async fn email(&self, provider: &str, login: &str) -> (String, bool) {
        let listed: Option<String> = sqlx::query_scalar(
            "SELECT email FROM dev_directory WHERE provider = $1 AND login = $2",
        )
        .bind(provider)
        .bind(login)
        .fetch_optional(&self.db)
        .await
        .ok()
        .flatten();
        match listed {
            Some(email) => (email, false),
            None => (format!("{login}@users.dev.example"), true),
        }
    }

    /// The login the request's bearer token was issued to, if it is valid.
    pub async fn bearer_user(&self, provider: &str, headers: &HeaderMap) -> Option<String> {
        self.user_for_token(provider, bearer_token(headers)?).await
    }

    /// A console key (a personal access token at GitHub) or an access token
    /// this engine issued.
    async fn user_for_token(&self, provider: &str, token: &str) -> Option<String> {
        match self.credential_state(provider, token).await {
            KeyState::Valid { login } => Some(login),
            KeyState::Revoked | KeyState::Unknown => None,
        }
    }

    /// What `token` is at `provider`: a console key, else an access token
    /// this engine issued (expired ones are unknown, as a provider forgets them).
    pub(crate) async fn credential_state(&self, provider: &str, token: &str) -> KeyState {
        match self.key_state(provider, token).await {
            KeyState::Unknown => {}
            known => return known,
        }
        let row: Option<(String, bool)> = sqlx::query_as(
            "SELECT login, revoked <> 0 FROM dev_tokens
             WHERE token_hash = $1 AND provider = $2 AND kind = 'access' AND expires_at > $3",
        )
        .bind(hash(token))
        .bind(provider)
        .bind(self.clock.now())
        .fetch_optional(&self.db)
        .await
        .ok()
        .flatten();
        match row {
            Some((_, true)) => KeyState::Revoked,
            Some((login, false)) => KeyState::Valid { login },
            None => KeyState::Unknown,
        }
    }

    /// GitHub's "Revoke access" of an app: every token `client_id` holds
    /// for the person `access_token` belongs to. Whether there was such a token.
    pub(super) async fn revoke_grant_of(
        &self,
        provider: &str,
        client_id: &str,
        access_token: &str,
    ) -> bool {
        let login: Option<String> = sqlx::query_scalar(
            "SELECT login FROM dev_tokens
             WHERE token_hash = $1 AND provider = $2 AND client_id = $3 AND kind = 'access'",
        )
        .bind(hash(access_token))
        .bind(provider)
        .bind(client_id)
        .fetch_optional(&self.db)
        .await
        .ok()
        .flatten();
        let Some(login) = login else {
            return false;
        };
        sqlx::query(
            "UPDATE dev_tokens SET revoked = 1 WHERE provider = $1 AND client_id = $2 AND login = $3",
        )
        .bind(provider)
        .bind(client_id)
        .bind(login)
        .execute(&self.db)
        .await
        .is_ok()
    }

    pub(super) async fn issue(
        &self,
        provider: &str,
        client_id: &str,
        login: &str,
        scope: &str,
        grant_hash: &str,
    ) -> Result<TokenPair, sqlx::Error> {
        let pair = TokenPair {
            access_token: format!(
                "dev_at_{}",
                Alphanumeric.sample_string(&mut rand::thread_rng(), 40)
            ),
            refresh_token: format!(
                "dev_rt_{}",
                Alphanumeric.sample_string(&mut rand::thread_rng(), 40)
            ),
            scope: scope.to_owned(),
        };
        let now = self.clock.now();
        for (token, kind, ttl) in [
            (&pair.access_token, "access", ACCESS_TTL_SECS),
            (&pair.refresh_token, "refresh", REFRESH_TTL_SECS),
        ] {
            sqlx::query(
                "INSERT INTO dev_tokens (token_hash, provider, kind, login, client_id, scope, grant_hash, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(hash(token))
            .bind(provider)
            .bind(kind)
            .bind(login)
            .bind(client_id)
            .bind(scope)
            .bind(grant_hash)
            .bind(now + ttl)
            .execute(&self.db)
            .await?;
        }
        Ok(pair)
    }
}

pub(super) struct TokenPair {
    access_token: String,
    refresh_token: String,
    scope: String,
}

#[derive(Debug, Default, Deserialize)]
struct AuthorizeParams {
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    code_challenge_method: String,
    // Set by the page's own form:
    #[serde(default)]
    login: String,
    #[serde(default)]
    other_login: String,
    #[serde(default)]
    directory_email: String,
    #[serde(default)]
    decision: String,
}

/// Checks the client and redirect URI. Failing here must not redirect
/// (RFC 6749 §4.1.2.1): the URI is not trusted yet.
fn check_client<'a>(
    engine: &'a Engine,
    provider: &str,
    p: &AuthorizeParams,
) -> Result<&'a DevClient, Response> {
    let client = engine.client(provider, &p.client_id).ok_or_else(|| {
        error_page(
            StatusCode::BAD_REQUEST,
            "Unknown application",
            &format!(
                "No application with client_id \"{}\" is registered here.",
                p.client_id
            ),
        )
    })?;
    if !client.redirect_uris.iter().any(|u| u == &p.redirect_uri) {
        return Err(error_page(
            StatusCode::BAD_REQUEST,
            "Redirect URI mismatch",
            "The redirect_uri is not registered for this application.",
        ));
    }
    Ok(client)
}

/// Errors the client should hear about go back to its redirect URI.
fn check_request(p: &AuthorizeParams, issuer: &str) -> Result<(), Response> {
    let problem = if p.response_type != "code" {
        Some(("unsupported_response_type", "response_type must be code"))
    } else if p.code_challenge.is_empty() || p.code_challenge_method != "S256" {
        Some((
            "invalid_request",
            "PKCE with code_challenge_method=S256 is required",
        ))
    } else {
        None
    };
    match problem {
        Some((error, description)) => Err(redirect_with(
            &p.redirect_uri,
            &[
                ("error", error),
                ("error_description", description),
                ("state", &p.state),
                ("iss", issuer),
            ],
        )),
        None => Ok(()),
    }
}

async fn authorize_page(
    State(engine): State<Arc<Engine>>,
    Path(provider): Path<String>,
    Query(p): Query<AuthorizeParams>,
) -> Response {
    let issuer = engine.issuer(&provider);
    if let Err(response) =
        check_client(&engine, &provider, &p).and_then(|_| check_request(&p, &issuer))
    {
        return response;
    }
    Html(consent_page(&provider, &p, None)).into_response()
}

async fn decide(
    State(engine): State<Arc<Engine>>,
    Path(provider): Path<String>,
    Form(p): Form<AuthorizeParams>,
) -> Response {
    let issuer = engine.issuer(&provider);
    if let Err(response) =
        check_client(&engine, &provider, &p).and_then(|_| check_request(&p, &issuer))
    {
        return response;
    }
    if p.decision != "authorize" {
        return redirect_with(
            &p.redirect_uri,
            &[
                ("error", "access_denied"),
                (
                    "error_description",
                    "The user has denied your application access.",
                ),
                ("state", &p.state),
                ("iss", &issuer),
            ],
        );
    }
    let login = if p.other_login.trim().is_empty() {
        p.login.trim()
    } else {
        p.other_login.trim()
    };
    let Some(person) = people::person(login) else {
        let page = consent_page(
            &provider,
            &p,
            Some(
                "Choose a user, or type a valid GitHub login (letters, digits and single hyphens).",
            ),
        );
        return (StatusCode::BAD_REQUEST, Html(page)).into_response();
    };
    if let Err(problem) = engine
        .list_in_directory(&provider, &person.login, &p.directory_email)
        .await
    {
        let page = consent_page(&provider, &p, Some(problem));
        return (StatusCode::BAD_REQUEST, Html(page)).into_response();
    }
    // Prefixed, like the tokens: a scan for leaked secrets can find them.
    let code = format!(
        "dev_ac_{}",
        Alphanumeric.sample_string(&mut rand::thread_rng(), 32)
    );
    let stored = sqlx::query(
        "INSERT INTO dev_grants (code_hash, provider, client_id, redirect_uri, code_challenge, login, scope, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(hash(&code))
    .bind(&provider)
    .bind(&p.client_id)
    .bind(&p.redirect_uri)
    .bind(&p.code_challenge)
    .bind(&person.login)
    .bind(&p.scope)
    .bind(engine.clock().now() + CODE_TTL_SECS)
    .execute(&engine.db)
    .await;
    if stored.is_err() {
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Server error",
            "The development provider could not store the grant.",
        );
    }
    redirect_with(
        &p.redirect_uri,
        &[("code", &code), ("state", &p.state), ("iss", &issuer)],
    )
}

#[derive(Debug, Default, Deserialize)]
struct TokenParams {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    code_verifier: String,
    #[serde(default)]
    refresh_token: String,
    #[serde(default)]
    device_code: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

async fn token(
    State(engine): State<Arc<Engine>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    Form(p): Form<TokenParams>,
) -> Result<Response, Response> {
    let json = wants_json(&headers);
    let client_id = authenticate_client(
        &engine,
        &provider,
        &headers,
        &p.client_id,
        &p.client_secret,
        Secret::Required,
    )?;
    let result = match p.grant_type.as_str() {
        "authorization_code" => exchange_code(&engine, &provider, &client_id, &p).await,
        "refresh_token" => refresh(&engine, &provider, &client_id, &p).await,
        DEVICE_GRANT => super::device::poll(&engine, &provider, &client_id, &p.device_code).await,
        _ => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "grant_type must be authorization_code, refresh_token or the device_code grant",
        )),
    };
    Ok(match result {
        Ok(pair) => token_response(&pair, json),
        Err(e) => e.respond_as(json, engine.quirks(&provider)),
    })
}

/// Whether a confidential client must present its secret at an endpoint.
/// (A secret that is presented is always checked.)
pub(super) enum Secret {
    Required,
    IfPresented,
}

/// Authenticates the client by HTTP Basic (RFC 6749 §2.3.1) or by
/// client_id/client_secret in the body; the error is the answer to send.
pub(super) fn authenticate_client(
    engine: &Engine,
    provider: &str,
    headers: &HeaderMap,
    client_id: &str,
    client_secret: &str,
    secret: Secret,
) -> Result<String, Response> {
    let (id, presented) = basic_credentials(headers)
        .unwrap_or_else(|| (client_id.to_owned(), client_secret.to_owned()));
    let invalid = || {
        OAuthError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        )
        .respond(wants_json(headers))
    };
    let client = engine.client(provider, &id).ok_or_else(invalid)?;
    if let Some(expected) = &client.client_secret {
        let checked = matches!(secret, Secret::Required) || !presented.is_empty();
        if checked && !bool::from(expected.as_bytes().ct_eq(presented.as_bytes())) {
            return Err(invalid());
        }
    }
    Ok(id)
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

async fn exchange_code(
    engine: &Engine,
    provider: &str,
    client_id: &str,
    p: &TokenParams,
) -> Result<TokenPair, OAuthError> {
    let invalid = |why: &str| OAuthError::new(StatusCode::BAD_REQUEST, "invalid_grant", why);
    let code_hash = hash(&p.code);
    let grant: Option<(String, String, String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT client_id, redirect_uri, code_challenge, login, scope, expires_at, used FROM dev_grants WHERE code_hash = $1 AND provider = $2",
    )
    .bind(&code_hash)
    .bind(provider)
    .fetch_optional(&engine.db)
    .await
    .map_err(OAuthError::server)?;
    let Some((grant_client, redirect_uri, challenge, login, scope, expires_at, used)) = grant
    else {
        return Err(invalid("the authorization code is not valid"));
    };
    if used != 0 {
        // A replayed code may be stolen: revoke what it produced (RFC 6749 §4.1.2).
        sqlx::query("UPDATE dev_tokens SET revoked = 1 WHERE grant_hash = $1")
            .bind(&code_hash)
            .execute(&engine.db)
            .await
            .map_err(OAuthError::server)?;
        return Err(invalid("the authorization code has already been used"));
    }
    if expires_at <= engine.clock().now() {
        return Err(invalid("the authorization code has expired"));
    }
    if grant_client != client_id || redirect_uri != p.redirect_uri {
        return Err(invalid(
            "the code was issued to another client or redirect_uri",
        ));
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(p.code_verifier.as_bytes()));
    if p.code_verifier.len() < 43 || !bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
        return Err(invalid(
            "PKCE verification failed: code_verifier does not match the code_challenge",
        ));
    }
    let claimed = sqlx::query("UPDATE dev_grants SET used = 1 WHERE code_hash = $1 AND used = 0")
        .bind(&code_hash)
        .execute(&engine.db)
        .await
        .map_err(OAuthError::server)?;
    if claimed.rows_affected() != 1 {
        return Err(invalid("the authorization code has already been used"));
    }
    engine
        .issue(provider, client_id, &login, &scope, &code_hash)
        .await
        .map_err(OAuthError::server)
}

/// Refresh with rotation: the presented refresh token is spent.
async fn refresh(
    engine: &Engine,
    provider: &str,
    client_id: &str,
    p: &TokenParams,
) -> Result<TokenPair, OAuthError> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "UPDATE dev_tokens SET revoked = 1
         WHERE token_hash = $1 AND provider = $2 AND client_id = $3 AND kind = 'refresh' AND revoked = 0 AND expires_at > $4
         RETURNING login, scope, grant_hash",
    )
    .bind(hash(&p.refresh_token))
    .bind(provider)
    .bind(client_id)
    .bind(engine.clock().now())
    .fetch_optional(&engine.db)
    .await
    .map_err(OAuthError::server)?;
    let (login, scope, grant_hash) = row.ok_or_else(|| {
        OAuthError::new(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the refresh token is invalid, expired or already used",
        )
    })?;
    engine
        .issue(provider, client_id, &login, &scope, &grant_hash)
        .await
        .map_err(OAuthError::server)
}

fn token_response(pair: &TokenPair, json: bool) -> Response {
    let expires_in = ACCESS_TTL_SECS.to_string();
    let refresh_expires_in = REFRESH_TTL_SECS.to_string();
    let fields = [
        ("access_token", pair.access_token.as_str()),
        ("token_type", "bearer"),
        ("scope", pair.scope.as_str()),
        ("expires_in", expires_in.as_str()),
        ("refresh_token", pair.refresh_token.as_str()),
        ("refresh_token_expires_in", refresh_expires_in.as_str()),
    ];
    let mut response = encode(&fields, json, StatusCode::OK);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("valid header"),
    );
    response
}

/// GitHub answers in form encoding unless asked for JSON; we do the same.
/// The token of `Authorization: Bearer …` (or GitHub's `token …`).
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("token "))
        })
        .map(str::trim)
}

pub(super) fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

pub(super) fn encode(fields: &[(&str, &str)], json: bool, status: StatusCode) -> Response {
    if json {
        let map: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .map(|(k, v)| {
                let value = match *k {
                    "expires_in" | "refresh_token_expires_in" | "interval" => v
                        .parse::<i64>()
                        .map(Into::into)
                        .unwrap_or_else(|_| (*v).into()),
                    _ => (*v).into(),
                };
                (k.to_string(), value)
            })
            .collect();
        (status, axum::Json(map)).into_response()
    } else {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        (
            status,
            [(header::CONTENT_TYPE, "application/x-www-form-urlencoded")],
            body,
        )
            .into_response()
    }
}

pub(super) struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    pub(super) fn new(status: StatusCode, error: &'static str, description: &str) -> Self {
        Self {
            status,
            error,
            description: description.to_owned(),
        }
    }

    pub(super) fn server(e: sqlx::Error) -> Self {
        tracing::error!(error = %e, "development provider storage failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "storage failed",
        )
    }

    /// The answer, as the provider playing it would give it.
    pub(super) fn respond_as(&self, json: bool, quirks: Quirks) -> Response {
        let mut response = self.respond(json);
        if quirks.errors_with_200 {
            *response.status_mut() = StatusCode::OK;
        }
        response
    }

    pub(super) fn respond(&self, json: bool) -> Response {
        encode(
            &[
                ("error", self.error),
                ("error_description", &self.description),
            ],
            json,
            self.status,
        )
    }
}

fn redirect_with(uri: &str, params: &[(&str, &str)]) -> Response {
    match Url::parse(uri) {
        Ok(mut url) => {
            url.query_pairs_mut()
                .extend_pairs(params.iter().filter(|(_, v)| !v.is_empty()));
            Redirect::to(url.as_str()).into_response()
        }
        Err(_) => error_page(
            StatusCode::BAD_REQUEST,
            "Bad redirect URI",
            "The redirect_uri is not a valid URL.",
        ),
    }
}

fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        "<h1 class=\"error\">{}</h1><p>{}</p>",
        escape(title),
        escape(message)
    );
    (status, Html(layout(title, &body))).into_response()
}

fn consent_page(provider: &str, p: &AuthorizeParams, error: Option<&str>) -> String {
    let hidden: String = [
        ("response_type", &p.response_type),
        ("client_id", &p.client_id),
        ("redirect_uri", &p.redirect_uri),
        ("state", &p.state),
        ("scope", &p.scope),
        ("code_challenge", &p.code_challenge),
        ("code_challenge_method", &p.code_challenge_method),
    ]
    .iter()
    .map(|(name, value)| {
        format!(
            r#"<input type="hidden" name="{name}" value="{}">"#,
            escape(value)
        )
    })
    .collect();
    let people = person_picker(&p.other_login, &p.directory_email);
    let error = error_line(error);
    let body = format!(
        r#"<h1>Authorize Agent Relay Cloud</h1>
<p>Development {provider} — no real account is involved. Agent Relay Cloud asks for: <code>{scope}</code></p>
<p class="note">This stand-in runs on your machine so the app works offline.</p>
{error}
<form method="post">{hidden}
{people}
<div class="buttons"><button class="secondary" type="submit" name="decision" value="cancel">Cancel</button>
<button class="primary" type="submit" name="decision" value="authorize">Authorize</button></div>
</form>"#,
        provider = escape(super::display_name(provider)),
        scope = escape(&p.scope),
    );
    layout("Authorize Agent Relay Cloud", &body)
}

#[derive(Debug, Default, Deserialize)]
struct RevokeParams {
    #[serde(default)]
    token: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

/// RFC 7009: revoking a refresh token also ends the access tokens of its grant.
/// Unknown tokens are not an error (§2.2).
async fn revoke(
    State(engine): State<Arc<Engine>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    Form(p): Form<RevokeParams>,
) -> Result<Response, Response> {
    let client_id = authenticate_client(
        &engine,
        &provider,
        &headers,
        &p.client_id,
        &p.client_secret,
        Secret::Required,
    )?;
    let grant: Option<(String, String)> = sqlx::query_as(
        "UPDATE dev_tokens SET revoked = 1 WHERE token_hash = $1 AND provider = $2 AND client_id = $3 RETURNING kind, grant_hash",
    )
    .bind(hash(&p.token))
    .bind(&provider)
    .bind(&client_id)
    .fetch_optional(&engine.db)
    .await
    .ok()
    .flatten();
    if let Some(("refresh", grant_hash)) = grant.as_ref().map(|(k, g)| (k.as_str(), g)) {
        let _ = sqlx::query("UPDATE dev_tokens SET revoked = 1 WHERE grant_hash = $1")
            .bind(grant_hash)
            .execute(&engine.db)
            .await;
    }
    Ok(StatusCode::OK.into_response())
}

/// OpenID-style userinfo: who the access token belongs to.
async fn userinfo(
    State(engine): State<Arc<Engine>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(person) = engine
        .bearer_user(&provider, &headers)
        .await
        .and_then(|l| people::person(&l))
    else {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
            axum::Json(serde_json::json!({ "error": "invalid_token" })),
        )
            .into_response();
    };
    let (email, email_verified) = engine.email(&provider, &person.login).await;
    axum::Json(serde_json::json!({
        "sub": person.id.to_string(),
        "preferred_username": person.login,
        "name": person.name,
        "email": email,
        "email_verified": email_verified,
    }))
    .into_response()
}
