//! `relay auth`: the hosted login. The browser signs in at the server (which
//! talks to GitHub); this process only proves, with a PKCE verifier that
//! never leaves it until then, that it started the login, and collects the
//! session token. And `relay credentials import`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::api::{Api, CliError};
use crate::session::Session;
use protocol::api::{CliProviders, ErrorBody, ErrorCode, Imported, PollAnswer, PollRequest};
use protocol::credential_files;

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub async fn run(
    api: &Api,
    provider: &str,
    no_browser: bool,
    timeout: u64,
) -> Result<Session, CliError> {
    let state = random_token();
    let verifier = random_token();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let mut url = api.url("/oauth/start");
    url.query_pairs_mut()
        .append_pair("provider", provider)
        .append_pair("mode", "cli")
        .append_pair("state", &state)
        .append_pair("code_challenge", &challenge)
        .append_pair("code_challenge_method", "S256");

    // An unknown provider is refused here, before a browser opens.
    let offered = api
        .http()
        .get(api.url("/cli/providers"))
        .send()
        .await
        .map_err(|e| api.unreachable(e))?
        .json::<CliProviders>()
        .await
        .map(|answer| answer.providers)
        .unwrap_or_default();
    if !offered.iter().any(|p| p == provider) {
        return Err(CliError::UnknownProvider(format!(
            "unknown provider “{provider}”: this server signs terminals in with {}.",
            offered.join(", ")
        )));
    }

    let code = protocol::cli_login::user_code(&state);
    // Listening for Ctrl-C from here on (a handler registered only once the
    // wait starts would let an early Ctrl-C kill the process uncleanly).
    let cancelled = interrupted()?;

    if no_browser || !open_browser(url.as_str()) {
        println!("Open this URL in a browser to sign in:\n\n  {url}\n");
        if let Some(qr) = qr_code(url.as_str()) {
            println!("{qr}");
        }
    } else {
        println!("Opened your browser to sign in. If nothing happened, open:\n\n  {url}\n");
    }
    println!("Your code is {code}: the browser asks you to confirm it.\n");
    let _ = std::io::stdout().flush();

    let waiting = wait(api, &state, &verifier, Duration::from_secs(timeout));
    tokio::select! {
        result = waiting => {
            clear_spinner();
            result
        }
        _ = cancelled => {
            clear_spinner();
            Err(CliError::Cancelled)
        }
    }
}

async fn wait(
    api: &Api,
    state: &str,
    verifier: &str,
    timeout: Duration,
) -> Result<Session, CliError> {
    let started = Instant::now();
    let mut interval = Duration::from_secs(2);
    let mut frame = 0usize;
    loop {
        if started.elapsed() > timeout {
            return Err(CliError::Refused(format!(
                "gave up after {} seconds without a sign-in. Run `relay auth` again.",
                timeout.as_secs()
            )));
        }
        spinner(&mut frame, started.elapsed());
        tokio::time::sleep(interval).await;
        let response = api
            .http()
            .post(api.url("/cli/poll"))
            .json(&PollRequest {
                state: state.to_owned(),
                code_verifier: verifier.to_owned(),
            })
            .send()
            .await
            .map_err(|e| api.unreachable(e))?;
        let status = response.status();
        if !status.is_success() {
            match response.json::<ErrorBody>().await {
                Ok(ErrorBody {
                    error: ErrorCode::SlowDown,
                    interval: asked,
                    ..
                }) => {
                    interval_from(&mut interval, asked);
                    continue;
                }
                Ok(ErrorBody { message, .. }) => {
                    return Err(CliError::Refused(format!(
                        "{message} Run `relay auth` again."
                    )))
                }
                Err(_) => return Err(crate::api::refusal(status.as_u16(), None)),
            }
        }
        match response.json::<PollAnswer>().await {
            Ok(PollAnswer::Pending { interval: seconds }) => {
                interval_from(&mut interval, Some(seconds))
            }
            Ok(PollAnswer::Ok {
                session_jwt,
                expires_in,
                login,
            }) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0);
                return Ok(Session {
                    server: api.server(),
                    token: session_jwt,
                    login,
                    expires_at: now + expires_in,
                });
            }
            Err(_) => {
                return Err(CliError::Refused(
                    "the server's answer was not understood. Run `relay auth` again.".to_owned(),
                ))
            }
        }
    }
}

