//! Configuration from environment variables (and an optional `.env` file).
//! Every variable is listed in `.env.example`. Secrets are `SecretString`s,
//! so they cannot be printed by accident.

use app::platform::client::TrustedProxies;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use secrecy::SecretString;
use url::Url;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Development,
    Production,
}

/// A provider app registered by the operator (`RELAY_<PROVIDER>_…`).
#[derive(Clone, Debug)]
pub struct ProviderApp {
    pub id: app::providers::ProviderId,
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    /// Set: endpoints come from OIDC discovery at start, the URLs below override them.
    pub issuer: Option<Url>,
    pub auth_url: Option<Url>,
    pub token_url: Option<Url>,
    pub device_url: Option<Url>,
    pub userinfo_url: Option<Url>,
    pub revoke_url: Option<Url>,
    pub api_url: Option<Url>,
    pub scopes: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub mode: Mode,
    pub addr: SocketAddr,
    /// `None`: derived from the address the server actually listens on.
    pub public_url: Option<Url>,
    pub data_dir: PathBuf,
    /// `sqlite:…` (the default) or `postgres://…`; secret, as it may hold a password.
    pub database_url: SecretString,
    /// `None` in development: generated once into `data/master.key`.
    pub master_key: Option<SecretString>,
    /// Earlier master keys, still accepted while a rotation is under way.
    pub previous_master_keys: Vec<SecretString>,
    /// `Some`: serve the development providers, and use them for every
    /// provider the operator left unconfigured.
    pub dev_providers: Option<DevProviders>,
    /// Providers registered by the operator; the development providers stand
    /// in for the others (when they run).
    pub providers: Vec<ProviderApp>,
    /// `RELAY_<PROVIDER>_CHECK_URL`: where a provider's credentials are proven,
    /// instead of its public endpoint (or, in development, its stand-in).
    pub check_urls: Vec<(app::providers::ProviderId, Url)>,
    /// The secret GitHub signs webhook deliveries with; `None`: webhooks are refused.
    pub github_webhook_secret: Option<SecretString>,
    /// The load balancers whose `X-Forwarded-For` is believed (`RELAY_TRUSTED_PROXIES`).
    pub trusted_proxies: TrustedProxies,
    /// Whether the self-hosted probe may reach loopback and private networks
    /// (`RELAY_SELF_HOSTED_ALLOW_PRIVATE`; on by default in development only,
    /// where Ollama on localhost is the point). Metadata addresses never.
    pub self_hosted_allow_private: bool,
    /// How long a browser session lives (`RELAY_SESSION_HOURS`, default 12;
    /// `RELAY_SESSION_IDLE_MINUTES`, default 60, at most the lifetime).
    pub session_lifetimes: app::identity::session::Lifetimes,
    /// How long one request to a provider may take (`RELAY_PROVIDER_TIMEOUT_SECS`, default 15).
    pub provider_timeout: std::time::Duration,
    pub site_root: String,
    pub log_filter: String,
    /// `RELAY_LOG_FORMAT`: lines for people (`text`) or one JSON object per event (`json`).
    pub log_format: LogFormat,
    /// The device-flow poller and the refresh sweep run on their own; a
    /// test turns them off to run them once itself (`Running::run_workers_once`).
    pub background_workers: bool,
}

/// Where the development providers listen and how they behave
/// (`RELAY_DEV_…`), so tests and demos need not wait 15 minutes and each real
/// provider's quirks can be switched off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DevProviders {
    pub addr: SocketAddr,
    /// Lifetime of device codes, seconds.
    pub expires_in: i64,
    /// Device-code polling interval, seconds.
    pub interval: i64,
    /// Each stand-in plays its real provider's deviations from the RFCs.
    pub quirks: bool,
    /// GitHub's stand-in answers `device_flow_disabled` when this is off.
    pub github_device_flow: bool,
}

/// Whether this binary was built with the development providers (the
/// `dev-providers` cargo feature); a production build leaves them out.
pub const HAS_DEV_PROVIDERS: bool = cfg!(feature = "dev-providers");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn fail<T>(msg: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(msg.into()))
}

impl Config {
    /// Refuses production mode in a build that contains the development
    /// providers: their OAuth server signs in anyone who types a login, so
    /// such a binary must never serve real users, whatever its variables say.
    pub fn check_build(&self) -> Result<(), ConfigError> {
        if self.mode == Mode::Production && HAS_DEV_PROVIDERS {
            return fail("production mode refuses to start in a build that contains the development providers: build relay-server without the dev-providers feature (`cargo leptos build --release`, see Deploying in the README)");
        }
        Ok(())
    }

