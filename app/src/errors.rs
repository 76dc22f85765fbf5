//! The error type of every server function: what a user may see, nothing more.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use leptos::server_fn::{Bytes, Encodes};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in to continue.")]
    NotSignedIn,
    #[error("{0}")]
    BadRequest(String),
    /// The request needs a provider the user has not connected (its id);
    /// pages offer a link to connect it.
    #[error("{}", crate::providers::connect_first(*.0))]
    NeedsProvider(crate::providers::ProviderId),
    /// Details are logged on the server; the browser gets this sentence only.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The database is not answering for a moment (nothing was changed).
    #[error("Relay is briefly unavailable. Nothing was changed; please try again in a moment.")]
    Unavailable,
    /// Over a rate limit: the message says when to try again.
    #[error("{message}")]
    TooMany {
        message: String,
        retry_after_secs: i64,
    },
    #[error("Could not reach the server: {0}")]
    Transport(String),
    /// A refusal of something done to one provider (a pasted token, a
    /// login, a disconnect): without JavaScript the page comes back with
    /// the error in its URL, and only that provider's card shows it.
    #[error("{1}")]
    Provider(crate::providers::ProviderId, Box<AppError>),
}

impl AppError {
    /// The HTTP status a refused call answers with, so logs, monitoring and
    /// scripts can tell a user's mistake from a fault.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotSignedIn => 401,
            AppError::BadRequest(_) | AppError::NeedsProvider(_) => 400,
            AppError::Internal | AppError::Transport(_) => 500,
            AppError::Unavailable => 503,
            AppError::TooMany { .. } => 429,
            AppError::Provider(_, error) => error.status(),
        }
    }

    /// This error, as a refusal of something done to `provider`.
    pub fn about(self, provider: crate::providers::ProviderId) -> Self {
        match self {
            AppError::Provider(..) => self,
            other => AppError::Provider(provider, Box::new(other)),
        }
    }

    /// Whether this is a refusal of something done to `provider`.
    pub fn is_about(&self, provider: crate::providers::ProviderId) -> bool {
        matches!(self, AppError::Provider(p, _) if *p == provider)
    }

    /// The seconds to wait, for an error over a rate limit.
    #[cfg(feature = "ssr")]
    fn retry_after_secs(&self) -> Option<i64> {
        match self {
            AppError::TooMany {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            AppError::Provider(_, error) => error.retry_after_secs(),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => {
                AppError::BadRequest(msg)
            }
            other => AppError::Transport(other.to_string()),
        }
    }

    /// Encodes the error for the browser; on the server, this is where a
    /// refused call gets its status (the framework would answer 500).
    fn ser(&self) -> Bytes {
        #[cfg(feature = "ssr")]
        crate::platform::refused_with(self.status(), self.retry_after_secs());
        <JsonEncoding as Encodes<AppError>>::encode(self)
            .unwrap_or_else(|_| Bytes::from_static(br#""Internal""#))
    }
}

#[cfg(feature = "ssr")]
impl From<crate::platform::Error> for AppError {
    fn from(e: crate::platform::Error) -> Self {
        if e.is_unavailable() {
            tracing::warn!(error = %e, "server function failed: the database is unavailable");
            return AppError::Unavailable;
        }
        tracing::error!(error = %e, "server function failed");
        AppError::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<crate::platform::rate_limits::Limited> for AppError {
    fn from(limited: crate::platform::rate_limits::Limited) -> Self {
        use crate::platform::rate_limits::Limited;
        match limited {
            Limited::Over { retry_after_secs } => AppError::TooMany {
                message: limited.to_string(),
                retry_after_secs,
            },
            Limited::Backend(e) => e.into(),
        }
    }
}

impl From<crate::teams::Refusal> for AppError {
    fn from(refusal: crate::teams::Refusal) -> Self {
        match refusal {
            crate::teams::Refusal::Invalid(message) => AppError::BadRequest(message),
            crate::teams::Refusal::NeedsProvider(id) => AppError::NeedsProvider(id),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::repositories::choice::Refusal> for AppError {
    fn from(refusal: crate::repositories::choice::Refusal) -> Self {
        match refusal {
            crate::repositories::choice::Refusal::Backend(e) => e.into(),
            refused => AppError::BadRequest(refused.to_string()),
        }
    }
}
