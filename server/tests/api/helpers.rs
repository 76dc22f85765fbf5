use std::collections::HashMap;
use std::path::Path;

use app::platform::db::Db;
use reqwest::header::LOCATION;
use reqwest::{Client, Response, StatusCode};
use server::config::Config;
use server::Running;
use sqlx::migrate::MigrateDatabase;
use tempfile::TempDir;
use url::Url;

pub struct TestApp {
    pub running: Running,
    pub client: Client,
    pub data_dir: TempDir,
}

/// Starts Relay and its development providers on free ports, with a fresh data directory.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// `spawn_app` with some variables set, e.g. the development device interval.
pub async fn spawn_app_with(vars: &[(&str, &str)]) -> TestApp {
    spawn(vars, true).await
}

/// `spawn_app_with`, but no background worker runs: the test moves the
/// clock and runs them itself (`Running::run_workers_once`), so nothing
/// happens behind its back and nothing is waited for.
pub async fn spawn_app_driven(vars: &[(&str, &str)]) -> TestApp {
    spawn(vars, false).await
}

async fn spawn(vars: &[(&str, &str)], background_workers: bool) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temporary directory");
    let config = Config {
        background_workers,
        ..test_config(data_dir.path(), vars).await
    };
    let running = server::start(config).await.expect("server starts");
    TestApp {
        running,
        client: browser(),
        data_dir,
    }
}

/// Zero configuration, but random free ports and the given data directory
/// (and, when the suite runs on PostgreSQL, that directory's database).
pub async fn test_config(data_dir: &Path, extra: &[(&str, &str)]) -> Config {
    let vars = test_vars(data_dir, extra).await;
    Config::from_lookup(|name| vars.get(name).cloned()).expect("test configuration")
}

/// The environment of `test_config`, for a server started as a process.
pub async fn test_vars(data_dir: &Path, extra: &[(&str, &str)]) -> HashMap<String, String> {
    let mut vars = HashMap::from([
        ("RELAY_ADDR".to_owned(), "127.0.0.1:0".to_owned()),
        (
            "RELAY_DEV_PROVIDERS_ADDR".to_owned(),
            "127.0.0.1:0".to_owned(),
        ),
        (
            "RELAY_DATA_DIR".to_owned(),
            data_dir.to_string_lossy().into_owned(),
        ),
        // Tests move the clock by hours to expire tokens: the browser session
        // may idle as long as it lives (the session tests set their own).
        ("RELAY_SESSION_IDLE_MINUTES".to_owned(), "720".to_owned()),
    ]);
    if let Some(url) = postgres_database(data_dir).await {
        vars.insert("DATABASE_URL".to_owned(), url);
    }
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    vars
}

/// The PostgreSQL cluster the suite runs on (`scripts/test` starts one and
/// sets it), or `None`: each test's Relay uses a SQLite file.
pub fn postgres_cluster() -> Option<String> {
    std::env::var("RELAY_TEST_POSTGRES_URL").ok()
}

