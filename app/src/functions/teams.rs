//! Agent teams and the workspace summary of the dashboard and ready page.

use leptos::prelude::*;

use crate::errors::AppError;
use crate::models::Workspace;
use crate::teams::AgentInput;

/// Creates a team from `template` (custom teams also send `name` and
/// `agents`; a row with an empty name is dropped) and moves on. A provider
/// the user has not connected is refused with "Please connect … first".
#[server(prefix = "/fn", endpoint = "teams/create")]
pub async fn create_team(
    template: String,
    #[server(default)] provider: String,
    #[server(default)] name: String,
    #[server(default)] agents: Vec<AgentInput>,
) -> Result<String, AppError> {
    use crate::backend::audit;
    use crate::backend::teams::{self, NewTeam, TeamError};
    use crate::models::AuditAction;
    let user = super::account::require_user().await?;
    let app = expect_context::<crate::backend::AppState>();
    let new = NewTeam {
        template,
        name,
        provider,
        agents,
    };
    let team = teams::create(&app, &user.id, &new)
        .await
        .map_err(|e| match e {
            TeamError::Refused(refusal) => AppError::from(refusal),
            TeamError::Backend(e) => AppError::from(e),
        })?;
    audit::note(
        &app.db,
        &user.id,
        AuditAction::TeamCreated,
        team.default_provider,
        &format!("{} ({} agents)", team.name, team.agents.len()),
        &super::account::client_source().await,
    )
    .await;
    super::onboarding::advance_past(&user, crate::models::Step::Team).await
}

/// The user's repositories, connected providers, teams and recent events.
#[server(prefix = "/fn", endpoint = "workspace")]
pub async fn load_workspace() -> Result<Workspace, AppError> {
    use crate::backend::{repositories, teams, webhooks};
    let user = super::account::require_user().await?;
    let app = expect_context::<crate::backend::AppState>();
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
