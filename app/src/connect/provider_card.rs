//! One provider's card: what it is, its connection, and the ways to connect
//! it that this server offers. Used by the wizard and by settings.

use leptos::prelude::*;

use crate::connect::device::functions::StartDeviceFlow;
use crate::connect::device::panel::DeviceLogin;
use crate::connect::functions::{DisconnectProvider, SaveAccessToken, TestProvider};
use crate::connect::import::functions::StartImport;
use crate::connect::import::panel::ImportPanel;
use crate::connect::self_hosted::form::SelfHostedEndpoints;
use crate::connect::{CredentialMethod, CredentialStatus, ProviderStatus, Verification};
use crate::providers::{ConnectMethod, ProviderId, ProviderInfo};
use crate::ui::form::FormInPlace;
use crate::ui::live::Reveal;
use leptos::server_fn::ServerFn;

#[component]
pub fn ProviderCard(
    status: ProviderStatus,
    /// Settings show dates, expiry and Reconnect; the wizard keeps it short.
    #[prop(optional)]
    detailed: bool,
) -> impl IntoView {
    let info = status.id.info();
    // Every action is a form: the server answers by sending the browser back
    // to this page, which then shows what changed (a waiting login, an
    // import's code, an error).
    let start = ServerAction::<StartDeviceFlow>::new();
    let import = ServerAction::<StartImport>::new();
    let error = move || {
        let started = start.value().get().and_then(Result::err);
        let imported = import.value().get().and_then(Result::err);
        started
            .or(imported)
            .filter(|e| e.is_about(info.id))
            .map(|e| e.to_string())
    };
    let can_import = status.methods.contains(&ConnectMethod::Import);
    let can_endpoint = status.methods.contains(&ConnectMethod::Endpoint);
    let can_device = status.methods.contains(&ConnectMethod::DeviceCode);
    let can_redirect = status.methods.contains(&ConnectMethod::Redirect);
    let can_token = status.methods.contains(&ConnectMethod::AccessToken);
    // Where every form of the card comes back to.
    let here = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    let credential = status.credential.clone();
    let connected = credential.is_some();
    let heading_id = format!("provider-{}", info.id);
    let title_id = heading_id.clone();

    let body = match (status.pending_flow, status.pending_import) {
        (_, Some(view)) => view! {
            <ImportPanel info import=view origin=public_origin() here/>
        }
        .into_any(),
        (Some(flow), None) => view! { <DeviceLogin info flow here/> }.into_any(),
        (None, None) => view! {
            <div class="provider-actions">
                // A form, not a link: starting a connect changes state, which a
                // GET (a link on any site) must not.
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
                            <button type="submit" class=class>{label}</button>
                        </ActionForm>
                    }
                })}
                {(can_import && !connected).then(|| view! {
                    <ActionForm action=import attr:class="inline">
                        <input type="hidden" name="provider" value=info.id.as_str()/>
                        <button type="submit" class="btn btn-secondary">{format!("Import from Local {}", info.short)}</button>
                    </ActionForm>
                })}
            </div>
            {error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            // Type-erased: the card's full view type is too deep for the compiler.
            {(can_token && !connected).then(|| view! { <AccessTokenForm info/> }.into_any())}
            {can_endpoint.then(|| view! { <SelfHostedEndpoints endpoints=status.endpoints.clone()/> }.into_any())}
        }
        .into_any(),
    };

    view! {
        <article class="provider-card" data-provider=info.id.as_str() aria-labelledby=heading_id>
            <header class="provider-head">
                <div>
                    <h2 class="provider-title" id=title_id>{info.title}</h2>
                    <p class="provider-products">{info.products}</p>
                </div>
                {credential.as_ref().map(|c| if c.needs_reconnect {
                    view! { <span class="badge badge-warning">"Needs reconnect"</span> }.into_any()
                } else if c.verification == Verification::Pending {
                    view! { <span class="badge badge-warning">"Not yet verified"</span> }.into_any()
                } else {
                    view! { <span class="badge badge-success">"✓ Connected"</span> }.into_any()
                })}
            </header>
            {match &credential {
                Some(c) => view! { <Connected info credential=c.clone() detailed/> }.into_any(),
                None => view! {
                    <p class="muted">{info.description}</p>
                    {info.recommended.map(|r| view! { <p class="recommended">{r}</p> })}
                }.into_any(),
            }}
            {body}
        </article>
    }
    .into_any()
}

/// "https://relay.example": where a user's machine reaches this server.
fn public_origin() -> String {
    #[cfg(feature = "ssr")]
    {
        use_context::<crate::platform::AppState>()
            .map(|app| app.public_url.origin().ascii_serialization())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        String::new()
    }
}

fn login_label(info: &ProviderInfo, connected: bool) -> String {
    if connected {
        format!("Reconnect {}", info.name)
    } else {
        format!("Login with {}", info.name)
    }
}

