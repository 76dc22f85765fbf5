//! "Import from Local Claude": a one-time code, the command that sends the
//! credential file with it, and the page turning to Connected when it arrives.
//! Rendered by the server in whatever state the import is, like the device
//! panel: Copy, the countdown and the push are small islands; the buttons
//! are plain forms.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::connect::import::functions::{CancelImport, StartImport};
use crate::connect::import::{ImportState, ImportView};
use crate::providers::ProviderInfo;
use crate::ui::live::{CopyButton, Countdown, WhenChanged};

#[component]
pub fn ImportPanel(
    info: &'static ProviderInfo,
    import: ImportView,
    /// Where the user's machine sends the file: this server's public origin.
    origin: String,
    /// The page this panel is on: "Continue" and "Cancel" come back to it.
    here: String,
) -> impl IntoView {
    // The registry says which file the user's machine sends.
    let Some(file) = info.import else {
        return ().into_any();
    };
    let heading_id = format!("import-{}-heading", info.id);
    let announcement = match import.state {
        ImportState::Waiting => "Waiting for import.",
        ImportState::Imported => "Connected! Your credentials were imported.",
        ImportState::Expired => "The import code expired.",
    };
    let body = match import.state {
        ImportState::Waiting => {
            let code = import.code.clone().unwrap_or_default();
            let relay_command = format!(
                "relay credentials import {} --code {code} --server {origin}",
                file.name
            );
            let curl_command = format!(
                "curl -sS --fail-with-body -X POST -H 'X-Import-Code: {code}' -H 'Content-Type: application/json' --data-binary @\"$HOME/{}\" {origin}/api/credentials/import",
                file.home_path
            );
            let then = format!("{here}?import={}", import.id);
            view! {
                <h2 id=heading_id.clone()>{format!("Import {} Credentials", info.short)}</h2>
                <p>"Run this command on your local machine:"</p>
                <div class="command-row">
                    <code class="command">{relay_command.clone()}</code>
                    <CopyButton text=relay_command/>
                </div>
                <details class="token-form">
                    <summary>"Or with curl"</summary>
                    <div class="command-row">
                        <code class="command">{curl_command.clone()}</code>
                        <CopyButton text=curl_command/>
                    </div>
                </details>
                <p>"This will:"</p>
                <ul>
                    <li>{format!("Read your {} credentials from {}", info.short, file.shown_folder())}</li>
                    <li>"Send them over HTTPS with this one-time code"</li>
                    <li>"Store them encrypted in Agent Relay Cloud's vault"</li>
                </ul>
                <p class="device-waiting"><span class="spinner" aria-hidden="true"></span>"Waiting for import…"</p>
                <p class="device-countdown">"Code expires in " <Countdown seconds=import.expires_in/></p>
                <WhenChanged events=format!("/live/import/{}", import.id) then=then.clone()/>
                <noscript inner_html=format!(r#"<meta http-equiv="refresh" content="5; url={then}">"#)></noscript>
                <form method="post" action=CancelImport::PATH>
                    <input type="hidden" name="id" value=import.id.clone()/>
                    <button type="submit" class="btn btn-secondary">"Cancel"</button>
                </form>
            }
            .into_any()
        }
        ImportState::Imported => view! {
            <h2 id=heading_id.clone()>"✅ Connected!"</h2>
            <p>"Your " {info.name} " credentials were imported."</p>
            <p class="device-account">"Account: " {import.account.clone().unwrap_or_default()}</p>
            <form method="get" action=here.clone()>
                <button type="submit" class="btn btn-primary btn-block">"Continue →"</button>
            </form>
        }
        .into_any(),
        ImportState::Expired => view! {
            <h2 id=heading_id.clone()>"⚠️ Code Expired"</h2>
            <p>"The import code has expired. Codes last 10 minutes."</p>
            <div class="actions">
                <form method="get" action=here.clone() class="inline">
                    <button type="submit" class="btn btn-secondary">"Cancel"</button>
                </form>
                <form method="post" action=StartImport::PATH class="inline">
                    <input type="hidden" name="provider" value=info.id.as_str()/>
                    <button type="submit" class="btn btn-primary">"Get New Code"</button>
                </form>
            </div>
        }
        .into_any(),
    };
    view! {
        <section class="device-login" aria-labelledby=heading_id.clone()>
            <p class="visually-hidden" role="status" aria-live="polite">{announcement}</p>
            {body}
        </section>
    }
    .into_any()
}
