//! The CLI login broker's HTTP side: `/oauth/start?mode=cli` (called from
//! `oauth::start`), the "You can close this tab" page the callback ends on,
//! `POST /cli/poll`, `GET /cli/providers` and `/.well-known/jwks.json`.
//! The pages are plain server-rendered HTML: no JavaScript needed.

use app::backend::callback::{self, CheckedCallback};
use app::backend::cli_logins::{self, IdentityFailure, Poll};
use app::backend::oauth_states::Purpose;
use app::backend::{session_tokens, signin, AppState};
use app::models::LoginFailure;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

/// `GET /cli/providers`: lets `relay auth` refuse an unknown provider before
/// opening a browser.
pub async fn providers(State(app): State<AppState>) -> Response {
    Json(json!({ "providers": cli_logins::providers(&app), "interval": cli_logins::INTERVAL_SECS }))
        .into_response()
}

/// `/oauth/start?mode=cli…`: checks the CLI's request, records the pending
/// terminal login and sends the browser to the provider.
pub async fn start(
    app: &AppState,
    session: &Session,
    provider: &str,
    state: Option<&str>,
    challenge: Option<&str>,
    method: Option<&str>,
) -> Response {
    let offered = cli_logins::providers(app);
    let Some(endpoints) = offered
        .contains(&provider)
        .then(|| app.providers.endpoints(provider))
        .flatten()
    else {
        let name = app::providers::find(provider).map_or("That provider", |p| p.name);
        return page(
            StatusCode::BAD_REQUEST,
            "This sign-in link cannot be used",
            &format!(
                "{name} cannot sign a terminal in on this server. Run `relay auth` with one of: {}.",
                offered.join(", ")
            ),
            None,
        );
    };
    let (state, challenge) = match cli_logins::check_start(state, challenge, method) {
        Ok(checked) => checked,
        Err(refusal) => {
            return page(
                StatusCode::BAD_REQUEST,
                "This sign-in link cannot be used",
                &refusal.to_string(),
                None,
            )
        }
    };
    let key = match cli_logins::start(&app.db, provider, &state, &challenge).await {
        Ok(Ok(key)) => key,
        Ok(Err(refusal)) => {
            return page(
                StatusCode::BAD_REQUEST,
                "This sign-in link cannot be used",
                &refusal.to_string(),
                None,
            )
        }
        Err(e) => return internal(e),
    };
    match callback::start_login(app, session, endpoints, Purpose::Cli, Some(&key)).await {
        Ok(url) => Redirect::to(url.as_str()).into_response(),
        Err(failure) => failure_page(failure),
    }
}

/// The provider said yes: sign the user in (for the terminal only) and say so.
pub async fn complete(app: &AppState, checked: CheckedCallback) -> Response {
    let key = checked.pending.return_to.clone().unwrap_or_default();
    let github = app.providers.github();
    let identified = match app.providers.endpoints(&checked.pending.provider) {
        Some(endpoints) if endpoints.id == github.id => signin::authenticate(app, checked)
            .await
            .map_err(IdentityFailure::Login),
        Some(endpoints) => cli_logins::identify(app, endpoints, checked).await,
        None => Err(IdentityFailure::Login(LoginFailure::UnknownProvider)),
    };
    let user = match identified {
        Ok(user) => user,
        Err(IdentityFailure::Login(failure)) => return failed(app, Some(&key), failure).await,
        Err(IdentityFailure::NoAccount(provider, account)) => {
            if let Err(e) = cli_logins::finish(&app.db, &key, Err("no_account")).await {
                tracing::error!(error = %e, "recording a failed terminal login failed");
            }
            return page(
                StatusCode::BAD_REQUEST,
                "No account for this sign-in",
                &format!(
                    "No Agent Relay Cloud account has the {provider} account {account} connected. Sign up with GitHub, connect {provider} in Settings, then run `relay auth` again."
                ),
                None,
            );
        }
    };
    if let Err(e) = cli_logins::finish(&app.db, &key, Ok(&user.id)).await {
        return internal(e);
    }
    tracing::info!(user = %user.id, login = %user.login, "terminal signed in");
    let who = match user
        .name
        .as_deref()
        .filter(|n| !n.is_empty() && *n != user.login)
    {
        Some(name) => format!("{name} (@{})", user.login),
        None => format!("@{}", user.login),
    };
    page(
        StatusCode::OK,
        "You can close this tab",
        &format!("Signed in as {who}. Your terminal will continue on its own."),
        Some("Nothing else to do here: go back to your terminal."),
    )
}

