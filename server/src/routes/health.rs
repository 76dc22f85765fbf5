use app::platform::{db, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

/// Liveness and the database check, for load balancers and `scripts/run`.
pub async fn healthz(State(app): State<AppState>) -> impl IntoResponse {
    let version = env!("CARGO_PKG_VERSION");
    match db::ping(&app.db).await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "database": "ok", "version": version })),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(
                    json!({ "status": "unavailable", "database": "unreachable", "version": version }),
                ),
            )
        }
    }
}