/// The server says how often to poll; never more than once a second.
fn interval_from(interval: &mut Duration, seconds: Option<u64>) {
    if let Some(seconds) = seconds {
        *interval = Duration::from_secs(seconds.max(1));
    }
}

/// Resolves on Ctrl-C; the handler is in place when this returns.
fn interrupted() -> Result<impl std::future::Future<Output = ()>, CliError> {
    #[cfg(unix)]
    {
        let mut sigint = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
            .map_err(|e| CliError::Local(e.to_string()))?;
        Ok(async move {
            sigint.recv().await;
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

fn spinner(frame: &mut usize, elapsed: Duration) {
    if !std::io::stderr().is_terminal() {
        if *frame == 0 {
            eprintln!("Waiting for you to sign in in the browser… (Ctrl-C to cancel)");
        }
        *frame += 1;
        return;
    }
    const FRAMES: [&str; 4] = ["|", "/", "-", "\\"];
    eprint!(
        "\r{} Waiting for you to sign in in the browser… {}s (Ctrl-C to cancel) ",
        FRAMES[*frame % FRAMES.len()],
        elapsed.as_secs()
    );
    let _ = std::io::stderr().flush();
    *frame += 1;
}

fn clear_spinner() {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
        let _ = std::io::stderr().flush();
    }
}

/// Opens `url` with the desktop's opener; false when there is none.
fn open_browser(url: &str) -> bool {
    let opener: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["cmd", "/C", "start", ""]
    } else {
        &["xdg-open"]
    };
    std::process::Command::new(opener[0])
        .args(&opener[1..])
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The URL as a QR code in text, for a phone next to a headless machine.
pub(crate) fn qr_code(url: &str) -> Option<String> {
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::unicode::Dense1x2>()
            .quiet_zone(true)
            .build(),
    )
}

/// `relay credentials import <agent> --code …`: asks, refuses a symlink, sends.
pub async fn import_file(
    api: &Api,
    agent: &str,
    code: &str,
    file: Option<PathBuf>,
    yes: bool,
) -> Result<Imported, CliError> {
    let known = credential_files::find(agent).ok_or_else(|| {
        let names: Vec<&str> = credential_files::ALL.iter().map(|f| f.name).collect();
        CliError::UnknownProvider(format!(
            "only {} can be imported (got “{agent}”)",
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })?;
    let path = match file {
        Some(path) => path,
        None => dirs::home_dir()
            .ok_or_else(|| CliError::Local("no home directory".to_owned()))?
            .join(known.home_path),
    };
    // Opened before asking, without following a symbolic link, and read
    // from that same handle afterwards: the file cannot be swapped meanwhile.
    let mut file = open_no_follow(&path)?;
    let metadata = file
        .metadata()
        .map_err(|e| CliError::Local(format!("cannot read {}: {e}", path.display())))?;
    if !metadata.is_file() {
        return Err(CliError::Local(format!("{} is not a file", path.display())));
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::Local(
                "not asking without a terminal: pass --yes to send the file".to_owned(),
            ));
        }
        eprint!(
            "Read {} and send it to {}? [y/N] ",
            path.display(),
            api.server()
        );
        let _ = std::io::stderr().flush();
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| CliError::Local(e.to_string()))?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            return Err(CliError::Refused("nothing was sent.".to_owned()));
        }
    }
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut file, &mut body)
        .map_err(|e| CliError::Local(format!("cannot read {}: {e}", path.display())))?;
    let request = api
        .http()
        .post(api.url("/api/credentials/import"))
        .header("X-Import-Code", code.trim())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body);
    api.send(request).await
}

/// Opens `path` for reading, refusing a symbolic link (O_NOFOLLOW on Unix).
fn open_no_follow(path: &std::path::Path) -> Result<std::fs::File, CliError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path).map_err(|e| {
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if is_link {
            CliError::Local(format!(
                "{} is a symbolic link; refusing to follow it",
                path.display()
            ))
        } else {
            CliError::Local(format!("cannot read {}: {e}", path.display()))
        }
    })
}
