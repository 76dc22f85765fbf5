//! The Relay server: configuration, plain HTTP routes and background work
//! around the Leptos app. The domains themselves live in the `app` crate, one folder each.

mod assets;
pub mod config;
mod master_key;
mod registry;
mod routes;
mod sessions;
#[cfg(feature = "dev-providers")]
mod stand_ins;
mod workers;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use app::platform::{db, http_client, AppState, Clock};
use app::providers::oauth_states;
use app::{shell, App};
use axum::http::{header, HeaderValue, Request};
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tracing::Level;
use url::Url;

use crate::config::{Config, Mode};
use crate::sessions::SessionStore;
use secrecy::ExposeSecret;

/// A started server. Dropping it does not stop it; call `shutdown`.
pub struct Running {
    pub addr: SocketAddr,
    pub url: Url,
    pub dev_providers_url: Option<Url>,
    pub database_url: String,
    state: AppState,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    /// The clock this server reads: tests move it instead of waiting.
    pub fn clock(&self) -> &Clock {
        &self.state.clock
    }

    /// The vault (tests open what is sealed, as someone holding the master key could).
    pub fn vault(&self) -> &app::vault::Vault {
        &self.state.vault
    }

    /// The database this server uses (tests read and arrange rows through it).
    pub fn db(&self) -> &db::Db {
        &self.state.db
    }

    /// Runs each background worker once, now (a test that turned
    /// `Config::background_workers` off drives them this way).
    pub async fn run_workers_once(&self) {
        workers::poll_device_flows(&self.state).await;
        workers::sweep(&self.state).await;
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// Binds the listeners, opens the database, and serves until `shutdown`.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    config.check_build()?;
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let listener = TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = listener.local_addr()?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| Url::parse(&format!("http://{addr}/")).expect("valid URL"));
    let (stop, stopped) = watch::channel(false);
    let mut tasks = Vec::new();
    // One clock for Relay and its stand-ins: a test that moves it moves both.
    let clock = Clock::system();

    // Development providers first: unconfigured providers point at them.
    #[cfg(feature = "dev-providers")]
    let (stand_ins, dev_providers_url) = match config.dev_providers {
        Some(dev) => {
            let started = stand_ins::start(&config, dev, &public_url, clock.clone()).await?;
            tasks.push(serve(started.listener, started.router, stopped.clone()));
            tracing::warn!(url = %started.url, "DEVELOPMENT PROVIDERS are running: unconfigured providers use local stand-ins, not the real ones");
            (stand_ins::registered(&started.url), Some(started.url))
        }
        None => (registry::StandIns::default(), None),
    };
    // Without them, the configuration refused to start the stand-ins.
    #[cfg(not(feature = "dev-providers"))]
    let (stand_ins, dev_providers_url) = (registry::StandIns::default(), None);
    let http = http_client(config.provider_timeout);
    let providers = registry::build(
        &config.providers,
        &config.check_urls,
        stand_ins,
        &http,
        config.mode == Mode::Production,
    )
    .await?;

    let pool = db::connect(config.database_url.expose_secret())
        .await
        .context("cannot open the database")?;
    tracing::info!(backend = pool.backend(), "database ready");
    let vault = master_key::vault(&config)?;

