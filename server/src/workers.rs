//! Background work: polling device flows and refreshing credentials before they expire.
//! The schedule is in the database, so any instance may do it and a restart
//! picks up where the last process stopped.

use std::time::Duration;

use app::connect::device::flows as device_flows;
use app::freshness;
use app::platform::AppState;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// The longest the device-flow worker sleeps: new flows wake it earlier.
const IDLE: Duration = Duration::from_secs(5);
/// The fewest free places the worker claims due flows for while polls
/// are in flight.
const CLAIM_AT_LEAST: usize = device_flows::POLLS_AT_ONCE / 4;

/// Keeps up to `POLLS_AT_ONCE` polls in flight: claims due flows whenever
/// there is room, and sleeps until a poll ends, the next flow is due, a new
/// flow starts, or the server stops (then lets the polls in flight finish,
/// so their leases do not hold the flows for a minute).
pub async fn device_flows(app: AppState, mut stopped: watch::Receiver<bool>) {
    let mut polling = JoinSet::new();
    loop {
        let room = device_flows::POLLS_AT_ONCE - polling.len();
        let mut wait = IDLE;
        // Claims come in batches (each claim is a write): under load a
        // claim for every poll that ended doubled the worker's statements.
        if room >= CLAIM_AT_LEAST || polling.is_empty() {
            match device_flows::claim_due(&app, room).await {
                Ok(claimed) => {
                    let all_due_taken = claimed.len() < room;
                    for flow in claimed {
                        let app = app.clone();
                        polling.spawn(async move { device_flows::poll_claimed(&app, flow).await });
                    }
                    if all_due_taken {
                        if let Ok(Some(due)) = device_flows::next_due_in(&app).await {
                            wait = due.min(IDLE);
                        }
                    }
                }
                Err(e) => tracing::error!(error = %e, "claiming due device flows failed"),
            }
        }
        tokio::select! {
            Some(_) = polling.join_next(), if !polling.is_empty() => {
                // Claim again for every poll that ended meanwhile, at once.
                while polling.try_join_next().is_some() {}
            }
            _ = tokio::time::sleep(wait) => {}
            _ = app.device_worker.notified() => {}
            _ = stopped.changed() => break,
        }
    }
    while polling.join_next().await.is_some() {}
}

/// How often credentials about to expire are looked for (well inside the 5-minute window).
const SWEEP_EVERY: Duration = Duration::from_secs(60);

pub async fn refresh_sweep(app: AppState, mut stopped: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(SWEEP_EVERY);
    loop {
        tokio::select! {
            _ = tick.tick() => sweep(&app).await,
            _ = stopped.changed() => break,
        }
    }
}

/// One round of the device-flow worker: polls every flow that is due.
pub async fn poll_device_flows(app: &AppState) {
    if let Err(e) = device_flows::poll_due(app).await {
        tracing::error!(error = %e, "polling device flows failed");
    }
}

/// One round of the sweep: refreshes what is about to expire, and checks
/// again what a provider gave no verdict on when it was stored.
pub async fn sweep(app: &AppState) {
    if let Err(e) = freshness::sweep(app).await {
        tracing::error!(error = %e, "the refresh sweep failed");
    }
    if let Err(e) = app::connect::proof::verify_pending(app).await {
        tracing::error!(error = %e, "verifying stored credentials failed");
    }
}
