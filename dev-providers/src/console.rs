//! Each stand-in's developer console, as a provider's own is
//! ("console.anthropic.com → API keys"): create an API key (or, at
//! Anthropic, a `claude setup-token` OAuth token), revoke it, and choose how
//! the stand-in's APIs answer (normally, rate-limited, or down) so a
//! developer can see what Relay does in each case.
//!
//! Keys are stored hashed, like the engine's tokens; the new key is shown
//! once. `Accept: application/json` gets the answers as JSON (for tests and
//! scripts), a browser gets pages.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use rand::distributions::{Alphanumeric, DistString};
use serde::Deserialize;
use serde_json::json;
use sqlx::SqlitePool;

use crate::engine::{wants_json, Engine};
use crate::page::{escape, layout};
use crate::{hash, people, stand_in};

pub async fn create_tables(db: &SqlitePool) -> Result<(), sqlx::Error> {
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS dev_keys (
            key_hash TEXT PRIMARY KEY, id TEXT NOT NULL UNIQUE, provider TEXT NOT NULL,
            kind TEXT NOT NULL, login TEXT NOT NULL, hint TEXT NOT NULL,
            created_at BIGINT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0)",
    )
    .execute(db)
    .await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS dev_answers (provider TEXT PRIMARY KEY, mode TEXT NOT NULL)",
    )
    .execute(db)
    .await?;
    Ok(())
}

pub fn routes() -> Router<Arc<Engine>> {
    Router::new()
        .route("/{provider}/console", get(console_page))
        .route("/{provider}/console/keys", post(create_key))
        .route("/{provider}/console/keys/revoke", post(revoke_key))
        .route("/{provider}/console/answers", post(set_answers))
}

/// How a stand-in's APIs answer, whatever the credential.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answers {
    Normally,
    /// 429 with `Retry-After`, as a provider whose quota is spent.
    RateLimited,
    /// 503: the provider is down.
    Down,
}

impl Answers {
    const ALL: [(Answers, &'static str, &'static str); 3] = [
        (Answers::Normally, "normal", "Normally"),
        (Answers::RateLimited, "rate-limited", "Rate-limited (429)"),
        (Answers::Down, "down", "Down (503)"),
    ];

    fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(a, ..)| *a == self)
            .expect("listed")
            .1
    }

    fn parse(s: &str) -> Option<Answers> {
        Self::ALL
            .iter()
            .find(|(_, id, _)| *id == s)
            .map(|(a, ..)| *a)
    }
}

/// What a key or token presented to a stand-in's API is.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyState {
    Valid { login: String },
    Revoked,
    Unknown,
}

impl Engine {
    pub(crate) async fn answers(&self, provider: &str) -> Answers {
        let mode: Option<String> =
            sqlx::query_scalar("SELECT mode FROM dev_answers WHERE provider = $1")
                .bind(provider)
                .fetch_optional(self.db())
                .await
                .ok()
                .flatten();
        mode.as_deref()
            .and_then(Answers::parse)
            .unwrap_or(Answers::Normally)
    }

