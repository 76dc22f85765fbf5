//! Development providers: a small, standards-following OAuth server and a
//! GitHub REST stand-in, served on their own origin so Relay runs offline.
//! They play other companies, so they share no code with Relay but the
//! calendar of `protocol`: Relay's real client code talks to them over HTTP
//! exactly as it would to GitHub. A production build of Relay leaves this
//! crate out (the `dev-providers` feature of `server`).
//!
//! - `engine`: the generic OAuth 2.0 authorization server (code + PKCE);
//! - `device`: RFC 8628 device authorization and its `/device` page;
//! - `github`: the GitHub REST stand-in (`/user`, `/user/repos`, avatars);
//! - `repos`: the repositories it makes up for each user;
//! - `console`: each stand-in's developer console (API keys, how its APIs answer);
//! - `models`: the model lists of Anthropic, OpenAI and Gemini;
//! - `people`: the demo users on the authorization page;
//! - `page`: the HTML of those pages.

// Handlers answer a refusal with the whole HTTP response as their error.
#![allow(clippy::result_large_err)]

mod console;
mod device;
mod engine;
mod github;
mod models;
mod page;
mod people;
mod repos;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::Router;
use sha2::{Digest, Sha256};
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

/// One company the stand-ins play, each the same engine under its own path.
#[derive(Clone, Copy, Debug)]
pub struct StandIn {
    /// Its path ("/github/…"), which is also the provider id Relay knows it by.
    pub id: &'static str,
    /// How its pages name it.
    pub name: &'static str,
    /// Takes full-page redirect logins; Anthropic's and OpenAI's connect by
    /// device code only, as the real ones do.
    pub redirect_login: bool,
    /// Serves a REST API under `/<id>/api/` (GitHub's).
    pub rest_api: bool,
    /// An app's owner can turn device flow off (GitHub): then it answers
    /// `device_flow_disabled` while `DevSettings::github_device_flow` is off.
    pub device_flow_switch: bool,
    /// How the real provider deviates from the RFCs (when quirks are on).
    pub quirks: Quirks,
    /// The keys its console issues, as the real one's are shaped.
    pub keys: &'static [KeyKind],
    /// Under its root, what proves a key works (`models`, GitHub's `/user`).
    pub check_path: Option<&'static str>,
}

/// A kind of key a stand-in's console issues.
#[derive(Clone, Copy, Debug)]
pub struct KeyKind {
    /// As the console's form names it: "api", "oauth".
    pub id: &'static str,
    pub name: &'static str,
    pub prefix: &'static str,
}

const API_KEY: &str = "api";

/// Every stand-in, and what makes each one differ from the others.
pub const STAND_INS: [StandIn; 5] = [
    StandIn {
        id: "github",
        name: "GitHub",
        redirect_login: true,
        rest_api: true,
        device_flow_switch: true,
        quirks: Quirks {
            errors_with_200: true,
            ..Quirks::NONE
        },
        keys: &[KeyKind {
            id: API_KEY,
            name: "personal access token",
            prefix: "ghp_",
        }],
        check_path: Some("api/user"),
    },
    StandIn {
        id: "anthropic",
        name: "Anthropic",
        redirect_login: false,
        rest_api: false,
        device_flow_switch: false,
        quirks: Quirks::NONE,
        keys: &[
            KeyKind {
                id: API_KEY,
                name: "API key",
                prefix: "sk-ant-api03-",
            },
            KeyKind {
                id: "oauth",
                name: "OAuth token (claude setup-token)",
                prefix: "sk-ant-oat01-",
            },
        ],
        check_path: Some("v1/models"),
    },
    StandIn {
        id: "openai",
        name: "OpenAI",
        redirect_login: false,
        rest_api: false,
        device_flow_switch: false,
        quirks: Quirks::NONE,
        keys: &[KeyKind {
            id: API_KEY,
            name: "project API key",
            prefix: "sk-proj-",
        }],
        check_path: Some("v1/models"),
    },
    StandIn {
        id: "google",
        name: "Google",
        redirect_login: true,
        rest_api: false,
        device_flow_switch: false,
        quirks: Quirks {
            verification_url: true,
            ..Quirks::NONE
        },
        keys: &[KeyKind {
            id: API_KEY,
            name: "API key",
            prefix: "AIza",
        }],
        check_path: Some("v1beta/models"),
    },
    StandIn {
        id: "microsoft",
        name: "Microsoft",
        redirect_login: true,
        rest_api: false,
        device_flow_switch: false,
        quirks: Quirks {
            entra: true,
            ..Quirks::NONE
        },
        keys: &[],
        check_path: None,
    },
];

