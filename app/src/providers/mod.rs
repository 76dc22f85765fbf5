//! What each AI provider is: the static half of the provider registry, shared
//! by the server and the browser. How Relay reaches a provider on this server
//! (endpoints, client ids) is the other half, in `registry`.
//!
//! Provider differences are data here, never `if provider == …` elsewhere.
//! The `ssr` modules beside it talk to providers: the OAuth client, pending
//! logins (`oauth_states`), the one callback's checks and `userinfo`.

#[cfg(feature = "ssr")]
pub mod callback;
#[cfg(feature = "ssr")]
pub mod check;
#[cfg(feature = "ssr")]
pub mod oauth;
#[cfg(feature = "ssr")]
pub mod oauth_states;
#[cfg(feature = "ssr")]
pub mod registry;
#[cfg(feature = "ssr")]
pub mod userinfo;

use serde::{Deserialize, Serialize};

/// A way of connecting a provider. Which ones a provider offers depends on
/// what is configured (`registry`), except the ones that need nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ConnectMethod {
    /// RFC 8628: the user types a code at the provider; Relay polls.
    DeviceCode,
    /// Authorization code + PKCE, full-page redirect and back.
    Redirect,
    /// A credential file from the user's own machine, sent with a one-time code.
    Import,
    /// An API key or token pasted by the user.
    AccessToken,
    /// A self-hosted model server, reached at a URL.
    Endpoint,
}

/// A recognised shape of pasted credential and where an agent CLI expects it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenShape {
    pub prefix: &'static str,
    /// What the user pasted, in their words: "API key", "OAuth token", …
    pub kind: &'static str,
    pub env_var: &'static str,
    /// How the provider's check takes it.
    pub sent_as: SentAs,
}

/// How a credential is presented to the provider's check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SentAs {
    /// In the check's key header (`x-api-key`), else as a bearer token.
    Key,
    /// `Authorization: Bearer`, as OAuth tokens are.
    Bearer,
}

/// How Relay proves a credential works before calling it connected: one
/// read-only request to the provider (its model list, or who the token is).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Check {
    /// The provider's public endpoint (`RELAY_<PROVIDER>_CHECK_URL` overrides it).
    pub url: &'static str,
    /// The header an API key goes in; `None`: API keys go as a bearer token.
    pub key_header: Option<&'static str>,
    /// Sent with every check.
    pub headers: &'static [(&'static str, &'static str)],
    /// Sent with a bearer (OAuth) token only.
    pub bearer_headers: &'static [(&'static str, &'static str)],
    pub finds: Finds,
}

/// How a provider takes back a grant when a credential is disconnected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revocation {
    /// RFC 7009 at the revocation endpoint (the refresh token, which ends
    /// the grant, else the access token); nothing without an endpoint.
    Rfc7009,
    /// GitHub's `DELETE /applications/{client_id}/grant` on its REST API,
    /// the app authenticated with its secret, the access token in the body.
    GitHubGrant,
}

/// What a good answer to a check holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finds {
    /// A list of models, the array under this field: "Works: 12 models".
    Models { list: &'static str },
    /// The account the token belongs to (GitHub's `/user`).
    Account,
}

/// Endpoints a real provider publishes; used when the operator configures a
/// client id without overriding them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicEndpoints {
    pub auth_url: Option<&'static str>,
    pub token_url: Option<&'static str>,
    pub device_url: Option<&'static str>,
    pub userinfo_url: Option<&'static str>,
    pub revoke_url: Option<&'static str>,
    /// A REST API root (GitHub's, for `/user` and `/user/repos`).
    pub api_url: Option<&'static str>,
}

impl PublicEndpoints {
    pub const NONE: PublicEndpoints = PublicEndpoints {
        auth_url: None,
        token_url: None,
        device_url: None,
        userinfo_url: None,
        revoke_url: None,
        api_url: None,
    };
}

/// A provider's id, parsed once at the edge (a URL, a form, a row): only the
/// ids of the catalog below exist, so code past the edge never meets an
/// unknown provider.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderId(&'static str);

