use leptos::prelude::*;
use leptos_meta::Title;

use crate::audit::functions::recent_activity;
use crate::connect::provider_card::LocalTime;
use crate::identity::functions::{
    signed_in_user, DeleteAccount as DeleteAccountFn, SignOutEverywhere as SignOutEverywhereFn,
};
use crate::pages::onboarding::{provider_statuses_of_the_page, ProviderList};
use crate::ui::form::FormInPlace;
use crate::ui::header::AppHeader;
use leptos::server_fn::ServerFn;

/// `/settings/providers`: connect, reconnect and disconnect providers, and
/// see what happened to the credentials lately.
#[component]
pub fn ProviderSettings() -> impl IntoView {
    // Created up front, like every page's resources (see pages/onboarding.rs).
    let user = Resource::new(|| (), |_| signed_in_user());
    let statuses = provider_statuses_of_the_page();
    // Reloaded whenever the statuses change (a connect, a disconnect, …).
    let activity = Resource::new(move || statuses.get(), |_| recent_activity());
    view! {
        <Title text="Provider settings"/>
        <Suspense fallback=|| view! { <p class="page-loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => { let terminals = user.terminals; let login = user.login.clone(); view! {
                        <AppHeader user/>
                        <main class="wizard" id="main">
                            <p><a href="/dashboard">"← Dashboard"</a></p>
                            <section class="card" aria-labelledby="settings-heading">
                                <h1 id="settings-heading">"AI providers"</h1>
                                <p class="lead">"Connect, reconnect and disconnect the providers your agents use. Credentials are encrypted in Relay's vault and shown here only as the account they belong to."</p>
                                <ProviderList statuses detailed=true/>
                            </section>
                            <section class="card activity" aria-labelledby="activity-heading">
                                <h2 id="activity-heading">"Recent activity"</h2>
                                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                                    {move || Suspend::new(async move {
                                        let entries = activity.await.unwrap_or_default();
                                        if entries.is_empty() {
                                            return view! { <p class="muted">"Nothing yet."</p> }.into_any();
                                        }
                                        view! {
                                            <table class="activity-table">
                                                <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Provider"</th><th scope="col">"Details"</th><th scope="col">"From"</th></tr></thead>
                                                <tbody>
                                                    {entries.into_iter().map(|e| view! {
                                                        <tr>
                                                            <td><LocalTime at=e.at/></td>
                                                            <td>{e.action.as_str()}</td>
                                                            <td>{e.provider.map(|p| p.as_str())}</td>
                                                            <td>{e.detail}</td>
                                                            <td>{e.source}</td>
                                                        </tr>
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                        }.into_any()
                                    })}
                                </Transition>
                            </section>
                            <SignOutEverywhere terminals/>
                            <DeleteAccount login/>
                        </main>
                    }.into_any() }
                    _ => view! { <p class="page-loading"><a href="/">"Please sign in"</a></p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// "Delete account", confirmed by typing the login (GitHub's own pattern).
#[component]
fn DeleteAccount(login: String) -> impl IntoView {
    let delete = ServerAction::<DeleteAccountFn>::new();
    let error = delete.value().get_untracked().and_then(Result::err);
    view! {
        <section class="card danger-zone" aria-labelledby="delete-heading">
            <h2 id="delete-heading">"Delete account"</h2>
            <p class="muted">"Relay's access is revoked at every provider you connected, every browser and terminal signed in as you is signed out, your vault key is destroyed (nothing Relay stored for you can be decrypted afterwards, by anyone) and your data is deleted. This cannot be undone."</p>
            <FormInPlace action=DeleteAccountFn::PATH.to_owned() error>
                <div class="field">
                    <label for="delete-confirm">"Type " <code>{login.clone()}</code> " to confirm"</label>
                    <input id="delete-confirm" type="text" name="confirm" autocomplete="off" spellcheck="false" required/>
                </div>
                <button type="submit" class="btn btn-danger">"Delete my account"</button>
            </FormInPlace>
        </section>
    }
}

/// Where a user ends every session at once (a lost laptop, a shared machine).
#[component]
fn SignOutEverywhere(terminals: u32) -> impl IntoView {
    let everywhere = ServerAction::<SignOutEverywhereFn>::new();
    let signed_in = match terminals {
        0 => "You are signed in in this browser; no terminal is signed in.".to_owned(),
        1 => "You are signed in in this browser, and 1 terminal (relay CLI) is signed in as you.".to_owned(),
        n => format!("You are signed in in this browser, and {n} terminals (relay CLI) are signed in as you."),
    };
    view! {
        <section class="card" aria-labelledby="sessions-heading">
            <h2 id="sessions-heading">"Sessions"</h2>
            <p>{signed_in}</p>
            <p class="muted">"Sign out everywhere ends every browser session and every terminal signed in as you, this one included. Your connected providers stay connected."</p>
            <ActionForm action=everywhere>
                <button type="submit" class="btn btn-danger">"Sign out everywhere"</button>
            </ActionForm>
        </section>
    }
}