/// On PostgreSQL, a fresh database of the cluster for each data directory:
/// every server started on one directory shares it, as instances do.
async fn postgres_database(data_dir: &Path) -> Option<String> {
    let cluster = postgres_cluster()?;
    let remembered = data_dir.join("postgres-database-url");
    if let Ok(url) = std::fs::read_to_string(&remembered) {
        return Some(url);
    }
    let mut url = Url::parse(&cluster).expect("RELAY_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("relay_test_{}", uuid::Uuid::new_v4().simple()));
    sqlx::Postgres::create_database(url.as_str())
        .await
        .expect("the test cluster of RELAY_TEST_POSTGRES_URL answers");
    std::fs::write(&remembered, url.as_str()).unwrap();
    Some(url.into())
}

/// A client that keeps cookies and, like a test of redirects must, does not follow them.
pub fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("expected a redirect, got {}", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

impl TestApp {
    pub fn url(&self, path: &str) -> Url {
        self.running.url.join(path.trim_start_matches('/')).unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// Relay's database, to arrange or inspect rows.
    pub fn db(&self) -> &Db {
        self.running.db()
    }

    /// Posts `form` to the stand-in's console at `path` ("keys", …), as JSON.
    async fn console(&self, provider: &str, path: &str, form: &[(&str, &str)]) -> Response {
        let dev = self.running.dev_providers_url.as_ref().unwrap();
        let response = self
            .client
            .post(dev.join(&format!("{provider}/console/{path}")).unwrap())
            .header("accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "console {path}");
        response
    }

    /// A new key from the stand-in's console ("Create API key"), as a user
    /// gets one from the provider's: `kind` "api", or "oauth" at Anthropic.
    pub async fn mint_key(&self, provider: &str, kind: &str) -> String {
        let answer: serde_json::Value = self
            .console(provider, "keys", &[("kind", kind)])
            .await
            .json()
            .await
            .unwrap();
        answer["key"].as_str().expect("a new key").to_owned()
    }

    /// Revokes `key` at the stand-in's console.
    pub async fn revoke_key(&self, provider: &str, key: &str) {
        self.console(provider, "keys/revoke", &[("key", key)]).await;
    }

    /// How the stand-in's APIs answer: "normal", "rate-limited" or "down".
    pub async fn provider_answers(&self, provider: &str, mode: &str) {
        self.console(provider, "answers", &[("mode", mode)]).await;
    }

    /// Connects `provider` with a new API key from its console, pasted in the
    /// signed-in browser; returns the key.
    pub async fn paste_new_key(&self, provider: &str) -> String {
        let key = self.mint_key(provider, "api").await;
        let response = self
            .server_fn(
                "/fn/providers/token",
                &[("provider", provider), ("token", &key)],
            )
            .await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        key
    }

    /// Clicks "Continue with GitHub" and returns the provider's authorization URL.
    pub async fn start_sign_in(&self) -> Url {
        let response = self.get("/oauth/start?provider=github").await;
        assert!(
            response.status().is_redirection(),
            "start: {}",
            response.status()
        );
        let to = Url::parse(&location(&response)).unwrap();
        let dev = self.running.dev_providers_url.as_ref().unwrap();
        assert_eq!(
            to.origin(),
            dev.origin(),
            "sign-in goes to the development GitHub"
        );
        to
    }

    /// Plays the person on the provider's page: chooses `login` and presses
    /// Authorize (or Cancel). Returns the redirect back to Relay.
    pub async fn decide(&self, authorize_url: &Url, login: &str, decision: &str) -> Url {
        self.decide_with(authorize_url, login, decision, &[]).await
    }

    /// `decide`, with more fields of the development provider's form (e.g.
    /// the `directory_email` a tenant admin can set).
    pub async fn decide_with(
        &self,
        authorize_url: &Url,
        login: &str,
        decision: &str,
        extra: &[(&str, &str)],
    ) -> Url {
        let page = self.client.get(authorize_url.clone()).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(
            html.contains(">Authorize</button>") && html.contains(">Cancel</button>"),
            "{html}"
        );

        let mut form: Vec<(String, String)> = authorize_url.query_pairs().into_owned().collect();
        form.push(("other_login".into(), login.into()));
        form.push(("decision".into(), decision.into()));
        form.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let mut post_url = authorize_url.clone();
        post_url.set_query(None);
        let response = self.client.post(post_url).form(&form).send().await.unwrap();
        assert!(
            response.status().is_redirection(),
            "decision: {}",
            response.status()
        );
        Url::parse(&location(&response)).unwrap()
    }

    /// Presses a "Login with …" button: `POST /oauth/connect` with `form`
    /// (`provider=…&return_to=…`, the card's hidden fields).
    pub async fn start_connect(&self, form: &str) -> Response {
        self.client
            .post(self.url("/oauth/connect"))
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form.to_owned())
            .send()
            .await
            .unwrap()
    }

    /// The whole sign-in; returns where Relay sends the browser at the end.
    pub async fn sign_in(&self, login: &str) -> String {
        let authorize = self.start_sign_in().await;
        let callback = self.decide(&authorize, login, "authorize").await;
        let response = self.client.get(callback).send().await.unwrap();
        assert!(
            response.status().is_redirection(),
            "callback: {}",
            response.status()
        );
        location(&response)
    }

    /// Calls a server function the way a plain HTML form does.
    pub async fn server_fn(&self, path: &str, form: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Everything Relay's database holds, to look for plaintext: the bytes
    /// of its SQLite files, or every row of every PostgreSQL table as text.
    pub async fn stored_data(&self) -> Vec<u8> {
        let Db::Postgres(pool) = self.db() else {
            return self.database_bytes("relay.db");
        };
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        assert!(tables.len() > 10, "{tables:?}");
        let mut text = String::new();
        for table in tables {
            let rows: Vec<String> =
                sqlx::query_scalar(&format!("SELECT CAST(t AS TEXT) FROM \"{table}\" t"))
                    .fetch_all(pool)
                    .await
                    .unwrap();
            text.extend(rows.iter().map(|row| format!("{row}\n")));
        }
        text.into_bytes()
    }

    /// Every byte of the data directory's files named `file_prefix…` (WAL included).
    pub fn database_bytes(&self, file_prefix: &str) -> Vec<u8> {
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(self.data_dir.path()).unwrap() {
            let entry = entry.unwrap();
            if entry.file_name().to_string_lossy().starts_with(file_prefix) {
                bytes.extend(std::fs::read(entry.path()).unwrap());
            }
        }
        bytes
    }
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}
