//! RFC 8628 device authorization for every development provider: the device
//! endpoint, the token endpoint's device grant (pending, slow_down, expiry,
//! denial) and the verification page at `/device` where a person types the
//! code and presses Authorize or Deny.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;
use serde::Deserialize;

use super::engine::{
    authenticate_client, encode, wants_json, Engine, OAuthError, Secret, TokenPair,
};
use super::page::{error_line, escape, layout, person_picker};
use super::people;
use crate::hash;

/// RFC 8628 §6.1: consonants only, no vowels (no words), none easily confused.
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

pub async fn create_tables(db: &sqlx::SqlitePool) -> Result<(), sqlx::Error> {
    // last_poll_at is in milliseconds: in whole seconds, two polls a few
    // milliseconds apart on either side of a second looked a second apart,
    // and `slow_down` was not said (the flaky test of this rule).
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS dev_device_codes (
            device_code_hash TEXT PRIMARY KEY, user_code TEXT NOT NULL UNIQUE, provider TEXT NOT NULL,
            client_id TEXT NOT NULL, scope TEXT NOT NULL, expires_at BIGINT NOT NULL, interval_secs BIGINT NOT NULL,
            last_poll_at BIGINT, status TEXT NOT NULL DEFAULT 'pending', login TEXT)",
    )
    .execute(db)
    .await?;
    // Wrong user codes typed per minute (RFC 8628 §5.1: user codes are short,
    // so guessing must be rate-limited).
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS dev_wrong_codes (minute BIGINT PRIMARY KEY, tries BIGINT NOT NULL)",
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Wrong user codes accepted per minute before the page refuses to check more.
const WRONG_CODES_PER_MINUTE: i64 = 10;

/// Whether this minute's wrong codes are used up; counts one more when `wrong`.
async fn guessing(engine: &Engine, wrong: bool) -> bool {
    let minute = engine.clock().now() / 60;
    if wrong {
        let _ = sqlx::query(
            "INSERT INTO dev_wrong_codes (minute, tries) VALUES ($1, 1)
             ON CONFLICT (minute) DO UPDATE SET tries = tries + 1",
        )
        .bind(minute)
        .execute(engine.db())
        .await;
    }
    let tries: i64 = sqlx::query_scalar("SELECT tries FROM dev_wrong_codes WHERE minute = $1")
        .bind(minute)
        .fetch_optional(engine.db())
        .await
        .ok()
        .flatten()
        .unwrap_or(0);
    tries >= WRONG_CODES_PER_MINUTE
}

fn too_many_tries(p: &PageParams, engine: &Engine) -> Response {
    let wait = 60 - engine.clock().now() % 60;
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        Html(page(
            p,
            Some("Too many wrong codes were tried. Wait a minute, then type the code again."),
            None,
        )),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, header::HeaderValue::from(wait.max(1)));
    response
}

pub fn routes() -> Router<Arc<Engine>> {
    Router::new()
        .route("/{provider}/device/code", post(device_authorization))
        .route("/device", get(verification_page).post(decide))
}

#[derive(Debug, Default, Deserialize)]
pub struct DeviceParams {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
    #[serde(default)]
    scope: String,
}

async fn device_authorization(
    State(engine): State<Arc<Engine>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    Form(p): Form<DeviceParams>,
) -> Result<Response, Response> {
    let json = wants_json(&headers);
    let client_id = authenticate_client(
        &engine,
        &provider,
        &headers,
        &p.client_id,
        &p.client_secret,
        Secret::IfPresented,
    )?;
    let quirks = engine.quirks(&provider);
    if quirks.device_flow_disabled {
        return Ok(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "device_flow_disabled",
            "Device flow must be explicitly enabled for this App",
        )
        .respond_as(json, quirks));
    }
    // Prefixed, like the tokens: a scan for leaked secrets can find them.
    let device_code = format!(
        "dev_dc_{}",
        Alphanumeric.sample_string(&mut rand::thread_rng(), 40)
    );
    let user_code = user_code();
    let settings = engine.device_settings();
    let stored = sqlx::query(
        "INSERT INTO dev_device_codes (device_code_hash, user_code, provider, client_id, scope, expires_at, interval_secs)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(hash(&device_code))
    .bind(normalise(&user_code))
    .bind(&provider)
    .bind(&client_id)
    .bind(&p.scope)
    .bind(engine.clock().now() + settings.expires_in)
    .bind(settings.interval)
    .execute(engine.db())
    .await;
    if let Err(e) = stored {
        return Ok(OAuthError::server(e).respond(json));
    }
    let verification_uri = format!("{}device", engine.public_url());
    let complete = format!("{verification_uri}?user_code={user_code}");
    let expires_in = settings.expires_in.to_string();
    let interval = settings.interval.to_string();
    let message = format!(
        "To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."
    );
    let uri_field = if quirks.verification_url {
        "verification_url"
    } else {
        "verification_uri"
    };
    let mut fields = vec![
        ("device_code", device_code.as_str()),
        ("user_code", user_code.as_str()),
        (uri_field, verification_uri.as_str()),
        ("expires_in", expires_in.as_str()),
        ("interval", interval.as_str()),
    ];
    if quirks.entra {
        fields.push(("message", message.as_str()));
    } else {
        fields.push(("verification_uri_complete", complete.as_str()));
    }
    Ok(encode(&fields, json, StatusCode::OK))
}

