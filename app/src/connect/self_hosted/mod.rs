//! Self-hosted model servers (Ollama, LM Studio, anything OpenAI-compatible):
//! added by name and URL, checked and probed by the server.

#[cfg(feature = "ssr")]
pub mod addresses;
pub mod form;
pub mod functions;
#[cfg(feature = "ssr")]
pub mod store;

use serde::{Deserialize, Serialize};

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
