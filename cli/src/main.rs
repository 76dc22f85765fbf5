//! `relay`: sign in to Agent Relay Cloud from any terminal (through the
//! server's hosted login, no localhost callback), manage provider keys, and
//! run agents with fresh provider credentials.

mod api;
mod connect;
mod login;
mod session;

use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use protocol::api::{Credential, Deleted, Keys, LoggedOut, Me, NewKey, SavedKey};
use serde_json::json;

use crate::api::{Api, CliError};
use crate::session::Session;

#[derive(Parser)]
#[command(name = "relay", version, about = "Agent Relay Cloud from a terminal")]
struct Cli {
    /// The Relay server (default: the one you signed in to, else http://127.0.0.1:3000).
    #[arg(long, global = true, env = "RELAY_SERVER")]
    server: Option<String>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Sign in through the browser (GitHub by default).
    Auth {
        /// github, google or microsoft (as configured on the server).
        #[arg(default_value = "github")]
        provider: String,
        /// Print the URL (and a QR code) instead of opening a browser.
        #[arg(long)]
        no_browser: bool,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 600)]
        timeout: u64,
    },
    /// Who you are signed in as.
    Whoami,
    /// Sign out: the session token is revoked and forgotten.
    Logout,
    /// Provider API keys stored for you in Relay's vault.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Credentials from a local agent login.
    Credentials {
        #[command(subcommand)]
        command: CredentialsCommand,
    },
    /// Connect a provider from this terminal: its device login (code, URL,
    /// QR code, countdown), or with `--key` a key read from stdin or a prompt.
    Connect {
        provider: String,
        /// Store a key instead (read from stdin or a hidden prompt).
        #[arg(long)]
        key: bool,
    },
    /// Run a command with a provider's fresh credential in its environment.
    Env {
        provider: String,
        /// The command and its arguments, after `--`.
        #[arg(last = true, required = true)]
        command: Vec<String>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Store a key (read from stdin or a hidden prompt when not given).
    Add {
        provider: String,
        key: Option<String>,
    },
    /// List your keys, masked.
    Ls,
    /// Delete the key of a provider.
    Rm { provider: String },
}

