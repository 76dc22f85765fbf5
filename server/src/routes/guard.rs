//! Who may see which page: signed-in pages send visitors to the landing
//! page, and the landing page sends signed-in users on to where they left.

use app::identity::{session, users};
use app::platform::AppState;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
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
    let user = match session::user_id(&session).await {
        Ok(Some(id)) => users::find(&app.db, &id).await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "loading the signed-in user failed");
            None
        }),
        _ => None,
    };
    match (user, protected) {
        (None, true) => Redirect::to("/").into_response(),
        (Some(user), false) => Redirect::to(&user.progress.home_path()).into_response(),
        _ => next.run(request).await,
    }
}
