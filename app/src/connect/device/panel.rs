//! The device-code login panel: "Connect Claude Code" → Open Anthropic → the
//! code, Copy, QR, a live countdown and the status as the server learns it.
//! Rendered by the server in whatever state the flow is; in the browser only
//! small islands run (Open, Copy, the countdown, and the push that brings
//! the page back with the flow's new state). Its buttons are plain forms.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::connect::device::functions::{CancelDeviceFlow, StartDeviceFlow};
use crate::connect::device::{DeviceFlowState, DeviceFlowView};
use crate::providers::ProviderInfo;
use crate::ui::live::{CopyButton, Countdown, Reveal, WhenChanged};

#[component]
pub fn DeviceLogin(
    info: &'static ProviderInfo,
    flow: DeviceFlowView,
    /// The page this panel is on: "Continue" and "Cancel" come back to it.
    here: String,
) -> impl IntoView {
    let heading_id = format!("device-{}-heading", info.id);
    let state = flow.state;
    let body = match state {
        DeviceFlowState::Pending => {
            let link = flow
                .verification_uri_complete
                .clone()
                .unwrap_or_else(|| flow.verification_uri.clone());
            // The page comes back showing this flow, whatever it became.
            let then = format!("{here}?flow={}", flow.id);
            view! {
                <h2 id=heading_id.clone()>"Connect " {info.agent}</h2>
                <OpenProvider name=info.name link host=host_of(&flow.verification_uri) code=flow.user_code.clone()/>
                <div class="device-qr">
                    <div inner_html=flow.qr_svg.clone() aria-hidden="true"></div>
                    <p class="muted">"On your phone? Scan to open the sign-in page."</p>
                </div>
                <hr/>
                <p class="device-waiting"><span class="spinner" aria-hidden="true"></span>"Waiting for you to authorize…"</p>
                <p class="device-countdown">"Code expires in " <Countdown seconds=flow.expires_in/></p>
                <WhenChanged events=format!("/live/device/{}", flow.id) then=then.clone()/>
                // Without JavaScript the page reloads itself to learn the outcome.
                <noscript inner_html=format!(r#"<meta http-equiv="refresh" content="5; url={then}">"#)></noscript>
                <form method="post" action=CancelDeviceFlow::PATH>
                    <input type="hidden" name="id" value=flow.id.clone()/>
                    <button type="submit" class="btn btn-secondary">"Cancel"</button>
                </form>
            }
            .into_any()
        }
        DeviceFlowState::Connected => view! {
            <h2 id=heading_id.clone()>"✅ Connected!"</h2>
            <p>"Your " {info.name} " account is now linked."</p>
            <p class="device-account">"Account: " {flow.account.clone().unwrap_or_default()}</p>
            <form method="get" action=here.clone()>
                <button type="submit" class="btn btn-primary btn-block">"Continue →"</button>
            </form>
        }
        .into_any(),
        other => {
            let (title, text, retry) = ending(info, other, flow.failure.clone());
            view! {
                <h2 id=heading_id.clone()>{title}</h2>
                <p>{text}</p>
                <div class="actions">
                    <form method="get" action=here.clone() class="inline">
                        <button type="submit" class="btn btn-secondary">"Cancel"</button>
                    </form>
                    <form method="post" action=StartDeviceFlow::PATH class="inline">
                        <input type="hidden" name="provider" value=info.id.as_str()/>
                        <button type="submit" class="btn btn-primary">{retry}</button>
                    </form>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <section class="device-login" aria-labelledby=heading_id.clone()>
            <p class="visually-hidden" role="status" aria-live="polite">{announcement(info, state)}</p>
            {body}
        </section>
    }
}

/// The steps, the code with Copy, and "Open Anthropic →"; once it was
/// clicked, the steps give way to "A browser tab should have opened".
#[component]
fn OpenProvider(name: &'static str, link: String, host: String, code: String) -> impl IntoView {
    view! {
        <Reveal open=false class="open-provider".to_owned()>
            <div class="until-revealed">
                <p>"To connect your " {name} " account:"</p>
                <ol class="device-steps">
                    <li>"Click below to open " {name} " in a new tab"</li>
                    <li>"Sign in with your " {name} " account"</li>
                    <li>"Enter the code shown here when prompted"</li>
                </ol>
            </div>
            <p class="device-label">"Enter this code at " {name} ":"</p>
            <div class="device-code-row">
                <output class="device-code" aria-label="Your code">{code.clone()}</output>
                <CopyButton text=code/>
            </div>
            <a class="btn btn-primary btn-block until-revealed" href=link.clone() target="_blank" rel="noopener" data-reveal="open">
                "Open " {name} " →"
            </a>
            <p class="muted when-revealed">"A browser tab should have opened to " {host} ". "
                <a href=link target="_blank" rel="noopener">"Didn't open? Click here →"</a>
            </p>
        </Reveal>
    }
}

fn announcement(info: &ProviderInfo, state: DeviceFlowState) -> String {
    match state {
        DeviceFlowState::Pending => format!("Waiting for you to authorize at {}.", info.name),
        DeviceFlowState::Connected => {
            format!("Connected! Your {} account is now linked.", info.name)
        }
        DeviceFlowState::Expired => "The code expired.".to_owned(),
        DeviceFlowState::Denied => "Access denied.".to_owned(),
        DeviceFlowState::Cancelled => "Cancelled.".to_owned(),
        DeviceFlowState::Failed => "The login failed.".to_owned(),
    }
}

/// Title, explanation and retry label of an ended flow, as in the sketches.
fn ending(
    info: &ProviderInfo,
    state: DeviceFlowState,
    failure: Option<String>,
) -> (&'static str, String, &'static str) {
    match state {
        DeviceFlowState::Expired => (
            "⚠️ Code Expired",
            "The authorization code has expired. This happens if you don't complete the sign-in in time.".to_owned(),
            "Get New Code",
        ),
        DeviceFlowState::Denied => (
            "⛔ Access Denied",
            format!("You denied the authorization request at {}.", info.name),
            "Try Again",
        ),
        DeviceFlowState::Cancelled => ("Cancelled", "This login was cancelled.".to_owned(), "Try Again"),
        _ => (
            "⚠️ Something went wrong",
            format!(
                "{} ended the login with an error ({}). Nothing was changed.",
                info.name,
                failure.unwrap_or_else(|| "unknown".to_owned())
            ),
            "Try Again",
        ),
    }
}

fn host_of(url: &str) -> String {
    url.split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(url)
        .to_owned()
}
