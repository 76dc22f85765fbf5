//! `/api/…`: plain HTTP for command-line tools and agent runners.

use app::audit::log::Source;
use app::connect::import::store as imports;
use app::connect::import::store::ImportError;
use app::platform::client::ClientIp;
use app::platform::rate_limits::{self, Limit};
use app::platform::AppState;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Extension;
use axum::Json;
use protocol::api::{ErrorCode, Imported};

use super::error::{ApiError, ApiResult};

/// The largest credential file accepted (Claude's is well under 1 KiB).
pub const MAX_IMPORT_BYTES: usize = 64 * 1024;
/// Import attempts per client address: a one-time code must not be guessable
/// by trying many.
const IMPORT_ATTEMPTS: Limit = Limit {
    name: "import_attempt",
    hits: 10,
    per_secs: 60,
};

/// `POST /api/credentials/import`: the body is the credential file as it is
/// on disk; the one-time code from the providers page is in `X-Import-Code`.
pub async fn import_credentials(
    State(app): State<AppState>,
    Extension(ClientIp(peer)): Extension<ClientIp>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let code = headers
        .get("x-import-code")
        .and_then(|v| v.to_str().ok())
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::MissingCode,
                "Send the one-time code from the providers page in the X-Import-Code header.",
            )
        })?;
    rate_limits::hit(&app.db, &IMPORT_ATTEMPTS, &peer.to_string(), &app.clock).await?;
    let (info, account) = imports::redeem(&app, code, &body, Source(peer.to_string()))
        .await
        .map_err(|e| {
            let (status, code) = match &e {
                ImportError::Backend(e) => return ApiError::internal(e),
                ImportError::UnknownCode => (StatusCode::UNAUTHORIZED, ErrorCode::UnknownCode),
                ImportError::UsedCode => (StatusCode::UNAUTHORIZED, ErrorCode::UsedCode),
                ImportError::ExpiredCode => (StatusCode::UNAUTHORIZED, ErrorCode::ExpiredCode),
                ImportError::BadFile(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::BadFile),
                ImportError::Refused { .. } => {
                    (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::Refused)
                }
            };
            ApiError::new(status, code, e.to_string())
        })?;
    Ok(Json(Imported {
        ok: true,
        provider: info.id.as_str().to_owned(),
        account,
    })
    .into_response())
}