    /// Reads the process environment (after loading `.env` if there is one).
    pub fn from_env() -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Builds the configuration from any variable source (tests pass a map).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };

        let mode = match var("RELAY_ENV").as_deref() {
            None | Some("development") => Mode::Development,
            Some("production") => Mode::Production,
            Some(other) => {
                return fail(format!(
                    "RELAY_ENV must be \"development\" or \"production\" (got \"{other}\")"
                ))
            }
        };
        let addr = parse_addr("RELAY_ADDR", var("RELAY_ADDR"), "127.0.0.1:3000")?;
        let public_url = match var("RELAY_PUBLIC_URL") {
            None => None,
            Some(raw) => Some(parse_url("RELAY_PUBLIC_URL", &raw)?),
        };
        let data_dir = PathBuf::from(var("RELAY_DATA_DIR").unwrap_or_else(|| "data".to_owned()));
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("relay.db").display()));
        if app::platform::db::is_postgres(&database_url) {
            if sqlx::postgres::PgConnectOptions::from_str(&database_url).is_err() {
                return fail("DATABASE_URL is not a valid postgres:// URL (postgres://user:password@host:port/database)".to_owned());
            }
        } else if !database_url.starts_with("sqlite:") {
            return fail(format!(
                "DATABASE_URL must be a sqlite: or postgres:// URL (got \"{}:\")",
                scheme_of(&database_url)
            ));
        }
        // It may hold the database password.
        let database_url = SecretString::from(database_url);
        let log_format = match var("RELAY_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return fail(format!(
                    "RELAY_LOG_FORMAT must be \"text\" or \"json\" (got \"{}\")",
                    other.chars().take(40).collect::<String>()
                ))
            }
        };
        let trusted_proxies = match var("RELAY_TRUSTED_PROXIES") {
            None => TrustedProxies::default(),
            Some(list) => TrustedProxies::parse(&list)
                .or_else(|why| fail(format!("RELAY_TRUSTED_PROXIES: {why}")))?,
        };
        let provider_timeout = match var("RELAY_PROVIDER_TIMEOUT_SECS") {
            None => std::time::Duration::from_secs(15),
            Some(raw) => match raw.parse::<u64>() {
                // At most 15: the leases on refreshes and device polls (60 s)
                // must outlast every try of one.
                Ok(secs) if (1..=15).contains(&secs) => std::time::Duration::from_secs(secs),
                _ => {
                    return fail(format!(
                        "RELAY_PROVIDER_TIMEOUT_SECS must be a number of seconds between 1 and 15 (got \"{}\")",
                        raw.chars().take(40).collect::<String>()
                    ))
                }
            },
        };
        let session_lifetimes = session_lifetimes(&var)?;
        let master_key = var("RELAY_MASTER_KEY").map(SecretString::from);
        let previous_master_keys = var("RELAY_MASTER_KEY_PREVIOUS")
            .map(|v| {
                v.split(',')
                    .map(|k| SecretString::from(k.trim().to_owned()))
                    .collect()
            })
            .unwrap_or_default();

        let providers = app::providers::credential_providers()
            .map(|info| provider_app(info, &var, mode == Mode::Production))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect::<Vec<_>>();
        let github_configured = providers.iter().any(|p| p.id == app::providers::SIGN_IN.id);
        let mut check_urls = Vec::new();
        for info in app::providers::ALL
            .into_iter()
            .filter(|p| p.check.is_some())
        {
            let key = format!("RELAY_{}_CHECK_URL", info.id.as_str().to_uppercase());
            if let Some(raw) = var(&key) {
                let url = parse_url(&key, &raw)?;
                if mode == Mode::Production && url.scheme() != "https" {
                    return fail(format!(
                        "production mode requires https provider endpoints: {key} is {}://…",
                        url.scheme()
                    ));
                }
                check_urls.push((info.id, url));
            }
        }

        // Development providers: on by default only in development with no
        // real provider configured, and only in a build that has them.
        let dev_providers_wanted = match var("RELAY_DEV_PROVIDERS").as_deref() {
            None | Some("auto") => {
                HAS_DEV_PROVIDERS && mode == Mode::Development && providers.is_empty()
            }
            Some("1" | "true" | "on") if !HAS_DEV_PROVIDERS => {
                return fail("RELAY_DEV_PROVIDERS is on, but this relay-server was built without the development providers (build it with `--features dev-providers`, as scripts/run does)")
            }
            Some("1" | "true" | "on") => true,
            Some("0" | "false" | "off") => false,
            Some(other) => {
                return fail(format!(
                    "RELAY_DEV_PROVIDERS must be on, off or auto (got \"{other}\")"
                ))
            }
        };
        let dev_providers = if dev_providers_wanted {
            Some(DevProviders {
                addr: parse_addr(
                    "RELAY_DEV_PROVIDERS_ADDR",
                    var("RELAY_DEV_PROVIDERS_ADDR"),
                    "127.0.0.1:3010",
                )?,
                quirks: parse_switch("RELAY_DEV_QUIRKS", var("RELAY_DEV_QUIRKS"), true)?,
                github_device_flow: parse_switch(
                    "RELAY_DEV_GITHUB_DEVICE_FLOW",
                    var("RELAY_DEV_GITHUB_DEVICE_FLOW"),
                    true,
                )?,
                expires_in: parse_secs(
                    "RELAY_DEV_DEVICE_EXPIRES_IN",
                    var("RELAY_DEV_DEVICE_EXPIRES_IN"),
                    900,
                )?,
                interval: parse_secs(
                    "RELAY_DEV_DEVICE_INTERVAL",
                    var("RELAY_DEV_DEVICE_INTERVAL"),
                    5,
                )?,
            })
        } else {
            None
        };

        // A development server trusts whoever reaches it (its stand-in
        // providers approve any login): only this machine, unless told.
        if mode == Mode::Development
            && !parse_switch(
                "RELAY_DEV_LISTEN_ANYWHERE",
                var("RELAY_DEV_LISTEN_ANYWHERE"),
                false,
            )?
        {
            let listening = std::iter::once(("RELAY_ADDR", addr)).chain(
                dev_providers
                    .iter()
                    .map(|d| ("RELAY_DEV_PROVIDERS_ADDR", d.addr)),
            );
            for (name, addr) in listening {
                if !addr.ip().is_loopback() {
                    return fail(format!("{name}={addr} would let other machines reach this development server, whose development providers approve any login: use 127.0.0.1, or set RELAY_DEV_LISTEN_ANYWHERE=on if that is what you want"));
                }
            }
        }
        if mode == Mode::Production {
            if master_key.is_none() {
                return fail("production mode requires RELAY_MASTER_KEY (64 hex characters; `relay-server generate-master-key` prints one)");
            }
            match &public_url {
                Some(url) if url.scheme() == "https" => {}
                Some(url) => return fail(format!("production mode requires RELAY_PUBLIC_URL to use https (got {}://…)", url.scheme())),
                None => return fail("production mode requires RELAY_PUBLIC_URL, an https:// URL where browsers reach Relay"),
            }
            if dev_providers.is_some() {
                return fail("production mode refuses to start with development providers enabled (unset RELAY_DEV_PROVIDERS)");
            }
        }
        if !github_configured && dev_providers.is_none() {
            return fail("no GitHub app configured: set RELAY_GITHUB_CLIENT_ID and RELAY_GITHUB_CLIENT_SECRET");
        }

        Ok(Config {
            mode,
            addr,
            public_url,
            data_dir,
            database_url,
            master_key,
            previous_master_keys,
            dev_providers,
            providers,
            check_urls,
            github_webhook_secret: var("RELAY_GITHUB_WEBHOOK_SECRET").map(SecretString::from),
            self_hosted_allow_private: parse_switch(
                "RELAY_SELF_HOSTED_ALLOW_PRIVATE",
                var("RELAY_SELF_HOSTED_ALLOW_PRIVATE"),
                mode == Mode::Development,
            )?,
            trusted_proxies,
            provider_timeout,
            session_lifetimes,
            site_root: var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".to_owned()),
            log_format,
            log_filter: var("RUST_LOG")
                .unwrap_or_else(|| "info,sqlx=warn,tower_sessions=warn".to_owned()),
            background_workers: true,
        })
    }
}

