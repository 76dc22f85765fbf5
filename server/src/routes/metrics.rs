//! `GET /metrics` for Prometheus, and the middleware that counts and times
//! every request by its route's template.

use std::time::Instant;

use app::connect::device::flows as device_flows;
use app::platform::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn track(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    app.metrics.answered(
        &route,
        &method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// `GET /metrics`: the OpenMetrics text format, which Prometheus reads.
/// Expose it to the monitoring network only.
pub async fn metrics(State(app): State<AppState>) -> Response {
    let pending = match device_flows::count_pending(&app).await {
        Ok(n) => n,
        Err(e) => {
            tracing::error!(error = %e, "metrics: counting pending device flows failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let (connections, idle) = app.db.pool_usage();
    let text = app.metrics.render(pending, connections, idle);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}
