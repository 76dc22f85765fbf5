//! Who may see which page: signed-in pages send visitors to the landing
//! page, and the landing page sends signed-in users on to where they left.

use app::identity::{session, users};
use app::platform::AppState;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use tower_sessions::Session;

fn needs_sign_in(path: &str) -> bool {
    path.starts_with("/onboarding")
        || path.starts_with("/dashboard")
        || path.starts_with("/settings")
}

pub async fn guard(
    State(app): State<AppState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let protected = needs_sign_in(path);
    if !(protected || path == "/") {
        return next.run(request).await;
    }
    let user = match session::user_id(&app, &session).await {
        Ok(Some(id)) => users::find(&app.db, &id).await,
        Ok(None) => Ok(None),
        Err(e) => Err(e),
    };
    let user = match user {
        Ok(user) => user,
        // Not "signed out": the database cannot say who this is right now.
        Err(e) if e.is_unavailable() => {
            tracing::warn!(error = %e, "a page was refused: the database is unavailable");
            return unavailable_page();
        }
        Err(e) => {
            tracing::error!(error = %e, "loading the signed-in user failed");
            None
        }
    };
    match (user, protected) {
        (None, true) => Redirect::to("/").into_response(),
        (Some(user), false) => Redirect::to(&user.progress.home_path()).into_response(),
        _ => next.run(request).await,
    }
}

/// What a browser gets while the database is away: the reason, and when to retry.
fn unavailable_page() -> Response {
    const PAGE: &str = concat!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
        "<meta http-equiv=\"refresh\" content=\"5\"><title>Agent Relay Cloud</title></head>",
        "<body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem\">",
        "<h1>Relay is briefly unavailable</h1>",
        "<p>Nothing was changed. This page tries again by itself in a few seconds.</p>",
        "</body></html>"
    );
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        Html(PAGE),
    )
        .into_response()
}
