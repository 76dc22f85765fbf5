//! Connecting providers: thin typed doors into `backend::connections` and
//! `backend::device_flows`.

use leptos::prelude::*;

use crate::errors::AppError;
use crate::models::{AuditEntry, CredentialStatus, DeviceFlowView, ImportView, ProviderStatus};
use crate::providers::ProviderId;

/// Every provider, how it can be connected here, and the user's credential for it.
#[server(prefix = "/fn", endpoint = "providers/status")]
pub async fn provider_statuses() -> Result<Vec<ProviderStatus>, AppError> {
    use crate::backend::{connections, AppState};
    let user = super::account::require_user().await?;
    let app = expect_context::<AppState>();
    Ok(connections::statuses(&app, &user.id).await?)
}

/// Requests a device code from the provider; the server polls from then on.
#[server(prefix = "/fn", endpoint = "providers/device/start")]
pub async fn start_device_flow(provider: ProviderId) -> Result<DeviceFlowView, AppError> {
    use crate::backend::device_flows::{self, StartError};
    use crate::backend::AppState;
    let user = super::account::require_user().await?;
    let info = provider.info();
    let app = expect_context::<AppState>();
    let source = super::account::client_source().await;
    device_flows::start(&app, &user.id, info, source)
        .await
        .map_err(|e| match e {
            StartError::Backend(e) => e.into(),
            StartError::Rejected { provider, code } if code == "device_flow_disabled" => {
                AppError::BadRequest(format!(
                    "{provider} has device login turned off for this app. Use another way to connect."
                ))
            }
            StartError::Unavailable(provider) => AppError::BadRequest(format!(
                "{provider} is not answering right now. Try again in a moment."
            )),
            other => AppError::BadRequest(format!("{other}.")),
        })
}

/// Where the user's device flow stands. Another user's flow is "not found".
#[server(prefix = "/fn", endpoint = "providers/device/status")]
pub async fn device_flow_status(id: String) -> Result<DeviceFlowView, AppError> {
    use crate::backend::{device_flows, AppState};
    let user = super::account::require_user().await?;
    let app = expect_context::<AppState>();
    device_flows::find(&app.db, &user.id, &id)
        .await?
        .ok_or_else(|| AppError::BadRequest("This login is not known; start again.".to_owned()))
}

#[server(prefix = "/fn", endpoint = "providers/device/cancel")]
pub async fn cancel_device_flow(id: String) -> Result<(), AppError> {
    use crate::backend::{device_flows, AppState};
    let user = super::account::require_user().await?;
    let app = expect_context::<AppState>();
    device_flows::cancel(&app.db, &user.id, &id).await?;
    Ok(())
}

/// A one-time code for sending a credential file from the user's machine.
#[server(prefix = "/fn", endpoint = "providers/import/start")]
pub async fn start_import(provider: ProviderId) -> Result<ImportView, AppError> {
    use crate::backend::{imports, AppState};
    let user = super::account::require_user().await?;
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
    use crate::backend::{imports, AppState};
    let user = super::account::require_user().await?;
    let app = expect_context::<AppState>();
    imports::status(&app.db, &user.id, &id)
        .await?
        .ok_or_else(|| AppError::BadRequest("This import is not known; start again.".to_owned()))
}

/// Stores a pasted access token after checking its shape.
#[server(prefix = "/fn", endpoint = "providers/token")]
pub async fn save_access_token(
    provider: ProviderId,
    token: String,
) -> Result<CredentialStatus, AppError> {
    use crate::backend::{connections, AppState};
    let user = super::account::require_user().await?;
    let info = provider.info();
    let app = expect_context::<AppState>();
    let source = super::account::client_source().await;
    let token = secrecy::SecretString::from(token);
    connections::save_token(&app, &user.id, info, &token, source)
        .await
        .map_err(refusal)
}

/// Revokes at the provider where possible, then deletes from the vault.
#[server(prefix = "/fn", endpoint = "providers/disconnect")]
pub async fn disconnect_provider(provider: ProviderId) -> Result<(), AppError> {
    use crate::backend::{connections, AppState};
    let user = super::account::require_user().await?;
    let info = provider.info();
    let app = expect_context::<AppState>();
    let source = super::account::client_source().await;
    connections::disconnect(&app, &user.id, info, source)
        .await
        .map_err(refusal)
}

/// Refreshes if needed, then asks the provider who the credential belongs to.
#[server(prefix = "/fn", endpoint = "providers/test")]
pub async fn test_provider(provider: ProviderId) -> Result<String, AppError> {
    use crate::backend::{connections, AppState};
    let user = super::account::require_user().await?;
    let info = provider.info();
    let app = expect_context::<AppState>();
    let source = super::account::client_source().await;
    connections::test(&app, &user.id, info, source)
        .await
        .map_err(refusal)
}

/// The user's latest audit entries.
#[server(prefix = "/fn", endpoint = "providers/audit")]
pub async fn recent_activity() -> Result<Vec<AuditEntry>, AppError> {
    use crate::backend::{audit, AppState};
    let user = super::account::require_user().await?;
    let app = expect_context::<AppState>();
    Ok(audit::latest(&app.db, &user.id, 20).await?)
}

#[cfg(feature = "ssr")]
fn refusal(e: crate::backend::connections::Refusal) -> AppError {
    use crate::backend::connections::Refusal;
    match e {
        Refusal::Invalid(message) => AppError::BadRequest(message),
        Refusal::Backend(e) => e.into(),
    }
}

/// Validates, probes and saves a self-hosted endpoint.
#[server(prefix = "/fn", endpoint = "providers/self-hosted/add")]
pub async fn add_self_hosted(
    name: String,
    url: String,
) -> Result<crate::models::SelfHostedView, AppError> {
    use crate::backend::self_hosted::{self, AddError};
    use crate::backend::AppState;
    let user = super::account::require_user().await?;
    let app = expect_context::<AppState>();
    let source = super::account::client_source().await;
    self_hosted::add(&app.db, &user.id, &name, &url, source)
        .await
        .map_err(|e| match e {
            AddError::Invalid(message) => AppError::BadRequest(message),
            AddError::Backend(e) => e.into(),
        })
}

#[server(prefix = "/fn", endpoint = "providers/self-hosted/remove")]
pub async fn remove_self_hosted(id: String) -> Result<(), AppError> {
    use crate::backend::{self_hosted, AppState};
    let user = super::account::require_user().await?;
    let app = expect_context::<AppState>();
    let source = super::account::client_source().await;
    self_hosted::remove(&app.db, &user.id, &id, source).await?;
    Ok(())
}
