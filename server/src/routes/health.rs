use app::platform::{db, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use serde_json::json;

/// `/readyz`: whether this instance should get traffic: the database
/// answers and holds every migration this build expects.
pub async fn readyz(State(app): State<AppState>) -> impl IntoResponse {
    let unready = |database: &str, migrations: &str| {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({ "status": "unavailable", "database": database, "migrations": migrations }),
            ),
        )
    };
    match db::unapplied_migrations(&app.db).await {
        Ok(0) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": "ok", "migrations": "applied" })),
        ),
        Ok(missing) => {
            tracing::error!(
                missing,
                "readiness: the database lacks migrations of this build"
            );
            unready("ok", &format!("{missing} not applied"))
        }
        Err(e) => {
            tracing::error!(error = %e, "readiness: database unreachable");
            unready("unreachable", "unknown")
        }
    }
}

/// `/livez`: the process answers, nothing else is looked at (a liveness
/// probe must not restart instances because the database is away). Also
/// the cheapest handler behind the whole middleware stack: bench/ measures
/// pages against it.
pub async fn livez() -> &'static str {
    "ok"
}

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
