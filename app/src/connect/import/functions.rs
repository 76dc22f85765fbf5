//! The import's doors: a one-time code, whether the file arrived, cancel.

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
        return Err(
            AppError::BadRequest(format!("{} credentials cannot be imported.", info.name))
                .about(provider),
        );
    }
    let started = imports::start(&app, &user.id, info)
        .await
        .map_err(|e| AppError::from(e).about(provider));
    crate::connect::functions::back_to_the_page(started)
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

/// Ends a waiting import: its code stops working. Another user's is "not found".
#[server(prefix = "/fn", endpoint = "providers/import/cancel")]
pub async fn cancel_import(id: String) -> Result<(), AppError> {
    use crate::connect::import::store as imports;
    use crate::platform::AppState;
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<AppState>();
    imports::cancel(&app, &user.id, &id).await?;
    crate::connect::functions::back_to_the_page(Ok(()))
}
