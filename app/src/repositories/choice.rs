//! The use cases of "Select Repositories": list the user's repositories on
//! GitHub, and record their choice (then look, in the background, for what
//! the newly chosen ones hold for agents).

use std::collections::HashSet;

use crate::audit::log::Source;
use crate::platform::{AppState, Error};
use crate::repositories::github::GithubError;
use crate::repositories::RepoView;
use crate::repositories::{agent_config, store};
use crate::vault::credentials;

/// Why the listing or the choice was refused; the text is shown as is.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("Choose at least one repository for the agents to work on.")]
    NothingChosen,
    #[error("Some of those repositories are not among yours on GitHub. Reload the list and choose again.")]
    NotYours,
    #[error("Your GitHub account is not connected. Sign in again.")]
    NotConnected,
    #[error("GitHub no longer accepts Relay's access. Sign out and sign in again.")]
    GithubRefused,
    #[error("GitHub is not answering right now. Retry in a moment.")]
    GithubUnavailable,
    #[error(transparent)]
    Backend(#[from] Error),
}

/// Every repository the user can access on GitHub, all pages.
pub async fn listing(app: &AppState, user_id: &str) -> Result<Vec<RepoView>, Refusal> {
    let github = app.providers.github();
    let token = credentials::access_token(&app.db, &app.vault, user_id, github.id)
        .await?
        .ok_or(Refusal::NotConnected)?;
    match store::fetch_all(&app.http, github, &token, &app.clock).await {
        Ok(repos) => Ok(repos),
        Err(GithubError::Unauthorized(status)) => {
            // Revoked at GitHub: noticed now, not when an agent fails.
            let said = format!("the repository listing answered HTTP {status}");
            crate::connect::proof::refused(app, user_id, github.id, &said, &Source::worker())
                .await?;
            Err(Refusal::GithubRefused)
        }
        Err(e @ GithubError::Unavailable(_)) => {
            tracing::warn!(error = %e, "listing repositories failed");
            Err(Refusal::GithubUnavailable)
        }
    }
}

/// Records the choice of `ids` (GitHub ids from the user's own listing,
/// checked against it), then looks for agent configuration in the newly
/// chosen repositories without making the user wait.
pub async fn choose(app: &AppState, user_id: &str, ids: &[i64]) -> Result<(), Refusal> {
    if ids.is_empty() {
        return Err(Refusal::NothingChosen);
    }
    let repos = listing(app, user_id).await?;
    let chosen: Vec<_> = repos.into_iter().filter(|r| ids.contains(&r.id)).collect();
    if chosen.len() != ids.iter().collect::<HashSet<_>>().len() {
        return Err(Refusal::NotYours);
    }
    let added = store::save_selection(&app.db, user_id, &chosen, &app.clock).await?;
    let new: Vec<_> = chosen
        .into_iter()
        .filter(|r| added.contains(&r.id))
        .collect();
    look_for_agent_config(app, user_id, &new).await;
    Ok(())
}

/// Looks for `.claude/agents/` and `teams.json` in `repos`, in the
/// background. The choice is saved already, so a failure here is logged,
/// not reported.
async fn look_for_agent_config(app: &AppState, user_id: &str, repos: &[RepoView]) {
    if repos.is_empty() {
        return;
    }
    let github = app.providers.github();
    let token = match credentials::access_token(&app.db, &app.vault, user_id, github.id).await {
        Ok(Some(token)) => token,
        Ok(None) => return,
        Err(e) => {
            tracing::warn!(error = %e, "no GitHub token to look for agent configuration");
            return;
        }
    };
    let repos = repos
        .iter()
        .map(|r| (r.id, r.full_name.clone(), r.default_branch.clone()))
        .collect();
    tokio::spawn(agent_config::detect_all(
        app.db.clone(),
        app.http.clone(),
        github.clone(),
        token,
        user_id.to_owned(),
        repos,
        app.clock.clone(),
    ));
}
