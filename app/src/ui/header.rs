use leptos::prelude::*;

use crate::identity::functions::SignOut;
use crate::identity::CurrentUser;
use crate::ui::brand::Logo;

/// The top bar of signed-in pages: brand, the user's GitHub login and avatar, Sign out.
#[component]
pub fn AppHeader(user: CurrentUser) -> impl IntoView {
    let sign_out = ServerAction::<SignOut>::new();
    let display = user.display_name().to_owned();
    // The @login line only adds something when the display name differs.
    let login = (display != user.login).then(|| format!("@{}", user.login));
    view! {
        <header class="topbar">
            <a class="brand" href="/" aria-label="Agent Relay Cloud home">
                <Logo size=28/>
                <span class="brand-name">"Agent Relay Cloud"</span>
            </a>
            <nav class="account" aria-label="Account">
                <a class="btn btn-ghost btn-small" href="/dashboard">"Dashboard"</a>
                <a class="btn btn-ghost btn-small" href="/settings/providers">"Settings"</a>
                {user.avatar_url.clone().map(|src| view! { <img class="avatar" src=src alt="" width="32" height="32"/> })}
                <span class="account-name">
                    <span class="account-display">{display}</span>
                    {login.map(|l| view! { <span class="account-login">{l}</span> })}
                </span>
                <ActionForm action=sign_out attr:class="inline sign-out">
                    // Signing out here can end the terminals too (unticked: a
                    // terminal is often what the user still wants signed in).
                    {(user.terminals > 0).then(|| view! {
                        <label class="sign-out-terminals">
                            <input type="checkbox" name="terminals" value="on"/>
                            {terminals_label(user.terminals)}
                        </label>
                    })}
                    <button type="submit" class="btn btn-ghost btn-small">"Sign out"</button>
                </ActionForm>
            </nav>
        </header>
    }
}

fn terminals_label(count: u32) -> String {
    match count {
        1 => "and my terminal".to_owned(),
        n => format!("and my {n} terminals"),
    }
}