/// What the token endpoint reads of a device code.
#[derive(sqlx::FromRow)]
struct PolledCode {
    client_id: String,
    scope: String,
    expires_at: i64,
    interval_secs: i64,
    last_poll_at: Option<i64>,
    status: String,
    login: Option<String>,
}

/// The device grant at the token endpoint (RFC 8628 §3.4–3.5).
pub async fn poll(
    engine: &Engine,
    provider: &str,
    client_id: &str,
    device_code: &str,
) -> Result<TokenPair, OAuthError> {
    let error = |code: &'static str, why: &str| OAuthError::new(StatusCode::BAD_REQUEST, code, why);
    let code_hash = hash(device_code);
    let row: Option<PolledCode> = sqlx::query_as(
        "SELECT client_id, scope, expires_at, interval_secs, last_poll_at, status, login
         FROM dev_device_codes WHERE device_code_hash = $1 AND provider = $2",
    )
    .bind(&code_hash)
    .bind(provider)
    .fetch_optional(engine.db())
    .await
    .map_err(OAuthError::server)?;
    let quirks = engine.quirks(provider);
    let Some(PolledCode {
        client_id: owner,
        scope,
        expires_at,
        interval_secs: interval,
        last_poll_at: last_poll,
        status,
        login,
    }) = row
    else {
        let code = if quirks.entra {
            "bad_verification_code"
        } else {
            "invalid_grant"
        };
        return Err(error(code, "the device code is not valid"));
    };
    if owner != client_id {
        return Err(error(
            "invalid_grant",
            "the device code was issued to another client",
        ));
    }
    let now = engine.clock().now();
    if status == "used" {
        return Err(error(
            "invalid_grant",
            "the device code has already been used",
        ));
    }
    if expires_at <= now {
        return Err(error("expired_token", "the device code has expired"));
    }
    // Polled faster than allowed: slow down, and the interval grows by 5 s for good.
    let now_ms = engine.clock().now_ms();
    if last_poll.is_some_and(|last| now_ms - last < interval * 1000) {
        sqlx::query("UPDATE dev_device_codes SET interval_secs = interval_secs + 5, last_poll_at = $1 WHERE device_code_hash = $2")
            .bind(now_ms)
            .bind(&code_hash)
            .execute(engine.db())
            .await
            .map_err(OAuthError::server)?;
        return Err(error(
            "slow_down",
            "polling too fast: add 5 seconds to the interval",
        ));
    }
    sqlx::query("UPDATE dev_device_codes SET last_poll_at = $1 WHERE device_code_hash = $2")
        .bind(now_ms)
        .bind(&code_hash)
        .execute(engine.db())
        .await
        .map_err(OAuthError::server)?;
    match (status.as_str(), login) {
        ("denied", _) if quirks.entra => Err(error(
            "authorization_declined",
            "the user declined the request",
        )),
        ("denied", _) => Err(error("access_denied", "the user denied the request")),
        ("approved", Some(login)) => {
            let claimed = sqlx::query("UPDATE dev_device_codes SET status = 'used' WHERE device_code_hash = $1 AND status = 'approved'")
                .bind(&code_hash)
                .execute(engine.db())
                .await
                .map_err(OAuthError::server)?;
            if claimed.rows_affected() != 1 {
                return Err(error(
                    "invalid_grant",
                    "the device code has already been used",
                ));
            }
            engine
                .issue(provider, client_id, &login, &scope, &code_hash)
                .await
                .map_err(OAuthError::server)
        }
        _ => Err(error(
            "authorization_pending",
            "the user has not yet authorized this device",
        )),
    }
}