    let store = SessionStore::new(&pool)
        .await
        .context("cannot prepare the session store")?;
    let sessions = SessionManagerLayer::new(store.clone())
        .with_name(session_cookie_name(config.mode))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.mode == Mode::Production)
        // The store forgets a session idle this long; the lifetime and the
        // idle timeout themselves are checked on the app's clock
        // (`identity::session`), so tests can move it.
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::seconds(config.session_lifetimes.idle_secs),
        ));

    // A release build's files are named after their content (assets.rs).
    let hashed = assets::Manifest::current().is_some();
    let leptos_options = LeptosOptions::builder()
        .output_name(assets::OUTPUT_NAME)
        .site_root(config.site_root.as_str())
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .hash_files(hashed)
        .build();
    // Avatars of the development GitHub are served by the stand-ins.
    let image_origins: Vec<String> = dev_providers_url
        .iter()
        .map(|url| url.origin().ascii_serialization())
        .collect();
    let csp = app::platform::csp::Policy::new(&image_origins, config.mode == Mode::Development);
    let strict_csp =
        HeaderValue::from_str(&csp.strict()).context("the policy is a header value")?;
    // Browsers remember to use https only (production is https by rule).
    let hsts =
        (config.mode == Mode::Production).then(|| HeaderValue::from_static("max-age=63072000"));
    let state = AppState::new(app::platform::Shared {
        leptos_options,
        content_security_policy: Arc::new(csp),
        db: pool.clone(),
        vault: Arc::new(vault),
        providers: Arc::new(providers),
        public_url: public_url.clone(),
        http,
        device_worker: Arc::new(tokio::sync::Notify::new()),
        events: app::platform::events::Events::new(&pool),
        refresher: Arc::default(),
        signing_keys: Arc::default(),
        clock,
        trusted_proxies: Arc::new(config.trusted_proxies.clone()),
        metrics: Arc::default(),
        github_webhook_secret: config.github_webhook_secret.clone().map(Arc::new),
        self_hosted_allow_private: config.self_hosted_allow_private,
        session_lifetimes: config.session_lifetimes,
    });

    let state_for_workers = state.clone();
    let app = Router::new()
        .merge(routes::router())
        .merge(assets::router(std::path::Path::new(&config.site_root), hashed))
        .leptos_routes(&state, generate_route_list(App), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), routes::guard::guard))
        .layer(axum::middleware::from_fn_with_state(state.clone(), routes::same_origin::refuse_cross_site))
        .layer(axum::middleware::from_fn_with_state(state.clone(), routes::client::resolve))
        .layer(axum::middleware::from_fn_with_state(state.clone(), routes::metrics::track))
        .layer(sessions)
        // Logs carry the path only: query strings hold OAuth codes and states.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| tracing::info_span!("http", method = %req.method(), path = %req.uri().path()))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        // Pages and answers are compressed as they go out, so quickly:
        // brotli's default (its best, 11) took most of a page's time for a
        // few percent of its size (bench/RESULTS.md). The browser's files
        // are stored compressed at the best level instead (assets.rs).
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        // Pages set theirs with the render's nonce; anything else is strict.
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, strict_csp))
        .layer(SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, hsts))
        // Pages may carry an OAuth code in their URL: never send it to another site.
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(RequestBodyLimitLayer::new(routes::MAX_BODY_BYTES))
        .with_state(state);
    tasks.push(serve(listener, app, stopped.clone()));
    // On PostgreSQL, changes learnt by other instances reach this one's waiting browsers.
    tasks.push(tokio::spawn({
        let events = state_for_workers.events.clone();
        let stopped = stopped.clone();
        async move { events.relay_notifications(stopped).await }
    }));
    if config.background_workers {
        tasks.push(tokio::spawn(workers::device_flows(
            state_for_workers.clone(),
            stopped.clone(),
        )));
        tasks.push(tokio::spawn(workers::refresh_sweep(
            state_for_workers.clone(),
            stopped.clone(),
        )));
    }
    tasks.push(tokio::spawn(housekeeping(
        pool,
        store,
        stopped,
        state_for_workers.clock.clone(),
    )));

    tracing::info!(url = %public_url, "Agent Relay Cloud is listening");
    Ok(Running {
        addr,
        url: public_url,
        dev_providers_url,
        database_url: config.database_url.expose_secret().to_owned(),
        state: state_for_workers,
        stop,
        tasks,
    })
}