/// One provider's `RELAY_<PROVIDER>_…` variables; `None` when it is not configured.
/// `https_only`: production, where a provider reached over plain http would
/// hand its tokens to anyone on the way.
fn provider_app(
    info: &app::providers::ProviderInfo,
    var: &impl Fn(&str) -> Option<String>,
    https_only: bool,
) -> Result<Option<ProviderApp>, ConfigError> {
    let prefix = format!("RELAY_{}_", info.id.as_str().to_uppercase());
    let name = |field: &str| format!("{prefix}{field}");
    let url = |field: &str, default: Option<&str>| -> Result<Option<Url>, ConfigError> {
        let key = name(field);
        match var(&key).as_deref().or(default) {
            None => Ok(None),
            Some(raw) => match parse_url(&key, raw)? {
                url if https_only && url.scheme() != "https" => fail(format!(
                    "production mode requires https provider endpoints: {key} is {}://…",
                    url.scheme()
                )),
                url => Ok(Some(url)),
            },
        }
    };
    let Some(client_id) = var(&name("CLIENT_ID")).filter(|id| !id.is_empty()) else {
        if let Some(set) = [
            "CLIENT_SECRET",
            "ISSUER",
            "AUTH_URL",
            "TOKEN_URL",
            "DEVICE_URL",
            "USERINFO_URL",
            "REVOKE_URL",
        ]
        .into_iter()
        .map(name)
        .find(|key| var(key).is_some())
        {
            return fail(format!("{set} is set but {} is not", name("CLIENT_ID")));
        }
        return Ok(None);
    };
    let client_secret = var(&name("CLIENT_SECRET")).map(SecretString::from);
    if info.needs_client_secret && client_secret.is_none() {
        return fail(format!(
            "{} is set but {} is not ({} requires it)",
            name("CLIENT_ID"),
            name("CLIENT_SECRET"),
            info.name
        ));
    }
    let issuer = url("ISSUER", None)?;
    // With an issuer, its discovery document names the endpoints: the
    // provider's public ones would send a login to the real Google instead.
    let public = if issuer.is_some() {
        &app::providers::PublicEndpoints::NONE
    } else {
        &info.public
    };
    let token_url = url("TOKEN_URL", public.token_url)?;
    if token_url.is_none() && issuer.is_none() {
        return fail(format!(
            "{} needs {} or {}: {} publishes no endpoints Relay could assume",
            name("CLIENT_ID"),
            name("TOKEN_URL"),
            name("ISSUER"),
            info.name
        ));
    }
    Ok(Some(ProviderApp {
        id: info.id,
        client_id,
        client_secret,
        auth_url: url("AUTH_URL", public.auth_url)?,
        token_url,
        device_url: url("DEVICE_URL", public.device_url)?,
        userinfo_url: url("USERINFO_URL", public.userinfo_url)?,
        revoke_url: url("REVOKE_URL", public.revoke_url)?,
        api_url: url("API_URL", public.api_url)?,
        issuer,
        scopes: match var(&name("SCOPES")) {
            Some(scopes) => scopes.split_whitespace().map(str::to_owned).collect(),
            None => info.scopes.iter().map(|s| s.to_string()).collect(),
        },
    }))
}

