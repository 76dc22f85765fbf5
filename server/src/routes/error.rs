//! The one error answer of the plain JSON routes (`/api/…`, `/cli/poll`):
//! a status, a stable `ErrorCode` that clients branch on, and a sentence for
//! people, always as `{"error": <code>, "message": <sentence>}`. Handlers
//! return `ApiResult` and use `?`; internal failures are logged here and
//! answered with a generic sentence.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use protocol::api::{ErrorBody, ErrorCode};

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: ErrorBody,
    retry_after_secs: Option<u64>,
}

pub type ApiResult<T = Response> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: ErrorBody {
                error: code,
                message: message.into(),
                interval: None,
            },
            retry_after_secs: None,
        }
    }

    /// 429 `slow_down`: poll every `interval` seconds from now on (also `Retry-After`).
    pub fn slow_down(interval: u64) -> ApiError {
        let mut refusal = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::SlowDown,
            format!("Poll at most every {interval} seconds."),
        );
        refusal.body.interval = Some(interval);
        refusal.retry_after_secs = Some(interval);
        refusal
    }

    /// 429 over a rate limit, with `Retry-After`.
    pub fn too_many(retry_after_secs: i64, message: String) -> ApiError {
        let mut refusal = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyRequests,
            message,
        );
        refusal.retry_after_secs = Some(retry_after_secs.max(1) as u64);
        refusal
    }

    /// A fault on our side: the details go to the log, never to the client.
    pub fn internal(e: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %e, "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "Something went wrong on our side. Please try again.",
        )
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, ErrorCode::BadRequest, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [(header::CACHE_CONTROL, "no-store")],
            Json(&self.body),
        )
            .into_response();
        if let Some(seconds) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<app::platform::rate_limits::Limited> for ApiError {
    fn from(limited: app::platform::rate_limits::Limited) -> ApiError {
        use app::platform::rate_limits::Limited;
        match limited {
            Limited::Over { retry_after_secs } => {
                ApiError::too_many(retry_after_secs, limited.to_string())
            }
            Limited::Backend(e) => e.into(),
        }
    }
}

impl From<app::platform::Error> for ApiError {
    fn from(e: app::platform::Error) -> ApiError {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "request failed: the database is unavailable");
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Unavailable,
                "Relay is briefly unavailable. Nothing was changed; please try again in a moment.",
            );
        }
        ApiError::internal(e)
    }
}
