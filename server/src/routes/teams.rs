//! `GET /teams/{id}/teams.json`: one of the signed-in user's teams as a
//! download, in the format the README documents.

use app::identity::session;
use app::platform::AppState;
use app::teams::store as teams;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

pub async fn export(
    State(app): State<AppState>,
    session: Session,
    Path(team_id): Path<String>,
) -> Response {
    let user_id = match session::user_id(&app, &session).await {
        Ok(Some(id)) => id,
        _ => return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response(),
    };
    match teams::export(&app.db, &user_id, &team_id).await {
        Ok(Some(json)) => (
            [
                (header::CONTENT_TYPE, "application/json; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"teams.json\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            json,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "You have no such team.").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "exporting a team failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
