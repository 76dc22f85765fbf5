//! "Select Repositories": the user's GitHub repositories and their choice.

use leptos::prelude::*;

use crate::errors::AppError;
use crate::repositories::RepoListing;

/// Every repository the user can access on GitHub, and the ones chosen.
#[server(prefix = "/fn", endpoint = "repositories/list")]
pub async fn github_repositories() -> Result<RepoListing, AppError> {
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<crate::platform::AppState>();
    let repos = listing(&app, &user.id).await?;
    let selected = crate::repositories::store::selected_ids(&app.db, &user.id).await?;
    Ok(RepoListing { repos, selected })
}

/// Stores the chosen repositories and moves on to the providers step.
/// `ids` are GitHub repository ids from the user's own listing.
#[server(prefix = "/fn", endpoint = "repositories/save")]
pub async fn save_repositories(#[server(default)] ids: Vec<i64>) -> Result<String, AppError> {
    use crate::onboarding::Step;
    use crate::repositories::store as repositories;
    let user = crate::identity::functions::require_user().await?;
    if ids.is_empty() {
        return Err(AppError::BadRequest(
            "Choose at least one repository for the agents to work on.".to_owned(),
        ));
    }
    let app = expect_context::<crate::platform::AppState>();
    let repos = listing(&app, &user.id).await?;
    let chosen: Vec<_> = repos.into_iter().filter(|r| ids.contains(&r.id)).collect();
    if chosen.len() != ids.iter().collect::<std::collections::HashSet<_>>().len() {
        return Err(AppError::BadRequest(
            "Some of those repositories are not among yours on GitHub. Reload the list and choose again.".to_owned(),
        ));
    }
    let added = repositories::save_selection(&app.db, &user.id, &chosen).await?;
    let new: Vec<_> = chosen
        .into_iter()
        .filter(|r| added.contains(&r.id))
        .collect();
    look_for_agent_config(&app, &user.id, &new).await;
    crate::onboarding::functions::advance_past(&user, Step::Repositories).await
}

/// Looks for `.claude/agents/` and `teams.json` in newly chosen
/// repositories, in the background: the user moves on meanwhile. The choice
/// is saved already, so a failure here is logged, not reported.
#[cfg(feature = "ssr")]
async fn look_for_agent_config(
    app: &crate::platform::AppState,
    user_id: &str,
    repos: &[crate::repositories::RepoView],
) {
    use crate::repositories::agent_config;
    use crate::vault::credentials;
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
    ));
}

/// The user's listing, with GitHub's failures said plainly.
#[cfg(feature = "ssr")]
async fn listing(
    app: &crate::platform::AppState,
    user_id: &str,
) -> Result<Vec<crate::repositories::RepoView>, AppError> {
    use crate::repositories::github::GithubError;
    use crate::repositories::store as repositories;
    use crate::vault::credentials;
    let github = app.providers.github();
    let token = credentials::access_token(&app.db, &app.vault, user_id, github.id)
        .await?
        .ok_or_else(|| {
            AppError::BadRequest("Your GitHub account is not connected. Sign in again.".to_owned())
        })?;
    repositories::fetch_all(&app.http, github, &token)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "listing repositories failed");
            match e {
                GithubError::Unauthorized(_) => AppError::BadRequest(
                    "GitHub no longer accepts Relay's access. Sign out and sign in again."
                        .to_owned(),
                ),
                GithubError::Unavailable(_) => AppError::BadRequest(
                    "GitHub is not answering right now. Retry in a moment.".to_owned(),
                ),
            }
        })
}