#[derive(Subcommand)]
enum CredentialsCommand {
    /// Send an agent CLI's local login with a one-time code (Claude Code's ~/.claude/.credentials.json).
    Import {
        /// Whose credential file: `claude` (Claude Code).
        agent: String,
        /// The one-time code shown on the providers page.
        #[arg(long)]
        code: String,
        /// The credential file (default: where the agent CLI keeps it, ~/.claude/.credentials.json for `claude`).
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        /// Do not ask before reading the file.
        #[arg(long, short)]
        yes: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime starts");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("relay: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let stored = Session::load()?;
    let server = cli
        .server
        .clone()
        .or_else(|| stored.as_ref().map(|s| s.server.clone()))
        .unwrap_or_else(|| "http://127.0.0.1:3000".to_owned());
    let api = Api::new(&server)?;
    // The session goes only to the server that issued it.
    let signed_in = || -> Result<&Session, CliError> {
        let session = stored.as_ref().ok_or(CliError::NotLoggedIn)?;
        if session.server != api.server() {
            return Err(CliError::Refused(format!(
                "you are logged in at {}, not {}. Run `relay auth` to log in there.",
                session.server,
                api.server()
            )));
        }
        if session.expired() {
            return Err(CliError::Expired);
        }
        Ok(session)
    };

    match cli.command {
        Command::Auth {
            provider,
            no_browser,
            timeout,
        } => {
            let session = login::run(&api, &provider, no_browser, timeout).await?;
            session.save()?;
            if cli.json {
                print_json(
                    &json!({ "login": session.login, "server": session.server, "expires_at": session.expires_at }),
                );
            } else {
                println!("Logged in as {} at {}.", session.login, session.server);
            }
        }
        Command::Whoami => {
            let me: Me = api.get(signed_in()?, "/api/me").await?;
            if cli.json {
                print_json(&me);
            } else {
                let login = &me.login;
                match me.name.as_deref().filter(|n| !n.is_empty() && n != login) {
                    Some(name) => println!("{login} ({name}) at {}", api.server()),
                    None => println!("{login} at {}", api.server()),
                }
                if !me.providers.is_empty() {
                    println!("Connected providers: {}", me.providers.join(", "));
                }
            }
        }
        Command::Logout => {
            match &stored {
                Some(session) => {
                    // Revoke on the server when it answers; forget locally either way.
                    if let Err(e) = api
                        .post::<LoggedOut>(session, "/api/logout", &json!({}))
                        .await
                    {
                        eprintln!("relay: the server did not revoke the token ({e}); it expires on its own");
                    }
                    Session::forget()?;
                    println!("Logged out.");
                }
                None => println!("Not logged in."),
            }
        }
        Command::Keys { command } => keys(&api, signed_in()?, command, cli.json).await?,
        Command::Credentials {
            command:
                CredentialsCommand::Import {
                    agent,
                    code,
                    file,
                    yes,
                },
        } => {
            let answer = login::import_file(&api, &agent, &code, file, yes).await?;
            if cli.json {
                print_json(&answer);
            } else {
                println!(
                    "Imported: {} is connected as {}.",
                    answer.provider, answer.account
                );
            }
        }
        Command::Connect {
            provider,
            key: true,
        } => {
            let add = KeysCommand::Add {
                provider,
                key: None,
            };
            keys(&api, signed_in()?, add, cli.json).await?
        }
        Command::Connect {
            provider,
            key: false,
        } => {
            let connected = connect::device(&api, signed_in()?, &provider).await?;
            if cli.json {
                print_json(&connected);
            } else {
                println!(
                    "✓ Connected {} as {}.",
                    connected.provider,
                    connected.account.as_deref().unwrap_or("your account")
                );
            }
        }
        Command::Env { provider, command } => {
            let credential: Credential = api
                .get(
                    signed_in()?,
                    &format!("/api/credentials/{}", api::segment(&provider)),
                )
                .await?;
            return run_with_env(&credential, &command);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn keys(
    api: &Api,
    session: &Session,
    command: KeysCommand,
    as_json: bool,
) -> Result<(), CliError> {
    match command {
        KeysCommand::Add { provider, key } => {
            let key = match key {
                Some(key) => {
                    eprintln!("relay: a key on the command line stays in your shell history; next time pipe it in or type it at the prompt.");
                    key
                }
                None => read_secret(&format!("{provider} key (input hidden): "))?,
            };
            let new = NewKey {
                provider: provider.clone(),
                key: key.trim().to_owned(),
            };
            let saved: SavedKey = api.post(session, "/api/keys", &new).await?;
            if as_json {
                print_json(&saved);
            } else {
                println!(
                    "Stored the {} {} {} in the vault; agents read it from {}.",
                    saved.provider,
                    saved.kind,
                    saved.hint.as_deref().unwrap_or(""),
                    saved.env_var.as_deref().unwrap_or("?"),
                );
                match (saved.verification.as_str(), &saved.proof) {
                    ("verified", Some(proof)) => println!("✓ Works: {proof}."),
                    ("pending", _) => println!(
                        "Not yet verified: the provider gave no verdict (down or rate-limited); Relay checks it again every minute."
                    ),
                    _ => {}
                }
            }
        }
        KeysCommand::Ls => {
            let list: Keys = api.get(session, "/api/keys").await?;
            if as_json {
                print_json(&list);
            } else {
                if list.keys.is_empty() {
                    println!("No keys yet. Add one with `relay keys add <provider>`.");
                }
                for k in &list.keys {
                    let state = match (k.needs_reconnect, k.verification.as_str()) {
                        (true, _) => "needs reconnect",
                        (false, "verified") => "verified",
                        (false, "pending") => "not yet verified",
                        _ => "",
                    };
                    println!(
                        "{:<12} {:<20} {:<24} {}",
                        k.provider,
                        k.hint.as_deref().unwrap_or(""),
                        k.env_var.as_deref().unwrap_or(""),
                        state
                    );
                }
            }
        }
        KeysCommand::Rm { provider } => {
            let deleted: Deleted = api
                .delete(session, &format!("/api/keys/{}", api::segment(&provider)))
                .await?;
            if as_json {
                print_json(&deleted);
            } else {
                println!("Deleted the {provider} key.");
            }
        }
    }
    Ok(())
}

/// A secret from stdin when piped, else from a prompt that does not echo.
fn read_secret(prompt: &str) -> Result<String, CliError> {
    let secret = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).map_err(|e| CliError::Local(e.to_string()))?
    } else {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::Local(e.to_string()))?;
        text
    };
    let secret = secret.trim().to_owned();
    if secret.is_empty() {
        return Err(CliError::Local("no key given".to_owned()));
    }
    Ok(secret)
}

/// Runs `command` with the credential's environment; returns its exit code.
fn run_with_env(credential: &Credential, command: &[String]) -> Result<ExitCode, CliError> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| CliError::Local("no command given after --".to_owned()))?;
    let mut child = std::process::Command::new(program);
    child.args(args);
    for (name, value) in &credential.env {
        // Credential variables only: never PATH, LD_PRELOAD and the like.
        let credential_like = name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            && ["_KEY", "_TOKEN", "_ENDPOINT"]
                .iter()
                .any(|end| name.ends_with(end));
        if credential_like {
            child.env(name, value);
        } else {
            eprintln!("relay: ignoring the variable {name} from the server");
        }
    }
    let status = child
        .status()
        .map_err(|e| CliError::Local(format!("cannot run {program}: {e}")))?;
    // Killed by a signal: 128 + its number, as shells report it.
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return Ok(ExitCode::from((128 + signal).clamp(0, 255) as u8));
    }
    Ok(ExitCode::from(
        status.code().unwrap_or(1).clamp(0, 255) as u8
    ))
}

fn print_json(value: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}
