//! The device login's doors: start, status, cancel.

use leptos::prelude::*;

use crate::connect::device::DeviceFlowView;
use crate::errors::AppError;
use crate::providers::ProviderId;

/// Requests a device code from the provider; the server polls from then on.
#[server(prefix = "/fn", endpoint = "providers/device/start")]
pub async fn start_device_flow(provider: ProviderId) -> Result<DeviceFlowView, AppError> {
    use crate::connect::device::flows as device_flows;
    use crate::connect::device::flows::StartError;
    use crate::platform::AppState;
    let user = crate::identity::functions::require_user().await?;
    let info = provider.info();
    let app = expect_context::<AppState>();
    let source = crate::identity::functions::client_source().await;
    let started = device_flows::start(&app, &user.id, info, source)
        .await
        .map_err(|e| match e {
            StartError::Backend(e) => e.into(),
            StartError::Limited(limited) => limited.into(),
            StartError::Rejected { provider, code } if code == "device_flow_disabled" => {
                AppError::BadRequest(format!(
                    "{provider} has device login turned off for this app. Use another way to connect."
                ))
            }
            StartError::Rejected { provider, code }
                if code == crate::connect::device::grant::UNSAFE_VERIFICATION_URI =>
            {
                AppError::BadRequest(format!(
                    "{provider} sent a sign-in address that is not https, so Relay will not show it. Nothing was started."
                ))
            }
            StartError::Unavailable(provider) => AppError::BadRequest(format!(
                "{provider} is not answering right now. Try again in a moment."
            )),
            other => AppError::BadRequest(format!("{other}.")),
        })
        .map_err(|e| e.about(provider));
    crate::connect::functions::back_to_the_page(started)
}

/// Where the user's device flow stands. Another user's flow is "not found".
#[server(prefix = "/fn", endpoint = "providers/device/status")]
pub async fn device_flow_status(id: String) -> Result<DeviceFlowView, AppError> {
    use crate::connect::device::flows as device_flows;
    use crate::platform::AppState;
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<AppState>();
    device_flows::find(&app.db, &user.id, &id, &app.clock)
        .await?
        .ok_or_else(|| AppError::BadRequest("This login is not known; start again.".to_owned()))
}

#[server(prefix = "/fn", endpoint = "providers/device/cancel")]
pub async fn cancel_device_flow(id: String) -> Result<(), AppError> {
    use crate::connect::device::flows as device_flows;
    use crate::platform::AppState;
    let user = crate::identity::functions::require_user().await?;
    let app = expect_context::<AppState>();
    device_flows::cancel(&app, &user.id, &id).await?;
    crate::connect::functions::back_to_the_page(Ok(()))
}
