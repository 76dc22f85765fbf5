//! Who the user is: "Continue with GitHub" (sign-up and sign-in), the users
//! table, the browser session, and why a provider login failed.

#[cfg(feature = "ssr")]
pub mod deletion;
pub mod functions;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod signin;
#[cfg(feature = "ssr")]
pub mod users;

use serde::{Deserialize, Serialize};

use crate::onboarding::Progress;

/// The signed-in user, as the UI sees them. Holds no secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub login: String,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
    pub progress: Progress,
    /// Terminals (`relay` CLI) signed in as this user right now.
    #[serde(default)]
    pub terminals: u32,
}

impl CurrentUser {
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .filter(|n| !n.is_empty())
            .unwrap_or(&self.login)
    }
}

crate::text_enum! {
    /// Why a provider login (sign-in or connect) failed; shown on `/signin/failed`.
    /// The slug travels in the URL, the message is fixed here, so nothing a
    /// provider or an attacker sends is ever echoed to the page.
    #[derive(Serialize, Deserialize)]
    pub enum LoginFailure {
        Denied = "denied",
        StateMismatch = "state_mismatch",
        StateExpired = "state_expired",
        StateUsed = "state_used",
        ProviderError = "provider_error",
        ProviderUnavailable = "provider_unavailable",
        UnknownProvider = "unknown_provider",
        /// A connect asked to return somewhere off this site.
        BadReturn = "bad_return",
        /// The provider did not say which account signed in (no `sub`).
        NoSubject = "no_subject",
        /// RFC 9207: the answer's `iss` named another server, or none where
        /// the provider promises to name itself (a mix-up attack).
        WrongIssuer = "wrong_issuer",
        Internal = "internal",
    }
}

impl LoginFailure {
    /// The failure a URL names; anything else reads as `Internal`.
    pub fn from_slug(slug: &str) -> LoginFailure {
        slug.parse().unwrap_or(LoginFailure::Internal)
    }

    /// The page title; `provider` names who answered ("GitHub", "Google").
    pub fn title(self, provider: &str) -> String {
        match self {
            LoginFailure::Denied => "Sign-in was cancelled".to_owned(),
            LoginFailure::StateExpired => "This sign-in link has expired".to_owned(),
            LoginFailure::StateUsed => "This sign-in link was already used".to_owned(),
            LoginFailure::StateMismatch => "We couldn't verify this sign-in".to_owned(),
            LoginFailure::ProviderError => format!("{provider} rejected the sign-in"),
            LoginFailure::ProviderUnavailable => format!("{provider} is not answering"),
            LoginFailure::UnknownProvider => "Unknown provider".to_owned(),
            LoginFailure::BadReturn => "That return address is not on this site".to_owned(),
            LoginFailure::NoSubject => format!("{provider} did not say who signed in"),
            LoginFailure::WrongIssuer => format!("This answer did not come from {provider}"),
            LoginFailure::Internal => "Something went wrong on our side".to_owned(),
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            LoginFailure::Denied => "You chose not to authorize Agent Relay Cloud, so nothing was changed. You can start again whenever you like.",
            LoginFailure::StateExpired => "Sign-in links are valid for 10 minutes. Start again to get a fresh one.",
            LoginFailure::StateUsed => "Each sign-in link works once. If you pressed Back or reloaded the page, start again.",
            LoginFailure::StateMismatch => "The sign-in response did not match a sign-in started in this browser. For your safety it was ignored.",
            LoginFailure::ProviderError => "The provider did not accept the authorization code. Start again; if it keeps happening, contact support.",
            LoginFailure::ProviderUnavailable => "The provider timed out or answered with an error. Nothing was changed; try again in a moment.",
            LoginFailure::UnknownProvider => "That provider is not configured on this server, or cannot be connected this way.",
            LoginFailure::BadReturn => "For your safety, a login only returns to a page of Agent Relay Cloud. Nothing was changed.",
            LoginFailure::NoSubject => "Its answer had no account id (OpenID “sub”), and a name or email alone cannot prove whose account it is. Nothing was changed.",
            LoginFailure::WrongIssuer => "It named another server as its issuer (or none, where the provider always names itself), so it may have been passed on by someone else. For your safety it was ignored. Nothing was changed.",
            LoginFailure::Internal => "The error was logged. Nothing was changed; please try again.",
        }
    }
}
