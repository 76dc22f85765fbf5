//! Plain HTTP routes around the Leptos app.

mod api;
mod cli;
mod cli_api;
pub mod client;
mod error;
pub mod guard;
mod health;
mod live;
pub mod metrics;
mod oauth;
pub mod same_origin;
mod teams;
mod webhooks;

use app::platform::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;

/// Largest request body accepted anywhere (forms and server-function calls are small).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/livez", get(health::livez))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/oauth/start", get(oauth::start))
        .route(
            "/oauth/connect",
            get(oauth::connect_link).post(oauth::connect),
        )
        .route("/oauth/callback/{provider}", get(oauth::callback))
        .route("/teams/{id}/teams.json", get(teams::export))
        .route("/live/device/{id}", get(live::device))
        .route("/live/import/{id}", get(live::import))
        .route("/live/cli", get(live::cli_login))
        .route("/cli/providers", get(cli::providers))
        .route("/cli/poll", post(cli::poll))
        .route("/cli/confirm", post(cli::confirm))
        .route("/cli/terminal.js", get(cli::script))
        .route("/.well-known/jwks.json", get(cli::jwks))
        .route("/api/me", get(cli_api::me))
        .route("/api/logout", post(cli_api::logout))
        .route("/api/keys", get(cli_api::list_keys).post(cli_api::add_key))
        .route(
            "/api/keys/{provider}",
            axum::routing::delete(cli_api::remove_key),
        )
        .route("/api/credentials/{provider}", get(cli_api::credential))
        .route(
            "/api/connect/{provider}/device",
            post(cli_api::start_device_login),
        )
        .route("/api/connect/device/{id}", get(cli_api::device_login))
        .route("/webhooks/github", post(webhooks::github))
        .route(
            "/api/credentials/import",
            post(api::import_credentials).layer(DefaultBodyLimit::max(api::MAX_IMPORT_BYTES)),
        )
}