fn parse_addr(name: &str, value: Option<String>, default: &str) -> Result<SocketAddr, ConfigError> {
    let raw = value.unwrap_or_else(|| default.to_owned());
    raw.parse().or_else(|_| {
        fail(format!(
            "{name} must be host:port with an IP address, e.g. 127.0.0.1:3000 (got \"{raw}\")"
        ))
    })
}

fn parse_switch(name: &str, value: Option<String>, default: bool) -> Result<bool, ConfigError> {
    match value.as_deref() {
        None => Ok(default),
        Some("1" | "true" | "on") => Ok(true),
        Some("0" | "false" | "off") => Ok(false),
        Some(other) => fail(format!("{name} must be on or off (got \"{other}\")")),
    }
}

/// `RELAY_SESSION_HOURS` (1–720) and `RELAY_SESSION_IDLE_MINUTES` (5 up to the lifetime).
fn session_lifetimes(
    var: &impl Fn(&str) -> Option<String>,
) -> Result<app::identity::session::Lifetimes, ConfigError> {
    let number = |name: &str, default: i64, range: std::ops::RangeInclusive<i64>, unit: &str| {
        match var(name) {
            None => Ok(default),
            Some(raw) => match raw.trim().parse::<i64>() {
                Ok(n) if range.contains(&n) => Ok(n),
                _ => fail(format!(
                    "{name} must be a number of {unit} between {} and {} (got \"{}\")",
                    range.start(),
                    range.end(),
                    raw.chars().take(40).collect::<String>()
                )),
            },
        }
    };
    let hours = number("RELAY_SESSION_HOURS", 12, 1..=720, "hours")?;
    let idle = number("RELAY_SESSION_IDLE_MINUTES", 60, 5..=hours * 60, "minutes")?;
    Ok(app::identity::session::Lifetimes {
        absolute_secs: hours * 60 * 60,
        idle_secs: idle * 60,
    })
}

