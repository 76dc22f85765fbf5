//! Server-only machinery every domain shares: the application state, the
//! database pool, the outgoing HTTP client, the clock and the backend error.
//! Compiled only with the `ssr` feature.

pub mod client;
pub mod csp;
pub mod db;
pub mod events;
pub mod metrics;
pub mod rate_limits;

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use url::Url;

pub use db::Db;
pub use protocol::clock::Clock;

use crate::providers::registry::Registry;
use crate::vault;

/// Everything a request handler or server function may need: one shared
/// `Arc`, since every request clones it (cloning each field showed in the
/// broker's profile, bench/RESULTS.md).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What `AppState` holds.
pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub vault: Arc<vault::Vault>,
    /// How to reach each configured provider (GitHub, the sign-in provider, always).
    pub providers: Arc<Registry>,
    /// Where browsers reach Relay; redirect URIs are built from it.
    pub public_url: Url,
    /// Outgoing HTTP: never follows redirects (an OAuth client must not, to avoid SSRF).
    pub http: reqwest::Client,
    /// Wakes the device-flow worker when a flow starts.
    pub device_worker: Arc<tokio::sync::Notify>,
    /// Changes waiting browsers are told about (on every instance).
    pub events: events::Events,
    /// The one refresher of each credential (see `freshness`).
    pub refresher: Arc<crate::freshness::Refresher>,
    /// The session tokens' public keys, as last read.
    pub signing_keys: Arc<crate::cli_broker::session_tokens::KeyCache>,
    /// Whose `X-Forwarded-For` is believed (`platform::client`).
    pub trusted_proxies: Arc<client::TrustedProxies>,
    /// What `GET /metrics` reports.
    pub metrics: Arc<metrics::Metrics>,
    /// The time every table and schedule uses: the system's; tests move it.
    pub clock: Clock,
    /// The Content-Security-Policy pages and other answers are sent with.
    pub content_security_policy: Arc<csp::Policy>,
    /// How long a signed-in browser session lives.
    pub session_lifetimes: crate::identity::session::Lifetimes,
    /// Whether the self-hosted probe may reach loopback and private networks.
    pub self_hosted_allow_private: bool,
    /// What GitHub signs webhook deliveries with (`None`: webhooks are refused).
    pub github_webhook_secret: Option<Arc<secrecy::SecretString>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// The one redirect URI of a provider, whatever the purpose of the login.
    pub fn callback_url(&self, provider: crate::providers::ProviderId) -> Url {
        self.public_url
            .join(&format!("oauth/callback/{provider}"))
            .expect("a path joins onto a base URL")
    }
}

/// The HTTP client used for every call to a provider; `timeout` bounds
/// each request (a provider that hangs costs a user at most that, per try).
pub fn http_client(timeout: std::time::Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout.min(std::time::Duration::from_secs(5)))
        .timeout(timeout)
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
    #[error("crypto: {0}")]
    Crypto(&'static str),
}

impl Error {
    /// The database could not be reached (down, restarting, or every
    /// connection busy): a passing outage to answer with 503, not a bug.
    pub fn is_unavailable(&self) -> bool {
        let db = match self {
            Error::Db(e) => e,
            Error::Session(tower_sessions::session::Error::Store(
                tower_sessions::session_store::Error::Backend(_),
            )) => return true,
            _ => return false,
        };
        db::is_unavailable(db)
    }
}

/// Sets the status of the server-function call being answered. A plain HTML
/// form post is left alone: it is answered with a redirect back to its page,
/// which carries the error and must stay a redirect to work without JavaScript.
pub fn refused_with(status: u16, retry_after_secs: Option<i64>) {
    use leptos::prelude::use_context;
    let form_post = use_context::<axum::http::request::Parts>().is_some_and(|request| {
        request
            .headers
            .get(axum::http::header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
    });
    let status = axum::http::StatusCode::from_u16(status);
    if let (false, Some(response), Ok(status)) = (
        form_post,
        use_context::<leptos_axum::ResponseOptions>(),
        status,
    ) {
        response.set_status(status);
        if let Some(secs) = retry_after_secs {
            response.insert_header(axum::http::header::RETRY_AFTER, secs.into());
        }
    }
}

/// Hex SHA-256, for looking up single-use secrets (and seen bodies) without storing them.
pub fn sha256_hex(value: impl AsRef<[u8]>) -> String {
    use sha2::Digest;
    vault::hex(&sha2::Sha256::digest(value.as_ref()))
}
