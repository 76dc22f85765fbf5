//! The wizard's door: "Continue" on a step.

use leptos::prelude::*;

use crate::errors::AppError;

/// Finishes the step `step` (a slug) and moves the user on: the next step's
/// path, or the dashboard after the last one. Progress only ever advances.
#[server(prefix = "/fn", endpoint = "onboarding/continue")]
pub async fn continue_onboarding(step: String) -> Result<String, AppError> {
    use crate::onboarding::{progress, Step};

    let step = Step::from_slug(&step).ok_or_else(|| {
        AppError::BadRequest(format!(
            "There is no onboarding step called “{}”.",
            step.chars().take(40).collect::<String>()
        ))
    })?;
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<crate::platform::AppState>();
    let path = progress::continue_past(&app.db, &user, step, &app.clock)
        .await?
        .map_err(|refusal| AppError::BadRequest(refusal.to_string()))?;
    leptos_axum::redirect(&path);
    Ok(path)
}

/// Records that `user` finished `step` and sends the browser on.
#[cfg(feature = "ssr")]
pub(crate) async fn advance_past(
    user: &crate::identity::users::User,
    step: crate::onboarding::Step,
) -> Result<String, AppError> {
    let app = expect_context::<crate::platform::AppState>();
    let path = crate::onboarding::progress::finish(&app.db, user, step, &app.clock).await?;
    leptos_axum::redirect(&path);
    Ok(path)
}