    /// A console key of `provider` (any kind).
    pub(crate) async fn key_state(&self, provider: &str, key: &str) -> KeyState {
        let row: Option<(String, bool)> = sqlx::query_as(
            "SELECT login, revoked <> 0 FROM dev_keys WHERE key_hash = $1 AND provider = $2",
        )
        .bind(hash(key))
        .bind(provider)
        .fetch_optional(self.db())
        .await
        .ok()
        .flatten();
        match row {
            Some((_, true)) => KeyState::Revoked,
            Some((login, false)) => KeyState::Valid { login },
            None => KeyState::Unknown,
        }
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such provider").into_response()
}

fn refused(json_wanted: bool, message: &str) -> Response {
    if json_wanted {
        (StatusCode::BAD_REQUEST, Json(json!({ "error": message }))).into_response()
    } else {
        (
            StatusCode::BAD_REQUEST,
            Html(layout(
                "Console",
                &format!("<p class=\"error\">{}</p>", escape(message)),
            )),
        )
            .into_response()
    }
}

#[derive(Deserialize)]
struct NewKey {
    #[serde(default)]
    login: String,
    #[serde(default)]
    kind: String,
}

async fn create_key(
    State(engine): State<Arc<Engine>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    Form(form): Form<NewKey>,
) -> Response {
    let Some(stand_in) = stand_in(&provider) else {
        return not_found();
    };
    let json_wanted = wants_json(&headers);
    let login = if form.login.trim().is_empty() {
        people::DEMO[0].0.to_owned()
    } else {
        form.login.trim().to_owned()
    };
    if people::person(&login).is_none() {
        return refused(json_wanted, "That is not a valid login.");
    }
    let kind = match form.kind.as_str() {
        "" => stand_in.keys.first(),
        kind => stand_in.keys.iter().find(|k| k.id == kind),
    };
    let Some(kind) = kind else {
        return refused(json_wanted, "This console issues no key of that kind.");
    };
    let key = format!(
        "{}{}",
        kind.prefix,
        Alphanumeric.sample_string(&mut rand::thread_rng(), 40)
    );
    let id = Alphanumeric.sample_string(&mut rand::thread_rng(), 12);
    let hint = format!("{}…{}", kind.prefix, &key[key.len() - 4..]);
    let stored = sqlx::query(
        "INSERT INTO dev_keys (key_hash, id, provider, kind, login, hint, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(hash(&key))
    .bind(&id)
    .bind(&provider)
    .bind(kind.id)
    .bind(&login)
    .bind(&hint)
    .bind(engine.clock().now())
    .execute(engine.db())
    .await;
    if stored.is_err() {
        return (StatusCode::INTERNAL_SERVER_ERROR, "could not store the key").into_response();
    }
    if json_wanted {
        return Json(json!({ "key": key, "id": id, "kind": kind.id, "login": login }))
            .into_response();
    }
    let body = format!(
        r#"<h1>{name}: your new {what}</h1>
<p>Copy it now: it is not shown again.</p>
<p class="note"><code id="new-key">{key}</code></p>
<p><a href="/{provider}/console">Back to the console</a></p>"#,
        name = escape(stand_in.name),
        what = escape(kind.name),
        key = escape(&key),
    );
    Html(layout(&format!("{} console", stand_in.name), &body)).into_response()
}

#[derive(Deserialize)]
struct RevokeKey {
    /// The key's console id, or the key itself (scripts).
    #[serde(default)]
    id: String,
    #[serde(default)]
    key: String,
}

async fn revoke_key(
    State(engine): State<Arc<Engine>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    Form(form): Form<RevokeKey>,
) -> Response {
    if stand_in(&provider).is_none() {
        return not_found();
    }
    let revoked = sqlx::query(
        "UPDATE dev_keys SET revoked = 1 WHERE provider = $1 AND (id = $2 OR key_hash = $3)",
    )
    .bind(&provider)
    .bind(&form.id)
    .bind(hash(&form.key))
    .execute(engine.db())
    .await
    .map(|r| r.rows_affected())
    .unwrap_or(0);
    if revoked == 0 {
        return refused(wants_json(&headers), "No such key.");
    }
    if wants_json(&headers) {
        return Json(json!({ "revoked": true })).into_response();
    }
    Redirect::to(&format!("/{provider}/console")).into_response()
}

#[derive(Deserialize)]
struct SetAnswers {
    #[serde(default)]
    mode: String,
}

async fn set_answers(
    State(engine): State<Arc<Engine>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    Form(form): Form<SetAnswers>,
) -> Response {
    if stand_in(&provider).is_none() {
        return not_found();
    }
    let Some(mode) = Answers::parse(&form.mode) else {
        return refused(
            wants_json(&headers),
            "mode is one of: normal, rate-limited, down.",
        );
    };
    let _ = sqlx::query(
        "INSERT INTO dev_answers (provider, mode) VALUES ($1, $2)
         ON CONFLICT (provider) DO UPDATE SET mode = excluded.mode",
    )
    .bind(&provider)
    .bind(mode.as_str())
    .execute(engine.db())
    .await;
    if wants_json(&headers) {
        return Json(json!({ "mode": mode.as_str() })).into_response();
    }
    Redirect::to(&format!("/{provider}/console")).into_response()
}

async fn console_page(State(engine): State<Arc<Engine>>, Path(provider): Path<String>) -> Response {
    let Some(stand_in) = stand_in(&provider) else {
        return not_found();
    };
    let keys: Vec<(String, String, String, String, bool)> = sqlx::query_as(
        "SELECT id, kind, login, hint, revoked <> 0 FROM dev_keys WHERE provider = $1 ORDER BY created_at DESC, id",
    )
    .bind(&provider)
    .fetch_all(engine.db())
    .await
    .unwrap_or_default();
    let rows: String = keys
        .iter()
        .map(|(id, kind, login, hint, revoked)| {
            let action = if *revoked {
                "<em>revoked</em>".to_owned()
            } else {
                format!(
                    r#"<form method="post" action="/{provider}/console/keys/revoke"><input type="hidden" name="id" value="{id}"><button class="secondary" type="submit">Revoke</button></form>"#,
                    id = escape(id)
                )
            };
            format!(
                "<li><code>{}</code> ({}, @{}) {action}</li>",
                escape(hint),
                escape(kind),
                escape(login)
            )
        })
        .collect();
    let kinds: String = stand_in
        .keys
        .iter()
        .map(|k| {
            format!(
                r#"<button class="primary" type="submit" name="kind" value="{}">Create {}</button>"#,
                k.id,
                escape(k.name)
            )
        })
        .collect();
    let current = engine.answers(&provider).await;
    let modes: String = Answers::ALL
        .iter()
        .map(|(mode, id, label)| {
            format!(
                r#"<label class="person"><input type="radio" name="mode" value="{id}"{}> {label}</label>"#,
                if *mode == current { " checked" } else { "" }
            )
        })
        .collect();
    let create = if kinds.is_empty() {
        "<p>This stand-in issues no keys.</p>".to_owned()
    } else {
        format!(
            r#"<form method="post" action="/{provider}/console/keys">
<label class="other">For the login<input type="text" name="login" value="{}" autocomplete="off" spellcheck="false"></label>
<div class="buttons">{kinds}</div></form>"#,
            people::DEMO[0].0
        )
    };
    let body = format!(
        r#"<h1>{name} console (development stand-in)</h1>
<p class="note">Keys made here work only with this stand-in, as a real provider's work only with it.</p>
{create}
<h2>Keys</h2><ul>{rows}</ul>
<h2>The API answers</h2>
<form method="post" action="/{provider}/console/answers"><fieldset>{modes}</fieldset>
<div class="buttons"><button class="secondary" type="submit">Save</button></div></form>"#,
        name = escape(stand_in.name),
    );
    Html(layout(&format!("{} console", stand_in.name), &body)).into_response()
}
