//! Plain HTTP routes around the Leptos app.

pub mod fn_status;
pub mod guard;
mod health;
mod oauth;

use app::backend::AppState;
use axum::routing::get;
use axum::Router;

/// Largest request body accepted anywhere (forms and server-function calls are small).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/oauth/start", get(oauth::start))
        .route("/oauth/connect", get(oauth::connect))
        .route("/oauth/callback/{provider}", get(oauth::callback))
}