/// The login failed at the provider or on the way back.
pub async fn failed(app: &AppState, key: Option<&str>, failure: LoginFailure) -> Response {
    if let Some(key) = key {
        let outcome = if failure == LoginFailure::Denied {
            "denied"
        } else {
            failure.slug()
        };
        if let Err(e) = cli_logins::finish(&app.db, key, Err(outcome)).await {
            tracing::error!(error = %e, "recording a failed terminal login failed");
        }
    }
    failure_page(failure)
}

fn failure_page(failure: LoginFailure) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        &failure.title("GitHub"),
        failure.explanation(),
        Some("Run `relay auth` again in your terminal to start over."),
    )
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "terminal login failed");
    failure_page(LoginFailure::Internal)
}

#[derive(Deserialize)]
pub struct PollBody {
    state: String,
    code_verifier: String,
}

/// `POST /cli/poll {state, code_verifier}`.
pub async fn poll(State(app): State<AppState>, body: Option<Json<PollBody>>) -> Response {
    let Some(Json(body)) = body else {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({ "status": "error", "message": "Send JSON: {\"state\": …, \"code_verifier\": …}." }),
        );
    };
    let interval = cli_logins::INTERVAL_SECS;
    match cli_logins::poll(&app, &body.state, &body.code_verifier).await {
        Ok(Poll::Pending) => answer(
            StatusCode::OK,
            json!({ "status": "pending", "interval": interval }),
        ),
        Ok(Poll::SlowDown) => answer(
            StatusCode::TOO_MANY_REQUESTS,
            json!({ "status": "slow_down", "interval": interval, "message": format!("Poll at most every {interval} seconds.") }),
        ),
        Ok(Poll::Done {
            session_jwt,
            expires_in,
            login,
        }) => answer(
            StatusCode::OK,
            json!({ "status": "ok", "ok": true, "session_jwt": session_jwt, "expires_in": expires_in, "login": login }),
        ),
        Ok(Poll::WrongVerifier) => answer(
            StatusCode::BAD_REQUEST,
            json!({ "status": "error", "message": "The code_verifier does not match this login's code_challenge." }),
        ),
        Ok(Poll::Expired) => answer(
            StatusCode::GONE,
            json!({ "status": "expired", "message": "The login expired before it was completed." }),
        ),
        Ok(Poll::Denied) => answer(
            StatusCode::FORBIDDEN,
            json!({ "status": "denied", "message": "The sign-in was cancelled in the browser." }),
        ),
        Ok(Poll::Failed(why)) => answer(
            StatusCode::BAD_GATEWAY,
            json!({ "status": "failed", "message": format!("The sign-in failed ({why}).") }),
        ),
        Ok(Poll::Used) => answer(
            StatusCode::CONFLICT,
            json!({ "status": "used", "message": "This login's token was already handed out." }),
        ),
        Err(e) => {
            tracing::error!(error = %e, "CLI poll failed");
            answer(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "status": "error", "message": "Something went wrong on our side." }),
            )
        }
    }
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}

/// `GET /.well-known/jwks.json`: the public keys of the session tokens.
pub async fn jwks(State(app): State<AppState>) -> Response {
    match session_tokens::jwks(&app.db).await {
        Ok(keys) => ([(header::CACHE_CONTROL, "public, max-age=300")], Json(keys)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "publishing the JWKS failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A small branded page in the app's style.
fn page(status: StatusCode, title: &str, text: &str, next: Option<&str>) -> Response {
    let ok = status.is_success();
    let mark = if ok { "✅" } else { "⚠️" };
    let next = next
        .map(|n| format!("<p class=\"muted\">{}</p>", escape(n)))
        .unwrap_or_default();
    let html = format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Agent Relay Cloud</title>
<link rel="stylesheet" href="/pkg/relay.css">
</head>
<body>
<main class="landing" id="main">
<section class="card hero" aria-labelledby="title">
<svg class="logo" width="48" height="48" viewBox="0 0 32 32" aria-hidden="true" focusable="false"><rect width="32" height="32" rx="8" fill="#4f46e5"/><circle cx="10" cy="16" r="4" fill="#fff"/><circle cx="22" cy="16" r="4" fill="#c7d2fe"/><path d="M14 16h4" stroke="#fff" stroke-width="2" stroke-linecap="round"/></svg>
<h1 id="title"><span aria-hidden="true">{mark} </span>{title}</h1>
<p class="tagline">{text}</p>
{next}
</section>
</main>
</body>
</html>"##,
        title = escape(title),
        text = escape(text),
    );
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}
