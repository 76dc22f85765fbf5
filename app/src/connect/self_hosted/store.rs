//! Self-hosted model servers (Ollama, LM Studio, anything OpenAI-compatible):
//! validated, probed for what answers, listed and removable.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::audit::log as audit;
use crate::audit::log::Source;
use crate::audit::AuditAction;
use crate::connect::self_hosted::addresses::{self, Refusal, Target};
use crate::connect::self_hosted::{EndpointKind, SelfHostedView};
use crate::platform::rate_limits::{self, Limit, Limited};
use crate::platform::{db, AppState, Clock, Db, Error};
use crate::providers::SELF_HOSTED;

/// The probe's whole budget per request: a model server on the network answers fast.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);
/// Listing answers larger than this are not read.
const MAX_LISTING_BYTES: usize = 1024 * 1024;
const MAX_ENDPOINTS: i64 = 20;
/// Each probe makes the server fetch a URL of the user's choosing.
const PROBES: Limit = Limit {
    name: "self_hosted_probe",
    hits: 10,
    per_secs: 60,
};

/// Checks a name and URL a user typed; the message says what to fix.
pub fn validate(name: &str, raw_url: &str) -> Result<(String, Url), String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("Give the endpoint a name, such as \"Ollama on my workstation\".".to_owned());
    }
    if name.chars().count() > 60 {
        return Err("Keep the name under 60 characters.".to_owned());
    }
    let raw_url = raw_url.trim();
    let url = Url::parse(raw_url).map_err(|_| {
        "That is not a URL: write it in full, such as http://192.168.1.20:11434.".to_owned()
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "Use an http:// or https:// URL (not {}://).",
            url.scheme()
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(
            "Leave credentials out of the URL: user names and passwords in URLs end up in logs."
                .to_owned(),
        );
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("The URL needs a host name or address.".to_owned());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("Leave out ?query and #fragment: give the server's base URL.".to_owned());
    }
    if raw_url.len() > 300 {
        return Err("That URL is too long (300 characters at most).".to_owned());
    }
    Ok((name.to_owned(), url))
}

/// What a probe found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub kind: EndpointKind,
    pub models: Option<i64>,
    pub reachable: bool,
}

