use leptos::prelude::*;

use crate::errors::AppError;
use crate::identity::CurrentUser;

/// The signed-in user, or `None` for a visitor.
#[server(prefix = "/fn", endpoint = "account/me")]
pub async fn signed_in_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::identity::{session, users};
    use crate::platform::AppState;
    let app = expect_context::<AppState>();
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|_| AppError::Internal)?;
    let Some(id) = session::user_id(&session).await? else {
        return Ok(None);
    };
    Ok(users::find(&app.db, &id).await?.map(|u| u.to_current()))
}

/// Ends the session and returns to the landing page.
#[server(prefix = "/fn", endpoint = "account/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|_| AppError::Internal)?;
    crate::identity::session::sign_out(&session).await?;
    leptos_axum::redirect("/");
    Ok(())
}

#[cfg(feature = "ssr")]
pub(crate) async fn require_user() -> Result<crate::identity::users::User, AppError> {
    use crate::identity::{session, users};
    use crate::platform::AppState;
    let app = expect_context::<AppState>();
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|_| AppError::Internal)?;
    let id = session::user_id(&session)
        .await?
        .ok_or(AppError::NotSignedIn)?;
    users::find(&app.db, &id)
        .await?
        .ok_or(AppError::NotSignedIn)
}

/// Where the request came from, for the audit log.
#[cfg(feature = "ssr")]
pub(crate) async fn client_source() -> crate::audit::log::Source {
    use crate::platform::client::ClientIp;
    let addr = use_context::<axum::http::request::Parts>()
        .and_then(|request| request.extensions.get::<ClientIp>().copied())
        .map(|ClientIp(ip)| ip.to_string())
        .unwrap_or_default();
    crate::audit::log::Source(addr)
}
