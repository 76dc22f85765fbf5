//! The device-code login panel: "Connect Claude Code" → Open Anthropic → the
//! code, Copy, QR, a live countdown and the status as the server learns it.

use leptos::prelude::*;

use crate::connect::device::functions::{
    cancel_device_flow, device_flow_status, start_device_flow,
};
use crate::connect::device::{DeviceFlowState, DeviceFlowView};
use crate::providers::ProviderInfo;
use crate::ui::clock;

/// How often the browser asks for the flow's status (the issue allows ≤ 2 s).
const STATUS_EVERY_MS: u64 = 1000;

#[component]
pub fn DeviceLogin(
    info: &'static ProviderInfo,
    flow: DeviceFlowView,
    /// Closes the panel (the card then reloads its provider's status).
    on_close: Callback<()>,
) -> impl IntoView {
    let flow = RwSignal::new(flow);
    // Seconds left, anchored to this browser's clock at the server's last answer.
    let deadline = RwSignal::new(clock::deadline_in(flow.get_untracked().expires_in));
    let remaining = RwSignal::new(flow.get_untracked().expires_in);
    let opened = RwSignal::new(false);
    let copied = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let state = move || flow.with(|f| f.state);
    // One status request in flight at a time; each answer re-anchors the countdown.
    let refresh = Action::new(move |id: &String| {
        let id = id.clone();
        async move { device_flow_status(id).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(view)) = refresh.value().get() {
            deadline.set(clock::deadline_in(view.expires_in));
            flow.set(view);
        }
    });
    clock::every(STATUS_EVERY_MS, move || {
        remaining.set(clock::seconds_until(deadline.get_untracked()));
        if state() == DeviceFlowState::Pending && !refresh.pending().get_untracked() {
            refresh.dispatch(flow.with_untracked(|f| f.id.clone()));
        }
    });

    let restart = Action::new(move |_: &()| async move { start_device_flow(info.id).await });
    Effect::new(move |_| match restart.value().get() {
        Some(Ok(view)) => {
            deadline.set(clock::deadline_in(view.expires_in));
            remaining.set(view.expires_in);
            opened.set(false);
            error.set(None);
            flow.set(view);
        }
        Some(Err(e)) => error.set(Some(e.to_string())),
        None => {}
    });
    // Closed once the server has cancelled: the page reloads the statuses,
    // which would otherwise still show the flow as waiting.
    let cancel = move |_| {
        let id = flow.with_untracked(|f| f.id.clone());
        leptos::task::spawn_local(async move {
            let _ = cancel_device_flow(id).await;
            on_close.run(());
        });
    };
    let copy = move |_| {
        clock::copy_to_clipboard(&flow.with_untracked(|f| f.user_code.clone()));
        copied.set(true);
        set_timeout(move || copied.set(false), std::time::Duration::from_secs(2));
    };
    let link = move || {
        flow.with(|f| {
            f.verification_uri_complete
                .clone()
                .unwrap_or_else(|| f.verification_uri.clone())
        })
    };
    let host = move || flow.with(|f| host_of(&f.verification_uri));
    let heading_id = format!("device-{}-heading", info.id);
    let section_label = heading_id.clone();

    view! {
        <section class="device-login" aria-labelledby=section_label>
            // Announced once per change of state, never per second of the countdown.
            <p class="visually-hidden" role="status" aria-live="polite">{move || announcement(info, state())}</p>
            {move || match state() {
                DeviceFlowState::Pending => view! {
                    <h2 id=heading_id.clone()>"Connect " {info.agent}</h2>
                    <Show when=move || !opened.get() fallback=|| ()>
                        <p>"To connect your " {info.name} " account:"</p>
                        <ol class="device-steps">
                            <li>"Click below to open " {info.name} " in a new tab"</li>
                            <li>"Sign in with your " {info.name} " account"</li>
                            <li>"Enter the code shown here when prompted"</li>
                        </ol>
                    </Show>
                    <p class="device-label">"Enter this code at " {info.name} ":"</p>
                    <div class="device-code-row">
                        <output class="device-code" aria-label="Your code">{move || flow.with(|f| f.user_code.clone())}</output>
                        <button type="button" class="btn btn-secondary btn-small" on:click=copy>
                            {move || if copied.get() { "Copied" } else { "Copy" }}
                        </button>
                    </div>
                    <Show
                        when=move || opened.get()
                        fallback=move || view! {
                            <a class="btn btn-primary btn-block" href=link target="_blank" rel="noopener" on:click=move |_| opened.set(true)>
                                "Open " {info.name} " →"
                            </a>
                        }
                    >
                        <p class="muted">"A browser tab should have opened to " {host} ". "
                            <a href=link target="_blank" rel="noopener">"Didn't open? Click here →"</a>
                        </p>
                    </Show>
                    <div class="device-qr">
                        <div inner_html=move || flow.with(|f| f.qr_svg.clone()) aria-hidden="true"></div>
                        <p class="muted">"On your phone? Scan to open the sign-in page."</p>
                    </div>
                    <hr/>
                    <p class="device-waiting"><span class="spinner" aria-hidden="true"></span>"Waiting for you to authorize…"</p>
                    <p class="device-countdown">"Code expires in " <span class="countdown">{move || clock::mm_ss(remaining.get())}</span></p>
                    // Without JavaScript the page reloads itself to learn the outcome
                    // (as markup inside <noscript>, hydration never walks into it).
                    <noscript inner_html=r#"<meta http-equiv="refresh" content="5">"#></noscript>
                    <button type="button" class="btn btn-secondary" on:click=cancel>"Cancel"</button>
                }.into_any(),
                DeviceFlowState::Connected => view! {
                    <h2 id=heading_id.clone()>"✅ Connected!"</h2>
                    <p>"Your " {info.name} " account is now linked."</p>
                    <p class="device-account">"Account: " {move || flow.with(|f| f.account.clone().unwrap_or_default())}</p>
                    <button type="button" class="btn btn-primary btn-block" on:click=move |_| on_close.run(())>"Continue →"</button>
                }.into_any(),
                other => {
                    let (title, text, retry) = ending(info, other, flow.with_untracked(|f| f.failure.clone()));
                    view! {
                        <h2 id=heading_id.clone()>{title}</h2>
                        <p>{text}</p>
                        <div class="actions">
                            <button type="button" class="btn btn-secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                            <button type="button" class="btn btn-primary" disabled=move || restart.pending().get() on:click=move |_| { restart.dispatch(()); }>{retry}</button>
                        </div>
                    }.into_any()
                }
            }}
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </section>
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