#[derive(Deserialize)]
struct OllamaTags {
    models: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct OpenAiModels {
    data: Vec<serde_json::Value>,
}

/// Asks Ollama's `/api/tags`, then an OpenAI-compatible `/v1/models`, at
/// the addresses `target` was checked at only (no second DNS lookup, no
/// proxy, no redirect).
pub async fn probe(target: &Target) -> Probe {
    let mut http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(PROBE_TIMEOUT);
    if let Some((name, addrs)) = &target.resolved {
        http = http.resolve_to_addrs(name, addrs);
    }
    let http = http.build().expect("the HTTP client builds");
    let base = target.url.as_str().trim_end_matches('/');
    let mut reachable = false;
    if let Some(body) = fetch(&http, &format!("{base}/api/tags"), &mut reachable).await {
        if let Ok(tags) = serde_json::from_slice::<OllamaTags>(&body) {
            return Probe {
                kind: EndpointKind::Ollama,
                models: Some(tags.models.len() as i64),
                reachable: true,
            };
        }
    }
    if let Some(body) = fetch(&http, &format!("{base}/v1/models"), &mut reachable).await {
        if let Ok(list) = serde_json::from_slice::<OpenAiModels>(&body) {
            return Probe {
                kind: EndpointKind::OpenAi,
                models: Some(list.data.len() as i64),
                reachable: true,
            };
        }
    }
    Probe {
        kind: EndpointKind::Unknown,
        models: None,
        reachable,
    }
}

/// The body of a 2xx answer, read chunk by chunk and given up past
/// `MAX_LISTING_BYTES` (a server that streams forever costs nothing more).
async fn fetch(http: &reqwest::Client, url: &str, reachable: &mut bool) -> Option<Vec<u8>> {
    let mut response = http.get(url).send().await.ok()?;
    *reachable = true;
    if !response.status().is_success() {
        return None;
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.ok()? {
        if body.len() + chunk.len() > MAX_LISTING_BYTES {
            return None;
        }
        body.extend_from_slice(&chunk);
    }
    Some(body)
}

#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    TooMany(#[from] Limited),
    #[error(transparent)]
    Backend(#[from] Error),
}

/// Validates, probes and saves an endpoint (saved even when unreachable: the
/// server may simply be off right now; the result says so).
pub async fn add(
    app: &AppState,
    user_id: &str,
    name: &str,
    raw_url: &str,
    source: Source,
) -> Result<SelfHostedView, AddError> {
    let (db, clock) = (&app.db, &app.clock);
    let (name, url) = validate(name, raw_url).map_err(AddError::Invalid)?;
    let count: i64 = db::fetch_one!(
        db,
        sqlx::query_scalar("SELECT COUNT(*) FROM self_hosted_endpoints WHERE user_id = $1")
            .bind(user_id)
    )
    .map_err(Error::from)?;
    if count >= MAX_ENDPOINTS {
        return Err(AddError::Invalid(format!(
            "You can save up to {MAX_ENDPOINTS} endpoints; remove one first."
        )));
    }
    // Counted before the lookup: resolving a name is a request too.
    rate_limits::hit(db, &PROBES, user_id, clock).await?;
    let target = addresses::target(
        &url,
        app.self_hosted_allow_private,
        addresses::system_resolve,
    )
    .await?;
    let probe = probe(&target).await;
    let (id, now) = (uuid::Uuid::new_v4().to_string(), clock.now());
    db::execute!(db, sqlx::query(
        "INSERT INTO self_hosted_endpoints (id, user_id, name, url, kind, models, reachable, checked_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(&name)
    .bind(url.as_str())
    .bind(probe.kind)
    .bind(probe.models)
    .bind(i64::from(probe.reachable))
    .bind(now))
    .map_err(Error::from)?;
    let view = SelfHostedView {
        id,
        name,
        url: url.to_string(),
        kind: probe.kind,
        models: probe.models,
        reachable: probe.reachable,
        checked_at: now,
    };
    let detail = format!("{}: {}", view.name, view.summary());
    audit::note(
        db,
        user_id,
        AuditAction::Connect,
        SELF_HOSTED.id,
        &detail,
        &source,
        clock,
    )
    .await;
    Ok(view)
}

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: String,
    name: String,
    url: String,
    kind: EndpointKind,
    models: Option<i64>,
    reachable: i64,
    checked_at: i64,
}

pub async fn list(db: &Db, user_id: &str) -> Result<Vec<SelfHostedView>, Error> {
    let rows: Vec<EndpointRow> = db::fetch_all!(db, sqlx::query_as(
        "SELECT id, name, url, kind, models, reachable, checked_at FROM self_hosted_endpoints WHERE user_id = $1 ORDER BY created_at",
    )
    .bind(user_id))?;
    Ok(rows
        .into_iter()
        .map(|row| SelfHostedView {
            id: row.id,
            name: row.name,
            url: row.url,
            kind: row.kind,
            models: row.models,
            reachable: row.reachable == 1,
            checked_at: row.checked_at,
        })
        .collect())
}

/// Removes the user's own endpoint; returns whether there was one.
pub async fn remove(
    db: &Db,
    user_id: &str,
    id: &str,
    source: Source,
    clock: &Clock,
) -> Result<bool, Error> {
    let name: Option<String> = db::fetch_optional!(
        db,
        sqlx::query_scalar(
            "DELETE FROM self_hosted_endpoints WHERE id = $1 AND user_id = $2 RETURNING name",
        )
        .bind(id)
        .bind(user_id)
    )?;
    if let Some(name) = &name {
        audit::note(
            db,
            user_id,
            AuditAction::Disconnect,
            SELF_HOSTED.id,
            name,
            &source,
            clock,
        )
        .await;
    }
    Ok(name.is_some())
}

#[cfg(test)]
mod tests {
    use super::{probe, validate, Target, MAX_LISTING_BYTES};
    use crate::connect::self_hosted::EndpointKind;

    /// A model server on loopback whose `/api/tags` answers `body`.
    async fn serving(body: axum::body::Body) -> std::net::SocketAddr {
        let body = std::sync::Arc::new(std::sync::Mutex::new(Some(body)));
        let app = axum::Router::new().route(
            "/api/tags",
            axum::routing::get(move || {
                let body = body.lock().unwrap().take().unwrap_or_default();
                async move { body }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    }

    #[tokio::test]
    async fn the_probe_connects_to_the_checked_address_not_a_new_lookup() {
        let addr = serving(axum::body::Body::from(r#"{"models":[{"name":"llama3"}]}"#)).await;
        // This name resolves nowhere: only the pinned address can answer.
        let target = Target {
            url: url::Url::parse(&format!("http://rebound.invalid:{}/", addr.port())).unwrap(),
            resolved: Some(("rebound.invalid".to_owned(), vec![addr])),
        };
        let found = probe(&target).await;
        assert_eq!((found.kind, found.models), (EndpointKind::Ollama, Some(1)));
    }

    #[tokio::test]
    async fn an_endless_answer_is_read_only_up_to_the_cap() {
        // A listing that never ends: the probe stops reading past the cap
        // (the time limit alone would let it read for seconds).
        let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = sent.clone();
        let endless = futures::stream::repeat_with(move || {
            counter.fetch_add(64 * 1024, std::sync::atomic::Ordering::SeqCst);
            Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b' '; 64 * 1024]))
        });
        let addr = serving(axum::body::Body::from_stream(endless)).await;
        let target = Target {
            url: url::Url::parse(&format!("http://{addr}/")).unwrap(),
            resolved: None,
        };
        let found = probe(&target).await;
        assert_eq!((found.kind, found.reachable), (EndpointKind::Unknown, true));
        // What the server got out before the connection closed: the cap plus
        // what the sockets' buffers held, not seconds of loopback bandwidth.
        let sent = sent.load(std::sync::atomic::Ordering::SeqCst);
        assert!(
            sent < MAX_LISTING_BYTES + 16 * 1024 * 1024,
            "{sent} bytes sent"
        );
    }

    #[test]
    fn good_urls_pass_and_bad_ones_say_why() {
        assert!(validate("Ollama", "http://127.0.0.1:11434").is_ok());
        assert!(validate("LM Studio", "https://models.example/v1/").is_ok());
        let cases = [
            ("", "http://x", "name"),
            ("A", "ftp://x.example", "http://"),
            ("A", "http://user:pw@x.example", "credentials"),
            ("A", "localhost:11434", "http://"),
            ("A", "not a url", "not a URL"),
            ("A", "http://x.example/?key=1", "query"),
        ];
        for (name, url, expected) in cases {
            let err = validate(name, url).unwrap_err();
            assert!(err.contains(expected), "{url}: {err}");
        }
    }
}
