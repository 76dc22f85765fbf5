//! The bearer-token API of the `relay` CLI and agent runners: who am I,
//! logout, provider keys, and fresh provider credentials. Every request
//! carries a session JWT (`Authorization: Bearer …`), checked for signature,
//! issuer, audience, expiry and revocation. Refusals are `ApiError`s.

use std::net::IpAddr;

use app::audit::log::Source;
use app::cli_broker::session_tokens;
use app::cli_broker::session_tokens::{Claims, TokenError};
use app::connect::connections;
use app::connect::connections::Refusal;
use app::connect::CredentialMethod;
use app::freshness;
use app::freshness::FreshError;
use app::identity::users;
use app::platform::client::ClientIp;
use app::platform::AppState;
use app::providers::ProviderInfo;
use app::teams::store as teams;
use app::vault::credentials;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Extension;
use axum::Json;
use protocol::api::{
    Credential, Deleted, ErrorCode, Keys, LoggedOut, Me, NewKey, SavedKey, StoredKey,
};
use secrecy::{ExposeSecret, SecretString};

use super::error::{ApiError, ApiResult};

/// The verified claims of the request's bearer token; a handler that takes
/// it is answered with the refusal when there is none.
pub struct Bearer(Claims);

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> ApiResult<Self> {
        bearer(app, &parts.headers).await.map(Bearer)
    }
}

async fn bearer(app: &AppState, headers: &HeaderMap) -> ApiResult<Claims> {
    let signed_out =
        |message: &str| ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::NotSignedIn, message);
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| signed_out("Sign in first: run `relay auth`."))?;
    match session_tokens::verify(app, token).await? {
        Ok(claims) => Ok(claims),
        Err(TokenError::Expired) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::TokenExpired,
            "Your session has expired. Run `relay auth` again.",
        )),
        Err(TokenError::Revoked) => Err(signed_out(
            "This session was logged out. Run `relay auth` again.",
        )),
        Err(TokenError::Invalid) => Err(signed_out(
            "The session token is not valid here. Run `relay auth` again.",
        )),
    }
}

fn provider(id: &str) -> ApiResult<&'static ProviderInfo> {
    app::providers::credential_providers()
        .find(|p| p.id.as_str() == id)
        .ok_or_else(|| {
            let known: Vec<&str> = app::providers::credential_providers()
                .map(|p| p.id.as_str())
                .collect();
            ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::UnknownProvider,
                format!(
                    "Unknown provider “{}”. Known: {}.",
                    id.chars().take(40).collect::<String>(),
                    known.join(", ")
                ),
            )
        })
}

fn source(peer: IpAddr) -> Source {
    Source(format!("{peer} (cli)"))
}

/// `GET /api/me`.
pub async fn me(State(app): State<AppState>, Bearer(claims): Bearer) -> ApiResult {
    let user = users::find(&app.db, &claims.sub).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::NotSignedIn,
            "This account no longer exists.",
        )
    })?;
    let providers = teams::connected_providers(&app, &user.id).await?;
    Ok(Json(Me {
        id: user.id,
        login: user.login,
        name: user.name,
        email: user.email,
        providers: providers.iter().map(|id| id.as_str().to_owned()).collect(),
        session_expires_at: claims.exp,
    })
    .into_response())
}

/// `POST /api/logout`: revokes the token it is called with.
pub async fn logout(State(app): State<AppState>, Bearer(claims): Bearer) -> ApiResult {
    session_tokens::revoke(&app.db, &claims.jti, &app.clock).await?;
    Ok(Json(LoggedOut { ok: true }).into_response())
}

/// `GET /api/keys`: the user's pasted keys, masked.
pub async fn list_keys(State(app): State<AppState>, Bearer(claims): Bearer) -> ApiResult {
    let keys: Vec<_> = credentials::list(&app.db, &claims.sub)
        .await?
        .into_iter()
        .filter(|r| r.method == CredentialMethod::Token)
        .map(|r| StoredKey {
            provider: r.provider.as_str().to_owned(),
            hint: r.token_hint,
            env_var: r.env_var,
            added_at: r.connected_at,
            verification: r.verification.as_str().to_owned(),
            needs_reconnect: r.needs_reconnect.is_some(),
        })
        .collect();
    Ok(Json(Keys { keys }).into_response())
}

/// `POST /api/keys {provider, key}`: checked like a pasted token, then vaulted.
pub async fn add_key(
    State(app): State<AppState>,
    Extension(ClientIp(peer)): Extension<ClientIp>,
    Bearer(claims): Bearer,
    body: Option<Json<NewKey>>,
) -> ApiResult {
    let Json(body) =
        body.ok_or_else(|| ApiError::bad_request("Send JSON: {\"provider\": …, \"key\": …}."))?;
    let info = provider(&body.provider)?;
    let key = SecretString::from(body.key);
    let status = connections::save_token(&app, &claims.sub, info, &key, source(peer))
        .await
        .map_err(refused)?;
    let kind = info
        .recognise_token(key.expose_secret().trim())
        .map(|r| r.kind)
        .unwrap_or("key");
    Ok((
        StatusCode::CREATED,
        Json(SavedKey {
            provider: info.id.as_str().to_owned(),
            hint: status.token_hint,
            env_var: status.env_var,
            kind: kind.to_owned(),
            verification: status.verification.as_str().to_owned(),
            proof: status.proof,
        }),
    )
        .into_response())
}

