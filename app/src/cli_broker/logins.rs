//! The CLI login broker. `relay auth` opens the browser at
//! `/oauth/start?mode=cli&state=…&code_challenge=…`; the browser signs in
//! at the provider and lands on "You can close this tab"; meanwhile the CLI
//! polls `/cli/poll` with its state and PKCE verifier, and receives a
//! session JWT once. The verifier never travels through the browser.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::audit::log::{self as audit, Source};
use crate::audit::AuditAction;
use crate::cli_broker::session_tokens;
use crate::identity::LoginFailure;
use crate::identity::{session, signin, users};
use crate::platform::events::Topic;
use crate::platform::{db, sha256_hex, AppState, Clock, Db, Error};
use crate::providers::callback::{internal, CheckedCallback};
use crate::providers::oauth;
use crate::providers::registry::ProviderEndpoints;
use crate::providers::userinfo;
use crate::providers::ProviderId;
use crate::teams::store as teams;
use crate::vault::credentials;

crate::text_enum! {
    /// Where a terminal's login stands (`cli_logins.status`): `Pending` while
    /// the browser signs in at the provider, `Confirming` once the provider
    /// said who it is and the browser is asked to confirm the terminal's
    /// code, then `Done` (the token is handed out once) or one of the ends.
    pub enum CliLoginStatus {
        Pending = "pending",
        Confirming = "confirming",
        Done = "done",
        /// Denied at the provider, or "Cancel" in the browser.
        Denied = "denied",
        /// The provider login failed (`failure` says how).
        Failed = "failed",
        /// Nobody here connected the provider account that signed in.
        NoAccount = "no_account",
    }
}

/// How the provider login of a terminal ended.
#[derive(Clone, Copy, Debug)]
pub enum LoginEnd<'a> {
    /// This user signed in; the browser is now asked to confirm the code.
    SignedIn(&'a str),
    NoAccount,
    Failed(LoginFailure),
}

/// A terminal login must be finished within this time.
pub const TTL_SECS: i64 = 10 * 60;
/// How often the CLI may poll.
pub const INTERVAL_SECS: i64 = 2;
/// Polls arriving this much early still count as on time (clocks and networks jitter).
const POLL_TOLERANCE_MS: i64 = 250;

/// Why `/oauth/start?mode=cli` was refused: shown on the error page.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum StartRefusal {
    #[error("The login link has no state, or one too short to be safe (at least 16 characters). Run `relay auth` again.")]
    BadState,
    #[error("The login link has no PKCE challenge. Run `relay auth` again with an up-to-date relay CLI.")]
    MissingChallenge,
    #[error("The login link asks for the “plain” PKCE method; only S256 is accepted. Update the relay CLI and run `relay auth` again.")]
    PlainChallenge,
    #[error("The login link's PKCE challenge is not a base64url SHA-256. Run `relay auth` again.")]
    BadChallenge,
    #[error("This login was already started in a browser. Run `relay auth` again for a new one.")]
    AlreadyStarted,
}

/// The providers a terminal can sign in with here: GitHub (Relay accounts
/// are GitHub accounts), and any provider configured for redirect logins
/// with a userinfo endpoint, which identifies the user who connected that
/// very account.
pub fn providers(app: &AppState) -> Vec<ProviderId> {
    crate::providers::credential_providers()
        .filter(|info| {
            info.id == app.providers.github().id
                || app
                    .providers
                    .endpoints(info.id)
                    .is_some_and(|e| e.auth_url.is_some() && e.userinfo_url.is_some())
        })
        .map(|info| info.id)
        .collect()
}

