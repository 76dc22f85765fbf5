//! The CLI login broker's HTTP side: `/oauth/start?mode=cli` (called from
//! `oauth::start`), the "You can close this tab" page the callback ends on,
//! `POST /cli/poll`, `GET /cli/providers` and `/.well-known/jwks.json`.
//! The pages are plain server-rendered HTML: no JavaScript needed.

use app::cli_broker::logins as cli_logins;
use app::cli_broker::logins::{Completed, Decided, Poll};
use app::cli_broker::session_tokens;
use app::identity::LoginFailure;
use app::platform::AppState;
use app::providers::callback;
use app::providers::callback::CheckedCallback;
use app::providers::oauth_states::Purpose;
use app::providers::ProviderId;
use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use protocol::api::{CliProviders, ErrorCode, PollAnswer, PollRequest};
use serde::Deserialize;
use tower_sessions::Session;

use super::error::{ApiError, ApiResult};

/// `GET /cli/providers`: lets `relay auth` refuse an unknown provider before
/// opening a browser.
pub async fn providers(State(app): State<AppState>) -> Response {
    Json(CliProviders {
        providers: cli_logins::providers(&app)
            .iter()
            .map(|id| id.as_str().to_owned())
            .collect(),
        interval: cli_logins::INTERVAL_SECS,
    })
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
    let Some(endpoints) = ProviderId::parse(provider)
        .filter(|id| offered.contains(id))
        .and_then(|id| app.providers.endpoints(id))
    else {
        let name = app::providers::find(provider).map_or("That provider", |p| p.name);
        let offered: Vec<&str> = offered.iter().map(|id| id.as_str()).collect();
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
    let key = match cli_logins::start(&app.db, endpoints.id, &state, &challenge, &app.clock).await {
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
        Err(failure) => failure_page(endpoints.id.info().name, failure),
    }
}

/// The provider said yes: the user is known. Before the terminal is signed
/// in, this browser confirms the code the terminal shows.
pub async fn complete(app: &AppState, session: &Session, checked: CheckedCallback) -> Response {
    let provider = checked.pending.provider.info().name;
    match cli_logins::complete(app, session, checked).await {
        Ok(Completed::Confirm { user, code }) => confirm_page(&user, &code),
        Ok(Completed::NoAccount { provider, account }) => page(
            StatusCode::FORBIDDEN,
            "No account for this sign-in",
            &format!(
                "No Agent Relay Cloud account has the {provider} account {account} connected by logging in. Sign up with GitHub, connect {provider} in Settings, then run `relay auth` again."
            ),
            None,
        ),
        Ok(Completed::Failed(failure)) => failure_page(provider, failure),
        Err(e) => internal(e),
    }
}

/// "Sign in your terminal?": the code, and two buttons posting to `/cli/confirm`.
fn confirm_page(user: &app::identity::users::User, code: &str) -> Response {
    let body = format!(
        r#"<p class="tagline">You are signing in a terminal as {who}. Your terminal shows this code:</p>
<p class="device-code" aria-label="Code">{code}</p>
<p class="muted">Only continue if it is the same code and you ran <code>relay auth</code> yourself. If somebody sent you this link, cancel.</p>
<form method="post" action="/cli/confirm" class="confirm-actions">
<button type="submit" name="decision" value="confirm" class="btn btn-primary btn-block">Yes, sign in my terminal</button>
<button type="submit" name="decision" value="cancel" class="btn btn-secondary btn-block">Cancel</button>
</form>"#,
        who = escape(&who(user)),
        code = escape(code),
    );
    layout(StatusCode::OK, "🔐", "Sign in your terminal?", &body)
}

#[derive(Deserialize)]
pub struct Decision {
    decision: String,
}

/// `POST /cli/confirm`: the browser that signed in confirms (or refuses) the
/// terminal's code. Only that browser can: the login is bound to its session,
/// whose cookie is SameSite=Lax, so no other site can post this for it.
pub async fn confirm(
    State(app): State<AppState>,
    session: Session,
    form: Result<axum::Form<Decision>, axum::extract::rejection::FormRejection>,
) -> Response {
    let yes = form.is_ok_and(|axum::Form(f)| f.decision == "confirm");
    match cli_logins::decide(&app, &session, yes).await {
        Ok(Decided::SignedIn(user)) => signed_in_page(&user),
        Ok(Decided::Refused) => page(
            StatusCode::OK,
            "Cancelled",
            "Your terminal was not signed in. Nothing was changed.",
            Some("If you did start this, run `relay auth` again."),
        ),
        Ok(Decided::Failed(failure)) => failure_page("GitHub", failure),
        Err(e) => internal(e),
    }
}

/// "Ada Lovelace (@ada)", or "@ada" when the name adds nothing.
fn who(user: &app::identity::users::User) -> String {
    match user
        .name
        .as_deref()
        .filter(|n| !n.is_empty() && *n != user.login)
    {
        Some(name) => format!("{name} (@{})", user.login),
        None => format!("@{}", user.login),
    }
}

/// The login failed at the provider or on the way back.
pub async fn failed(
    app: &AppState,
    key: Option<&str>,
    provider: &str,
    failure: LoginFailure,
) -> Response {
    if let Some(key) = key {
        cli_logins::fail(&app.db, key, failure).await;
    }
    failure_page(provider, failure)
}

fn failure_page(provider: &str, failure: LoginFailure) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        &failure.title(provider),
        failure.explanation(),
        Some("Run `relay auth` again in your terminal to start over."),
    )
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "terminal login failed");
    failure_page("The provider", LoginFailure::Internal)
}