impl ProviderId {
    /// The catalog's id for `id`, if there is one.
    pub fn parse(id: &str) -> Option<ProviderId> {
        NAMES
            .into_iter()
            .map(|(known, _)| known)
            .find(|known| known.0 == id)
    }

    /// The company, as in "Login with Anthropic".
    pub fn name(self) -> &'static str {
        NAMES
            .into_iter()
            .find(|(known, _)| *known == self)
            .map_or(self.0, |(_, name)| name)
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }

    pub fn info(self) -> &'static ProviderInfo {
        ALL.into_iter()
            .find(|p| p.id == self)
            .expect("a ProviderId only comes from the catalog")
    }
}

impl std::fmt::Display for ProviderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::fmt::Debug for ProviderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// An id that is not in the catalog; says which, shortened.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Unknown provider “{0}”.")]
pub struct UnknownProvider(pub String);

impl UnknownProvider {
    pub fn new(id: &str) -> UnknownProvider {
        UnknownProvider(id.chars().take(40).collect())
    }
}

impl std::str::FromStr for ProviderId {
    type Err = UnknownProvider;

    fn from_str(id: &str) -> Result<ProviderId, UnknownProvider> {
        ProviderId::parse(id).ok_or_else(|| UnknownProvider::new(id))
    }
}

impl Serialize for ProviderId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for ProviderId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<ProviderId, D::Error> {
        let id = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        id.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(feature = "ssr")]
crate::text_column!(ProviderId);

/// What Relay holds for a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderKind {
    /// A company's credentials, sealed in the vault and handed to agents.
    Credentials,
    /// Model servers the user runs; Relay keeps their addresses, no secret.
    SelfHosted,
}

/// Everything Relay knows about one provider, whatever the configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderInfo {
    pub id: ProviderId,
    /// The company, as in "Login with Anthropic" and "Open Anthropic →".
    pub name: &'static str,
    /// The card's heading.
    pub title: &'static str,
    /// What the user knows it as: "Claude Code", "Codex, ChatGPT".
    pub products: &'static str,
    /// "Connect Claude Code": the agent being connected.
    pub agent: &'static str,
    /// The shortest name, in lists: "Claude", "Codex".
    pub short: &'static str,
    pub description: &'static str,
    pub recommended: Option<&'static str>,
    /// CSS colour of the card's accent.
    pub colour: &'static str,
    /// The agent CLI that uses the credential.
    pub cli: &'static str,
    /// Where an OAuth token from a device or redirect login goes.
    pub oauth_env_var: &'static str,
    /// Pasted credentials, most specific prefix first.
    pub token_shapes: &'static [TokenShape],
    /// Where a pasted token of no known shape goes (`None`: such tokens are refused).
    pub generic_env_var: Option<&'static str>,
    /// Methods that need no configuration.
    pub always: &'static [ConnectMethod],
    /// The credential file of its agent CLI that can be imported (`ConnectMethod::Import`).
    pub import: Option<&'static protocol::credential_files::CredentialFile>,
    pub kind: ProviderKind,
    pub public: PublicEndpoints,
    pub scopes: &'static [&'static str],
    /// The provider refuses a client without its secret (GitHub's web flow, Google).
    pub needs_client_secret: bool,
    /// How a credential is proven to work; `None`: it cannot be from here.
    pub check: Option<Check>,
    pub revocation: Revocation,
}

