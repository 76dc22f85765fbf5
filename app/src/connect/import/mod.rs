//! "Import from Local Claude": a one-time code, the command that sends the
//! credential file from the user's machine, and the import's state.

pub mod functions;
pub mod panel;
#[cfg(feature = "ssr")]
pub mod store;

use crate::providers::ProviderId;
use serde::{Deserialize, Serialize};

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
