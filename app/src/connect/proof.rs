//! Proving a credential works, with the provider's check
//! (`providers::check`): before "Connected" is shown, on Test, and later for
//! the ones a provider gave no verdict on when they were stored.

use secrecy::SecretString;

use crate::audit::log as audit;
use crate::audit::log::Source;
use crate::audit::AuditAction;
use crate::connect::{CredentialMethod, Verification};
use crate::platform::{AppState, Error};
use crate::providers::check::{self, Checked};
use crate::providers::{ProviderId, ProviderInfo, SentAs};
use crate::vault::credentials;

/// Asks `info`'s check about `token`. `None`: there is no check for it here
/// (the provider has none, or `sent_as` is `None`: a token of no known shape).
pub async fn ask(
    app: &AppState,
    info: &ProviderInfo,
    token: &SecretString,
    sent_as: Option<SentAs>,
) -> Option<Checked> {
    let (spec, url, sent_as) = (info.check?, app.providers.check_url(info.id)?, sent_as?);
    Some(check::check(&app.http, url, &spec, token, sent_as).await)
}

/// How a credential is stored after its check at connect.
pub struct AtConnect {
    pub verification: Verification,
    pub proof: Option<String>,
    /// Why the provider gave no verdict (it is stored as "not yet verified").
    pub no_verdict: Option<String>,
}

/// What a check at connect means: stored (verified, unchecked, or not yet
/// verified when the provider gave no verdict), or refused with the
/// provider's words, and then not stored.
pub fn at_connect(checked: Option<Checked>) -> Result<AtConnect, String> {
    match checked {
        None => Ok(AtConnect {
            verification: Verification::Unchecked,
            proof: None,
            no_verdict: None,
        }),
        Some(Checked::Works(proof)) => Ok(AtConnect {
            verification: Verification::Verified,
            proof: Some(proof.finding()),
            no_verdict: None,
        }),
        Some(Checked::NoVerdict(why)) => Ok(AtConnect {
            verification: Verification::Pending,
            proof: None,
            no_verdict: Some(why),
        }),
        Some(Checked::Refused(said)) => Err(said),
    }
}

/// Who is storing which credential, for the audit line of a refusal.
pub struct Storing<'a> {
    pub user_id: &'a str,
    pub info: &'static ProviderInfo,
    /// "access token", "device", "redirect", "the imported credential".
    pub what: &'a str,
    /// `ConnectFailed`, or `ImportFailed`.
    pub failed: AuditAction,
    pub source: &'a Source,
}

/// The check before a credential is stored, read as at connect; a refusal
/// is recorded in the audit log and returned with the provider's words.
pub async fn before_storing(
    app: &AppState,
    storing: Storing<'_>,
    token: &SecretString,
    sent_as: Option<SentAs>,
) -> Result<AtConnect, String> {
    let checked = ask(app, storing.info, token, sent_as).await;
    let refused = match at_connect(checked) {
        Ok(stored) => return Ok(stored),
        Err(said) => said,
    };
    audit::note(
        &app.db,
        storing.user_id,
        storing.failed,
        storing.info.id,
        &format!("{} refused by the provider: {refused}", storing.what),
        storing.source,
        &app.clock,
    )
    .await;
    Err(refused)
}

/// How a stored credential is presented to its check: a pasted key by its
/// shape, everything else (logins, imports) as an OAuth bearer token.
pub fn sent_as(
    info: &ProviderInfo,
    method: CredentialMethod,
    token: &SecretString,
) -> Option<SentAs> {
    use secrecy::ExposeSecret;
    match method {
        CredentialMethod::Token => info
            .recognise_token(token.expose_secret())
            .ok()
            .and_then(|r| r.sent_as),
        _ => Some(SentAs::Bearer),
    }
}

/// The provider refused a credential Relay holds (a 401 or 403 from its
/// check or any other use): it needs reconnecting, at once and on record.
pub async fn refused(
    app: &AppState,
    user_id: &str,
    provider: ProviderId,
    said: &str,
    source: &Source,
) -> Result<(), Error> {
    credentials::mark_needs_reconnect(&app.db, user_id, provider, &app.clock).await?;
    audit::note(
        &app.db,
        user_id,
        AuditAction::NeedsReconnect,
        provider,
        &format!("the provider refused the credential: {said}"),
        source,
        &app.clock,
    )
    .await;
    Ok(())
}

/// Checks again the credentials a provider gave no verdict on when they were
/// stored (the background sweep). Returns how many got a verdict.
pub async fn verify_pending(app: &AppState) -> Result<usize, Error> {
    let mut decided = 0;
    for (user_id, provider) in credentials::unverified(&app.db, 50).await? {
        let info = provider.info();
        let Some(row) = credentials::find(&app.db, &user_id, provider).await? else {
            continue;
        };
        let Some(token) =
            credentials::access_token(&app.db, &app.vault, &user_id, provider).await?
        else {
            continue;
        };
        match ask(app, info, &token, sent_as(info, row.method, &token)).await {
            Some(Checked::Works(proof)) => {
                let finding = proof.finding();
                credentials::set_verification(
                    &app.db,
                    &user_id,
                    provider,
                    Verification::Verified,
                    Some(&finding),
                    &app.clock,
                )
                .await?;
                audit::note(
                    &app.db,
                    &user_id,
                    AuditAction::Verified,
                    provider,
                    &format!("works: {finding}"),
                    &Source::worker(),
                    &app.clock,
                )
                .await;
                decided += 1;
            }
            Some(Checked::Refused(said)) => {
                refused(app, &user_id, provider, &said, &Source::worker()).await?;
                decided += 1;
            }
            Some(Checked::NoVerdict(_)) => {}
            None => {
                credentials::set_verification(
                    &app.db,
                    &user_id,
                    provider,
                    Verification::Unchecked,
                    None,
                    &app.clock,
                )
                .await?;
            }
        }
    }
    Ok(decided)
}
