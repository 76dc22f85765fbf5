//! "Import from Local Claude": a one-time code, the command that sends the
//! credential file with it, and the page turning to Connected when it arrives.

use leptos::prelude::*;

use crate::connect::import::functions::{import_status, start_import};
use crate::connect::import::{ImportState, ImportView};
use crate::providers::ProviderInfo;
use crate::ui::clock;
use protocol::credential_files::CredentialFile;

#[component]
pub fn ImportPanel(
    info: &'static ProviderInfo,
    /// The file the user's machine sends: `info`'s, from the registry.
    file: &'static CredentialFile,
    import: ImportView,
    on_close: Callback<()>,
) -> impl IntoView {
    let code = RwSignal::new(import.code.clone().unwrap_or_default());
    let import = RwSignal::new(import);
    let deadline = RwSignal::new(clock::deadline_in(import.get_untracked().expires_in));
    let remaining = RwSignal::new(import.get_untracked().expires_in);
    let copied = RwSignal::new(None::<&'static str>);
    let origin = clock::origin();

    let refresh = Action::new(move |id: &String| {
        let id = id.clone();
        async move { import_status(id).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(view)) = refresh.value().get() {
            deadline.set(clock::deadline_in(view.expires_in));
            import.set(view);
        }
    });
    let state = move || import.with(|i| i.state);
    clock::every(1000, move || {
        remaining.set(clock::seconds_until(deadline.get_untracked()));
        if state() == ImportState::Waiting && !refresh.pending().get_untracked() {
            refresh.dispatch(import.with_untracked(|i| i.id.clone()));
        }
    });
    let again = Action::new(move |_: &()| async move { start_import(info.id).await });
    Effect::new(move |_| {
        if let Some(Ok(view)) = again.value().get() {
            code.set(view.code.clone().unwrap_or_default());
            deadline.set(clock::deadline_in(view.expires_in));
            remaining.set(view.expires_in);
            import.set(view);
        }
    });

    let relay_command = {
        let origin = origin.clone();
        move || {
            format!(
                "relay credentials import {} --code {} --server {}",
                file.name,
                code.get(),
                origin
            )
        }
    };
    let curl_command = move || {
        format!(
            "curl -sS --fail-with-body -X POST -H 'X-Import-Code: {}' -H 'Content-Type: application/json' --data-binary @\"$HOME/{}\" {}/api/credentials/import",
            code.get(),
            file.home_path,
            origin
        )
    };
    let copy = move |which: &'static str, text: String| {
        clock::copy_to_clipboard(&text);
        copied.set(Some(which));
        set_timeout(move || copied.set(None), std::time::Duration::from_secs(2));
    };
    let copy_label = move |which: &'static str| {
        if copied.get() == Some(which) {
            "Copied"
        } else {
            "Copy"
        }
    };

    view! {
        <section class="device-login" aria-labelledby=format!("import-{}-heading", info.id)>
            <p class="visually-hidden" role="status" aria-live="polite">{move || match state() {
                ImportState::Waiting => "Waiting for import.",
                ImportState::Imported => "Connected! Your credentials were imported.",
                ImportState::Expired => "The import code expired.",
            }}</p>
            {move || match state() {
                ImportState::Waiting => view! {
                    <h2 id=format!("import-{}-heading", info.id)>{format!("Import {} Credentials", info.short)}</h2>
                    <p>"Run this command on your local machine:"</p>
                    <div class="command-row">
                        <code class="command">{relay_command.clone()}</code>
                        <button type="button" class="btn btn-secondary btn-small" on:click={
                            let relay_command = relay_command.clone();
                            move |_| copy("relay", relay_command())
                        }>{move || copy_label("relay")}</button>
                    </div>
                    <details class="token-form">
                        <summary>"Or with curl"</summary>
                        <div class="command-row">
                            <code class="command">{curl_command.clone()}</code>
                            <button type="button" class="btn btn-secondary btn-small" on:click={
                                let curl_command = curl_command.clone();
                                move |_| copy("curl", curl_command())
                            }>{move || copy_label("curl")}</button>
                        </div>
                    </details>
                    <p>"This will:"</p>
                    <ul>
                        <li>{format!("Read your {} credentials from {}", info.short, file.shown_folder())}</li>
                        <li>"Send them over HTTPS with this one-time code"</li>
                        <li>"Store them encrypted in Agent Relay Cloud's vault"</li>
                    </ul>
                    <p class="device-waiting"><span class="spinner" aria-hidden="true"></span>"Waiting for import…"</p>
                    <p class="device-countdown">"Code expires in " <span class="countdown">{move || clock::mm_ss(remaining.get())}</span></p>
                    <button type="button" class="btn btn-secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                }.into_any(),
                ImportState::Imported => view! {
                    <h2 id=format!("import-{}-heading", info.id)>"✅ Connected!"</h2>
                    <p>"Your " {info.name} " credentials were imported."</p>
                    <p class="device-account">"Account: " {move || import.with(|i| i.account.clone().unwrap_or_default())}</p>
                    <button type="button" class="btn btn-primary btn-block" on:click=move |_| on_close.run(())>"Continue →"</button>
                }.into_any(),
                ImportState::Expired => view! {
                    <h2 id=format!("import-{}-heading", info.id)>"⚠️ Code Expired"</h2>
                    <p>"The import code has expired. Codes last 10 minutes."</p>
                    <div class="actions">
                        <button type="button" class="btn btn-secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                        <button type="button" class="btn btn-primary" on:click=move |_| { again.dispatch(()); }>"Get New Code"</button>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
