//! The self-hosted endpoints' doors: add (checked and probed) and remove.

use leptos::prelude::*;

use crate::errors::AppError;

/// Validates, probes and saves a self-hosted endpoint.
#[server(prefix = "/fn", endpoint = "providers/self-hosted/add")]
pub async fn add_self_hosted(
    name: String,
    url: String,
) -> Result<crate::connect::self_hosted::SelfHostedView, AppError> {
    use crate::connect::self_hosted::store as self_hosted;
    use crate::connect::self_hosted::store::AddError;
    use crate::platform::AppState;
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<AppState>();
    let source = crate::identity::functions::client_source().await;
    let added = self_hosted::add(&app, &user.id, &name, &url, source)
        .await
        .map_err(|e| match e {
            AddError::Invalid(message) => AppError::BadRequest(message),
            AddError::Refused(refusal) => AppError::BadRequest(refusal.to_string()),
            AddError::TooMany(limited) => limited.into(),
            AddError::Backend(e) => e.into(),
        });
    // Back without `?add=self-hosted`: the form closes, the endpoint is listed.
    crate::connect::functions::back_to_the_page(added)
}

#[server(prefix = "/fn", endpoint = "providers/self-hosted/remove")]
pub async fn remove_self_hosted(id: String) -> Result<(), AppError> {
    use crate::connect::self_hosted::store as self_hosted;
    use crate::platform::AppState;
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<AppState>();
    let source = crate::identity::functions::client_source().await;
    self_hosted::remove(&app.db, &user.id, &id, source, &app.clock).await?;
    crate::connect::functions::back_to_the_page(Ok(()))
}