pub const ANTHROPIC: ProviderInfo = ProviderInfo {
    id: ProviderId("anthropic"),
    name: "Anthropic",
    title: "Anthropic",
    products: "Claude Code",
    agent: "Claude Code",
    short: "Claude",
    description: "Claude models for planning, coding and review.",
    recommended: Some("⚡ Recommended for code tasks"),
    colour: "#d97757",
    cli: "claude",
    oauth_env_var: "CLAUDE_CODE_OAUTH_TOKEN",
    token_shapes: &[
        TokenShape {
            prefix: "sk-ant-api",
            kind: "API key",
            env_var: "ANTHROPIC_API_KEY",
            sent_as: SentAs::Key,
        },
        TokenShape {
            prefix: "sk-ant-oat",
            kind: "OAuth token (claude setup-token)",
            env_var: "CLAUDE_CODE_OAUTH_TOKEN",
            sent_as: SentAs::Bearer,
        },
    ],
    generic_env_var: Some("ANTHROPIC_AUTH_TOKEN"),
    always: &[ConnectMethod::AccessToken],
    import: Some(&protocol::credential_files::CLAUDE_CODE),
    kind: ProviderKind::Credentials,
    // Anthropic publishes no third-party OAuth or device flow: configuration only.
    public: PublicEndpoints::NONE,
    scopes: &["user:inference", "user:profile"],
    needs_client_secret: false,
    check: Some(Check {
        url: "https://api.anthropic.com/v1/models",
        key_header: Some("x-api-key"),
        headers: &[("anthropic-version", "2023-06-01")],
        bearer_headers: &[("anthropic-beta", "oauth-2025-04-20")],
        finds: Finds::Models { list: "data" },
    }),
    revocation: Revocation::Rfc7009,
};

pub const OPENAI: ProviderInfo = ProviderInfo {
    id: ProviderId("openai"),
    name: "OpenAI",
    title: "OpenAI",
    products: "Codex, ChatGPT",
    agent: "OpenAI Codex",
    short: "Codex",
    description: "Good for diverse tasks.",
    recommended: None,
    colour: "#10a37f",
    cli: "codex",
    oauth_env_var: "OPENAI_API_KEY",
    token_shapes: &[
        TokenShape {
            prefix: "sk-proj-",
            kind: "project API key",
            env_var: "OPENAI_API_KEY",
            sent_as: SentAs::Key,
        },
        TokenShape {
            prefix: "sk-svcacct-",
            kind: "service account key",
            env_var: "OPENAI_API_KEY",
            sent_as: SentAs::Key,
        },
        TokenShape {
            prefix: "sk-",
            kind: "API key",
            env_var: "OPENAI_API_KEY",
            sent_as: SentAs::Key,
        },
    ],
    generic_env_var: None,
    always: &[ConnectMethod::AccessToken],
    import: None,
    kind: ProviderKind::Credentials,
    // Codex's device login is not RFC 8628: configuration only.
    public: PublicEndpoints::NONE,
    scopes: &["openid", "email", "offline_access"],
    needs_client_secret: false,
    check: Some(Check {
        url: "https://api.openai.com/v1/models",
        key_header: None,
        headers: &[],
        bearer_headers: &[],
        finds: Finds::Models { list: "data" },
    }),
    revocation: Revocation::Rfc7009,
};

pub const GOOGLE: ProviderInfo = ProviderInfo {
    id: ProviderId("google"),
    name: "Google",
    title: "Google",
    products: "Gemini",
    agent: "Gemini CLI",
    short: "Gemini",
    description: "Multi-modal capabilities.",
    recommended: None,
    colour: "#4285f4",
    cli: "gemini",
    oauth_env_var: "GOOGLE_OAUTH_ACCESS_TOKEN",
    token_shapes: &[TokenShape {
        prefix: "AIza",
        kind: "API key",
        env_var: "GEMINI_API_KEY",
        sent_as: SentAs::Key,
    }],
    generic_env_var: None,
    always: &[ConnectMethod::AccessToken],
    import: None,
    kind: ProviderKind::Credentials,
    public: PublicEndpoints {
        auth_url: Some("https://accounts.google.com/o/oauth2/v2/auth"),
        token_url: Some("https://oauth2.googleapis.com/token"),
        device_url: Some("https://oauth2.googleapis.com/device/code"),
        userinfo_url: Some("https://openidconnect.googleapis.com/v1/userinfo"),
        revoke_url: Some("https://oauth2.googleapis.com/revoke"),
        api_url: None,
    },
    scopes: &["openid", "email", "profile"],
    needs_client_secret: true,
    check: Some(Check {
        url: "https://generativelanguage.googleapis.com/v1beta/models",
        key_header: Some("x-goog-api-key"),
        headers: &[],
        bearer_headers: &[],
        finds: Finds::Models { list: "models" },
    }),
    revocation: Revocation::Rfc7009,
};

