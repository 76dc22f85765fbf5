//! `/oauth/start` (sign-in), `/oauth/connect` (connect a provider) and the one
//! callback per provider, `/oauth/callback/<provider>`. A failure never ends
//! in a bare error body: it lands on `/signin/failed`, which says what went
//! wrong and how to retry.

use app::audit::log::Source;
use app::connect::redirect as connect;
use app::identity::signin;
use app::identity::LoginFailure;
use app::platform::client::ClientIp;
use app::platform::rate_limits::{self, Limit, Limited};
use app::platform::AppState;
use app::providers::callback;
use app::providers::callback::CallbackQuery;
use app::providers::oauth_states::Purpose;
use app::providers::ProviderId;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Form};
use serde::Deserialize;
use tower_sessions::Session;

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    provider: Option<String>,
    /// `cli`: a terminal's login (`relay auth`); the rest is for it.
    mode: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// Logins a client address may start: each writes a row before anyone has
/// signed in. (One office behind one address signs in often at nine.)
const STARTS: Limit = Limit {
    name: "oauth_start",
    hits: 60,
    per_secs: 60,
};

/// "Continue with GitHub" in the browser, or `relay auth` from a terminal.
pub async fn start(
    State(app): State<AppState>,
    session: Session,
    Extension(ClientIp(peer)): Extension<ClientIp>,
    query: Result<Query<StartQuery>, QueryRejection>,
) -> Response {
    if let Err(refused) = rate_limits::hit(&app.db, &STARTS, &peer.to_string(), &app.clock).await {
        return too_many(refused);
    }
    let github = app.providers.github().id;
    let query = query.map(|Query(q)| q).ok();
    let provider = query
        .as_ref()
        .and_then(|q| q.provider.clone())
        .unwrap_or_else(|| github.as_str().to_owned());
    if let Some(q) = query.as_ref().filter(|q| q.mode.as_deref() == Some("cli")) {
        return super::cli::start(
            &app,
            &session,
            &provider,
            q.state.as_deref(),
            q.code_challenge.as_deref(),
            q.code_challenge_method.as_deref(),
        )
        .await;
    }
    if provider != github.as_str() {
        return failed(LoginFailure::UnknownProvider, None);
    }
    match signin::begin(&app, &session).await {
        Ok(url) => Redirect::to(url.as_str()).into_response(),
        Err(failure) => failed(failure, None),
    }
}

#[derive(Debug, Deserialize)]
pub struct ConnectQuery {
    provider: Option<String>,
    return_to: Option<String>,
}

/// `GET /oauth/connect` (an old link, or one on another site): a GET
/// changes nothing, so it only leads to the page where the user can press
/// the button themselves.
pub async fn connect_link() -> Redirect {
    Redirect::to("/settings/providers")
}

/// "Login with Google" (a form's POST): a signed-in user connects a provider
/// by redirect.
pub async fn connect(
    State(app): State<AppState>,
    session: Session,
    form: Result<Form<ConnectQuery>, FormRejection>,
) -> Response {
    let Ok(Form(query)) = form else {
        return failed(LoginFailure::UnknownProvider, None);
    };
    let Some(info) = query.provider.as_deref().and_then(app::providers::find) else {
        return failed(LoginFailure::UnknownProvider, None);
    };
    let Ok(return_to) = connect::safe_return_to(query.return_to.as_deref()) else {
        return failed(LoginFailure::BadReturn, Some(info.id));
    };
    match app::identity::session::user_id(&app, &session).await {
        Ok(Some(_)) => {}
        _ => return Redirect::to("/").into_response(),
    }
    match connect::begin(&app, &session, info, &return_to).await {
        Ok(url) => Redirect::to(url.as_str()).into_response(),
        Err(failure) => failed(failure, Some(info.id)),
    }
}

pub async fn callback(
    State(app): State<AppState>,
    session: Session,
    Extension(ClientIp(peer)): Extension<ClientIp>,
    Path(provider): Path<String>,
    query: Result<Query<CallbackQuery>, QueryRejection>,
) -> Response {
    let Some(info) = app::providers::find(&provider) else {
        return failed(LoginFailure::UnknownProvider, None);
    };
    let Ok(Query(query)) = query else {
        return failed(LoginFailure::StateMismatch, None);
    };
    let checked = match callback::check_callback(&app, &session, info.id, query).await {
        Ok(checked) => checked,
        Err((Some(pending), failure)) if pending.purpose == Purpose::Cli => {
            return super::cli::failed(&app, pending.return_to.as_deref(), info.name, failure)
                .await;
        }
        Err((pending, failure)) => {
            let connecting = pending.is_some_and(|p| p.purpose == Purpose::Connect);
            return failed(failure, connecting.then_some(info.id));
        }
    };
    if checked.pending.purpose == Purpose::Cli {
        return super::cli::complete(&app, &session, checked).await;
    }
    let outcome = match checked.pending.purpose {
        Purpose::SignIn if info.id == app.providers.github().id => {
            signin::complete(&app, &session, checked)
                .await
                .map_err(|f| (f, None))
        }
        Purpose::SignIn => Err((LoginFailure::UnknownProvider, None)),
        Purpose::Connect => connect::complete(&app, &session, checked, Source(peer.to_string()))
            .await
            .map_err(|f| (f, Some(info.id))),
        Purpose::Cli => unreachable!("terminal logins are completed above"),
    };
    match outcome {
        Ok(path) => Redirect::to(&path).into_response(),
        Err((failure, provider)) => failed(failure, provider),
    }
}

/// The failure page; for a connect it names the provider, so Try again connects it again.
/// A page for a browser over a rate limit: 429 with `Retry-After`.
fn too_many(refused: Limited) -> Response {
    let Limited::Over { retry_after_secs } = refused else {
        return failed(LoginFailure::Internal, None);
    };
    let mut page = super::cli::page(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many sign-in attempts",
        &refused.to_string(),
        Some("Nothing was changed. Wait a moment, then start again."),
    );
    page.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(retry_after_secs.max(1)),
    );
    page
}

pub(super) fn failed(failure: LoginFailure, connecting: Option<ProviderId>) -> Response {
    let mut to = format!("/signin/failed?reason={}", failure.as_str());
    if let Some(provider) = connecting {
        to.push_str(&format!("&provider={provider}"));
    }
    Redirect::to(&to).into_response()
}
