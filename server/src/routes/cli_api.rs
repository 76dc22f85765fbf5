//! The bearer-token API of the `relay` CLI and agent runners: who am I,
//! logout, provider keys, and fresh provider credentials. Every request
//! carries a session JWT (`Authorization: Bearer …`), checked for signature,
//! issuer, audience, expiry and revocation. Errors are JSON
//! `{"error": <code>, "message": <sentence>}`.

use std::net::SocketAddr;

use app::backend::audit::{self, Source};
use app::backend::connections::{self, Refusal};
use app::backend::credentials;
use app::backend::freshness::{self, FreshError};
use app::backend::session_tokens::{self, Claims, TokenError};
use app::backend::{teams, users, AppState};
use app::models::{AuditAction, CredentialMethod};
use app::providers::ProviderInfo;
use axum::extract::{ConnectInfo, FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": code, "message": message }))).into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "CLI API request failed");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Something went wrong on our side.",
    )
}

/// The verified claims of the request's bearer token; a handler that takes
/// it is answered with the refusal when there is none.
pub struct Bearer(Claims);

impl FromRequestParts<AppState> for Bearer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        bearer(app, &parts.headers).await.map(Bearer)
    }
}

async fn bearer(app: &AppState, headers: &HeaderMap) -> Result<Claims, Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            error(
                StatusCode::UNAUTHORIZED,
                "not_signed_in",
                "Sign in first: run `relay auth`.",
            )
        })?;
    match session_tokens::verify(app, token).await {
        Ok(Ok(claims)) => Ok(claims),
        Ok(Err(TokenError::Expired)) => Err(error(
            StatusCode::UNAUTHORIZED,
            "token_expired",
            "Your session has expired. Run `relay auth` again.",
        )),
        Ok(Err(TokenError::Revoked)) => Err(error(
            StatusCode::UNAUTHORIZED,
            "not_signed_in",
            "This session was logged out. Run `relay auth` again.",
        )),
        Ok(Err(TokenError::Invalid)) => Err(error(
            StatusCode::UNAUTHORIZED,
            "not_signed_in",
            "The session token is not valid here. Run `relay auth` again.",
        )),
        Err(e) => Err(internal(e)),
    }
}

// The refusal is the whole answer until these routes share one error type.
#[allow(clippy::result_large_err)]
fn provider(id: &str) -> Result<&'static ProviderInfo, Response> {
    app::providers::credential_providers()
        .find(|p| p.id.as_str() == id)
        .ok_or_else(|| {
            let known: Vec<&str> = app::providers::credential_providers()
                .map(|p| p.id.as_str())
                .collect();
            error(
                StatusCode::NOT_FOUND,
                "unknown_provider",
                &format!(
                    "Unknown provider “{}”. Known: {}.",
                    id.chars().take(40).collect::<String>(),
                    known.join(", ")
                ),
            )
        })
}

fn source(peer: SocketAddr) -> Source {
    Source(format!("{} (cli)", peer.ip()))
}

/// `GET /api/me`.
pub async fn me(State(app): State<AppState>, Bearer(claims): Bearer) -> Response {
    let user = match users::find(&app.db, &claims.sub).await {
        Ok(Some(user)) => user,
        Ok(None) => {
            return error(
                StatusCode::UNAUTHORIZED,
                "not_signed_in",
                "This account no longer exists.",
            )
        }
        Err(e) => return internal(e),
    };
    let providers = match teams::connected_providers(&app, &user.id).await {
        Ok(p) => p,
        Err(e) => return internal(e),
    };
    Json(json!({
        "id": user.id,
        "login": user.login,
        "name": user.name,
        "email": user.email,
        "providers": providers,
        "session_expires_at": claims.exp,
    }))
    .into_response()
}

/// `POST /api/logout`: revokes the token it is called with.
pub async fn logout(State(app): State<AppState>, Bearer(claims): Bearer) -> Response {
    match session_tokens::revoke(&app.db, &claims.jti).await {
        Ok(()) => Json(json!({ "ok": true })).into_response(),
        Err(e) => internal(e),
    }
}

/// `GET /api/keys`: the user's pasted keys, masked.
pub async fn list_keys(State(app): State<AppState>, Bearer(claims): Bearer) -> Response {
    match credentials::list(&app.db, &claims.sub).await {
        Ok(rows) => {
            let keys: Vec<_> = rows
                .into_iter()
                .filter(|r| r.method == CredentialMethod::Token)
                .map(|r| {
                    json!({
                        "provider": r.provider,
                        "hint": r.token_hint,
                        "env_var": r.env_var,
                        "added_at": r.connected_at,
                    })
                })
                .collect();
            Json(json!({ "keys": keys })).into_response()
        }
        Err(e) => internal(e),
    }
}

