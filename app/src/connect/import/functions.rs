//! The import's doors: a one-time code, and whether the file arrived.

use leptos::prelude::*;

use crate::connect::import::ImportView;
use crate::errors::AppError;
use crate::providers::ProviderId;

/// A one-time code for sending a credential file from the user's machine.
#[server(prefix = "/fn", endpoint = "providers/import/start")]
pub async fn start_import(provider: ProviderId) -> Result<ImportView, AppError> {
    use crate::connect::import::store as imports;
    use crate::platform::AppState;
    let user = crate::identity::functions::require_user().await?;
    let info = provider.info();
    let app = expect_context::<AppState>();
    if !imports::supported(&app, info) {
        return Err(AppError::BadRequest(format!(
            "{} credentials cannot be imported.",
            info.name
        )));
    }
    Ok(imports::start(&app, &user.id, info).await?)
}

/// Whether the import arrived. Another user's import is "not found".
#[server(prefix = "/fn", endpoint = "providers/import/status")]
pub async fn import_status(id: String) -> Result<ImportView, AppError> {
    use crate::connect::import::store as imports;
    use crate::platform::AppState;
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<AppState>();
    imports::status(&app.db, &user.id, &id, &app.clock)
        .await?
        .ok_or_else(|| AppError::BadRequest("This import is not known; start again.".to_owned()))
}
