//! `GET /live/device/{id}` and `GET /live/import/{id}`: server-sent events
//! for a page waiting on a device login or an import. One `changed` event
//! (its data: the new state) as soon as the server learns of it, from
//! whichever instance learnt it (`platform::events`); then the stream ends
//! and the page reloads to show the new state. Only the owner's flows and
//! imports are found. `GET /live/cli` tells the "You can close this tab"
//! page that its terminal has collected the session.

use std::convert::Infallible;
use std::time::Duration;

use app::cli_broker::logins as cli_logins;
use app::connect::device::flows as device_flows;
use app::connect::device::DeviceFlowState;
use app::connect::import::store as imports;
use app::connect::import::ImportState;
use app::platform::events::{Subscription, Topic};
use app::platform::AppState;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

/// Once the code's lifetime is over, the state is read again this often
/// (the worker marks the flow expired at its next poll and says so).
const AFTER_EXPIRY: Duration = Duration::from_secs(5);
/// And at least this often meanwhile: a safety net for a change whose
/// notification was lost, not the way changes arrive.
const AT_LEAST_EVERY: Duration = Duration::from_secs(30);

/// When to read the state again if nothing is heard.
fn next_check(expires_in: i64) -> Duration {
    if expires_in > 0 {
        Duration::from_secs(expires_in as u64 + 1).min(AT_LEAST_EVERY)
    } else {
        AFTER_EXPIRY
    }
}

pub async fn device(
    axum::extract::State(app): axum::extract::State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    match signed_in(&app, &session).await {
        Some(user_id) => watch(app, Waited::DeviceFlow { user_id, id }).await,
        None => refused(StatusCode::UNAUTHORIZED, "Sign in first."),
    }
}

pub async fn import(
    axum::extract::State(app): axum::extract::State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    match signed_in(&app, &session).await {
        Some(user_id) => watch(app, Waited::Import { user_id, id }).await,
        None => refused(StatusCode::UNAUTHORIZED, "Sign in first."),
    }
}

/// The "You can close this tab" page, until its terminal has collected the
/// session; only the browser that confirmed the login knows which one.
pub async fn cli_login(
    axum::extract::State(app): axum::extract::State<AppState>,
    session: Session,
) -> Response {
    match app::identity::session::cli_handover(&session).await {
        Ok(Some(key)) => watch(app, Waited::CliLogin { key }).await,
        _ => refused(StatusCode::NOT_FOUND, "No terminal login waits here."),
    }
}

/// What a waiting page waits on, and whose it is.
enum Waited {
    DeviceFlow {
        user_id: String,
        id: String,
    },
    Import {
        user_id: String,
        id: String,
    },
    /// A terminal login, by the hash of its state.
    CliLogin {
        key: String,
    },
}

/// A waited-on flow, import or login as the stream sees it.
struct State {
    name: String,
    /// Still waiting (for the user at the provider, for the file, for the terminal).
    waiting: bool,
    /// Seconds its code has left.
    expires_in: i64,
}

impl Waited {
    fn topic(&self) -> Topic {
        match self {
            Waited::DeviceFlow { id, .. } => Topic::DeviceFlow(id.clone()),
            Waited::Import { id, .. } => Topic::Import(id.clone()),
            Waited::CliLogin { key } => Topic::CliLogin(key.clone()),
        }
    }

    /// Its state now; `None` when it is not (or no longer) known.
    async fn read(&self, app: &AppState) -> Result<Option<State>, app::platform::Error> {
        Ok(match self {
            Waited::DeviceFlow { user_id, id } => {
                device_flows::find(&app.db, user_id, id, &app.clock)
                    .await?
                    .map(|f| State {
                        name: f.state.as_str().to_owned(),
                        waiting: f.state == DeviceFlowState::Pending,
                        expires_in: f.expires_in,
                    })
            }
            Waited::Import { user_id, id } => imports::status(&app.db, user_id, id, &app.clock)
                .await?
                .map(|i| State {
                    name: format!("{:?}", i.state).to_lowercase(),
                    waiting: i.state == ImportState::Waiting,
                    expires_in: i.expires_in,
                }),
            Waited::CliLogin { key } => cli_logins::handed_over(&app.db, key, &app.clock)
                .await?
                .map(|(collected, expires_in)| State {
                    name: if collected { "signed_in" } else { "expired" }.to_owned(),
                    waiting: !collected && expires_in > 0,
                    expires_in,
                }),
        })
    }
}

/// Reads the state, then answers with a stream that sends `changed` (with
/// the new state's name) once it is no longer waiting; at once if it
/// already ended (before this request, or between the page and it).
async fn watch(app: AppState, waited: Waited) -> Response {
    // Subscribed before the read: a change right after it is not missed.
    let changes = app.events.subscribe(waited.topic());
    let expires_in = match waited.read(&app).await {
        Ok(Some(state)) => state.expires_in,
        Ok(None) => {
            return refused(
                StatusCode::NOT_FOUND,
                "This login is not known; start again.",
            )
        }
        Err(e) => {
            tracing::warn!(error = %e, "reading a waited-on state failed");
            return refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "Relay is briefly unavailable.",
            );
        }
    };
    let counted = app.metrics.live_stream();
    let changed = async move {
        let _counted = counted;
        until_changed(&app, &waited, changes, next_check(expires_in)).await
    };
    // Comments every few seconds keep proxies from closing an idle stream.
    Sse::new(futures::stream::once(changed))
        .keep_alive(KeepAlive::default())
        .into_response()
}

async fn until_changed(
    app: &AppState,
    waited: &Waited,
    mut changes: Subscription,
    mut check_in: Duration,
) -> Result<Event, Infallible> {
    loop {
        // Read first: it may have changed before this request arrived.
        if let Ok(found) = waited.read(app).await {
            let Some(state) = found else {
                return Ok(Event::default().event("changed").data("gone"));
            };
            if !state.waiting {
                return Ok(Event::default().event("changed").data(state.name));
            }
            check_in = next_check(state.expires_in);
        }
        // Then wait for news of it, or for its expiry.
        tokio::select! {
            _ = changes.changed() => {}
            _ = tokio::time::sleep(check_in) => {}
        }
    }
}

async fn signed_in(app: &AppState, session: &Session) -> Option<String> {
    app::identity::session::user_id(app, session)
        .await
        .ok()
        .flatten()
}

fn refused(status: StatusCode, message: &'static str) -> Response {
    (status, message).into_response()
}
