use leptos::prelude::*;

use crate::errors::AppError;

/// Finishes the step `step` (a slug) and moves the user on: the next step's
/// path, or the dashboard after the last one. Progress only ever advances.
#[server(prefix = "/fn", endpoint = "onboarding/continue")]
pub async fn continue_onboarding(step: String) -> Result<String, AppError> {
    use crate::models::Step;

    let step = Step::from_slug(&step).ok_or_else(|| {
        AppError::BadRequest(format!(
            "There is no onboarding step called “{}”.",
            step.chars().take(40).collect::<String>()
        ))
    })?;
    let user = super::account::require_user().await?;
    if step == Step::Repositories {
        // This step is finished by choosing (`save_repositories`), not skipped.
        let app = expect_context::<crate::backend::AppState>();
        if crate::backend::repositories::selected_ids(&app.db, &user.id)
            .await?
            .is_empty()
        {
            return Err(AppError::BadRequest(
                "Choose at least one repository for the agents to work on.".to_owned(),
            ));
        }
    }
    advance_past(&user, step).await
}

/// Records that `user` finished `step` (progress only moves forward) and
/// sends the browser to the next step.
#[cfg(feature = "ssr")]
pub(crate) async fn advance_past(
    user: &crate::backend::users::User,
    step: crate::models::Step,
) -> Result<String, AppError> {
    use crate::backend::{users, AppState};
    use crate::models::Progress;
    let app = expect_context::<AppState>();
    let next = step.next().map(Progress::At).unwrap_or(Progress::Completed);
    let advances = match (user.progress, next) {
        (Progress::Completed, _) => false,
        (Progress::At(_), Progress::Completed) => true,
        (Progress::At(current), Progress::At(next)) => next.index() > current.index(),
    };
    if advances {
        users::set_progress(&app.db, &user.id, next).await?;
    }
    // Someone who finished onboarding and reopened a step goes home after it.
    let path = match user.progress {
        Progress::Completed => Progress::Completed.home_path(),
        Progress::At(_) => next.home_path(),
    };
    leptos_axum::redirect(&path);
    Ok(path)
}
