//! The provider cards' doors: every provider's status, a pasted token, test
//! and disconnect (thin typed doors into `connections`).

use leptos::prelude::*;

use crate::connect::{CredentialStatus, ProviderStatus};
use crate::errors::AppError;
use crate::providers::ProviderId;

/// Every provider, how it can be connected here, and the user's credential for it.
#[server(prefix = "/fn", endpoint = "providers/status")]
pub async fn provider_statuses() -> Result<Vec<ProviderStatus>, AppError> {
    use crate::connect::connections;
    use crate::platform::AppState;
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<AppState>();
    Ok(connections::statuses(&app, &user.id).await?)
}

/// Stores a pasted access token after checking its shape.
#[server(prefix = "/fn", endpoint = "providers/token")]
pub async fn save_access_token(
    provider: ProviderId,
    token: String,
) -> Result<CredentialStatus, AppError> {
    use crate::connect::connections;
    use crate::platform::AppState;
    let user = crate::identity::functions::require_user().await?;
    let info = provider.info();
    let app = expect_context::<AppState>();
    let source = crate::identity::functions::client_source().await;
    let token = secrecy::SecretString::from(token);
    connections::save_token(&app, &user.id, info, &token, source)
        .await
        .map_err(refusal)
}

/// Revokes at the provider where possible, then deletes from the vault.
#[server(prefix = "/fn", endpoint = "providers/disconnect")]
pub async fn disconnect_provider(provider: ProviderId) -> Result<(), AppError> {
    use crate::connect::connections;
    use crate::platform::AppState;
    let user = crate::identity::functions::require_user().await?;
    let info = provider.info();
    let app = expect_context::<AppState>();
    let source = crate::identity::functions::client_source().await;
    connections::disconnect(&app, &user.id, info, source)
        .await
        .map_err(refusal)
}

/// Refreshes if needed, then asks the provider who the credential belongs to.
#[server(prefix = "/fn", endpoint = "providers/test")]
pub async fn test_provider(provider: ProviderId) -> Result<String, AppError> {
    use crate::connect::connections;
    use crate::platform::AppState;
    let user = crate::identity::functions::require_user().await?;
    let info = provider.info();
    let app = expect_context::<AppState>();
    let source = crate::identity::functions::client_source().await;
    connections::test(&app, &user.id, info, source)
        .await
        .map_err(refusal)
}

#[cfg(feature = "ssr")]
fn refusal(e: crate::connect::connections::Refusal) -> AppError {
    use crate::connect::connections::Refusal;
    match e {
        Refusal::Backend(e) => e.into(),
        refused => AppError::BadRequest(refused.to_string()),
    }
}
