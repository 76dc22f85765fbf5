//! The provider cards' doors: every provider's status, a pasted token, test
//! and disconnect (thin typed doors into `connections`).

use leptos::prelude::*;

use crate::connect::{CredentialStatus, ProviderStatus};
use crate::errors::AppError;
use crate::providers::ProviderId;

/// Every provider, how it can be connected here, and the user's credential
/// for it; with `flow` or `import` (the page's query, after the server
/// pushed a change), that device login or import too, whatever its state.
#[server(prefix = "/fn", endpoint = "providers/status")]
pub async fn provider_statuses(
    #[server(default)] flow: Option<String>,
    #[server(default)] import: Option<String>,
) -> Result<Vec<ProviderStatus>, AppError> {
    use crate::connect::connections::{self, Shown};
    use crate::platform::AppState;
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<AppState>();
    let shown = Shown { flow, import };
    Ok(connections::statuses(&app, &user.id, &shown).await?)
}

/// After a success, sends the form back to the page it came from without
/// the query that showed a finished login or a question (`?flow=…`,
/// `?disconnect=…`). A refusal goes back with the query kept (and the
/// refusal added by the framework).
#[cfg(feature = "ssr")]
pub(crate) fn back_to_the_page<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    use crate::platform::AppState;
    let (Ok(_), Some(parts), Some(app)) = (
        &result,
        use_context::<axum::http::request::Parts>(),
        use_context::<AppState>(),
    ) else {
        return result;
    };
    let referer = parts
        .headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| url::Url::parse(v).ok());
    // Only one of our own pages (the same-origin guard refused any other post).
    if let Some(page) = referer.filter(|r| r.origin() == app.public_url.origin()) {
        leptos_axum::redirect(page.path());
    }
    result
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
    let saved = connections::save_token(&app, &user.id, info, &token, source)
        .await
        .map_err(|e| refusal(e).about(provider));
    back_to_the_page(saved)
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
    let done = connections::disconnect(&app, &user.id, info, source)
        .await
        .map_err(|e| refusal(e).about(provider));
    back_to_the_page(done)
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
        .map_err(|e| refusal(e).about(provider))
}

#[cfg(feature = "ssr")]
fn refusal(e: crate::connect::connections::Refusal) -> AppError {
    use crate::connect::connections::Refusal;
    match e {
        Refusal::Backend(e) => e.into(),
        refused => AppError::BadRequest(refused.to_string()),
    }
}
