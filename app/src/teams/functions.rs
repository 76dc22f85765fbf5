//! The teams' door: create a team from a template or the user's own agents.

use leptos::prelude::*;

use crate::errors::AppError;
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
    use crate::audit::log as audit;
    use crate::audit::AuditAction;
    use crate::teams::store as teams;
    use crate::teams::store::{NewTeam, TeamError};
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<crate::platform::AppState>();
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
        &crate::identity::functions::client_source().await,
        &app.clock,
    )
    .await;
    crate::onboarding::functions::advance_past(&user, crate::onboarding::Step::Team).await
}