#[derive(Deserialize)]
pub struct NewKey {
    provider: String,
    key: String,
}

/// `POST /api/keys {provider, key}`: checked like a pasted token, then vaulted.
pub async fn add_key(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Bearer(claims): Bearer,
    body: Option<Json<NewKey>>,
) -> Response {
    let Some(Json(body)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "Send JSON: {\"provider\": …, \"key\": …}.",
        );
    };
    let info = match provider(&body.provider) {
        Ok(info) => info,
        Err(r) => return r,
    };
    let key = SecretString::from(body.key);
    match connections::save_token(&app, &claims.sub, info, &key, source(peer)).await {
        Ok(status) => (
            StatusCode::CREATED,
            Json(json!({
                "provider": info.id,
                "hint": status.token_hint,
                "env_var": status.env_var,
                "kind": info.recognise_token(key.expose_secret().trim()).map(|r| r.kind).unwrap_or("key"),
            })),
        )
            .into_response(),
        Err(Refusal::Invalid(message)) => error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_key", &message),
        Err(Refusal::Backend(e)) => internal(e),
    }
}

/// `DELETE /api/keys/{provider}`: only a pasted key; other connections are
/// the settings page's to disconnect.
pub async fn remove_key(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Bearer(claims): Bearer,
    Path(id): Path<String>,
) -> Response {
    let info = match provider(&id) {
        Ok(info) => info,
        Err(r) => return r,
    };
    match credentials::find(&app.db, &claims.sub, info.id).await {
        Ok(Some(row)) if row.method == CredentialMethod::Token => {}
        Ok(Some(_)) => {
            return error(
                StatusCode::CONFLICT,
                "not_a_key",
                &format!(
                    "{} is connected by a login, not a key: disconnect it in Settings.",
                    info.name
                ),
            )
        }
        Ok(None) => {
            return error(
                StatusCode::NOT_FOUND,
                "no_key",
                &format!("No {} key is stored.", info.name),
            )
        }
        Err(e) => return internal(e),
    }
    match connections::disconnect(&app, &claims.sub, info, source(peer)).await {
        Ok(()) => Json(json!({ "deleted": info.id })).into_response(),
        Err(Refusal::Invalid(message)) => error(StatusCode::CONFLICT, "refused", &message),
        Err(Refusal::Backend(e)) => internal(e),
    }
}

/// `GET /api/credentials/{provider}`: a fresh access token (refreshed when it
/// expires within 5 minutes) and the environment an agent CLI expects.
pub async fn credential(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Bearer(claims): Bearer,
    Path(id): Path<String>,
) -> Response {
    let info = match provider(&id) {
        Ok(info) => info,
        Err(r) => return r,
    };
    let source = source(peer);
    let token = match freshness::access_token(&app, &claims.sub, info.id, &source).await {
        Ok(token) => token,
        Err(FreshError::NotConnected) => {
            return error(
                StatusCode::NOT_FOUND,
                "not_connected",
                &format!(
                    "{} is not connected. Connect it in Settings or with `relay keys add {}`.",
                    info.name, info.id
                ),
            )
        }
        Err(FreshError::NeedsReconnect) => {
            return error(
                StatusCode::CONFLICT,
                "needs_reconnect",
                &format!(
                    "{} refused to renew the credential: reconnect it in Settings.",
                    info.name
                ),
            )
        }
        Err(FreshError::Unavailable) => {
            return error(
                StatusCode::BAD_GATEWAY,
                "provider_unavailable",
                &format!(
                    "{} is not answering and the stored credential has expired.",
                    info.name
                ),
            )
        }
        Err(FreshError::Backend(e)) => return internal(e),
    };
    let row = match credentials::find(&app.db, &claims.sub, info.id).await {
        Ok(Some(row)) => row,
        Ok(None) => {
            return error(
                StatusCode::NOT_FOUND,
                "not_connected",
                &format!("{} is not connected.", info.name),
            )
        }
        Err(e) => return internal(e),
    };
    let env_var = row
        .env_var
        .clone()
        .unwrap_or_else(|| info.oauth_env_var.to_owned());
    audit::note(
        &app.db,
        &claims.sub,
        AuditAction::CredentialFetched,
        info.id,
        &env_var,
        &source,
    )
    .await;
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "provider": info.id,
            "env": { env_var.clone(): token.expose_secret() },
            "expires_at": row.expires_at,
        })),
    )
        .into_response()
}
