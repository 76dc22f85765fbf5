//! Connecting AI providers: each provider's card with its connection, and the
//! ways to connect, one folder each (`device`, `import`, `self_hosted`;
//! `redirect` for the OAuth full-page login, `connections` for pasted
//! tokens, test and disconnect).

pub mod device;
pub mod functions;
pub mod import;
pub mod provider_card;
pub mod self_hosted;

#[cfg(feature = "ssr")]
pub mod connections;
#[cfg(feature = "ssr")]
pub mod proof;
#[cfg(feature = "ssr")]
pub mod redirect;

use crate::providers::ProviderId;
use serde::{Deserialize, Serialize};

use self::device::DeviceFlowView;
use self::import::ImportView;
use self::self_hosted::SelfHostedView;

crate::text_enum! {
    /// How a credential came to be (`credentials.method`): it decides what
    /// the card offers (a sign-in credential cannot be disconnected alone) and
    /// whether Relay may refresh it.
    #[derive(Serialize, Deserialize)]
    pub enum CredentialMethod {
        /// The GitHub token of "Continue with GitHub".
        #[serde(rename = "signin")]
        SignIn = "signin",
        #[serde(rename = "device")]
        Device = "device",
        #[serde(rename = "redirect")]
        Redirect = "redirect",
        #[serde(rename = "import")]
        Import = "import",
        /// Pasted by the user (browser or `relay keys add`).
        #[serde(rename = "token")]
        Token = "token",
    }
}

crate::text_enum! {
    /// Whether the provider confirmed that a credential works
    /// (`credentials.verification`; `providers::check`).
    #[derive(Serialize, Deserialize)]
    pub enum Verification {
        /// It cannot be checked here (no check for it), or it was stored
        /// before Relay checked credentials.
        #[serde(rename = "unchecked")]
        Unchecked = "unchecked",
        /// Well-formed, but the provider gave no verdict (down,
        /// rate-limited): checked again later.
        #[serde(rename = "pending")]
        Pending = "pending",
        #[serde(rename = "verified")]
        Verified = "verified",
    }
}

impl CredentialMethod {
    /// Relay holds a refresh token of its own client: it may refresh.
    pub fn refreshable(self) -> bool {
        matches!(
            self,
            CredentialMethod::SignIn | CredentialMethod::Device | CredentialMethod::Redirect
        )
    }

    /// A login the user made at the provider (it identifies their account there).
    pub fn is_login(self) -> bool {
        matches!(self, CredentialMethod::Device | CredentialMethod::Redirect)
    }

    /// Something the user handed over (a pasted key or an imported file).
    pub fn handed_over(self) -> bool {
        matches!(self, CredentialMethod::Token | CredentialMethod::Import)
    }
}

/// One provider on the providers and settings pages: what it is, how it can be
/// connected here, and the user's credential for it (never the secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderStatus {
    pub id: ProviderId,
    pub methods: Vec<crate::providers::ConnectMethod>,
    pub credential: Option<CredentialStatus>,
    /// For the self-hosted provider: the user's saved endpoints.
    pub endpoints: Vec<SelfHostedView>,
    /// A device login still waiting for the user at the provider.
    pub pending_flow: Option<DeviceFlowView>,
    /// An "Import from Local …" still waiting for its file (with its code).
    pub pending_import: Option<ImportView>,
}

impl ProviderStatus {
    /// Usable by agents now: a credential that needs no reconnect, or an endpoint.
    pub fn is_connected(&self) -> bool {
        self.credential.as_ref().is_some_and(|c| !c.needs_reconnect) || !self.endpoints.is_empty()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialStatus {
    pub account: String,
    pub method: CredentialMethod,
    pub env_var: Option<String>,
    /// "sk-ant-…Ab3d" for pasted tokens.
    pub token_hint: Option<String>,
    pub connected_at: i64,
    pub refreshed_at: i64,
    pub expires_at: Option<i64>,
    pub needs_reconnect: bool,
    pub verification: Verification,
    /// What the last check found: "12 models", "signed in as octocat".
    pub proof: Option<String>,
    pub verified_at: Option<i64>,
}