/// Why a non-GitHub login identified nobody.
#[derive(Debug)]
pub enum IdentityFailure {
    Login(LoginFailure),
    /// Nobody here connected this account (provider name, account).
    NoAccount(&'static str, String),
}

/// A Google or Microsoft login: the Relay user who connected that account
/// (in Settings) is the one signing in. The provider's tokens are not kept:
/// this login proves who the user is, nothing more.
pub async fn identify(
    app: &AppState,
    endpoints: &ProviderEndpoints,
    checked: CheckedCallback,
) -> Result<users::User, IdentityFailure> {
    let info = endpoints.id.info();
    let CheckedCallback { pending, code } = checked;
    let tokens = oauth::exchange_code(
        &app.http,
        endpoints,
        &app.callback_url(info.id),
        &code,
        &pending.pkce_verifier,
        &app.clock,
    )
    .await
    .map_err(|e| {
        tracing::warn!(provider = %info.id, error = %e, "terminal login: code exchange failed");
        IdentityFailure::Login(e.failure())
    })?;
    let account = match userinfo::who(&app.http, endpoints, &tokens.access_token).await {
        Ok(Some(account)) => account,
        Ok(None) => return Err(IdentityFailure::Login(LoginFailure::UnknownProvider)),
        Err(e) => {
            tracing::warn!(provider = %info.id, error = %e, "terminal login: userinfo failed");
            return Err(IdentityFailure::Login(LoginFailure::ProviderUnavailable));
        }
    };
    let Some(subject) = &account.subject else {
        tracing::warn!(provider = %info.id, "terminal login: userinfo named no subject");
        return Err(IdentityFailure::Login(LoginFailure::NoSubject));
    };
    let owner = credentials::login_owner(&app.db, info.id, subject)
        .await
        .map_err(|e| IdentityFailure::Login(internal(e)))?;
    let user = match owner {
        Some(id) => users::find(&app.db, &id)
            .await
            .map_err(|e| IdentityFailure::Login(internal(e)))?,
        None => None,
    };
    user.ok_or(IdentityFailure::NoAccount(info.name, account.name))
}

/// Checks what the CLI put in the start URL.
pub fn check_start(
    state: Option<&str>,
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<(String, String), StartRefusal> {
    let state = state
        .filter(|s| (16..=256).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or(StartRefusal::BadState)?;
    let challenge = challenge
        .filter(|c| !c.is_empty())
        .ok_or(StartRefusal::MissingChallenge)?;
    match method {
        Some("S256") => {}
        Some("plain") | None => return Err(StartRefusal::PlainChallenge),
        Some(_) => return Err(StartRefusal::BadChallenge),
    }
    if challenge.len() != 43 || URL_SAFE_NO_PAD.decode(challenge).is_err() {
        return Err(StartRefusal::BadChallenge);
    }
    Ok((state.to_owned(), challenge.to_owned()))
}

/// Records a pending terminal login. Returns its key (the state's hash).
pub async fn start(
    db: &Db,
    provider: ProviderId,
    state: &str,
    challenge: &str,
    clock: &Clock,
) -> Result<Result<String, StartRefusal>, Error> {
    let key = sha256_hex(state);
    let now = clock.now();
    let inserted = db::execute!(db, sqlx::query(
        "INSERT INTO cli_logins (state_hash, provider, code_challenge, user_code, status, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&key)
    .bind(provider)
    .bind(challenge)
    .bind(protocol::cli_login::user_code(state))
    .bind(CliLoginStatus::Pending)
    .bind(now)
    .bind(now + TTL_SECS))?
;
    if inserted == 0 {
        return Ok(Err(StartRefusal::AlreadyStarted));
    }
    Ok(Ok(key))
}

/// The provider login of `key` ended.
pub async fn finish(db: &Db, key: &str, end: LoginEnd<'_>) -> Result<(), Error> {
    let (status, user_id, failure) = match end {
        LoginEnd::SignedIn(user_id) => (CliLoginStatus::Confirming, Some(user_id), None),
        LoginEnd::NoAccount => (CliLoginStatus::NoAccount, None, None),
        LoginEnd::Failed(LoginFailure::Denied) => (CliLoginStatus::Denied, None, None),
        LoginEnd::Failed(failure) => (CliLoginStatus::Failed, None, Some(failure)),
    };
    db::execute!(
        db,
        sqlx::query(
            "UPDATE cli_logins SET status = $1, user_id = $2, failure = $3
         WHERE state_hash = $4 AND status = $5",
        )
        .bind(status)
        .bind(user_id)
        .bind(failure)
        .bind(key)
        .bind(CliLoginStatus::Pending)
    )?;
    Ok(())
}

/// A login waiting for the browser to confirm the code: (code, user id).
pub async fn confirming(
    db: &Db,
    key: &str,
    clock: &Clock,
) -> Result<Option<(String, String)>, Error> {
    Ok(db::fetch_optional!(
        db,
        sqlx::query_as(
            "SELECT user_code, user_id FROM cli_logins
         WHERE state_hash = $1 AND status = $2 AND user_id IS NOT NULL AND expires_at > $3",
        )
        .bind(key)
        .bind(CliLoginStatus::Confirming)
        .bind(clock.now())
    )?)
}

/// The browser confirmed the code (or said it is not theirs). Returns
/// whether the login was still waiting for that answer.
pub async fn confirm(db: &Db, key: &str, yes: bool, clock: &Clock) -> Result<bool, Error> {
    let status = if yes {
        CliLoginStatus::Done
    } else {
        CliLoginStatus::Denied
    };
    Ok(db::execute!(
        db,
        sqlx::query(
            "UPDATE cli_logins SET status = $1
         WHERE state_hash = $2 AND status = $3 AND expires_at > $4",
        )
        .bind(status)
        .bind(key)
        .bind(CliLoginStatus::Confirming)
        .bind(clock.now())
    )? == 1)
}

/// Where the browser's return from the provider led a terminal's login.
pub enum Completed {
    /// Signed in as `user`: the browser is asked to confirm `code`, the code
    /// the terminal shows.
    Confirm {
        user: users::User,
        code: String,
    },
    /// Nobody here has that account (provider name, account) connected by logging in.
    NoAccount {
        provider: &'static str,
        account: String,
    },
    Failed(LoginFailure),
}

/// The provider said yes: finds the Relay user (a GitHub login is a sign-in;
/// another provider's account must be connected by logging in), ends the
/// pending login and binds its confirmation to this browser's session.
pub async fn complete(
    app: &AppState,
    browser: &tower_sessions::Session,
    checked: CheckedCallback,
) -> Result<Completed, Error> {
    let key = checked.pending.return_to.clone().unwrap_or_default();
    let identified = match app.providers.endpoints(checked.pending.provider) {
        Some(endpoints) if endpoints.id == crate::providers::SIGN_IN.id => {
            signin::authenticate(app, checked)
                .await
                .map_err(IdentityFailure::Login)
        }
        Some(endpoints) => identify(app, endpoints, checked).await,
        None => Err(IdentityFailure::Login(LoginFailure::UnknownProvider)),
    };
    let user = match identified {
        Ok(user) => user,
        Err(IdentityFailure::Login(failure)) => {
            fail(&app.db, &key, failure).await;
            return Ok(Completed::Failed(failure));
        }
        Err(IdentityFailure::NoAccount(provider, account)) => {
            end_quietly(&app.db, &key, LoginEnd::NoAccount).await;
            return Ok(Completed::NoAccount { provider, account });
        }
    };
    finish(&app.db, &key, LoginEnd::SignedIn(&user.id)).await?;
    session::remember_cli_confirmation(browser, &key).await?;
    Ok(match confirming(&app.db, &key, &app.clock).await? {
        Some((code, _)) => Completed::Confirm { user, code },
        None => Completed::Failed(LoginFailure::StateExpired),
    })
}

/// The login of `key` failed at the provider or on the way back.
pub async fn fail(db: &Db, key: &str, failure: LoginFailure) {
    end_quietly(db, key, LoginEnd::Failed(failure)).await;
}

/// Records a failed end; the user is told already, so an error here is logged.
async fn end_quietly(db: &Db, key: &str, end: LoginEnd<'_>) {
    if let Err(e) = finish(db, key, end).await {
        tracing::error!(error = %e, "recording a failed terminal login failed");
    }
}

/// What the browser answered to "Sign in your terminal?".
pub enum Decided {
    SignedIn(users::User),
    Refused,
    /// Nothing to decide: no login waits for this browser, or it expired.
    Failed(LoginFailure),
}

/// The browser that signed in confirms (`yes`) or refuses the terminal's
/// code. Only that browser can: the login waits in its session.
pub async fn decide(
    app: &AppState,
    browser: &tower_sessions::Session,
    yes: bool,
) -> Result<Decided, Error> {
    let Some(key) = session::take_cli_confirmation(browser).await? else {
        return Ok(Decided::Failed(LoginFailure::StateMismatch));
    };
    let Some((_, user_id)) = confirming(&app.db, &key, &app.clock).await? else {
        return Ok(Decided::Failed(LoginFailure::StateExpired));
    };
    if !confirm(&app.db, &key, yes, &app.clock).await? {
        return Ok(Decided::Failed(LoginFailure::StateExpired));
    }
    let Some(user) = users::find(&app.db, &user_id).await? else {
        return Ok(Decided::Failed(LoginFailure::Internal));
    };
    let action = if yes {
        AuditAction::CliLogin
    } else {
        AuditAction::CliLoginRefused
    };
    audit::note(
        &app.db,
        &user.id,
        action,
        None,
        "",
        &Source("browser".to_owned()),
        &app.clock,
    )
    .await;
    if !yes {
        return Ok(Decided::Refused);
    }
    session::remember_cli_handover(browser, &key).await?;
    tracing::info!(user = %user.id, login = %user.login, "terminal signed in");
    Ok(Decided::SignedIn(user))
}

/// Whether the terminal of the confirmed login `key` has collected its
/// session, and the seconds it has left to; `None` for an unknown login.
pub async fn handed_over(db: &Db, key: &str, clock: &Clock) -> Result<Option<(bool, i64)>, Error> {
    let row: Option<(Option<i64>, i64)> = db::fetch_optional!(
        db,
        sqlx::query_as("SELECT delivered_at, expires_at FROM cli_logins WHERE state_hash = $1")
            .bind(key)
    )?;
    Ok(row.map(|(delivered, expires_at)| (delivered.is_some(), expires_at - clock.now())))
}

/// Forgets terminal logins and session tokens a day after they expired.
pub async fn prune(db: &Db, clock: &Clock) -> Result<(), Error> {
    let cutoff = clock.now() - 24 * 60 * 60;
    db::execute!(
        db,
        sqlx::query("DELETE FROM cli_logins WHERE expires_at < $1").bind(cutoff)
    )?;
    db::execute!(
        db,
        sqlx::query("DELETE FROM session_tokens WHERE expires_at < $1").bind(cutoff)
    )?;
    Ok(())
}

/// What `/cli/poll` answers.
#[derive(Debug, PartialEq, Eq)]
pub enum Poll {
    /// Not signed in yet (or not even started in the browser yet).
    Pending,
    /// Polled faster than `INTERVAL_SECS`.
    SlowDown,
    Done {
        session_jwt: String,
        expires_in: i64,
        login: String,
    },
    /// The verifier does not match the challenge of the start URL.
    WrongVerifier,
    Expired,
    Denied,
    /// Nobody here connected the provider account that signed in.
    NoAccount,
    /// Why, in a sentence.
    Failed(String),
    /// The token was handed out already.
    Used,
}

pub async fn poll(app: &AppState, state: &str, verifier: &str) -> Result<Poll, Error> {
    let key = sha256_hex(state);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    // The usual poll is on time, with the right verifier, for a login not
    // handed out yet: one statement counts it and reads the login (every
    // statement is a hop to the database, bench/RESULTS.md). The
    // conditional update makes two concurrent polls count as two. Comparing
    // the challenge in SQL leaks nothing: it was in the start URL.
    let now_ms = app.clock.now_ms();
    let counted: Option<PolledLogin> = db::fetch_optional!(
        app.db,
        sqlx::query_as(
            "UPDATE cli_logins SET last_poll_ms = $1
             WHERE state_hash = $2 AND code_challenge = $3 AND delivered_at IS NULL
               AND (last_poll_ms IS NULL OR last_poll_ms <= $4)
             RETURNING status, failure, user_id, expires_at",
        )
        .bind(now_ms)
        .bind(&key)
        .bind(&challenge)
        .bind(now_ms - (INTERVAL_SECS * 1000 - POLL_TOLERANCE_MS))
    )?;
    let Some(login) = counted else {
        return not_counted(app, &key, &challenge).await;
    };
    if login.expires_at <= app.clock.now() {
        return Ok(Poll::Expired);
    }
    match (login.status, login.user_id) {
        (CliLoginStatus::Done, Some(user_id)) => deliver(app, &key, &user_id).await,
        (CliLoginStatus::Denied, _) => Ok(Poll::Denied),
        (CliLoginStatus::NoAccount, _) => Ok(Poll::NoAccount),
        (CliLoginStatus::Failed, _) => Ok(Poll::Failed(failure_sentence(login.failure))),
        _ => Ok(Poll::Pending),
    }
}

/// Why a poll was not counted, in the order a terminal needs to hear it.
async fn not_counted(app: &AppState, key: &str, challenge: &str) -> Result<Poll, Error> {
    let row: Option<(String, Option<i64>)> = db::fetch_optional!(
        app.db,
        sqlx::query_as("SELECT code_challenge, delivered_at FROM cli_logins WHERE state_hash = $1")
            .bind(key)
    )?;
    Ok(match row {
        // Not even started in the browser yet.
        None => Poll::Pending,
        Some((expected, _)) if !bool::from(expected.as_bytes().ct_eq(challenge.as_bytes())) => {
            Poll::WrongVerifier
        }
        Some((_, Some(_))) => Poll::Used,
        // Polled within the interval (or a concurrent poll counted first).
        Some(_) => Poll::SlowDown,
    })
}

/// What a counted poll reads of its login.
#[derive(sqlx::FromRow)]
struct PolledLogin {
    status: CliLoginStatus,
    failure: Option<LoginFailure>,
    user_id: Option<String>,
    expires_at: i64,
}

/// What a failed login means, for the terminal.
fn failure_sentence(failure: Option<LoginFailure>) -> String {
    match failure {
        Some(failure) => format!(
            "{}. {}",
            failure.title("The provider"),
            failure.explanation()
        ),
        None => "The sign-in failed.".to_owned(),
    }
}

/// Hands the token out exactly once: the conditional update decides. If
/// issuing then fails, the login is put back so a later poll can try again.
async fn deliver(app: &AppState, key: &str, user_id: &str) -> Result<Poll, Error> {
    let won = db::execute!(app.db, sqlx::query(
        "UPDATE cli_logins SET delivered_at = $1 WHERE state_hash = $2 AND delivered_at IS NULL",
    )
    .bind(app.clock.now())
    .bind(key))?
        == 1;
    if !won {
        return Ok(Poll::Used);
    }
    match issue_for(app, user_id).await {
        Ok(poll) => {
            app.events.publish(Topic::CliLogin(key.to_owned())).await;
            Ok(poll)
        }
        Err(e) => {
            db::execute!(
                app.db,
                sqlx::query("UPDATE cli_logins SET delivered_at = NULL WHERE state_hash = $1")
                    .bind(key)
            )?;
            Err(e)
        }
    }
}

async fn issue_for(app: &AppState, user_id: &str) -> Result<Poll, Error> {
    let Some(user) = users::find(&app.db, user_id).await? else {
        return Ok(Poll::Failed("The account no longer exists.".to_owned()));
    };
    let providers = teams::connected_providers(app, &user.id).await?;
    let (session_jwt, expires_in) =
        session_tokens::issue(app, &user.id, &user.login, user.email.clone(), &providers).await?;
    Ok(Poll::Done {
        session_jwt,
        expires_in,
        login: user.login,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_url_is_checked() {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(b"verifier"));
        let state = "s".repeat(32);
        assert!(check_start(Some(&state), Some(&challenge), Some("S256")).is_ok());
        assert_eq!(
            check_start(Some("short"), Some(&challenge), Some("S256")),
            Err(StartRefusal::BadState)
        );
        assert_eq!(
            check_start(None, Some(&challenge), Some("S256")),
            Err(StartRefusal::BadState)
        );
        assert_eq!(
            check_start(Some(&state), None, Some("S256")),
            Err(StartRefusal::MissingChallenge)
        );
        assert_eq!(
            check_start(Some(&state), Some(&challenge), Some("plain")),
            Err(StartRefusal::PlainChallenge)
        );
        assert_eq!(
            check_start(Some(&state), Some(&challenge), None),
            Err(StartRefusal::PlainChallenge)
        );
        assert_eq!(
            check_start(Some(&state), Some("abc"), Some("S256")),
            Err(StartRefusal::BadChallenge)
        );
    }
}
