//! The audit log's door: the latest entries of the signed-in user.

use leptos::prelude::*;

use crate::audit::AuditEntry;
use crate::errors::AppError;

/// The user's latest audit entries.
#[server(prefix = "/fn", endpoint = "providers/audit")]
pub async fn recent_activity() -> Result<Vec<AuditEntry>, AppError> {
    use crate::audit::log as audit;
    use crate::platform::AppState;
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<AppState>();
    Ok(audit::latest(&app.db, &user.id, 20).await?)
}