pub const GITHUB: ProviderInfo = ProviderInfo {
    id: ProviderId("github"),
    name: "GitHub",
    title: "GitHub Copilot",
    products: "Copilot",
    agent: "GitHub Copilot",
    short: "Copilot",
    description: "Copilot agents, with the GitHub account you signed up with.",
    recommended: None,
    colour: "#24292f",
    cli: "copilot",
    oauth_env_var: "COPILOT_GITHUB_TOKEN",
    token_shapes: &[
        TokenShape {
            prefix: "github_pat_",
            kind: "fine-grained personal access token",
            env_var: "COPILOT_GITHUB_TOKEN",
            sent_as: SentAs::Bearer,
        },
        TokenShape {
            prefix: "ghp_",
            kind: "personal access token",
            env_var: "COPILOT_GITHUB_TOKEN",
            sent_as: SentAs::Bearer,
        },
        TokenShape {
            prefix: "gho_",
            kind: "OAuth token",
            env_var: "COPILOT_GITHUB_TOKEN",
            sent_as: SentAs::Bearer,
        },
        TokenShape {
            prefix: "ghu_",
            kind: "GitHub App user token",
            env_var: "COPILOT_GITHUB_TOKEN",
            sent_as: SentAs::Bearer,
        },
    ],
    generic_env_var: None,
    always: &[ConnectMethod::AccessToken],
    import: None,
    kind: ProviderKind::Credentials,
    public: PublicEndpoints {
        auth_url: Some("https://github.com/login/oauth/authorize"),
        token_url: Some("https://github.com/login/oauth/access_token"),
        device_url: Some("https://github.com/login/device/code"),
        userinfo_url: Some("https://api.github.com/user"),
        // GitHub revokes through its REST API, not RFC 7009.
        revoke_url: None,
        api_url: Some("https://api.github.com/"),
    },
    scopes: &["read:user", "user:email", "repo"],
    needs_client_secret: true,
    check: Some(Check {
        url: "https://api.github.com/user",
        key_header: None,
        headers: &[("x-github-api-version", "2022-11-28")],
        bearer_headers: &[],
        finds: Finds::Account,
    }),
    revocation: Revocation::GitHubGrant,
};

pub const MICROSOFT: ProviderInfo = ProviderInfo {
    id: ProviderId("microsoft"),
    name: "Microsoft",
    title: "Microsoft",
    products: "Azure OpenAI",
    agent: "Azure OpenAI",
    short: "Azure OpenAI",
    description: "Azure OpenAI deployments through Microsoft Entra ID.",
    recommended: None,
    colour: "#0078d4",
    cli: "codex",
    oauth_env_var: "AZURE_OPENAI_AD_TOKEN",
    token_shapes: &[],
    generic_env_var: Some("AZURE_OPENAI_API_KEY"),
    always: &[ConnectMethod::AccessToken],
    import: None,
    kind: ProviderKind::Credentials,
    public: PublicEndpoints {
        auth_url: Some("https://login.microsoftonline.com/common/oauth2/v2.0/authorize"),
        token_url: Some("https://login.microsoftonline.com/common/oauth2/v2.0/token"),
        device_url: Some("https://login.microsoftonline.com/common/oauth2/v2.0/devicecode"),
        userinfo_url: Some("https://graph.microsoft.com/oidc/userinfo"),
        revoke_url: None,
        api_url: None,
    },
    // Entra issues a refresh token only with offline_access.
    scopes: &["openid", "profile", "email", "offline_access"],
    needs_client_secret: false,
    // An Azure OpenAI key belongs to one resource's endpoint, unknown here.
    check: None,
    revocation: Revocation::Rfc7009,
};

