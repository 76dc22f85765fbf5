//! One provider's card: what it is, its connection, and the ways to connect
//! it that this server offers. Used by the wizard and by settings.

use leptos::prelude::*;

use crate::connect::device::functions::StartDeviceFlow;
use crate::connect::device::panel::DeviceLogin;
use crate::connect::functions::{disconnect_provider, test_provider, SaveAccessToken};
use crate::connect::import::functions::start_import;
use crate::connect::import::panel::ImportPanel;
use crate::connect::self_hosted::form::SelfHostedEndpoints;
use crate::connect::{CredentialMethod, CredentialStatus, ProviderStatus};
use crate::providers::{ConnectMethod, ProviderInfo};

#[component]
pub fn ProviderCard(
    status: ProviderStatus,
    /// Called after anything changed (the page reloads the statuses).
    on_change: Callback<()>,
    /// Settings show dates, expiry and Reconnect; the wizard keeps it short.
    #[prop(optional)]
    detailed: bool,
) -> impl IntoView {
    let info = status.id.info();
    // A login still waiting at the provider shows again when the page is loaded.
    let device = RwSignal::new(status.pending_flow.clone());
    // A form, so it also works before the WebAssembly loads: the server then
    // sends the browser back here, and the waiting flow shows.
    let start = ServerAction::<StartDeviceFlow>::new();
    let start_error = move || {
        start
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    Effect::new(move |_| {
        if let Some(Ok(flow)) = start.value().get() {
            device.set(Some(flow));
        }
    });
    let import = RwSignal::new(None::<crate::connect::import::ImportView>);
    let start_import = Action::new(move |_: &()| async move { start_import(info.id).await });
    Effect::new(move |_| {
        if let Some(Ok(view)) = start_import.value().get() {
            import.set(Some(view));
        }
    });
    let can_import = status.methods.contains(&ConnectMethod::Import);
    let can_endpoint = status.methods.contains(&ConnectMethod::Endpoint);
    let endpoints = status.endpoints.clone();
    let can_device = status.methods.contains(&ConnectMethod::DeviceCode);
    let can_redirect = status.methods.contains(&ConnectMethod::Redirect);
    // A redirect comes back to this page.
    let here = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    // A form, not a link: starting a connect changes state, which a GET
    // (a link on any site) must not.
    let can_token = status.methods.contains(&ConnectMethod::AccessToken);
    let credential = status.credential.clone();
    let connected = credential.is_some();
    let heading_id = format!("provider-{}", info.id);
    let title_id = heading_id.clone();

    view! {
        <article class="provider-card" data-provider=info.id.as_str() aria-labelledby=heading_id>
            <header class="provider-head">
                <div>
                    <h2 class="provider-title" id=title_id>{info.title}</h2>
                    <p class="provider-products">{info.products}</p>
                </div>
                {credential.as_ref().map(|c| if c.needs_reconnect {
                    view! { <span class="badge badge-warning">"Needs reconnect"</span> }.into_any()
                } else {
                    view! { <span class="badge badge-success">"✓ Connected"</span> }.into_any()
                })}
            </header>
            {match &credential {
                Some(c) => view! { <Connected info credential=c.clone() detailed on_change/> }.into_any(),
                None => view! {
                    <p class="muted">{info.description}</p>
                    {info.recommended.map(|r| view! { <p class="recommended">{r}</p> })}
                }.into_any(),
            }}
            {move || match (device.get(), import.get().zip(info.import)) {
                (_, Some((view, file))) => view! {
                    <ImportPanel info file import=view
                        on_close=Callback::new(move |_| { import.set(None); on_change.run(()); })
                    />
                }.into_any(),
                (Some(flow), None) => view! {
                    <DeviceLogin info flow
                        on_close=Callback::new(move |_| { device.set(None); on_change.run(()); })
                    />
                }.into_any(),
                (None, None) => view! {
                    <div class="provider-actions">
                        {(can_redirect && (!connected || detailed)).then(|| view! {
                            <form method="post" action="/oauth/connect" class="inline">
                                <input type="hidden" name="provider" value=info.id.as_str()/>
                                <input type="hidden" name="return_to" value=here.clone()/>
                                <button type="submit" class="btn btn-primary">{login_label(info, connected)}</button>
                            </form>
                        })}
                        {(can_device && (!connected || detailed)).then(|| {
                            let (class, label) = if can_redirect {
                                ("btn btn-secondary", "Use a code instead".to_owned())
                            } else {
                                ("btn btn-primary", login_label(info, connected))
                            };
                            view! {
                                <ActionForm action=start attr:class="inline">
                                    <input type="hidden" name="provider" value=info.id.as_str()/>
                                    <button type="submit" class=class disabled=move || start.pending().get()>{label}</button>
                                </ActionForm>
                            }
                        })}
                        {(can_import && !connected).then(|| view! {
                            <button type="button" class="btn btn-secondary" disabled=move || start_import.pending().get()
                                on:click=move |_| { start_import.dispatch(()); }>{format!("Import from Local {}", info.short)}</button>
                        })}
                    </div>
                    {move || start_error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                    {(can_token && !connected).then(|| view! { <AccessTokenForm info on_change/> })}
                    {can_endpoint.then(|| view! { <SelfHostedEndpoints endpoints=endpoints.clone() on_change/> })}
                }.into_any(),
            }}
        </article>
    }
    .into_any()
}

fn login_label(info: &ProviderInfo, connected: bool) -> String {
    if connected {
        format!("Reconnect {}", info.name)
    } else {
        format!("Login with {}", info.name)
    }
}

/// "✓ Connected" details and Disconnect (with a confirmation).
#[component]
fn Connected(
    info: &'static ProviderInfo,
    credential: CredentialStatus,
    detailed: bool,
    on_change: Callback<()>,
) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let disconnect = Action::new(move |_: &()| async move { disconnect_provider(info.id).await });
    Effect::new(move |_| {
        if let Some(Ok(())) = disconnect.value().get() {
            on_change.run(());
        }
    });
    let error = move || {
        disconnect
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let test = Action::new(move |_: &()| async move { test_provider(info.id).await });
    let from_signin = credential.method == CredentialMethod::SignIn;
    let who = if from_signin {
        format!(
            "Already connected via your GitHub account ({})",
            credential.account
        )
    } else {
        format!("Logged in as {}", credential.account)
    };
    view! {
        <p class="provider-account">{who}</p>
        {credential.token_hint.clone().map(|h| view! { <p class="muted">"Token " <code>{h}</code></p> })}
        {credential.needs_reconnect.then(|| view! {
            <p class="form-error" role="alert">{format!("{} refused to renew this credential. Reconnect to keep using it.", info.name)}</p>
        })}
        {detailed.then(|| view! {
            <CredentialDetails credential=credential.clone()/>
            <button type="button" class="btn btn-secondary btn-small" disabled=move || test.pending().get()
                on:click=move |_| { test.dispatch(()); }>
                {move || if test.pending().get() { "Testing…" } else { "Test" }}
            </button>
            <p class="test-result" role="status">{move || test.value().get().map(|r| match r {
                Ok(message) => view! { <span class="ok">{message}</span> }.into_any(),
                Err(e) => view! { <span class="form-error">{e.to_string()}</span> }.into_any(),
            })}</p>
        })}
        {(!from_signin).then(|| view! {
            <Show
                when=move || confirming.get()
                fallback=move || view! {
                    <button type="button" class="btn btn-ghost btn-small" on:click=move |_| confirming.set(true)>"Disconnect"</button>
                }
            >
                <div class="confirm" role="group" aria-label=format!("Disconnect {}?", info.title)>
                    <p>{format!("Disconnect {}? Agents will stop using this credential.", info.title)}</p>
                    <button type="button" class="btn btn-danger btn-small" disabled=move || disconnect.pending().get()
                        on:click=move |_| { disconnect.dispatch(()); }>"Yes, disconnect"</button>
                    <button type="button" class="btn btn-secondary btn-small" on:click=move |_| confirming.set(false)>"Keep"</button>
                </div>
            </Show>
        })}
        {move || error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
    }
}

#[component]
fn CredentialDetails(credential: CredentialStatus) -> impl IntoView {
    view! {
        <dl class="credential-details">
            <dt>"Connected"</dt><dd><LocalTime at=credential.connected_at/></dd>
            <dt>"Last refreshed"</dt><dd><LocalTime at=credential.refreshed_at/></dd>
            <dt>"Token expires"</dt><dd>{match credential.expires_at {
                None => view! { "does not expire" }.into_any(),
                Some(at) => view! { <LocalTime at/> }.into_any(),
            }}</dd>
            {credential.env_var.map(|v| view! { <dt>"Agent variable"</dt><dd><code>{v}</code></dd> })}
        </dl>
    }
}

/// A Unix time as "2026-11-24 08:30 UTC" (the same on server and browser).
#[component]
pub fn LocalTime(at: i64) -> impl IntoView {
    view! { <time datetime=protocol::time::utc_minutes(at)>{protocol::time::utc_minutes(at)}</time> }
}

/// "Use an access token instead": paste, check, store; shown afterwards only as a hint.
#[component]
fn AccessTokenForm(info: &'static ProviderInfo, on_change: Callback<()>) -> impl IntoView {
    let save = ServerAction::<SaveAccessToken>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            on_change.run(());
        }
    });
    let error = move || {
        save.value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    };
    let input_id = format!("token-{}", info.id);
    view! {
        <details class="token-form">
            <summary>"Use an access token instead"</summary>
            <ActionForm action=save>
                <input type="hidden" name="provider" value=info.id.as_str()/>
                <label for=input_id.clone()>{format!("{} access token or API key", info.name)}</label>
                <div class="token-row">
                    <input id=input_id type="password" name="token" autocomplete="off" spellcheck="false" required
                        placeholder=info.token_shapes.first().map(|s| format!("{}…", s.prefix)).unwrap_or_default()/>
                    <button type="submit" class="btn btn-secondary" disabled=move || save.pending().get()>"Save token"</button>
                </div>
            </ActionForm>
            {move || error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </details>
    }
}
