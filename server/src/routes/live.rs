//! `GET /live/device/{id}` and `GET /live/import/{id}`: server-sent events
//! for a page waiting on a device login or an import. One `changed` event
//! (its data: the new state) as soon as the server learns of it, from
//! whichever instance learnt it (`platform::events`); then the stream ends
//! and the page reloads to show the new state. Only the owner's flows and
//! imports are found.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use app::connect::device::flows as device_flows;
use app::connect::import::store as imports;
use app::platform::events::Topic;
use app::platform::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use tokio::sync::broadcast;
use tower_sessions::Session;

/// Once the code's lifetime is over, the state is read again this often
/// (the worker marks the flow expired at its next poll and says so).
const AFTER_EXPIRY: Duration = Duration::from_secs(5);

pub async fn device(
    State(app): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    let Some(user_id) = signed_in(&app, &session).await else {
        return refused(StatusCode::UNAUTHORIZED, "Sign in first.");
    };
    let changes = app.events.subscribe();
    let topic = Topic::DeviceFlow(id.clone());
    let read = move || {
        let (app, user_id, id) = (app.clone(), user_id.clone(), id.clone());
        async move {
            let flow = device_flows::find(&app.db, &user_id, &id, &app.clock).await;
            flow.map(|found| found.map(|f| (f.state.as_str().to_owned(), f.expires_in)))
        }
    };
    watch(changes, topic, read).await
}

pub async fn import(
    State(app): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    let Some(user_id) = signed_in(&app, &session).await else {
        return refused(StatusCode::UNAUTHORIZED, "Sign in first.");
    };
    let changes = app.events.subscribe();
    let topic = Topic::Import(id.clone());
    let read = move || {
        let (app, user_id, id) = (app.clone(), user_id.clone(), id.clone());
        async move {
            let import = imports::status(&app.db, &user_id, &id, &app.clock).await;
            import
                .map(|found| found.map(|i| (format!("{:?}", i.state).to_lowercase(), i.expires_in)))
        }
    };
    watch(changes, topic, read).await
}

/// Reads the state (`read`: the state's name and the seconds it has left),
/// then answers with a stream that sends `changed` once it differs.
async fn watch<R, F>(changes: broadcast::Receiver<Topic>, topic: Topic, read: R) -> Response
where
    R: Fn() -> F + Send + 'static,
    F: Future<Output = Result<Option<(String, i64)>, app::platform::Error>> + Send + 'static,
{
    // Subscribed before this read: a change right after it is not missed.
    let (initial, expires_in) = match read().await {
        Ok(Some(found)) => found,
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
    let first_check = Duration::from_secs(expires_in.max(0) as u64 + 1);
    let changed = until_changed(changes, topic, read, initial, first_check);
    // Comments every few seconds keep proxies from closing an idle stream.
    Sse::new(futures::stream::once(changed))
        .keep_alive(KeepAlive::default())
        .into_response()
}

async fn until_changed<R, F>(
    mut changes: broadcast::Receiver<Topic>,
    topic: Topic,
    read: R,
    initial: String,
    mut check_in: Duration,
) -> Result<Event, Infallible>
where
    R: Fn() -> F,
    F: Future<Output = Result<Option<(String, i64)>, app::platform::Error>>,
{
    loop {
        // Read first: it may have changed before this request arrived.
        if let Ok(found) = read().await {
            let now = found
                .map(|(state, _)| state)
                .unwrap_or_else(|| "gone".to_owned());
            if now != initial {
                return Ok(Event::default().event("changed").data(now));
            }
        }
        // Then wait for news of it, or for its expiry.
        let deadline = tokio::time::sleep(check_in);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                heard = changes.recv() => match heard {
                    Ok(heard) if heard.concerns(&topic) => break,
                    Ok(_) => continue,
                    // Fell behind: it may have been among the missed ones.
                    Err(broadcast::error::RecvError::Lagged(_)) => break,
                    Err(broadcast::error::RecvError::Closed) => {
                        return Ok(Event::default().event("changed").data("restart"))
                    }
                },
                _ = &mut deadline => {
                    check_in = AFTER_EXPIRY;
                    break;
                }
            }
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
