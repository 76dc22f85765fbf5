//! The JSON that the `relay` CLI and the server's plain routes exchange.
//! Clients branch on `ErrorCode`, never on a message.

use serde::{Deserialize, Serialize};

/// Every refusal of a plain JSON route:
/// `{"error": "<code>", "message": "<sentence>"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorCode,
    /// For people: what happened and what to do.
    pub message: String,
    /// With `slow_down`: the seconds to wait between polls from now on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<u64>,
}

/// Why a request was refused, stable across releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The body or a header is missing or malformed.
    BadRequest,
    /// No session, or one that was logged out or is not valid here.
    NotSignedIn,
    TokenExpired,
    UnknownProvider,
    /// A key of the wrong shape or provider.
    InvalidKey,
    /// `DELETE /api/keys/…` of a provider connected by a login.
    NotAKey,
    NoKey,
    NotConnected,
    /// The provider refused to renew the credential.
    NeedsReconnect,
    ProviderUnavailable,
    /// Refused for a reason the message gives.
    Refused,
    /// `POST /api/credentials/import` without its one-time code.
    MissingCode,
    UnknownCode,
    UsedCode,
    ExpiredCode,
    /// The imported file is not what it should be.
    BadFile,
    /// `POST /cli/poll` faster than the interval.
    SlowDown,
    /// Over a rate limit; `Retry-After` says when to try again.
    TooManyRequests,
    /// The PKCE verifier does not match the login's challenge.
    WrongVerifier,
    /// The terminal's login expired.
    Expired,
    /// Cancelled at the provider or in the browser.
    Denied,
    /// Nobody here connected the provider account that signed in.
    NoAccount,
    /// The provider login failed (the message says how).
    LoginFailed,
    /// The session token was handed out already.
    Used,
    Internal,
    /// Relay's database is not answering for a moment: retry later.
    Unavailable,
    /// A code this client does not know yet (a newer server).
    #[serde(other)]
    Unknown,
}

/// `POST /cli/poll`.
#[derive(Clone, Serialize, Deserialize)]
pub struct PollRequest {
    pub state: String,
    pub code_verifier: String,
}

/// What `POST /cli/poll` answers with 200 (refusals are an `ErrorBody`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum PollAnswer {
    /// Not signed in yet: poll again after `interval` seconds.
    Pending { interval: u64 },
    /// Signed in; this answer is given once.
    Ok {
        session_jwt: String,
        /// Seconds.
        expires_in: i64,
        login: String,
    },
}

/// `GET /cli/providers`: the providers `relay auth` can sign in with here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CliProviders {
    pub providers: Vec<String>,
    /// Seconds between polls of `/cli/poll`.
    pub interval: i64,
}

/// `GET /api/me`: who the session token belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: String,
    pub login: String,
    pub name: Option<String>,
    pub email: Option<String>,
    /// The connected providers' ids.
    pub providers: Vec<String>,
    /// Unix seconds.
    pub session_expires_at: i64,
}

/// `POST /api/logout`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedOut {
    pub ok: bool,
}

/// `GET /api/keys`: the pasted keys, masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keys {
    pub keys: Vec<StoredKey>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredKey {
    pub provider: String,
    /// "sk-ant-api…Ab3d": never the key.
    pub hint: Option<String>,
    pub env_var: Option<String>,
    /// Unix seconds.
    pub added_at: i64,
    /// "verified", "pending" (the provider gave no verdict yet) or "unchecked".
    #[serde(default)]
    pub verification: String,
    /// The provider refused it since: it must be replaced.
    #[serde(default)]
    pub needs_reconnect: bool,
}

/// `POST /api/keys`: a key to check and vault.
#[derive(Clone, Serialize, Deserialize)]
pub struct NewKey {
    pub provider: String,
    pub key: String,
}

/// The answer to `POST /api/keys`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedKey {
    pub provider: String,
    pub hint: Option<String>,
    pub env_var: Option<String>,
    /// What the key was recognised as: "API key", "OAuth token (claude setup-token)".
    pub kind: String,
    /// "verified" (the provider's check accepted it), "pending" (the
    /// provider gave no verdict: checked again later) or "unchecked".
    #[serde(default)]
    pub verification: String,
    /// What the check found: "12 models".
    #[serde(default)]
    pub proof: Option<String>,
}

/// `DELETE /api/keys/{provider}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deleted {
    pub deleted: String,
}

/// `GET /api/credentials/{provider}`: a fresh credential, as the environment
/// its agent CLI reads.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub provider: String,
    /// Variable name → secret value.
    pub env: std::collections::BTreeMap<String, String>,
    /// Unix seconds, when the provider said.
    pub expires_at: Option<i64>,
}

/// `POST /api/credentials/import`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imported {
    pub ok: bool,
    pub provider: String,
    pub account: String,
}

// Secrets stay out of `Debug`: these may end up in a log line or a panic.
impl std::fmt::Debug for PollRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PollRequest")
            .field("state", &self.state)
            .field("code_verifier", &"[redacted]")
            .finish()
    }
}

impl std::fmt::Debug for PollAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PollAnswer::Pending { interval } => f
                .debug_struct("Pending")
                .field("interval", interval)
                .finish(),
            PollAnswer::Ok {
                expires_in, login, ..
            } => f
                .debug_struct("Ok")
                .field("session_jwt", &"[redacted]")
                .field("expires_in", expires_in)
                .field("login", login)
                .finish(),
        }
    }
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("provider", &self.provider)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("provider", &self.provider)
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_secret() {
        let shown = format!(
            "{:?} {:?} {:?} {:?}",
            PollRequest {
                state: "st".into(),
                code_verifier: "verifier-secret".into()
            },
            PollAnswer::Ok {
                session_jwt: "jwt-secret".into(),
                expires_in: 3600,
                login: "ada".into()
            },
            NewKey {
                provider: "openai".into(),
                key: "sk-key-secret".into()
            },
            Credential {
                provider: "openai".into(),
                env: [("OPENAI_API_KEY".to_owned(), "sk-token-secret".to_owned())].into(),
                expires_at: None
            },
        );
        assert!(!shown.contains("secret"), "{shown}");
        assert!(shown.contains("OPENAI_API_KEY"), "{shown}");
    }

    #[test]
    fn codes_are_snake_case_and_unknown_ones_are_tolerated() {
        let body = ErrorBody {
            error: ErrorCode::SlowDown,
            message: "Poll at most every 2 seconds.".to_owned(),
            interval: Some(7),
        };
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(
            json,
            r#"{"error":"slow_down","message":"Poll at most every 2 seconds.","interval":7}"#
        );
        let newer: ErrorBody =
            serde_json::from_str(r#"{"error":"quota_exceeded","message":"Later."}"#).unwrap();
        assert_eq!(newer.error, ErrorCode::Unknown);
        let pending: PollAnswer =
            serde_json::from_str(r#"{"status":"pending","interval":2}"#).unwrap();
        assert_eq!(pending, PollAnswer::Pending { interval: 2 });
    }
}

/// `POST /api/connect/{provider}/device` and `GET /api/connect/device/{id}`:
/// a device login started from a terminal (`relay connect <provider>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceLogin {
    pub id: String,
    pub provider: String,
    /// The code the user types at the provider.
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    /// Seconds left when the server answered.
    pub expires_in: i64,
    /// "pending", "connected", "expired", "denied", "failed" or "cancelled".
    pub state: String,
    /// For "connected": who the credential belongs to.
    pub account: Option<String>,
    /// For "failed": the provider's error code.
    pub failure: Option<String>,
}
