//! The workspace's door: everything the dashboard and the ready page summarise.

use leptos::prelude::*;

use crate::errors::AppError;
use crate::workspace::Workspace;

/// The user's repositories, connected providers, teams and recent events.
#[server(prefix = "/fn", endpoint = "workspace")]
pub async fn load_workspace() -> Result<Workspace, AppError> {
    use crate::repositories::{store as repositories, webhooks};
    use crate::teams::store as teams;
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<crate::platform::AppState>();
    Ok(Workspace {
        repositories: repositories::chosen(&app.db, &user.id).await?,
        providers: teams::connected_providers(&app, &user.id).await?,
        teams: teams::list(&app.db, &user.id).await?,
        events: webhooks::recent_events(&app.db, &user.id, 20).await?,
        dashboard_url: app
            .public_url
            .join("dashboard")
            .map(String::from)
            .unwrap_or_default(),
        webhook_url: app
            .public_url
            .join("webhooks/github")
            .map(String::from)
            .unwrap_or_default(),
    })
}
