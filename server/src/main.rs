//! `relay-server`: runs Agent Relay Cloud. `relay-server generate-master-key`
//! prints a fresh key for `RELAY_MASTER_KEY`; `relay-server rotate-master-key`
//! re-wraps every key under a new `RELAY_MASTER_KEY` (the old one in
//! `RELAY_MASTER_KEY_PREVIOUS`) while servers run; `relay-server
//! rotate-signing-key` replaces the key that signs CLI session tokens.

use std::process::ExitCode;

use server::config::{Config, LogFormat};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("generate-master-key") {
        println!("{}", app::vault::MasterKey::generate_hex());
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("relay-server: {e}");
            return ExitCode::from(2);
        }
    };
    let logs = tracing_subscriber::fmt().with_env_filter(EnvFilter::new(&config.log_filter));
    match config.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    if std::env::args().nth(1).as_deref() == Some("rotate-master-key") {
        let report = |p: server::Rotation| {
            let percent = (p.done * 100).checked_div(p.total).unwrap_or(100);
            println!("Re-wrapped {} of {} keys ({percent} %).", p.done, p.total);
        };
        return match server::rotate_master_key(&config, 500, report).await {
            Ok(_) => {
                println!(
                    "Every key is wrapped by the current master key (RELAY_MASTER_KEY); RELAY_MASTER_KEY_PREVIOUS is no longer needed."
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("relay-server: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    if std::env::args().nth(1).as_deref() == Some("rotate-signing-key") {
        return match server::rotate_signing_key(&config).await {
            Ok(kid) => {
                println!(
                    "New session signing key {kid}; the previous one stays published for an hour."
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("relay-server: {e:#}");
                ExitCode::FAILURE
            }
        };
    }

    let running = match server::start(config).await {
        Ok(running) => running,
        Err(e) => {
            eprintln!("relay-server: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    // One line a script (or a person) can read to find the server.
    println!("Agent Relay Cloud is running at {}", running.url);
    if let Some(dev) = &running.dev_providers_url {
        println!("Development providers (stand-in GitHub) at {dev}");
    }
    shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    running.shutdown().await;
    ExitCode::SUCCESS
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
