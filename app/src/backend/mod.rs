//! Server-only backend: database, vault, OAuth clients and the sign-in flow.
//! Compiled only with the `ssr` feature; pages reach it through server
//! functions (`crate::functions`), plain routes through the `server` crate.

pub mod credentials;
pub mod db;
pub mod github;
pub mod oauth;
pub mod oauth_states;
pub mod session;
pub mod signin;
pub mod users;
pub mod vault;

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use secrecy::SecretString;
use url::Url;

pub use db::Db;

/// Everything a request handler or server function may need.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub vault: Arc<vault::Vault>,
    /// The sign-in provider (GitHub, or its development stand-in).
    pub github: Arc<ProviderEndpoints>,
    /// Where browsers reach Relay; redirect URIs are built from it.
    pub public_url: Url,
    /// Outgoing HTTP: never follows redirects (an OAuth client must not, to avoid SSRF).
    pub http: reqwest::Client,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// The one redirect URI of a provider, whatever the purpose of the login.
    pub fn callback_url(&self, provider: &str) -> Url {
        self.public_url
            .join(&format!("oauth/callback/{provider}"))
            .expect("a path joins onto a base URL")
    }
}

/// How Relay reaches one OAuth provider (a real one, or a development stand-in).
#[derive(Clone, Debug)]
pub struct ProviderEndpoints {
    pub id: &'static str,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    pub auth_url: Url,
    pub token_url: Url,
    /// For GitHub, the REST API root (`/user`, `/user/repos` live under it).
    pub api_url: Url,
    pub scopes: Vec<String>,
}

/// The HTTP client used for every call to a provider.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(15))
        .user_agent(concat!("agent-relay-cloud/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the TLS backend initialises")
}

/// Errors inside the backend. Their text is for logs; users see a generic message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("vault: {0}")]
    Vault(#[from] vault::VaultError),
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
}

/// Seconds since the Unix epoch: the one clock every table uses.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Hex SHA-256, for looking up single-use secrets without storing them.
pub fn sha256_hex(value: &str) -> String {
    use sha2::Digest;
    vault::hex(&sha2::Sha256::digest(value.as_bytes()))
}