/// `DELETE /api/keys/{provider}`: only a pasted key; other connections are
/// the settings page's to disconnect.
pub async fn remove_key(
    State(app): State<AppState>,
    Extension(ClientIp(peer)): Extension<ClientIp>,
    Bearer(claims): Bearer,
    Path(id): Path<String>,
) -> ApiResult {
    let info = provider(&id)?;
    connections::remove_key(&app, &claims.sub, info, source(peer))
        .await
        .map_err(refused)?;
    Ok(Json(Deleted {
        deleted: info.id.as_str().to_owned(),
    })
    .into_response())
}

/// The answer of a refused connection change.
fn refused(refusal: Refusal) -> ApiError {
    let (status, code) = match refusal {
        Refusal::Backend(e) => return e.into(),
        Refusal::NoTokens(_) | Refusal::BadKey(_) | Refusal::NotAccepted { .. } => {
            (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidKey)
        }
        Refusal::NoKey(_) => (StatusCode::NOT_FOUND, ErrorCode::NoKey),
        Refusal::NotAKey(_) => (StatusCode::CONFLICT, ErrorCode::NotAKey),
        _ => (StatusCode::CONFLICT, ErrorCode::Refused),
    };
    ApiError::new(status, code, refusal.to_string())
}

/// `GET /api/credentials/{provider}`: a fresh access token (refreshed when it
/// expires within 5 minutes) and the environment an agent CLI expects.
pub async fn credential(
    State(app): State<AppState>,
    Extension(ClientIp(peer)): Extension<ClientIp>,
    Bearer(claims): Bearer,
    Path(id): Path<String>,
) -> ApiResult {
    let info = provider(&id)?;
    let handed = freshness::hand_out(&app, &claims.sub, info, &source(peer))
        .await
        .map_err(|e| match e {
            FreshError::NotConnected => ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::NotConnected,
                format!(
                    "{} is not connected. Connect it in Settings or with `relay keys add {}`.",
                    info.name, info.id
                ),
            ),
            FreshError::NeedsReconnect => ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::NeedsReconnect,
                format!(
                    "{} refused the credential: reconnect it in Settings.",
                    info.name
                ),
            ),
            FreshError::Unavailable => ApiError::new(
                StatusCode::BAD_GATEWAY,
                ErrorCode::ProviderUnavailable,
                format!(
                    "{} is not answering and the stored credential has expired.",
                    info.name
                ),
            ),
            FreshError::Backend(e) => e.into(),
        })?;
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        Json(Credential {
            provider: info.id.as_str().to_owned(),
            env: [(handed.env_var, handed.token.expose_secret().to_owned())].into(),
            expires_at: handed.expires_at,
        }),
    )
        .into_response())
}

/// `POST /api/connect/{provider}/device`: starts the provider's device login
/// for the signed-in terminal (`relay connect`); the same flow the providers
/// page starts, so the browser shows it too.
pub async fn start_device_login(
    State(app): State<AppState>,
    Extension(ClientIp(peer)): Extension<ClientIp>,
    Bearer(claims): Bearer,
    Path(id): Path<String>,
) -> ApiResult {
    use app::connect::device::flows::{self, StartError};
    let info = provider(&id)?;
    let flow = flows::start(&app, &claims.sub, info, source(peer))
        .await
        .map_err(|e| match e {
            StartError::Limited(limited) => limited.into(),
            StartError::Backend(e) => e.into(),
            StartError::Unsupported(_) => ApiError::new(
                StatusCode::CONFLICT,
                ErrorCode::Refused,
                format!(
                    "{} has no device login here: use `relay connect {} --key`.",
                    info.name, info.id
                ),
            ),
            StartError::Rejected { .. } => {
                ApiError::new(StatusCode::BAD_GATEWAY, ErrorCode::Refused, e.to_string())
            }
            StartError::Unavailable(_) => ApiError::new(
                StatusCode::BAD_GATEWAY,
                ErrorCode::ProviderUnavailable,
                e.to_string(),
            ),
        })?;
    Ok((StatusCode::CREATED, Json(device_login_view(flow))).into_response())
}

/// `GET /api/connect/device/{id}`: where a terminal's device login stands
/// (only the user's own are found).
pub async fn device_login(
    State(app): State<AppState>,
    Bearer(claims): Bearer,
    Path(id): Path<String>,
) -> ApiResult {
    let flow = app::connect::device::flows::find(&app.db, &claims.sub, &id, &app.clock)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::BadRequest,
                "No such device login.".to_owned(),
            )
        })?;
    Ok(Json(device_login_view(flow)).into_response())
}

fn device_login_view(flow: app::connect::device::DeviceFlowView) -> protocol::api::DeviceLogin {
    protocol::api::DeviceLogin {
        id: flow.id,
        provider: flow.provider.as_str().to_owned(),
        user_code: flow.user_code,
        verification_uri: flow.verification_uri,
        verification_uri_complete: flow.verification_uri_complete,
        expires_in: flow.expires_in,
        state: flow.state.as_str().to_owned(),
        account: flow.account,
        failure: flow.failure,
    }
}