pub const SELF_HOSTED: ProviderInfo = ProviderInfo {
    id: ProviderId("self-hosted"),
    name: "Self-Hosted",
    title: "Self-Hosted",
    products: "Ollama, LM Studio, or other local tools",
    agent: "a self-hosted model",
    short: "Local models",
    description: "Any OpenAI-compatible server you run yourself.",
    recommended: None,
    colour: "#6b7280",
    cli: "",
    oauth_env_var: "OPENAI_BASE_URL",
    token_shapes: &[],
    generic_env_var: None,
    always: &[ConnectMethod::Endpoint],
    import: None,
    kind: ProviderKind::SelfHosted,
    public: PublicEndpoints::NONE,
    scopes: &[],
    needs_client_secret: false,
    // Endpoints are probed when added (connect/self_hosted).
    check: None,
    revocation: Revocation::Rfc7009,
};

/// The sign-in provider: its account is the Relay account ("Continue with
/// GitHub"), and its token reads the chosen repositories.
pub const SIGN_IN: &ProviderInfo = &GITHUB;

/// Every provider, in the order the providers page shows them.
pub const ALL: [&ProviderInfo; 6] = [
    &ANTHROPIC,
    &OPENAI,
    &GOOGLE,
    &GITHUB,
    &MICROSOFT,
    &SELF_HOSTED,
];

/// The catalog's ids and names alone, which is all the browser's code needs
/// (an id in a server function's answer, a name in its error): read through
/// this table, the WebAssembly does not carry the rest of the catalog.
const NAMES: [(ProviderId, &str); ALL.len()] = {
    let mut names = [(ProviderId(""), ""); ALL.len()];
    let mut i = 0;
    while i < ALL.len() {
        names[i] = (ALL[i].id, ALL[i].name);
        i += 1;
    }
    names
};

/// The providers whose credentials Relay vaults (everything but self-hosted).
/// Each provider's accent colour as CSS custom properties, keyed by
/// `data-provider` (a style sheet, not `style` attributes, which a strict
/// Content-Security-Policy refuses).
pub fn palette() -> String {
    ALL.iter()
        .map(|p| format!("[data-provider={}]{{--accent:{}}}", p.id, p.colour))
        .collect()
}

pub fn credential_providers() -> impl Iterator<Item = &'static ProviderInfo> {
    ALL.into_iter()
        .filter(|p| p.kind == ProviderKind::Credentials)
}

pub fn find(id: &str) -> Option<&'static ProviderInfo> {
    ProviderId::parse(id).map(ProviderId::info)
}

/// "Please connect Anthropic first.": what to do before using provider `id`.
pub fn connect_first(id: ProviderId) -> String {
    format!("Please connect {} first.", id.name())
}

/// What a pasted token was recognised as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecognisedToken {
    pub kind: &'static str,
    pub env_var: &'static str,
    /// How the provider's check takes it; `None`: a token of no known shape
    /// (a gateway's), which the provider itself cannot vouch for.
    pub sent_as: Option<SentAs>,
}

impl ProviderInfo {
    /// Checks a pasted token's shape. The message says what is wrong, never the token.
    pub fn recognise_token(&self, token: &str) -> Result<RecognisedToken, String> {
        if token.is_empty() {
            return Err("Paste a token first.".to_owned());
        }
        if token.chars().any(|c| c.is_whitespace()) {
            return Err(
                "A token has no spaces or line breaks: check that you copied only the token."
                    .to_owned(),
            );
        }
        if !token.chars().all(|c| c.is_ascii_graphic()) {
            return Err(
                "A token contains only plain ASCII letters, digits and punctuation.".to_owned(),
            );
        }
        if token.len() < 20 {
            return Err(format!(
                "That is too short for a token ({} characters; tokens are at least 20).",
                token.len()
            ));
        }
        if token.len() > 4096 {
            return Err("That is too long for a token (more than 4096 characters).".to_owned());
        }
        // The longest matching prefix of any provider wins: "sk-ant-api" is
        // Anthropic's even though OpenAI's keys start with "sk-".
        let best = ALL
            .into_iter()
            .flat_map(|p| p.token_shapes.iter().map(move |s| (p, s)))
            .filter(|(_, s)| token.starts_with(s.prefix))
            .max_by_key(|(_, s)| s.prefix.len());
        match best {
            Some((owner, shape)) if owner.id == self.id => {
                return Ok(RecognisedToken {
                    kind: shape.kind,
                    env_var: shape.env_var,
                    sent_as: Some(shape.sent_as),
                })
            }
            // A known token of another provider is a mistake worth naming.
            Some((other, shape)) => {
                return Err(format!(
                    "That looks like {} {} ({}…), not a {} token.",
                    article(other.name),
                    shape.kind_with(other),
                    shape.prefix,
                    self.name
                ))
            }
            None => {}
        }
        match self.generic_env_var {
            Some(env_var) => Ok(RecognisedToken {
                kind: "access token",
                env_var,
                sent_as: None,
            }),
            None => {
                let expected: Vec<String> = self
                    .token_shapes
                    .iter()
                    .map(|s| format!("{}…", s.prefix))
                    .collect();
                Err(format!(
                    "That is not a {} token: {} tokens start with {}.",
                    self.name,
                    self.name,
                    expected.join(" or ")
                ))
            }
        }
    }
}

