//! `/api/…`: plain HTTP for command-line tools and agent runners.

use std::net::SocketAddr;

use app::backend::audit::Source;
use app::backend::imports::{self, ImportError};
use app::backend::AppState;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// The largest credential file accepted (Claude's is well under 1 KiB).
pub const MAX_IMPORT_BYTES: usize = 64 * 1024;

/// `POST /api/credentials/import`: the body is the credential file as it is
/// on disk; the one-time code from the providers page is in `X-Import-Code`.
pub async fn import_credentials(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(code) = headers
        .get("x-import-code")
        .and_then(|v| v.to_str().ok())
        .filter(|c| !c.trim().is_empty())
    else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "Send the one-time code from the providers page in the X-Import-Code header.",
        );
    };
    match imports::redeem(&app, code, &body, Source(peer.ip().to_string())).await {
        Ok((info, account)) => Json(json!({
            "ok": true,
            "provider": info.id,
            "account": account,
        }))
        .into_response(),
        Err(ImportError::Backend(e)) => {
            tracing::error!(error = %e, "import failed");
            refuse(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Please try again.",
            )
        }
        Err(e @ (ImportError::UnknownCode | ImportError::UsedCode | ImportError::ExpiredCode)) => {
            refuse(StatusCode::UNAUTHORIZED, &e.to_string())
        }
        Err(e) => refuse(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
    }
}

fn refuse(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "ok": false, "error": message }))).into_response()
}