fn parse_secs(name: &str, value: Option<String>, default: i64) -> Result<i64, ConfigError> {
    match value {
        None => Ok(default),
        Some(raw) => match raw.parse::<i64>() {
            Ok(secs) if (1..=86_400).contains(&secs) => Ok(secs),
            _ => fail(format!(
                "{name} must be a number of seconds between 1 and 86400 (got \"{raw}\")"
            )),
        },
    }
}

fn parse_url(name: &str, raw: &str) -> Result<Url, ConfigError> {
    match Url::parse(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(url),
        _ => fail(format!(
            "{name} must be an absolute http(s) URL (got \"{}\")",
            raw.chars().take(80).collect::<String>()
        )),
    }
}

/// Only the scheme of a database URL is ever echoed: the rest may hold a password.
fn scheme_of(url: &str) -> &str {
    url.split(':').next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    const KEY: &str = "0000000000000000000000000000000000000000000000000000000000000001";

    #[test]
    fn zero_configuration_is_development_with_dev_providers() {
        if !HAS_DEV_PROVIDERS {
            // Nothing stands in for GitHub: the error says what to set.
            let err = config(&[]).unwrap_err();
            assert!(err.0.contains("RELAY_GITHUB_CLIENT_ID"), "{err}");
            return;
        }
        let c = config(&[]).unwrap();
        assert_eq!(c.mode, Mode::Development);
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.dev_providers.unwrap().addr.to_string(), "127.0.0.1:3010");
        assert_eq!(c.database_url.expose_secret(), "sqlite://data/relay.db");
        assert!(c.providers.is_empty());
    }

    #[test]
    fn the_log_format_is_text_or_json() {
        let err = config(&[("RELAY_LOG_FORMAT", "xml")]).unwrap_err();
        assert!(err.0.contains("RELAY_LOG_FORMAT must be"), "{err}");
        if HAS_DEV_PROVIDERS {
            let json = config(&[("RELAY_LOG_FORMAT", "json")]).unwrap();
            assert_eq!(json.log_format, LogFormat::Json);
            assert_eq!(config(&[]).unwrap().log_format, LogFormat::Text);
        }
    }

    #[test]
    fn a_trusted_proxy_list_is_checked() {
        let err = config(&[("RELAY_TRUSTED_PROXIES", "10.0.0.0/8, balancer")]).unwrap_err();
        assert!(
            err.0.starts_with("RELAY_TRUSTED_PROXIES: “balancer”"),
            "{err}"
        );
        // The parse is TrustedProxies::parse's, tested beside it; this is the wiring.
        if HAS_DEV_PROVIDERS {
            let ok = config(&[("RELAY_TRUSTED_PROXIES", "10.0.0.0/8")]).unwrap();
            assert_eq!(
                ok.trusted_proxies,
                TrustedProxies::parse("10.0.0.0/8").unwrap()
            );
        }
    }

    #[test]
    fn session_lifetimes_default_to_12_hours_and_60_minutes_idle_and_bad_ones_are_refused() {
        let defaults = config(&[]).unwrap().session_lifetimes;
        assert_eq!(
            (defaults.absolute_secs, defaults.idle_secs),
            (12 * 3600, 3600)
        );
        let set = config(&[
            ("RELAY_SESSION_HOURS", "2"),
            ("RELAY_SESSION_IDLE_MINUTES", "15"),
        ])
        .unwrap()
        .session_lifetimes;
        assert_eq!((set.absolute_secs, set.idle_secs), (7200, 900));
        for (name, value, says) in [
            ("RELAY_SESSION_HOURS", "0", "between 1 and 720"),
            ("RELAY_SESSION_HOURS", "soon", "between 1 and 720"),
            ("RELAY_SESSION_IDLE_MINUTES", "721", "between 5 and 720"),
            ("RELAY_SESSION_IDLE_MINUTES", "1", "between 5 and 720"),
        ] {
            let err = config(&[(name, value)]).unwrap_err();
            assert!(err.0.contains(name) && err.0.contains(says), "{err}");
        }
    }

    #[test]
    fn development_listens_on_loopback_only_unless_told() {
        for (name, value) in [
            ("RELAY_ADDR", "0.0.0.0:3000"),
            ("RELAY_ADDR", "[::]:3000"),
            ("RELAY_DEV_PROVIDERS_ADDR", "192.168.1.5:3010"),
        ] {
            let err = config(&[(name, value)]).unwrap_err().to_string();
            assert!(
                err.contains(name) && err.contains("RELAY_DEV_LISTEN_ANYWHERE"),
                "{err}"
            );
            let told = config(&[(name, value), ("RELAY_DEV_LISTEN_ANYWHERE", "on")]).unwrap();
            assert_eq!(told.mode, Mode::Development);
        }
        assert!(config(&[("RELAY_ADDR", "[::1]:3000")]).is_ok());
    }

    #[test]
    fn production_refuses_plain_http_provider_endpoints() {
        let err = config(&[
            ("RELAY_ENV", "production"),
            ("RELAY_MASTER_KEY", KEY),
            ("RELAY_PUBLIC_URL", "https://relay.example.com"),
            ("RELAY_GITHUB_CLIENT_ID", "id"),
            ("RELAY_GITHUB_CLIENT_SECRET", "secret"),
            ("RELAY_GOOGLE_CLIENT_ID", "id"),
            ("RELAY_GOOGLE_CLIENT_SECRET", "secret"),
            ("RELAY_GOOGLE_ISSUER", "http://idp.example.com"),
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("RELAY_GOOGLE_ISSUER is http://"), "{err}");
    }

    #[test]
    fn an_issuer_replaces_the_providers_public_endpoints() {
        let with = |extra: &[(&str, &str)]| {
            let mut vars = vec![
                ("RELAY_GOOGLE_CLIENT_ID", "id"),
                ("RELAY_GOOGLE_CLIENT_SECRET", "secret"),
                ("RELAY_DEV_PROVIDERS", "on"),
            ];
            vars.extend_from_slice(extra);
            let c = config(&vars).unwrap();
            c.providers
                .into_iter()
                .find(|p| p.id.as_str() == "google")
                .unwrap()
        };
        let public = with(&[]);
        assert_eq!(
            public.device_url.unwrap().as_str(),
            "https://oauth2.googleapis.com/device/code"
        );
        let discovered = with(&[("RELAY_GOOGLE_ISSUER", "https://idp.example")]);
        assert!(discovered.auth_url.is_none() && discovered.device_url.is_none());
        assert!(discovered.token_url.is_none() && discovered.userinfo_url.is_none());
        let explicit = with(&[
            ("RELAY_GOOGLE_ISSUER", "https://idp.example"),
            ("RELAY_GOOGLE_TOKEN_URL", "https://idp.example/token"),
        ]);
        assert_eq!(
            explicit.token_url.unwrap().as_str(),
            "https://idp.example/token"
        );
    }

    #[test]
    fn production_requires_a_master_key() {
        let err = config(&[
            ("RELAY_ENV", "production"),
            ("RELAY_PUBLIC_URL", "https://relay.example"),
        ])
        .unwrap_err();
        assert!(err.0.contains("RELAY_MASTER_KEY"), "{err}");
    }

    #[test]
    fn production_requires_an_https_public_url() {
        let err = config(&[("RELAY_ENV", "production"), ("RELAY_MASTER_KEY", KEY)]).unwrap_err();
        assert!(err.0.contains("RELAY_PUBLIC_URL"), "{err}");
        let err = config(&[
            ("RELAY_ENV", "production"),
            ("RELAY_MASTER_KEY", KEY),
            ("RELAY_PUBLIC_URL", "http://relay.example"),
        ])
        .unwrap_err();
        assert!(err.0.contains("https"), "{err}");
    }

    #[test]
    fn production_refuses_development_providers() {
        let err = config(&[
            ("RELAY_ENV", "production"),
            ("RELAY_MASTER_KEY", KEY),
            ("RELAY_PUBLIC_URL", "https://relay.example"),
            ("RELAY_DEV_PROVIDERS", "on"),
        ])
        .unwrap_err();
        assert!(err.0.contains("development providers"), "{err}");
    }

    #[test]
    fn a_build_with_development_providers_refuses_production() {
        let c = config(&[
            ("RELAY_ENV", "production"),
            ("RELAY_MASTER_KEY", KEY),
            ("RELAY_PUBLIC_URL", "https://relay.example"),
            ("RELAY_GITHUB_CLIENT_ID", "Iv1.abc"),
            ("RELAY_GITHUB_CLIENT_SECRET", "shh-secret"),
        ])
        .unwrap();
        let refused = c.check_build();
        assert_eq!(refused.is_err(), HAS_DEV_PROVIDERS, "{refused:?}");
        assert!(
            config(&[]).unwrap().check_build().is_ok(),
            "development starts"
        );
    }

    #[test]
    fn production_without_github_app_says_what_is_missing() {
        let err = config(&[
            ("RELAY_ENV", "production"),
            ("RELAY_MASTER_KEY", KEY),
            ("RELAY_PUBLIC_URL", "https://relay.example"),
        ])
        .unwrap_err();
        assert!(err.0.contains("RELAY_GITHUB_CLIENT_ID"), "{err}");
    }

    #[test]
    fn a_complete_production_configuration_starts() {
        let c = config(&[
            ("RELAY_ENV", "production"),
            ("RELAY_MASTER_KEY", KEY),
            ("RELAY_PUBLIC_URL", "https://relay.example"),
            ("RELAY_GITHUB_CLIENT_ID", "Iv1.abc"),
            ("RELAY_GITHUB_CLIENT_SECRET", "shh-secret"),
        ])
        .unwrap();
        assert!(c.dev_providers.is_none());
        assert_eq!(
            c.providers[0].token_url.as_ref().unwrap().as_str(),
            "https://github.com/login/oauth/access_token"
        );
        assert!(
            !format!("{c:?}").contains("shh-secret"),
            "Debug must not print secrets"
        );
        assert!(
            !format!("{c:?}").contains(KEY),
            "Debug must not print the master key"
        );
    }

    #[test]
    fn bad_values_are_named() {
        assert!(config(&[("RELAY_ADDR", "localhost")])
            .unwrap_err()
            .0
            .contains("RELAY_ADDR"));
        assert!(config(&[("RELAY_ENV", "staging")])
            .unwrap_err()
            .0
            .contains("RELAY_ENV"));
        assert!(config(&[("RELAY_PUBLIC_URL", "relay.example")])
            .unwrap_err()
            .0
            .contains("RELAY_PUBLIC_URL"));
        assert!(config(&[("RELAY_GITHUB_CLIENT_ID", "x")])
            .unwrap_err()
            .0
            .contains("RELAY_GITHUB_CLIENT_SECRET"));
        assert!(
            config(&[("RELAY_ANTHROPIC_TOKEN_URL", "https://a.example/token")])
                .unwrap_err()
                .0
                .contains("RELAY_ANTHROPIC_CLIENT_ID")
        );
        assert!(config(&[("RELAY_OPENAI_CLIENT_ID", "codex")])
            .unwrap_err()
            .0
            .contains("RELAY_OPENAI_TOKEN_URL"));
        assert!(config(&[("RELAY_PROVIDER_TIMEOUT_SECS", "0")])
            .unwrap_err()
            .0
            .contains("between 1 and 15"));
        assert_eq!(
            config(&[("RELAY_PROVIDER_TIMEOUT_SECS", "4")])
                .unwrap()
                .provider_timeout,
            std::time::Duration::from_secs(4)
        );
        let err = config(&[("DATABASE_URL", "mysql://u:pw@host/db")]).unwrap_err();
        assert!(err.0.contains("sqlite: or postgres://"), "{err}");
        assert!(
            !err.0.contains("pw"),
            "the password must not be echoed: {err}"
        );
        let err = config(&[("DATABASE_URL", "postgres://u:pw@host:port/db")]).unwrap_err();
        assert!(err.0.contains("not a valid postgres:// URL"), "{err}");
        assert!(!err.0.contains("pw"), "{err}");
        let c = config(&[("DATABASE_URL", "postgres://u:pw@db.internal:5432/relay")]).unwrap();
        assert!(!format!("{c:?}").contains("pw"), "Debug hides the password");
    }
}