/// "✓ Connected" details, Test and Disconnect (with a confirmation).
#[component]
fn Connected(
    info: &'static ProviderInfo,
    credential: CredentialStatus,
    detailed: bool,
) -> impl IntoView {
    let disconnect = ServerAction::<DisconnectProvider>::new();
    let error = move || {
        disconnect
            .value()
            .get()
            .and_then(Result::err)
            .filter(|e| e.is_about(info.id))
            .map(|e| e.to_string())
    };
    let from_signin = credential.method == CredentialMethod::SignIn;
    let who = if from_signin {
        format!(
            "Already connected via your GitHub account ({})",
            credential.account
        )
    } else if credential.method == CredentialMethod::Token {
        // A pasted key names no account: "Google API key".
        credential.account.clone()
    } else {
        format!("Logged in as {}", credential.account)
    };
    let location = leptos_router::hooks::use_location();
    let here = location.pathname.get_untracked();
    // Without JavaScript, Disconnect asks by coming back with `?disconnect=<id>`.
    let confirming = leptos_router::hooks::use_query_map()
        .with_untracked(|q| q.get("disconnect").as_deref() == Some(info.id.as_str()));
    view! {
        <p class="provider-account">{who}</p>
        {credential.token_hint.clone().map(|h| view! { <p class="muted">"Token " <code>{h}</code></p> })}
        {credential.needs_reconnect.then(|| view! {
            <p class="form-error" role="alert">{format!("{} refused this credential. Reconnect to keep using it.", info.name)}</p>
        })}
        {(credential.verification == Verification::Pending && !credential.needs_reconnect).then(|| view! {
            <p class="muted">{format!("{} gave no verdict on this credential when it was stored; Relay asks again every minute.", info.name)}</p>
        })}
        {detailed.then(|| view! {
            <CredentialDetails credential=credential.clone()/>
            <TestCredential provider=info.id/>
        })}
        {(!from_signin).then(|| view! { <DisconnectButton info here confirming/> })}
        {error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
    }
}

/// "Test": asks the provider who the credential belongs to and says so in
/// place. Without JavaScript the form still runs the test; the outcome is
/// then in the activity log below.
#[component]
fn TestCredential(provider: ProviderId) -> impl IntoView {
    view! {
        <FormInPlace action=TestProvider::PATH.to_owned() error=None class="inline".to_owned() shows_answer=true>
            <input type="hidden" name="provider" value=provider.as_str()/>
            <button type="submit" class="btn btn-secondary btn-small">"Test"</button>
        </FormInPlace>
    }
}

/// Disconnect, then "Yes, disconnect" or "Keep". In place with JavaScript;
/// without it, Disconnect and Keep are forms of the page that show or hide
/// the question (`?disconnect=<id>`), and "Yes, disconnect" posts.
#[component]
fn DisconnectButton(info: &'static ProviderInfo, here: String, confirming: bool) -> impl IntoView {
    view! {
        <Reveal open=confirming class="disconnect".to_owned()>
            <form method="get" action=here.clone() class="inline until-revealed" data-reveal="open">
                <input type="hidden" name="disconnect" value=info.id.as_str()/>
                <button type="submit" class="btn btn-ghost btn-small">"Disconnect"</button>
            </form>
            <div class="confirm when-revealed" role="group" aria-label=format!("Disconnect {}?", info.title)>
                <p>{format!("Disconnect {}? Agents will stop using this credential.", info.title)}</p>
                <form method="post" action=DisconnectProvider::PATH class="inline">
                    <input type="hidden" name="provider" value=info.id.as_str()/>
                    <button type="submit" class="btn btn-danger btn-small">"Yes, disconnect"</button>
                </form>
                <form method="get" action=here class="inline" data-reveal="close">
                    <button type="submit" class="btn btn-secondary btn-small">"Keep"</button>
                </form>
            </div>
        </Reveal>
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
            {credential.verified_at.map(|at| view! {
                <dt>"Verified"</dt>
                <dd><LocalTime at/>{credential.proof.clone().map(|p| format!(": works, {p}"))}</dd>
            })}
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
fn AccessTokenForm(info: &'static ProviderInfo) -> impl IntoView {
    let save = ServerAction::<SaveAccessToken>::new();
    let error = save
        .value()
        .get_untracked()
        .and_then(Result::err)
        .filter(|e| e.is_about(info.id));
    let input_id = format!("token-{}", info.id);
    // Open again when the page comes back with this form's refusal.
    let opened = error.is_some();
    view! {
        <details class="token-form" open=opened>
            <summary>"Use an access token instead"</summary>
            <FormInPlace action=SaveAccessToken::PATH.to_owned() error>
                <input type="hidden" name="provider" value=info.id.as_str()/>
                <label for=input_id.clone()>{format!("{} access token or API key", info.name)}</label>
                <div class="token-row">
                    <input id=input_id type="password" name="token" autocomplete="off" spellcheck="false" required
                        placeholder=info.token_shapes.first().map(|s| format!("{}…", s.prefix)).unwrap_or_default()/>
                    <button type="submit" class="btn btn-secondary">"Save token"</button>
                </div>
            </FormInPlace>
        </details>
    }
}
