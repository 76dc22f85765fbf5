//! Connecting by device code (RFC 8628): the provider's code shown big with
//! Copy and a countdown, polled by the server's worker until the user
//! approves at the provider.

#[cfg(feature = "ssr")]
pub mod flows;
pub mod functions;
#[cfg(feature = "ssr")]
pub mod grant;
pub mod panel;

use crate::providers::ProviderId;
use serde::{Deserialize, Serialize};

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
