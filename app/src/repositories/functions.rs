//! "Select Repositories"' doors: the listing, and saving the choice.

use leptos::prelude::*;

use crate::errors::AppError;
use crate::repositories::RepoListing;

/// Every repository the user can access on GitHub, and the ones chosen.
#[server(prefix = "/fn", endpoint = "repositories/list")]
pub async fn github_repositories() -> Result<RepoListing, AppError> {
    use crate::repositories::{choice, store};
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<crate::platform::AppState>();
    let repos = choice::listing(&app, &user.id).await?;
    let selected = store::selected_ids(&app.db, &user.id).await?;
    Ok(RepoListing { repos, selected })
}

/// Stores the chosen repositories and moves on to the providers step.
/// `ids` are GitHub repository ids from the user's own listing.
#[server(prefix = "/fn", endpoint = "repositories/save")]
pub async fn save_repositories(#[server(default)] ids: Vec<i64>) -> Result<String, AppError> {
    use crate::onboarding::Step;
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<crate::platform::AppState>();
    crate::repositories::choice::choose(&app, &user.id, &ids).await?;
    crate::onboarding::functions::advance_past(&user, Step::Repositories).await
}
