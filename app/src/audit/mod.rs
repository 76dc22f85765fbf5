//! The audit log: who did what to which credential, when and from where;
//! the settings page shows the latest entries.

pub mod functions;
#[cfg(feature = "ssr")]
pub mod log;

use crate::providers::ProviderId;
use serde::{Deserialize, Serialize};

crate::text_enum! {
    /// What the audit log records (`audit_log.action`).
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum AuditAction {
        Connect = "connect",
        ConnectFailed = "connect_failed",
        Refresh = "refresh",
        RefreshFailed = "refresh_failed",
        Disconnect = "disconnect",
        Test = "test",
        Import = "import",
        ImportFailed = "import_failed",
        TeamCreated = "team_created",
        CliLogin = "cli_login",
        CliLoginRefused = "cli_login_refused",
        CredentialFetched = "credential_fetched",
        /// The provider refused a credential Relay holds (401/403).
        NeedsReconnect = "needs_reconnect",
        /// A credential stored "not yet verified" was proven later.
        Verified = "verified",
    }
}

/// One line of the audit log, as the settings page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub action: AuditAction,
    /// `None` for what concerns no provider (a terminal's sign-in).
    pub provider: Option<ProviderId>,
    pub detail: String,
    pub source: String,
    /// Unix seconds.
    pub at: i64,
}
