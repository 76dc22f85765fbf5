//! The user's provider connections as a whole: what each provider offers
//! here and what the user has, pasting a token, and disconnecting.

use secrecy::{ExposeSecret, SecretString};

use crate::audit::log as audit;
use crate::audit::log::Source;
use crate::audit::AuditAction;
use crate::connect::device::flows as device_flows;
use crate::connect::import::store as imports;
use crate::connect::proof;
use crate::connect::self_hosted::store as self_hosted;
use crate::connect::{CredentialMethod, CredentialStatus, ProviderStatus, Verification};
use crate::freshness;
use crate::freshness::FreshError;
use crate::platform::{AppState, Error};
use crate::providers::check::{Checked, Proof};
use crate::providers::{self, ProviderInfo};
use crate::providers::{oauth, userinfo};
use crate::vault::credentials;
use crate::vault::credentials::{Connection, CredentialRow, Field, TokenSet};

/// Every provider, with the ways to connect it here and the user's credential.
/// A finished device login or import the page asks to show (by id; only the
/// user's own are found).
#[derive(Default)]
pub struct Shown {
    pub flow: Option<String>,
    pub import: Option<String>,
}

pub async fn statuses(
    app: &AppState,
    user_id: &str,
    shown: &Shown,
) -> Result<Vec<ProviderStatus>, Error> {
    let rows = credentials::list(&app.db, user_id).await?;
    let endpoints = self_hosted::list(&app.db, user_id).await?;
    let mut flows = device_flows::pending(&app.db, user_id, &app.clock).await?;
    let mut imports = imports::pending(app, user_id).await?;
    // A waiting one of the same provider comes first (a new code was asked for).
    if let Some(id) = &shown.flow {
        if let Some(flow) = device_flows::find(&app.db, user_id, id, &app.clock).await? {
            if !flows.iter().any(|f| f.provider == flow.provider) {
                flows.push(flow);
            }
        }
    }
    if let Some(id) = &shown.import {
        if let Some(import) = imports::status(&app.db, user_id, id, &app.clock).await? {
            if !imports.iter().any(|i| i.provider == import.provider) {
                imports.push(import);
            }
        }
    }
    Ok(providers::ALL
        .into_iter()
        .map(|info| {
            let methods = app.providers.methods(info);
            ProviderStatus {
                id: info.id,
                credential: rows.iter().find(|r| r.provider == info.id).map(status),
                endpoints: if methods.contains(&providers::ConnectMethod::Endpoint) {
                    endpoints.clone()
                } else {
                    Vec::new()
                },
                pending_flow: flows
                    .iter()
                    .position(|f| f.provider == info.id)
                    .map(|i| flows.swap_remove(i)),
                pending_import: imports
                    .iter()
                    .position(|i| i.provider == info.id)
                    .map(|i| imports.swap_remove(i)),
                methods,
            }
        })
        .collect())
}

fn status(row: &CredentialRow) -> CredentialStatus {
    CredentialStatus {
        account: row.account.clone(),
        method: row.method,
        env_var: row.env_var.clone(),
        token_hint: row.token_hint.clone(),
        connected_at: row.connected_at,
        refreshed_at: row.refreshed_at,
        expires_at: row.expires_at,
        needs_reconnect: row.needs_reconnect.is_some(),
        verification: row.verification,
        proof: row.proof.clone(),
        verified_at: row.verified_at,
    }
}