impl TokenShape {
    fn kind_with(&self, provider: &ProviderInfo) -> String {
        format!("{} {}", provider.name, self.kind)
    }
}

fn article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// "sk-ant-…Ab3d": how a stored token is shown, never more.
pub fn token_hint(prefix: &str, last4: &str) -> String {
    format!("{prefix}…{last4}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_back_and_unknown_ones_are_named() {
        for p in ALL {
            assert_eq!(ProviderId::parse(p.id.as_str()), Some(p.id));
            assert_eq!(p.id.info().name, p.name);
        }
        let err = "acme-ai".parse::<ProviderId>().unwrap_err();
        assert_eq!(err.to_string(), "Unknown provider “acme-ai”.");
        use serde::de::{value, IntoDeserializer};
        let input: value::StrDeserializer<value::Error> = "acme-ai".into_deserializer();
        assert!(ProviderId::deserialize(input).is_err());
    }

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<_> = ALL.iter().map(|p| p.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
    }

    /// A token of the given shape, made up at run time (no secret-like text in the source).
    fn fake(prefix: &str) -> String {
        format!("{prefix}{}", "FAKE".repeat(6))
    }

    #[test]
    fn recognises_known_shapes() {
        let key = fake("sk-ant-api03-");
        let got = ANTHROPIC.recognise_token(&key).unwrap();
        assert_eq!(got.env_var, "ANTHROPIC_API_KEY");
        let got = ANTHROPIC.recognise_token(&fake("sk-ant-oat01-")).unwrap();
        assert_eq!(got.env_var, "CLAUDE_CODE_OAUTH_TOKEN");
        assert_eq!(
            OPENAI.recognise_token(&fake("sk-proj-")).unwrap().kind,
            "project API key"
        );
    }

    #[test]
    fn names_the_other_providers_token() {
        let err = OPENAI.recognise_token(&fake("sk-ant-api03-")).unwrap_err();
        assert!(err.contains("an Anthropic API key"), "{err}");
        assert!(!err.contains("FAKE"), "the message never repeats the token");
    }

    #[test]
    fn refuses_bad_input_with_a_reason() {
        assert!(ANTHROPIC.recognise_token("").unwrap_err().contains("Paste"));
        assert!(ANTHROPIC
            .recognise_token("short")
            .unwrap_err()
            .contains("too short"));
        assert!(ANTHROPIC
            .recognise_token(&format!("{} {}", fake("sk-ant-api03-"), "FAKE"))
            .unwrap_err()
            .contains("spaces"));
        assert!(GOOGLE
            .recognise_token("ya29.abcdefghijklmnopqrstuvwxyz")
            .unwrap_err()
            .contains("start with AIza"));
    }

    #[test]
    fn generic_tokens_go_to_the_generic_variable() {
        let got = ANTHROPIC
            .recognise_token("gateway-token-abcdefghijklmnop")
            .unwrap();
        assert_eq!(got.env_var, "ANTHROPIC_AUTH_TOKEN");
    }
}
