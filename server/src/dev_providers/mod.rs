//! Development providers: a small, standards-following OAuth server of our
//! own and a GitHub REST stand-in, served on their own origin so the whole
//! product runs offline. Relay's real client code talks to them over HTTP
//! exactly as it would to GitHub. Never enabled in production.
//!
//! - `engine`: the generic OAuth 2.0 authorization server (code + PKCE);
//! - `github`: the GitHub REST stand-in (`/user`, `/user/repos`, avatars);
//! - `people`: the demo users on the authorization page;
//! - `page`: the HTML of that page.

mod device;
mod engine;
mod github;
mod page;
mod people;
mod repos;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use app::backend::ProviderEndpoints;
use axum::Router;
use secrecy::SecretString;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use url::Url;

pub use engine::{DevSettings, Engine, Quirks};

/// The client Relay is registered as at every development provider.
pub const CLIENT_ID: &str = "relay-dev";
pub const CLIENT_SECRET: &str = "relay-dev-secret";

/// A registered OAuth client: who may ask for codes, and where they may go.
#[derive(Clone, Debug)]
pub struct DevClient {
    pub client_id: String,
    pub client_secret: Option<String>,
    pub redirect_uris: Vec<String>,
}

/// Every provider the stand-in plays; each is the same engine under its own path.
pub const PROVIDERS: [&str; 5] = ["github", "anthropic", "openai", "google", "microsoft"];

/// How the stand-in names itself on its pages.
pub fn display_name(provider: &str) -> &str {
    match provider {
        "github" => "GitHub",
        "anthropic" => "Anthropic",
        "openai" => "OpenAI",
        "google" => "Google",
        "microsoft" => "Microsoft",
        other => other,
    }
}

/// Opens the providers' own store (they are "another company": separate
/// database, separate origin) and builds their router.
pub async fn router(
    data_dir: &Path,
    own_url: &Url,
    relay_public_url: &Url,
    device: DevSettings,
) -> Result<Router, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(data_dir.join("dev-providers.db"))
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .busy_timeout(std::time::Duration::from_secs(5));
    let db = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    engine::create_tables(&db).await?;
    device::create_tables(&db).await?;

    let relay_client = |provider: &str| DevClient {
        client_id: CLIENT_ID.to_owned(),
        client_secret: Some(CLIENT_SECRET.to_owned()),
        redirect_uris: vec![relay_public_url
            .join(&format!("oauth/callback/{provider}"))
            .expect("joins")
            .to_string()],
    };
    let clients: HashMap<String, Vec<DevClient>> = PROVIDERS
        .iter()
        .map(|p| (p.to_string(), vec![relay_client(p)]))
        .collect();
    let engine = Arc::new(Engine::new(db, clients, own_url.clone(), device));

    Ok(Router::new()
        .merge(engine::routes())
        .merge(device::routes())
        .merge(github::routes())
        .with_state(engine))
}

/// The providers whose stand-ins also take full-page redirect logins, as the
/// real ones do; Anthropic's and OpenAI's connect by device code only.
const REDIRECT_PROVIDERS: [&str; 3] = ["github", "google", "microsoft"];

/// Every provider as Relay should reach it when the stand-ins play them all.
pub fn endpoints(base: &Url) -> Vec<ProviderEndpoints> {
    let at = |path: String| base.join(&path).expect("a path joins onto a base URL");
    PROVIDERS
        .iter()
        .filter_map(|id| app::providers::find(id))
        .map(|info| ProviderEndpoints {
            id: info.id,
            client_id: CLIENT_ID.to_owned(),
            client_secret: Some(SecretString::from(CLIENT_SECRET.to_owned())),
            auth_url: REDIRECT_PROVIDERS
                .contains(&info.id.as_str())
                .then(|| at(format!("{}/authorize", info.id))),
            token_url: at(format!("{}/token", info.id)),
            device_url: Some(at(format!("{}/device/code", info.id))),
            userinfo_url: Some(at(format!("{}/userinfo", info.id))),
            revoke_url: Some(at(format!("{}/revoke", info.id))),
            // The GitHub REST stand-in, for the provider that has a REST API.
            api_url: info.public.api_url.map(|_| at(format!("{}/api/", info.id))),
            scopes: info.scopes.iter().map(|s| s.to_string()).collect(),
        })
        .collect()
}