fn user_code() -> String {
    let mut rng = rand::thread_rng();
    let mut pick = || USER_CODE_ALPHABET[rng.gen_range(0..USER_CODE_ALPHABET.len())] as char;
    let first: String = (0..4).map(|_| pick()).collect();
    let second: String = (0..4).map(|_| pick()).collect();
    format!("{first}-{second}")
}

/// What a person types is compared without case, spaces or hyphens.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[derive(Debug, Default, Deserialize)]
struct PageParams {
    #[serde(default)]
    user_code: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    other_login: String,
    #[serde(default)]
    directory_email: String,
    #[serde(default)]
    decision: String,
}

async fn verification_page(Query(p): Query<PageParams>) -> Html<String> {
    Html(page(&p, None, None))
}

async fn decide(State(engine): State<Arc<Engine>>, Form(p): Form<PageParams>) -> Response {
    if guessing(&engine, false).await {
        return too_many_tries(&p, &engine);
    }
    let code = normalise(&p.user_code);
    let row: Option<(String, i64, String)> = sqlx::query_as(
        "SELECT provider, expires_at, status FROM dev_device_codes WHERE user_code = $1",
    )
    .bind(&code)
    .fetch_optional(engine.db())
    .await
    .ok()
    .flatten();
    let Some((provider, expires_at, _)) = row.filter(|(_, _, status)| status == "pending") else {
        if guessing(&engine, true).await {
            return too_many_tries(&p, &engine);
        }
        return (
            StatusCode::BAD_REQUEST,
            Html(page(
                &p,
                Some("That code is not valid. Check it and try again."),
                None,
            )),
        )
            .into_response();
    };
    if expires_at <= engine.clock().now() {
        return (
            StatusCode::BAD_REQUEST,
            Html(page(
                &p,
                Some("That code has expired. Ask the app for a new one."),
                None,
            )),
        )
            .into_response();
    }
    let (new_status, login) = if p.decision == "authorize" {
        let login = if p.other_login.trim().is_empty() {
            p.login.trim()
        } else {
            p.other_login.trim()
        };
        match people::person(login) {
            Some(person) => {
                if let Err(problem) = engine
                    .list_in_directory(&provider, &person.login, &p.directory_email)
                    .await
                {
                    return (StatusCode::BAD_REQUEST, Html(page(&p, Some(problem), None)))
                        .into_response();
                }
                ("approved", Some(person.login))
            }
            None => {
                return (
                    StatusCode::BAD_REQUEST,
                    Html(page(
                        &p,
                        Some("Choose a user, or type a valid login."),
                        None,
                    )),
                )
                    .into_response()
            }
        }
    } else {
        ("denied", None)
    };
    let updated = sqlx::query("UPDATE dev_device_codes SET status = $1, login = $2 WHERE user_code = $3 AND status = 'pending'")
        .bind(new_status)
        .bind(&login)
        .bind(&code)
        .execute(engine.db())
        .await;
    if updated.is_err() {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Html(page(
                &p,
                Some("The development provider could not save that."),
                None,
            )),
        )
            .into_response();
    }
    let done = if new_status == "approved" {
        format!("Device authorized. You can return to Agent Relay Cloud: it is now connected to development {}.", super::display_name(&provider))
    } else {
        "Request denied. Agent Relay Cloud was not given access.".to_owned()
    };
    Html(page(&p, None, Some(&done))).into_response()
}

fn page(p: &PageParams, error: Option<&str>, done: Option<&str>) -> String {
    if let Some(done) = done {
        return layout(
            "Device authorization",
            &format!(r#"<h1>All done</h1><p role="status">{}</p>"#, escape(done)),
        );
    }
    let people = person_picker(&p.other_login, &p.directory_email);
    let error = error_line(error);
    let body = format!(
        r#"<h1>Connect a device</h1>
<p>Enter the code shown by Agent Relay Cloud. (Development provider — no real account is involved.)</p>
{error}
<form method="post" action="/device">
<label class="other">Code<input type="text" name="user_code" autocomplete="off" autocapitalize="characters" spellcheck="false" value="{code}" placeholder="XXXX-XXXX"></label>
{people}
<div class="buttons"><button class="secondary" type="submit" name="decision" value="deny">Deny</button>
<button class="primary" type="submit" name="decision" value="authorize">Authorize</button></div>
</form>"#,
        code = escape(&p.user_code),
    );
    layout("Connect a device", &body)
}
