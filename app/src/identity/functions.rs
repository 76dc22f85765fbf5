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
    let Some(id) = session::user_id(&app, &session).await? else {
        return Ok(None);
    };
    let Some(user) = users::find(&app.db, &id).await? else {
        return Ok(None);
    };
    let terminals = crate::cli_broker::session_tokens::live_count(&app.db, &id, &app.clock).await?;
    Ok(Some(CurrentUser {
        terminals: u32::try_from(terminals).unwrap_or(u32::MAX),
        ..user.to_current()
    }))
}

/// Ends the session and returns to the landing page; with `terminals`
/// ("on"), also every terminal signed in as the user.
#[server(prefix = "/fn", endpoint = "account/sign-out")]
pub async fn sign_out(terminals: Option<String>) -> Result<(), AppError> {
    use crate::identity::session;
    use crate::platform::AppState;
    let app = expect_context::<AppState>();
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|_| AppError::Internal)?;
    if terminals.is_some() {
        if let Some(id) = session::user_id(&app, &session).await? {
            crate::cli_broker::session_tokens::revoke_all(&app.db, &id, &app.clock).await?;
        }
    }
    session::sign_out(&session).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// "Sign out everywhere": ends every browser session and every terminal
/// session of the user, this one included.
#[server(prefix = "/fn", endpoint = "account/sign-out-everywhere")]
pub async fn sign_out_everywhere() -> Result<(), AppError> {
    use crate::identity::session;
    use crate::platform::AppState;
    let app = expect_context::<AppState>();
    let user = require_user().await?;
    session::sign_out_everywhere(&app, &user.id).await?;
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|_| AppError::Internal)?;
    session::sign_out(&session).await?;
    tracing::info!(user = %user.id, "signed out everywhere");
    leptos_axum::redirect("/");
    Ok(())
}

/// "Delete my account": only with the user's login typed as confirmation
/// (anything else changes nothing). Revokes at the providers, ends every
/// session, destroys the vault key, deletes the rows (`identity/deletion.rs`).
#[server(prefix = "/fn", endpoint = "account/delete")]
pub async fn delete_account(confirm: String) -> Result<(), AppError> {
    use crate::identity::{deletion, session};
    use crate::platform::AppState;
    let app = expect_context::<AppState>();
    let user = require_user().await?;
    if !confirm.trim().eq_ignore_ascii_case(&user.login) {
        return Err(AppError::BadRequest(format!(
            "Type your GitHub login, {}, to confirm. Nothing was deleted.",
            user.login
        )));
    }
    let deleted = deletion::delete_account(&app, &user.id).await?;
    let session = leptos_axum::extract::<tower_sessions::Session>()
        .await
        .map_err(|_| AppError::Internal)?;
    session::sign_out(&session).await?;
    tracing::info!(user = %user.id, credentials = deleted.credentials, revoked = deleted.revoked, "account deleted");
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
    let id = session::user_id(&app, &session)
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
