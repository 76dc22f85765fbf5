//! Typed models shared by the server and the browser.

use serde::{Deserialize, Serialize};

use crate::providers::ProviderId;

/// A step of the onboarding wizard, in order. "Sign up" precedes them all and
/// is done by the time a user can see the wizard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Step {
    Repositories,
    Providers,
    Team,
    Ready,
}

impl Step {
    pub const ALL: [Step; 4] = [Step::Repositories, Step::Providers, Step::Team, Step::Ready];

    /// The URL segment and the value stored in `users.onboarding_step`.
    pub fn slug(self) -> &'static str {
        match self {
            Step::Repositories => "repositories",
            Step::Providers => "providers",
            Step::Team => "team",
            Step::Ready => "ready",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.slug() == slug)
    }

    /// The short name in the step indicator.
    pub fn label(self) -> &'static str {
        match self {
            Step::Repositories => "Repositories",
            Step::Providers => "Providers",
            Step::Team => "Team",
            Step::Ready => "Ready",
        }
    }

    /// The page heading, as in the design sketches.
    pub fn heading(self) -> &'static str {
        match self {
            Step::Repositories => "Select Repositories",
            Step::Providers => "Connect Your AI Providers",
            Step::Team => "Create Your First Agent Team",
            Step::Ready => "You're all set!",
        }
    }

    pub fn path(self) -> String {
        format!("/onboarding/{}", self.slug())
    }

    pub fn index(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    pub fn next(self) -> Option<Step> {
        Step::ALL.get(self.index() + 1).copied()
    }

    pub fn previous(self) -> Option<Step> {
        self.index().checked_sub(1).map(|i| Step::ALL[i])
    }
}

/// Where a user stands in onboarding, as stored server-side
/// (`users.onboarding_step`: a step's slug, or "completed").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Progress {
    At(Step),
    Completed,
}

impl Progress {
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::At(step) => step.slug(),
            Progress::Completed => "completed",
        }
    }

    /// Where a signed-in user should land.
    pub fn home_path(self) -> String {
        match self {
            Progress::At(step) => step.path(),
            Progress::Completed => "/dashboard".to_owned(),
        }
    }
}

impl std::str::FromStr for Progress {
    type Err = crate::text_column::UnknownValue;

    fn from_str(value: &str) -> Result<Progress, Self::Err> {
        match value {
            "completed" => Ok(Progress::Completed),
            other => Step::from_slug(other).map(Progress::At).ok_or_else(|| {
                crate::text_column::UnknownValue {
                    of: "Progress",
                    value: other.chars().take(40).collect(),
                }
            }),
        }
    }
}

#[cfg(feature = "ssr")]
crate::text_column!(Progress);

/// The signed-in user, as the UI sees them. Holds no secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub login: String,
    pub name: Option<String>,
    pub avatar_url: Option<String>,
    pub progress: Progress,
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
            LoginFailure::Internal => "The error was logged. Nothing was changed; please try again.",
        }
    }
}

crate::text_enum! {
    /// Where a device flow stands: `Pending` until the provider, the clock or
    /// the user ends it (`device_flows.status`).
    #[derive(Serialize, Deserialize)]
    pub enum DeviceFlowState {
        Pending = "pending",
        Connected = "connected",
        Expired = "expired",
        Denied = "denied",
        Failed = "failed",
        Cancelled = "cancelled",
    }
}

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
    }
}

crate::text_enum! {
    /// What answered a self-hosted endpoint's probe (`self_hosted_endpoints.kind`).
    #[derive(Serialize, Deserialize)]
    pub enum EndpointKind {
        #[serde(rename = "ollama")]
        Ollama = "ollama",
        /// An OpenAI-compatible `/v1/models`.
        #[serde(rename = "openai")]
        OpenAi = "openai",
        #[serde(rename = "unknown")]
        Unknown = "unknown",
    }
}

/// A device flow as its owner's browser sees it (the device code never leaves the server).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceFlowView {
    pub id: String,
    pub provider: ProviderId,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    /// Seconds left when the server answered; the browser counts down from its own clock.
    pub expires_in: i64,
    pub state: DeviceFlowState,
    /// For `Failed`: the provider's error code.
    pub failure: Option<String>,
    /// For `Connected`: who the credential belongs to.
    pub account: Option<String>,
    /// The verification link as a QR code (SVG drawn by the server).
    pub qr_svg: String,
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

/// Where an "Import from Local Claude" stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportState {
    Waiting,
    Imported,
    Expired,
}

/// An import as its owner's page sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportView {
    pub id: String,
    pub provider: ProviderId,
    /// The one-time code: only in the answer that created it.
    pub code: Option<String>,
    pub expires_in: i64,
    pub state: ImportState,
    pub account: Option<String>,
}

/// A self-hosted model server the user added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfHostedView {
    pub id: String,
    pub name: String,
    pub url: String,
    pub kind: EndpointKind,
    pub models: Option<i64>,
    pub reachable: bool,
    pub checked_at: i64,
}

impl SelfHostedView {
    /// What the probe found, in words.
    pub fn summary(&self) -> String {
        match (self.reachable, self.kind, self.models) {
            (false, _, _) => "Not reachable from Relay right now".to_owned(),
            (true, EndpointKind::Ollama, Some(n)) => format!("✓ Ollama · {n} models"),
            (true, EndpointKind::OpenAi, Some(n)) => format!("✓ OpenAI-compatible · {n} models"),
            _ => "Answered, but not as Ollama or an OpenAI-compatible server".to_owned(),
        }
    }
}

/// A GitHub repository on "Select Repositories".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoView {
    /// GitHub's id, stable across renames.
    pub id: i64,
    pub full_name: String,
    pub private: bool,
    pub stars: i64,
    pub default_branch: String,
    pub description: Option<String>,
    /// Unix seconds.
    pub updated_at: i64,
    /// "Updated 2 hours ago", as of the listing.
    pub updated_ago: String,
}

/// The user's repositories and which of them are chosen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoListing {
    pub repos: Vec<RepoView>,
    pub selected: Vec<i64>,
}

/// A repository the user chose, as the dashboard and the ready page show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenRepo {
    pub id: i64,
    pub full_name: String,
    pub private: bool,
    pub stars: i64,
    pub default_branch: String,
    /// What the default branch holds for agents ("3 agents in .claude/agents/").
    pub agent_config: Option<String>,
    /// Whether the lookup ended (false while looking).
    pub config_checked: bool,
    /// Why the lookup failed, if it did.
    pub config_error: Option<String>,
}

/// A `pull_request` or `issues` event GitHub sent for a chosen repository.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoEvent {
    pub repository: String,
    pub event: String,
    pub action: String,
    pub number: i64,
    pub title: String,
    pub sender: String,
    /// Unix seconds, when Relay received it.
    pub at: i64,
}

/// Everything the dashboard and the ready page summarise.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    pub repositories: Vec<ChosenRepo>,
    /// The providers the user has connected, in the registry's order.
    pub providers: Vec<ProviderId>,
    pub teams: Vec<crate::teams::TeamView>,
    pub events: Vec<RepoEvent>,
    /// Where the dashboard lives.
    pub dashboard_url: String,
    /// Where GitHub should send the repositories' webhooks.
    pub webhook_url: String,
}
