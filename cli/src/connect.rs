//! `relay connect <provider>`: the provider's device login from a terminal,
//! like `gh auth login`: the one-time code, the URL and a QR code, a
//! countdown, then the outcome. The flow is the one the providers page
//! starts, so the browser's settings show the result too.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use protocol::api::DeviceLogin;
use serde_json::json;

use crate::api::{self, Api, CliError};
use crate::session::Session;

/// How often the terminal asks where the login stands (the server's worker
/// polls the provider at the provider's own interval).
const ASK_EVERY: Duration = Duration::from_secs(1);

pub async fn device(api: &Api, session: &Session, provider: &str) -> Result<DeviceLogin, CliError> {
    let started: DeviceLogin = api
        .post(
            session,
            &format!("/api/connect/{}/device", api::segment(provider)),
            &json!({}),
        )
        .await?;
    let open = started
        .verification_uri_complete
        .clone()
        .unwrap_or_else(|| started.verification_uri.clone());
    eprintln!("! First copy your one-time code: {}", started.user_code);
    eprintln!(
        "Then open {} and enter it (or scan the code below).",
        started.verification_uri
    );
    if let Some(qr) = crate::login::qr_code(&open) {
        eprintln!("{qr}");
    }
    let deadline = Instant::now() + Duration::from_secs(started.expires_in.max(0) as u64);
    let live = std::io::stderr().is_terminal();
    loop {
        if live {
            let left = deadline.saturating_duration_since(Instant::now()).as_secs();
            eprint!(
                "\r\x1b[2KCode expires in {}:{:02} · waiting for you to authorize…",
                left / 60,
                left % 60
            );
            let _ = std::io::stderr().flush();
        }
        let now: DeviceLogin = api
            .get(
                session,
                &format!("/api/connect/device/{}", api::segment(&started.id)),
            )
            .await?;
        if now.state != "pending" {
            if live {
                eprintln!();
            }
            return ended(now);
        }
        tokio::time::sleep(ASK_EVERY).await;
    }
}

/// The outcome of a login that is no longer pending.
fn ended(login: DeviceLogin) -> Result<DeviceLogin, CliError> {
    let again = format!("Run `relay connect {}` again.", login.provider);
    match login.state.as_str() {
        "connected" => Ok(login),
        "expired" => Err(CliError::Refused(format!(
            "the code expired before it was entered. {again}"
        ))),
        "denied" => Err(CliError::Refused(format!(
            "access was denied at {}. {again}",
            login.provider
        ))),
        "cancelled" => Err(CliError::Refused(format!(
            "the login was cancelled (in the browser). {again}"
        ))),
        _ => Err(CliError::Refused(format!(
            "{} ended the login with an error ({}). {again}",
            login.provider,
            login.failure.as_deref().unwrap_or("unknown")
        ))),
    }
}