/// `POST /cli/poll {state, code_verifier}`: 200 with a `PollAnswer`
/// (pending, or the token once), or an `ApiError` saying why not.
pub async fn poll(
    State(app): State<AppState>,
    body: Result<Json<PollRequest>, JsonRejection>,
) -> ApiResult {
    // Whatever is wrong with the body (none, not JSON, a field missing), one clear answer.
    let Json(body) = body
        .map_err(|_| ApiError::bad_request("Send JSON: {\"state\": …, \"code_verifier\": …}."))?;
    let interval = cli_logins::INTERVAL_SECS as u64;
    let refused = |status, code, message: &str| ApiError::new(status, code, message);
    let answer = match cli_logins::poll(&app, &body.state, &body.code_verifier).await? {
        Poll::Pending => Ok(PollAnswer::Pending { interval }),
        Poll::Done {
            session_jwt,
            expires_in,
            login,
        } => Ok(PollAnswer::Ok {
            session_jwt,
            expires_in,
            login,
        }),
        Poll::SlowDown => Err(ApiError::slow_down(interval)),
        Poll::WrongVerifier => Err(refused(
            StatusCode::BAD_REQUEST,
            ErrorCode::WrongVerifier,
            "The code_verifier does not match this login's code_challenge.",
        )),
        Poll::Expired => Err(refused(
            StatusCode::GONE,
            ErrorCode::Expired,
            "The login expired before it was completed.",
        )),
        Poll::Denied => Err(refused(
            StatusCode::FORBIDDEN,
            ErrorCode::Denied,
            "The sign-in was cancelled in the browser.",
        )),
        Poll::NoAccount => Err(refused(
            StatusCode::FORBIDDEN,
            ErrorCode::NoAccount,
            "No Agent Relay Cloud account has that account connected by logging in.",
        )),
        Poll::Failed(why) => Err(refused(
            StatusCode::BAD_GATEWAY,
            ErrorCode::LoginFailed,
            &why,
        )),
        Poll::Used => Err(refused(
            StatusCode::CONFLICT,
            ErrorCode::Used,
            "This login's token was already handed out.",
        )),
    }?;
    // The answer may carry the session token: no cache keeps it.
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(answer)).into_response())
}

/// `GET /.well-known/jwks.json`: the public keys of the session tokens.
pub async fn jwks(State(app): State<AppState>) -> Response {
    match session_tokens::jwks(&app.db, &app.clock).await {
        Ok(keys) => ([(header::CACHE_CONTROL, "public, max-age=300")], Json(keys)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "publishing the JWKS failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A small branded page in the app's style: a title, a sentence, what next.
pub(super) fn page(status: StatusCode, title: &str, text: &str, next: Option<&str>) -> Response {
    let mark = if status.is_success() { "✅" } else { "⚠️" };
    let next = next
        .map(|n| format!("<p class=\"muted\">{}</p>", escape(n)))
        .unwrap_or_default();
    let body = format!("<p class=\"tagline\">{}</p>\n{next}", escape(text));
    layout(status, mark, title, &body)
}

/// `GET /cli/terminal.js`: the few lines that tell the signed-in page when
/// its terminal has collected the session.
pub async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("terminal.js"),
    )
        .into_response()
}

/// "You can close this tab"; with JavaScript, the page also says when the
/// terminal has collected its session (`/live/cli`, public/terminal.js).
fn signed_in_page(user: &app::identity::users::User) -> Response {
    let body = format!(
        r#"<p class="tagline">{signed_in}</p>
<p class="muted" data-terminal-status="/live/cli" role="status">Nothing else to do here: go back to your terminal.</p>
<script src="/cli/terminal.js" defer></script>"#,
        signed_in = escape(&format!(
            "Signed in as {}. Your terminal will continue on its own.",
            who(user)
        )),
    );
    layout(StatusCode::OK, "✅", "You can close this tab", &body)
}

/// The page around `body` (already HTML).
fn layout(status: StatusCode, mark: &str, title: &str, body: &str) -> Response {
    let html = format!(
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Agent Relay Cloud</title>
<link rel="stylesheet" href="{stylesheet}">
</head>
<body>
<main class="landing" id="main">
<section class="card hero" aria-labelledby="title">
<svg class="logo" width="48" height="48" viewBox="0 0 32 32" aria-hidden="true" focusable="false"><rect width="32" height="32" rx="8" fill="#4f46e5"/><circle cx="10" cy="16" r="4" fill="#fff"/><circle cx="22" cy="16" r="4" fill="#c7d2fe"/><path d="M14 16h4" stroke="#fff" stroke-width="2" stroke-linecap="round"/></svg>
<h1 id="title"><span aria-hidden="true">{mark} </span>{title}</h1>
{body}
</section>
</main>
</body>
</html>"##,
        title = escape(title),
        stylesheet = crate::assets::Manifest::stylesheet(crate::assets::Manifest::current()),
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
