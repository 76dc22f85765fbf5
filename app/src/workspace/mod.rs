//! The workspace summary of the dashboard and the ready page: chosen
//! repositories, connected providers, teams and recent events.

pub mod functions;
pub mod summary;

use crate::providers::ProviderId;
use crate::repositories::{ChosenRepo, RepoEvent};
use serde::{Deserialize, Serialize};

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