/// Why a user's request was refused: the text is shown as is; the doors
/// choose the status and the code from the variant.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("{} does not take access tokens.", .0.name)]
    NoTokens(&'static ProviderInfo),
    /// Not a key of this provider; the registry says why.
    #[error("{0}")]
    BadKey(String),
    #[error("{} is not connected.", .0.title)]
    NotConnected(&'static ProviderInfo),
    #[error("{} uses the GitHub account you signed in with; sign out instead.", .0.title)]
    SignInAccount(&'static ProviderInfo),
    #[error("{} is connected by a login, not a key: disconnect it in Settings.", .0.name)]
    NotAKey(&'static ProviderInfo),
    #[error("No {} key is stored.", .0.name)]
    NoKey(&'static ProviderInfo),
    #[error("{} refused the credential. Reconnect {} to keep using it.", .0.name, .0.name)]
    NeedsReconnect(&'static ProviderInfo),
    #[error("{} is not answering. The stored credential was kept; try again in a moment.", .0.name)]
    Unavailable(&'static ProviderInfo),
    #[error("{} gave no verdict on the credential ({why}). It was kept; try again in a moment.", .info.name)]
    NoVerdict {
        info: &'static ProviderInfo,
        why: String,
    },
    #[error("{} did not accept the credential: {what}.", .info.name)]
    NotAccepted {
        info: &'static ProviderInfo,
        what: String,
    },
    #[error(transparent)]
    Backend(#[from] Error),
}

/// Stores a pasted token after checking its shape. Shown afterwards only as
/// its prefix and last four characters.
pub async fn save_token(
    app: &AppState,
    user_id: &str,
    info: &'static ProviderInfo,
    token: &SecretString,
    source: Source,
) -> Result<CredentialStatus, Refusal> {
    if !app
        .providers
        .supports(info, providers::ConnectMethod::AccessToken)
    {
        return Err(Refusal::NoTokens(info));
    }
    let raw = token.expose_secret().trim();
    let recognised = match info.recognise_token(raw) {
        Ok(r) => r,
        Err(message) => {
            audit::note(
                &app.db,
                user_id,
                AuditAction::ConnectFailed,
                info.id,
                "access token: bad shape",
                &source,
                &app.clock,
            )
            .await;
            return Err(Refusal::BadKey(message));
        }
    };
    let hint = hint(raw, info);
    let account = format!("{} {}", info.name, recognised.kind);
    let token = SecretString::from(raw.to_owned());
    // Proven before it is stored: a key the provider refuses is not kept.
    let storing = proof::Storing {
        user_id,
        info,
        what: "access token",
        failed: AuditAction::ConnectFailed,
        source: &source,
    };
    let stored = proof::before_storing(app, storing, &token, recognised.sent_as)
        .await
        .map_err(|said| Refusal::NotAccepted { info, what: said })?;
    credentials::store(
        &app.db,
        &app.vault,
        user_id,
        info.id,
        &Connection {
            account: &account,
            subject: None,
            method: CredentialMethod::Token,
            env_var: recognised.env_var,
            token_hint: Some(hint),
            verification: stored.verification,
            proof: stored.proof.as_deref(),
        },
        &TokenSet::bare(token),
        &app.clock,
    )
    .await?;
    let detail = match (&stored.proof, &stored.no_verdict) {
        (Some(proof), _) => format!("access token ({}), works: {proof}", recognised.kind),
        (None, Some(why)) => format!(
            "access token ({}), not yet verified: {why}",
            recognised.kind
        ),
        (None, None) => format!("access token ({})", recognised.kind),
    };
    audit::note(
        &app.db,
        user_id,
        AuditAction::Connect,
        info.id,
        &detail,
        &source,
        &app.clock,
    )
    .await;
    let row = credentials::find(&app.db, user_id, info.id)
        .await?
        .expect("just stored");
    Ok(status(&row))
}

/// "sk-ant-api…Ab3d": the known prefix (or the first four characters) and the last four.
fn hint(token: &str, info: &ProviderInfo) -> String {
    let prefix = info
        .token_shapes
        .iter()
        .find(|s| token.starts_with(s.prefix))
        .map(|s| s.prefix)
        .unwrap_or(&token[..4]);
    providers::token_hint(prefix, &token[token.len() - 4..])
}

/// Revokes the credential at the provider (where it can be revoked), then deletes it.
pub async fn disconnect(
    app: &AppState,
    user_id: &str,
    info: &'static ProviderInfo,
    source: Source,
) -> Result<(), Refusal> {
    let Some(row) = credentials::find(&app.db, user_id, info.id).await? else {
        return Err(Refusal::NotConnected(info));
    };
    if row.method == CredentialMethod::SignIn {
        return Err(Refusal::SignInAccount(info));
    }
    let revoked = revoke_at_provider(app, user_id, info, &row).await?;
    credentials::delete(&app.db, user_id, info.id).await?;
    audit::note(
        &app.db,
        user_id,
        AuditAction::Disconnect,
        info.id,
        revoked.detail(),
        &source,
        &app.clock,
    )
    .await;
    Ok(())
}

/// What became of a credential's grant at its provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revoked {
    Yes,
    /// Relay holds no grant of its own client (a pasted key, an import).
    NotOurs,
    NoEndpoint,
    Failed,
}

impl Revoked {
    /// The audit line of a disconnect.
    pub fn detail(self) -> &'static str {
        match self {
            Revoked::Yes => "revoked at the provider and deleted from the vault",
            Revoked::NotOurs => "deleted from the vault",
            Revoked::NoEndpoint => {
                "deleted from the vault (the provider has no revocation endpoint)"
            }
            Revoked::Failed => "deleted from the vault; revocation at the provider failed",
        }
    }
}

/// Ends the grant at the provider where Relay holds tokens of its own client
/// (a login, the sign-in), the way the registry says. Never fails for the
/// provider's sake.
pub async fn revoke_at_provider(
    app: &AppState,
    user_id: &str,
    info: &'static ProviderInfo,
    row: &CredentialRow,
) -> Result<Revoked, Error> {
    let (true, Some(endpoints)) = (row.method.refreshable(), app.providers.endpoints(info.id))
    else {
        return Ok(Revoked::NotOurs);
    };
    let Some(sealed) = credentials::sealed(&app.db, user_id, info.id).await? else {
        return Ok(Revoked::NotOurs);
    };
    let access = credentials::open(&app.vault, user_id, info.id, &sealed, Field::Access)?;
    let refresh = match sealed.refresh_token {
        Some(_) => Some(credentials::open(
            &app.vault,
            user_id,
            info.id,
            &sealed,
            Field::Refresh,
        )?),
        None => None,
    };
    let revoked = oauth::revoke(
        &app.http,
        endpoints,
        info.revocation,
        &access,
        refresh.as_ref(),
    );
    Ok(match revoked.await {
        Ok(true) => Revoked::Yes,
        Ok(false) => Revoked::NoEndpoint,
        Err(e) => {
            tracing::warn!(provider = %info.id, error = %e, "revocation failed; deleting anyway");
            Revoked::Failed
        }
    })
}

/// Deletes a pasted key (`relay keys remove`); other connections are the
/// settings page's to disconnect.
pub async fn remove_key(
    app: &AppState,
    user_id: &str,
    info: &'static ProviderInfo,
    source: Source,
) -> Result<(), Refusal> {
    match credentials::find(&app.db, user_id, info.id).await? {
        Some(row) if row.method == CredentialMethod::Token => {
            disconnect(app, user_id, info, source).await
        }
        Some(_) => Err(Refusal::NotAKey(info)),
        None => Err(Refusal::NoKey(info)),
    }
}

/// "Test": refreshes if needed, then asks the provider's check (its model
/// list, or who the token is). The answer is a sentence for the user; a
/// refusal marks the credential "Needs reconnect".
pub async fn test(
    app: &AppState,
    user_id: &str,
    info: &'static ProviderInfo,
    source: Source,
) -> Result<String, Refusal> {
    let Some(row) = credentials::find(&app.db, user_id, info.id).await? else {
        return Err(Refusal::NotConnected(info));
    };
    let token = freshness::access_token(app, user_id, info.id, &source)
        .await
        .map_err(|e| match e {
            FreshError::Backend(e) => Refusal::Backend(e),
            FreshError::NotConnected => Refusal::NotConnected(info),
            FreshError::NeedsReconnect => Refusal::NeedsReconnect(info),
            FreshError::Unavailable => Refusal::Unavailable(info),
        })?;
    let checked = proof::ask(app, info, &token, proof::sent_as(info, row.method, &token)).await;
    let (outcome, result) = match checked {
        Some(Checked::Works(found)) => {
            let finding = found.finding();
            credentials::set_verification(
                &app.db,
                user_id,
                info.id,
                Verification::Verified,
                Some(&finding),
                &app.clock,
            )
            .await?;
            // A login's account is worth naming beside a model count.
            let whose = match found {
                Proof::Models(_) if row.method.is_login() => {
                    format!(" Logged in as {}.", row.account)
                }
                _ => String::new(),
            };
            (
                format!("works: {finding}"),
                Ok(format!("✓ Works: {finding}.{whose}")),
            )
        }
        Some(Checked::Refused(said)) => {
            proof::refused(app, user_id, info.id, &said, &source).await?;
            (
                format!("refused: {said}"),
                Err(Refusal::NotAccepted { info, what: said }),
            )
        }
        Some(Checked::NoVerdict(why)) => (
            format!("no verdict: {why}"),
            Err(Refusal::NoVerdict { info, why }),
        ),
        None => unchecked(app, info, &row, &token).await,
    };
    audit::note(
        &app.db,
        user_id,
        AuditAction::Test,
        info.id,
        &outcome,
        &source,
        &app.clock,
    )
    .await;
    result
}

/// Test for a credential the provider has no check for: a login is asked
/// who it belongs to (userinfo); a handed-over one cannot be tried from here.
async fn unchecked(
    app: &AppState,
    info: &'static ProviderInfo,
    row: &CredentialRow,
    token: &SecretString,
) -> (String, Result<String, Refusal>) {
    if row.method.handed_over() {
        return (
            "ok".to_owned(),
            Ok(format!(
                "The {} is stored and ready for {}. {} offers no endpoint Relay can check it against from here.",
                row.account, info.cli, info.name
            )),
        );
    }
    let answer = match app.providers.endpoints(info.id) {
        Some(endpoints) => userinfo::who(&app.http, endpoints, token).await,
        None => Ok(None),
    };
    match answer {
        Ok(Some(account)) => (
            "ok".to_owned(),
            Ok(format!(
                "✓ {} answered: this credential belongs to {}.",
                info.name, account.name
            )),
        ),
        Ok(None) => (
            "ok".to_owned(),
            Ok(format!(
                "The credential is fresh; {} has no endpoint that names its owner.",
                info.name
            )),
        ),
        Err(what) => (
            "failed".to_owned(),
            Err(Refusal::NotAccepted { info, what }),
        ),
    }
}
