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
    /// A code this client does not know yet (a newer server).
    #[serde(other)]
    Unknown,
}

/// `POST /cli/poll`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PollRequest {
    pub state: String,
    pub code_verifier: String,
}

/// What `POST /cli/poll` answers with 200 (refusals are an `ErrorBody`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

#[cfg(test)]
mod tests {
    use super::*;

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