/// `relay-server rotate-signing-key`: a new key signs session tokens from
/// now on; the old one stays published until its tokens have expired.
pub async fn rotate_signing_key(config: &Config) -> anyhow::Result<String> {
    let pool = db::connect(config.database_url.expose_secret())
        .await
        .context("cannot open the database")?;
    let vault = master_key::vault(config)?;
    Ok(app::cli_broker::session_tokens::rotate(&pool, &vault, &Clock::system()).await?)
}

/// How far a master-key rotation is: keys re-wrapped so far, of how many.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rotation {
    pub done: u64,
    pub total: u64,
}

/// `relay-server rotate-master-key`: re-wraps every user key and signing key
/// still under an older master key (`RELAY_MASTER_KEY_PREVIOUS`) under
/// `RELAY_MASTER_KEY`, `batch` at a time, reporting after each batch. Safe
/// while servers run and resumable: run it again after an interruption.
pub async fn rotate_master_key(
    config: &Config,
    batch: i64,
    mut report: impl FnMut(Rotation),
) -> anyhow::Result<Rotation> {
    use app::vault::rotation;
    let pool = db::connect(config.database_url.expose_secret())
        .await
        .context("cannot open the database")?;
    let vault = master_key::vault(config)?;
    let total = rotation::remaining(&pool, &vault).await? as u64;
    let mut progress = Rotation { done: 0, total };
    report(progress);
    loop {
        let done = rotation::rewrap_batch(&pool, &vault, batch)
            .await
            .context("re-wrapping failed (is the old master key in RELAY_MASTER_KEY_PREVIOUS?)")?;
        if done == 0 {
            break;
        }
        progress.done += done;
        report(progress);
    }
    let left = rotation::remaining(&pool, &vault).await?;
    anyhow::ensure!(
        left == 0,
        "{left} keys were changed while this ran; run it again"
    );
    Ok(progress)
}

fn serve(listener: TcpListener, app: Router, mut stopped: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        if let Err(e) = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        {
            tracing::error!(error = %e, "server stopped with an error");
        }
    })
}

/// In production the cookie is `__Host-` prefixed: browsers then keep it only
/// if it is Secure, for `/` and for this host alone, so no sibling
/// subdomain can set or overwrite it (session fixation from next door).
fn session_cookie_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Production => "__Host-relay_session",
        Mode::Development => "relay_session",
    }
}

#[cfg(test)]
#[test]
fn the_production_session_cookie_is_host_prefixed() {
    assert_eq!(
        session_cookie_name(Mode::Production),
        "__Host-relay_session"
    );
    assert_eq!(session_cookie_name(Mode::Development), "relay_session");
}

/// Deletes expired sessions and finished logins, hourly.
async fn housekeeping(
    pool: db::Db,
    store: SessionStore,
    mut stopped: watch::Receiver<bool>,
    clock: Clock,
) {
    use tower_sessions::session_store::ExpiredDeletion;
    let mut tick = tokio::time::interval(Duration::from_secs(60 * 60));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if let Err(e) = store.delete_expired().await {
                    tracing::warn!(error = %e, "deleting expired sessions failed");
                }
                if let Err(e) = oauth_states::prune(&pool, &clock).await {
                    tracing::warn!(error = %e, "pruning old logins failed");
                }
                if let Err(e) = app::repositories::webhooks::prune(&pool, &clock).await {
                    tracing::warn!(error = %e, "pruning old webhook deliveries failed");
                }
                if let Err(e) = app::cli_broker::logins::prune(&pool, &clock).await {
                    tracing::warn!(error = %e, "pruning old terminal logins failed");
                }
                if let Err(e) = app::connect::import::store::prune(&pool, &clock).await {
                    tracing::warn!(error = %e, "forgetting expired import codes failed");
                }
                // No limit counts over a window longer than a day.
                if let Err(e) = app::platform::rate_limits::prune(&pool, 24 * 60 * 60, &clock).await {
                    tracing::warn!(error = %e, "pruning old rate-limit windows failed");
                }
            }
            _ = stopped.changed() => break,
        }
    }
}
