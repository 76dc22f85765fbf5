//! Device flows as rows: started for a user, polled by the worker at the
//! provider's interval, ended by the provider's answer, expiry or the user.
//! Any instance may poll a due flow; a short lease keeps it to one at a time.

use std::time::Duration;

use futures::StreamExt;
use secrecy::SecretString;

use crate::audit::log as audit;
use crate::audit::log::Source;
use crate::audit::AuditAction;
use crate::connect::device::grant as device_grant;
use crate::connect::device::grant::{DeviceCodes, Poll};
use crate::connect::device::{DeviceFlowState, DeviceFlowView};
use crate::connect::{proof, CredentialMethod};
use crate::identity::users;
use crate::platform::events::Topic;
use crate::platform::rate_limits::{self, Limit, Limited};
use crate::platform::{db, AppState, Clock, Error};
use crate::providers::oauth::ExchangeError;
use crate::providers::userinfo;
use crate::providers::{self, ProviderId};
use crate::vault::credentials;
use crate::vault::credentials::Connection;
use crate::vault::Binding;

/// How long one poll may hold a flow before another worker may take it over:
/// longer than the poll and the userinfo lookup after it can take (two
/// requests of at most 15 s, `RELAY_PROVIDER_TIMEOUT_SECS`).
const LEASE_MS: i64 = 60_000;
/// Poll a little later than asked: clocks drift (DESIGN.md).
const MARGIN_MS: i64 = 100;
/// The longest wait between polls when the provider keeps failing.
const MAX_BACKOFF_SECS: u64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0} cannot be connected with a device code here")]
    Unsupported(&'static str),
    #[error("{provider} refused to start a device login ({code})")]
    Rejected {
        provider: &'static str,
        code: String,
    },
    #[error("{0} is not answering")]
    Unavailable(&'static str),
    #[error(transparent)]
    Limited(#[from] Limited),
    #[error(transparent)]
    Backend(#[from] Error),
}

/// Device logins a user may start: each one spends Relay's shared client id
/// at the provider, which limits it for everyone.
const STARTS: Limit = Limit {
    name: "device_start",
    hits: 10,
    per_secs: 10 * 60,
};

/// Requests codes from the provider and records the flow; the worker takes it from there.
pub async fn start(
    app: &AppState,
    user_id: &str,
    info: &'static providers::ProviderInfo,
    source: Source,
) -> Result<DeviceFlowView, StartError> {
    let endpoints = app
        .providers
        .endpoints(info.id)
        .filter(|e| e.device_url.is_some())
        .ok_or(StartError::Unsupported(info.name))?;
    rate_limits::hit(&app.db, &STARTS, user_id, &app.clock).await?;
    let codes = device_grant::request_codes(&app.http, endpoints)
        .await
        .map_err(|e| {
            tracing::warn!(provider = %info.id, error = %e, "device authorization request failed");
            match e {
                ExchangeError::Rejected(code) => StartError::Rejected {
                    provider: info.name,
                    code,
                },
                ExchangeError::Unavailable(_) => StartError::Unavailable(info.name),
            }
        });
    let codes = match codes {
        Ok(codes) => codes,
        Err(e) => {
            audit::note(
                &app.db,
                user_id,
                AuditAction::ConnectFailed,
                info.id,
                &format!("device: {e}"),
                &source,
                &app.clock,
            )
            .await;
            return Err(e);
        }
    };
    let key = users::data_key(&app.db, &app.vault, user_id).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let sealed = key.seal(
        Binding {
            provider: info.id.as_str(),
            field: "device_code",
            row: Some(&id),
        },
        &codes.device_code,
    );
    let now = app.clock.now();
    // A user has one live flow per provider: starting again cancels the old one.
    db::execute!(app.db, sqlx::query("UPDATE device_flows SET status = $1, updated_at = $2 WHERE user_id = $3 AND provider = $4 AND status = $5")
        .bind(DeviceFlowState::Cancelled)
        .bind(now)
        .bind(user_id)
        .bind(info.id)
        .bind(DeviceFlowState::Pending))
        .map_err(Error::from)?;
    db::execute!(app.db, sqlx::query(
        "INSERT INTO device_flows (id, user_id, provider, device_code, user_code, verification_uri, verification_uri_complete,
           interval_secs, expires_at, next_poll_at_ms, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(&id)
    .bind(user_id)
    .bind(info.id)
    .bind(sealed)
    .bind(&codes.user_code)
    .bind(&codes.verification_uri)
    .bind(&codes.verification_uri_complete)
    .bind(codes.interval)
    .bind(now + codes.expires_in)
    .bind(app.clock.now_ms() + codes.interval * 1000 + MARGIN_MS)
    .bind(DeviceFlowState::Pending)
    .bind(now))
    .map_err(Error::from)?;
    app.device_worker.notify_one();
    Ok(find(&app.db, user_id, &id, &app.clock)
        .await?
        .expect("the flow was just inserted"))
}

/// What the owner's page may see of a flow (never the device code).
#[derive(sqlx::FromRow)]
struct FlowRow {
    id: String,
    provider: ProviderId,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: Option<String>,
    expires_at: i64,
    status: DeviceFlowState,
    failure: Option<String>,
    account: Option<String>,
}

impl FlowRow {
    fn view(self, now: i64) -> DeviceFlowView {
        let link = self
            .verification_uri_complete
            .as_deref()
            .unwrap_or(&self.verification_uri);
        DeviceFlowView {
            qr_svg: qr_svg(link),
            id: self.id,
            provider: self.provider,
            user_code: self.user_code,
            verification_uri: self.verification_uri,
            verification_uri_complete: self.verification_uri_complete,
            expires_in: (self.expires_at - now).max(0),
            state: self.status,
            failure: self.failure,
            account: self.account,
        }
    }
}

/// The user's own flow; another user's flow is "not found".
pub async fn find(
    db: &crate::platform::Db,
    user_id: &str,
    id: &str,
    clock: &Clock,
) -> Result<Option<DeviceFlowView>, Error> {
    let row: Option<FlowRow> = db::fetch_optional!(db, sqlx::query_as(
        "SELECT id, provider, user_code, verification_uri, verification_uri_complete, expires_at, status, failure, account
         FROM device_flows WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id))?;
    Ok(row.map(|row| row.view(clock.now())))
}

/// The user's latest waiting flow of each provider: a page loaded again (or
/// without JavaScript) shows the code it is still waiting for.
pub async fn pending(
    db: &crate::platform::Db,
    user_id: &str,
    clock: &Clock,
) -> Result<Vec<DeviceFlowView>, Error> {
    let rows: Vec<FlowRow> = db::fetch_all!(db, sqlx::query_as(
        "SELECT id, provider, user_code, verification_uri, verification_uri_complete, expires_at, status, failure, account
         FROM device_flows
         WHERE user_id = $1 AND status = $2 AND expires_at > $3
         ORDER BY created_at DESC",
    )
    .bind(user_id)
    .bind(DeviceFlowState::Pending)
    .bind(clock.now()))?;
    let now = clock.now();
    let mut views: Vec<DeviceFlowView> = Vec::new();
    for row in rows {
        if !views.iter().any(|v| v.provider == row.provider) {
            views.push(row.view(now));
        }
    }
    Ok(views)
}

/// Cancels the user's own pending flow; returns whether there was one.
pub async fn cancel(app: &AppState, user_id: &str, id: &str) -> Result<bool, Error> {
    let done = db::execute!(app.db, sqlx::query(
        "UPDATE device_flows SET status = $1, updated_at = $2 WHERE id = $3 AND user_id = $4 AND status = $5",
    )
    .bind(DeviceFlowState::Cancelled)
    .bind(app.clock.now())
    .bind(id)
    .bind(user_id)
    .bind(DeviceFlowState::Pending))?;
    if done == 1 {
        app.events.publish(Topic::DeviceFlow(id.to_owned())).await;
    }
    Ok(done == 1)
}

/// Polls a worker keeps in flight at once: their waits on the providers
/// overlap, so one instance keeps ten thousand flows at a 5 s interval
/// (2,000 polls a second) on time, and one slow provider holds up only
/// the polls waiting on it (bench/RESULTS.md).
pub const POLLS_AT_ONCE: usize = 64;

/// A due flow this instance holds the lease of, with what polling it needs.
#[derive(sqlx::FromRow)]
pub struct Claimed {
    id: String,
    #[sqlx(rename = "next_poll_at_ms")]
    due_at_ms: i64,
    #[sqlx(flatten)]
    flow: DueFlow,
}

/// Takes the lease of up to `limit` due flows, the most overdue first.
pub async fn claim_due(app: &AppState, limit: usize) -> Result<Vec<Claimed>, Error> {
    // One statement: of several instances, exactly one wins each flow's
    // lease, and only while the flow is still due (another may have just
    // polled it; PostgreSQL re-checks the conditions of a row another
    // transaction changed before it updates it).
    let now = app.clock.now_ms();
    let claimed: Vec<Claimed> = db::fetch_all!(
        app.db,
        sqlx::query_as(
            "UPDATE device_flows SET lease_until_ms = $1
             WHERE id IN (SELECT id FROM device_flows WHERE status = $2 AND next_poll_at_ms <= $3
                            AND (lease_until_ms IS NULL OR lease_until_ms < $3)
                          ORDER BY next_poll_at_ms LIMIT $4)
               AND status = $2 AND next_poll_at_ms <= $3
               AND (lease_until_ms IS NULL OR lease_until_ms < $3)
             RETURNING id, next_poll_at_ms, user_id, provider, device_code, user_code,
               verification_uri, interval_secs, expires_at",
        )
        .bind(now + LEASE_MS)
        .bind(DeviceFlowState::Pending)
        .bind(now)
        .bind(limit as i64)
    )?;
    Ok(claimed)
}

/// Polls a claimed flow once at its provider and records the answer.
pub async fn poll_claimed(app: &AppState, flow: Claimed) {
    app.metrics
        .poll_late_by((app.clock.now_ms() - flow.due_at_ms) as f64 / 1000.0);
    // One flow failing (its provider, a write) does not hold up the others.
    if let Err(e) = poll_flow(app, &flow.id, flow.flow).await {
        tracing::warn!(flow = %flow.id, error = %e, "polling a device flow failed");
    }
}

/// Polls every flow that is due once, `POLLS_AT_ONCE` at a time, and
/// returns how many (a test that drives the worker by hand calls this).
pub async fn poll_due(app: &AppState) -> Result<usize, Error> {
    let claimed = claim_due(app, 10 * POLLS_AT_ONCE).await?;
    let polled = claimed.len();
    futures::stream::iter(claimed)
        .for_each_concurrent(POLLS_AT_ONCE, |flow| poll_claimed(app, flow))
        .await;
    Ok(polled)
}

/// How many device logins wait for their user (for `/metrics`).
pub async fn count_pending(app: &AppState) -> Result<i64, Error> {
    Ok(db::fetch_one!(
        app.db,
        sqlx::query_scalar("SELECT COUNT(*) FROM device_flows WHERE status = $1")
            .bind(DeviceFlowState::Pending)
    )?)
}

/// Milliseconds until the next flow is due (the worker sleeps that long at most).
pub async fn next_due_in(app: &AppState) -> Result<Option<Duration>, Error> {
    let next: Option<i64> = db::fetch_one!(
        app.db,
        // A flow another worker holds is due when its lease lapses, not before.
        sqlx::query_scalar(
            "SELECT MIN(CASE WHEN lease_until_ms > next_poll_at_ms THEN lease_until_ms
                             ELSE next_poll_at_ms END)
             FROM device_flows WHERE status = $1"
        )
        .bind(DeviceFlowState::Pending)
    )?;
    Ok(next.map(|at| Duration::from_millis((at - app.clock.now_ms()).max(0) as u64)))
}

/// What the worker needs of a flow to poll it (read as it is claimed).
#[derive(sqlx::FromRow)]
pub struct DueFlow {
    user_id: String,
    provider: ProviderId,
    device_code: String,
    user_code: String,
    verification_uri: String,
    interval_secs: i64,
    expires_at: i64,
}

async fn poll_flow(app: &AppState, id: &str, flow: DueFlow) -> Result<(), Error> {
    let DueFlow {
        user_id,
        provider,
        device_code: sealed,
        user_code,
        verification_uri,
        interval_secs: interval,
        expires_at,
    } = flow;
    let info = provider.info();
    let Some(endpoints) = app.providers.endpoints(provider) else {
        return finish(app, id, Finished::Failed("provider_not_configured")).await;
    };
    let remaining = expires_at - app.clock.now();
    if remaining <= 0 {
        audit::note(
            &app.db,
            &user_id,
            AuditAction::ConnectFailed,
            info.id,
            "device: code expired",
            &Source::worker(),
            &app.clock,
        )
        .await;
        return finish(app, id, Finished::Expired).await;
    }
    let key = users::data_key(&app.db, &app.vault, &user_id).await?;
    let device_code: SecretString = key.open(
        Binding {
            provider: info.id.as_str(),
            field: "device_code",
            row: Some(id),
        },
        &sealed,
    )?;
    let codes = DeviceCodes {
        device_code,
        user_code,
        verification_uri,
        verification_uri_complete: None,
        expires_in: remaining,
        interval,
    };
    let outcome = device_grant::poll_once(
        &app.http,
        endpoints,
        &codes,
        Duration::from_secs(remaining as u64),
        Duration::from_secs(interval as u64),
        &app.clock,
    )
    .await;
    app.metrics.device_polled(match &outcome {
        Poll::Pending { .. } => "pending",
        Poll::Unavailable(_) => "unavailable",
        Poll::Denied => "denied",
        Poll::Expired => "expired",
        Poll::Failed(_) => "failed",
        Poll::Granted(_) => "granted",
    });
    match outcome {
        Poll::Pending { interval } => reschedule(app, id, interval.as_secs() as i64).await,
        Poll::Unavailable(reason) => {
            tracing::warn!(provider = %info.id, %reason, "provider unavailable while polling; backing off");
            let backoff = (interval as u64 * 2).min(MAX_BACKOFF_SECS) as i64;
            reschedule(app, id, backoff).await
        }
        Poll::Denied => {
            audit::note(
                &app.db,
                &user_id,
                AuditAction::ConnectFailed,
                info.id,
                "device: access denied",
                &Source::worker(),
                &app.clock,
            )
            .await;
            finish(app, id, Finished::Denied).await
        }
        Poll::Expired => {
            audit::note(
                &app.db,
                &user_id,
                AuditAction::ConnectFailed,
                info.id,
                "device: code expired",
                &Source::worker(),
                &app.clock,
            )
            .await;
            finish(app, id, Finished::Expired).await
        }
        Poll::Failed(code) => {
            audit::note(
                &app.db,
                &user_id,
                AuditAction::ConnectFailed,
                info.id,
                &format!("device: {code}"),
                &Source::worker(),
                &app.clock,
            )
            .await;
            finish(app, id, Finished::Failed(&code)).await
        }
        Poll::Granted(tokens) => {
            let account = userinfo::account(&app.http, endpoints, info, &tokens.access_token).await;
            let storing = proof::Storing {
                user_id: &user_id,
                info,
                what: "device login",
                failed: AuditAction::ConnectFailed,
                source: &Source::worker(),
            };
            let bearer = Some(providers::SentAs::Bearer);
            let Ok(stored) =
                proof::before_storing(app, storing, &tokens.access_token, bearer).await
            else {
                return finish(app, id, Finished::Failed("refused_by_provider")).await;
            };
            credentials::store(
                &app.db,
                &app.vault,
                &user_id,
                info.id,
                &Connection {
                    account: &account.name,
                    subject: account.subject.as_ref(),
                    method: CredentialMethod::Device,
                    env_var: info.oauth_env_var,
                    token_hint: None,
                    verification: stored.verification,
                    proof: stored.proof.as_deref(),
                },
                &tokens,
                &app.clock,
            )
            .await?;
            audit::note(
                &app.db,
                &user_id,
                AuditAction::Connect,
                info.id,
                "device code",
                &Source::worker(),
                &app.clock,
            )
            .await;
            finish(app, id, Finished::Connected(&account.name)).await
        }
    }
}

async fn reschedule(app: &AppState, id: &str, interval: i64) -> Result<(), Error> {
    db::execute!(
        app.db,
        sqlx::query(
            "UPDATE device_flows SET interval_secs = $1, next_poll_at_ms = $2, polls = polls + 1,
           lease_until_ms = NULL, updated_at = $3 WHERE id = $4 AND status = $5",
        )
        .bind(interval)
        .bind(app.clock.now_ms() + interval * 1000 + MARGIN_MS)
        .bind(app.clock.now())
        .bind(id)
        .bind(DeviceFlowState::Pending)
    )?;
    Ok(())
}

/// How a flow ended, with what each end keeps.
enum Finished<'a> {
    /// Who the new credential belongs to.
    Connected(&'a str),
    Expired,
    Denied,
    /// The provider's error code.
    Failed(&'a str),
}

async fn finish(app: &AppState, id: &str, end: Finished<'_>) -> Result<(), Error> {
    let (status, failure, account) = match end {
        Finished::Connected(account) => (DeviceFlowState::Connected, None, Some(account)),
        Finished::Expired => (DeviceFlowState::Expired, None, None),
        Finished::Denied => (DeviceFlowState::Denied, None, None),
        Finished::Failed(code) => (DeviceFlowState::Failed, Some(code), None),
    };
    // The device code is of no use any more: it is overwritten, not kept.
    db::execute!(
        app.db,
        sqlx::query(
            "UPDATE device_flows SET status = $1, failure = $2, account = $3, device_code = '',
           polls = polls + 1, lease_until_ms = NULL, updated_at = $4 WHERE id = $5 AND status = $6",
        )
        .bind(status)
        .bind(failure)
        .bind(account)
        .bind(app.clock.now())
        .bind(id)
        .bind(DeviceFlowState::Pending)
    )?;
    app.events.publish(Topic::DeviceFlow(id.to_owned())).await;
    Ok(())
}

/// The verification link as an SVG QR code, for signing in on a phone.
fn qr_svg(link: &str) -> String {
    match qrcode::QrCode::new(link.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(144, 144)
            .quiet_zone(true)
            .build(),
        Err(_) => String::new(),
    }
}
