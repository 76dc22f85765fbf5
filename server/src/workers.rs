//! Background work: polling device flows and refreshing credentials before they expire.
//! The schedule is in the database, so any instance may do it and a restart
//! picks up where the last process stopped.

use std::time::Duration;

use app::connect::device::flows as device_flows;
use app::freshness;
use app::platform::AppState;
use tokio::sync::watch;

/// The longest the device-flow worker sleeps: new flows wake it earlier.
const IDLE: Duration = Duration::from_secs(5);

pub async fn device_flows(app: AppState, mut stopped: watch::Receiver<bool>) {
    loop {
        poll_device_flows(&app).await;
        let wait = match device_flows::next_due_in(&app).await {
            Ok(Some(due)) => due.min(IDLE),
            Ok(None) => IDLE,
            Err(_) => IDLE,
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = app.device_worker.notified() => {}
            _ = stopped.changed() => break,
        }
    }
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

/// One round of the refresh sweep.
pub async fn sweep(app: &AppState) {
    if let Err(e) = freshness::sweep(app).await {
        tracing::error!(error = %e, "the refresh sweep failed");
    }
}