/// The stand-in served under `/<id>/`.
pub fn stand_in(id: &str) -> Option<&'static StandIn> {
    STAND_INS.iter().find(|s| s.id == id)
}

/// How the stand-in names itself on its pages.
pub fn display_name(id: &str) -> &str {
    stand_in(id).map_or(id, |s| s.name)
}

/// Where a client reaches one stand-in, as an operator would configure a real provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoints {
    pub id: &'static str,
    /// Who the stand-in says it is (RFC 9207 `iss` in every authorization answer).
    pub issuer: Url,
    /// Present only for stand-ins that take redirect logins.
    pub auth_url: Option<Url>,
    pub token_url: Url,
    pub device_url: Url,
    pub userinfo_url: Url,
    pub revoke_url: Url,
    /// The REST API root, for stand-ins that have one.
    pub api_url: Option<Url>,
    /// What proves a key works: the model list, or GitHub's `/user`.
    pub check_url: Option<Url>,
}

/// Every stand-in's endpoints when they are served at `base`.
pub fn endpoints(base: &Url) -> Vec<Endpoints> {
    let at = |id: &str, path: &str| {
        base.join(&format!("{id}/{path}"))
            .expect("a path joins onto a base URL")
    };
    STAND_INS
        .iter()
        .map(|s| Endpoints {
            id: s.id,
            issuer: issuer(base, s.id),
            auth_url: s.redirect_login.then(|| at(s.id, "authorize")),
            token_url: at(s.id, "token"),
            device_url: at(s.id, "device/code"),
            userinfo_url: at(s.id, "userinfo"),
            revoke_url: at(s.id, "revoke"),
            api_url: s.rest_api.then(|| at(s.id, "api/")),
            check_url: s.check_path.map(|path| at(s.id, path)),
        })
        .collect()
}

/// A stand-in's issuer identifier: its own root, `<base><id>`.
pub fn issuer(base: &Url, id: &str) -> Url {
    base.join(id).expect("a path joins onto a base URL")
}

/// Hex SHA-256: what the stand-ins store instead of the codes and tokens they issue.
fn hash(value: impl AsRef<[u8]>) -> String {
    Sha256::digest(value.as_ref())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Opens the providers' own store (they are "another company": separate
/// database, separate origin) and builds their router. `clock` is the time
/// they read: the system's, or one a test moves.
pub async fn router(
    data_dir: &Path,
    own_url: &Url,
    relay_public_url: &Url,
    device: DevSettings,
    clock: protocol::clock::Clock,
) -> Result<Router, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(data_dir.join("dev-providers.db"))
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        // A stand-in's rows need not survive a power cut; waiting for the
        // disk at every poll would slow the server it runs in.
        .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
        .busy_timeout(std::time::Duration::from_secs(5));
    let db = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?;
    engine::create_tables(&db).await?;
    device::create_tables(&db).await?;
    console::create_tables(&db).await?;

    let relay_client = |provider: &str| DevClient {
        client_id: CLIENT_ID.to_owned(),
        client_secret: Some(CLIENT_SECRET.to_owned()),
        redirect_uris: vec![relay_public_url
            .join(&format!("oauth/callback/{provider}"))
            .expect("joins")
            .to_string()],
    };
    let clients: HashMap<String, Vec<DevClient>> = STAND_INS
        .iter()
        .map(|s| (s.id.to_owned(), vec![relay_client(s.id)]))
        .collect();
    let engine = Arc::new(Engine::new(db, clients, own_url.clone(), device, clock));

    Ok(Router::new()
        .merge(engine::routes())
        .merge(device::routes())
        .merge(github::routes())
        .merge(console::routes())
        .merge(models::routes())
        .with_state(engine))
}
