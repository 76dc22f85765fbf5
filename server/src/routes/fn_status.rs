//! Server functions answer every error with HTTP 500; the error itself says
//! better. This gives refused input its 400 and a missing session its 401, so
//! logs, monitoring and scripts can tell a user's mistake from a fault.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

/// Server-function error bodies are a short JSON value; anything larger is left alone.
const LARGEST_ERROR: usize = 16 * 1024;

pub async fn fn_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, LARGEST_ERROR).await else {
        return Response::from_parts(parts, Body::empty());
    };
    match serde_json::from_slice::<app::errors::AppError>(&bytes) {
        Ok(app::errors::AppError::BadRequest(_) | app::errors::AppError::NeedsProvider(_)) => {
            parts.status = StatusCode::BAD_REQUEST
        }
        Ok(app::errors::AppError::NotSignedIn) => parts.status = StatusCode::UNAUTHORIZED,
        _ => {}
    }
    Response::from_parts(parts, Body::from(bytes))
}
