use leptos::prelude::*;

use crate::errors::AppError;
use crate::models::ConnectedProvider;

/// The providers the signed-in user has connected (GitHub from sign-up on).
#[server(prefix = "/fn", endpoint = "providers/connected")]
pub async fn connected_providers() -> Result<Vec<ConnectedProvider>, AppError> {
    use crate::backend::{credentials, AppState};
    let user = super::account::require_user().await?;
    let app = expect_context::<AppState>();
    let rows = credentials::connected(&app.db, &user.id).await?;
    Ok(rows
        .into_iter()
        .map(|(provider, account)| ConnectedProvider { provider, account })
        .collect())
}
