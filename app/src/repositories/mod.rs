//! "Select Repositories": the user's GitHub repositories, the chosen ones, what
//! they hold for agents, and the webhook events GitHub sends for them.

#[cfg(feature = "ssr")]
pub mod agent_config;
#[cfg(feature = "ssr")]
pub mod choice;
pub mod functions;
#[cfg(feature = "ssr")]
pub mod github;
pub mod picker;
#[cfg(feature = "ssr")]
pub mod store;
#[cfg(feature = "ssr")]
pub mod webhooks;

use serde::{Deserialize, Serialize};

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
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
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
