//! "Import from Local Claude": the page shows a one-time code; the user's
//! machine sends its credential file with that code; the vault keeps it.

use protocol::credential_files::Layout;
use rand::Rng;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::audit::log as audit;
use crate::audit::log::Source;
use crate::audit::AuditAction;
use crate::connect::import::{ImportState, ImportView};
use crate::connect::{proof, CredentialMethod};
use crate::identity::users;
use crate::platform::events::Topic;
use crate::platform::{db, sha256_hex, AppState, Clock, Db, Error};
use crate::providers::{ConnectMethod, ProviderId, ProviderInfo};
use crate::vault::credentials;
use crate::vault::credentials::{Connection, TokenSet};
use crate::vault::Binding;

/// How long an import code is good for.
pub const CODE_TTL_SECS: i64 = 10 * 60;
/// Letters nobody misreads (no vowels, so no words either).
const ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

/// "BCDF-GHJK-LMNP": 12 letters, about 52 bits.
fn new_code() -> String {
    let mut rng = rand::thread_rng();
    (0..3)
        .map(|_| {
            (0..4)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The code's sealing: bound to its user, provider and row.
fn code_binding<'a>(provider: ProviderId, id: &'a str) -> Binding<'a> {
    Binding {
        provider: provider.as_str(),
        field: "import_code",
        row: Some(id),
    }
}

/// Creates a one-time import code for the user. The code is looked up by its
/// hash; while it waits it is also kept sealed under the user's key, so that
/// their providers page can show it again (nobody else's can).
pub async fn start(
    app: &AppState,
    user_id: &str,
    info: &'static ProviderInfo,
) -> Result<ImportView, Error> {
    let (id, code, now) = (
        uuid::Uuid::new_v4().to_string(),
        new_code(),
        app.clock.now(),
    );
    let key = users::data_key(&app.db, &app.vault, user_id).await?;
    let sealed = key.seal(
        code_binding(info.id, &id),
        &SecretString::from(code.clone()),
    );
    db::execute!(app.db, sqlx::query(
        "INSERT INTO import_codes (id, code_hash, code_sealed, user_id, provider, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(sha256_hex(&code))
    .bind(sealed)
    .bind(user_id)
    .bind(info.id)
    .bind(now)
    .bind(now + CODE_TTL_SECS))?;
    Ok(ImportView {
        id,
        provider: info.id,
        code: Some(code),
        expires_in: CODE_TTL_SECS,
        state: ImportState::Waiting,
        account: None,
    })
}

/// The user's own import; another user's is "not found".
pub async fn status(
    db: &Db,
    user_id: &str,
    id: &str,
    clock: &Clock,
) -> Result<Option<ImportView>, Error> {
    let row: Option<(ProviderId, i64, Option<i64>, Option<String>)> = db::fetch_optional!(db, sqlx::query_as(
        "SELECT provider, expires_at, used_at, account FROM import_codes WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user_id))?;
    let now = clock.now();
    Ok(
        row.map(|(provider, expires_at, used_at, account)| ImportView {
            id: id.to_owned(),
            provider,
            code: None,
            expires_in: (expires_at - now).max(0),
            state: match (used_at, &account) {
                (Some(_), Some(_)) => ImportState::Imported,
                _ if expires_at <= now => ImportState::Expired,
                _ => ImportState::Waiting,
            },
            account,
        }),
    )
}

/// The user's waiting imports (code unspent, not expired), newest first per
/// provider, each with its code opened again for the page.
pub async fn pending(app: &AppState, user_id: &str) -> Result<Vec<ImportView>, Error> {
    let now = app.clock.now();
    let rows: Vec<(String, ProviderId, i64, String)> = db::fetch_all!(
        app.db,
        sqlx::query_as(
            "SELECT id, provider, expires_at, code_sealed FROM import_codes
         WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2 AND code_sealed IS NOT NULL
         ORDER BY created_at DESC, id",
        )
        .bind(user_id)
        .bind(now)
    )?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let key = users::data_key(&app.db, &app.vault, user_id).await?;
    let mut views: Vec<ImportView> = Vec::new();
    for (id, provider, expires_at, sealed) in rows {
        if views.iter().any(|v| v.provider == provider) {
            continue;
        }
        // A code that no longer opens (a restored row) is simply not shown.
        let Ok(code) = key.open(code_binding(provider, &id), &sealed) else {
            continue;
        };
        views.push(ImportView {
            id,
            provider,
            code: Some(code.expose_secret().to_owned()),
            expires_in: expires_at - now,
            state: ImportState::Waiting,
            account: None,
        });
    }
    Ok(views)
}

/// Ends the user's waiting import: its code stops working at once.
/// Another user's import, or one already ended, changes nothing.
pub async fn cancel(app: &AppState, user_id: &str, id: &str) -> Result<(), Error> {
    let now = app.clock.now();
    let done = db::execute!(
        app.db,
        sqlx::query(
            "UPDATE import_codes SET expires_at = $1, code_sealed = NULL
         WHERE id = $2 AND user_id = $3 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(id)
        .bind(user_id)
    )?;
    if done == 1 {
        app.events.publish(Topic::Import(id.to_owned())).await;
    }
    Ok(())
}

/// Forgets the sealed codes of expired imports (housekeeping; the rows stay
/// so that a late `relay credentials import` still hears "expired").
pub async fn prune(db: &Db, clock: &Clock) -> Result<u64, Error> {
    Ok(db::execute!(db, sqlx::query(
        "UPDATE import_codes SET code_sealed = NULL WHERE code_sealed IS NOT NULL AND expires_at <= $1",
    )
    .bind(clock.now()))?)
}

/// Why an import was refused: the text goes back to the command line as is.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("This import code is not known. Copy it again from the providers page.")]
    UnknownCode,
    #[error("This import code was already used. Get a new one from the providers page.")]
    UsedCode,
    #[error("This import code has expired (codes last 10 minutes). Get a new one from the providers page.")]
    ExpiredCode,
    #[error("{0}")]
    BadFile(String),
    #[error("{} did not accept the imported credential: {said}. Sign in to {} again on that machine, then import again.", .info.name, .info.cli)]
    Refused {
        info: &'static ProviderInfo,
        said: String,
    },
    #[error(transparent)]
    Backend(#[from] Error),
}

/// Claude Code's `~/.claude/.credentials.json`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClaudeCredentials {
    claude_ai_oauth: Option<ClaudeOauth>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ClaudeOauth {
    access_token: Option<String>,
    refresh_token: Option<String>,
    /// Milliseconds since the epoch.
    expires_at: Option<i64>,
    #[serde(default)]
    scopes: Vec<String>,
    subscription_type: Option<String>,
}

/// Accepts a credential file sent with a one-time code: checks the code
/// (single use), the file's shape, then stores it in the vault.
pub async fn redeem(
    app: &AppState,
    code: &str,
    file: &[u8],
    source: Source,
) -> Result<(&'static ProviderInfo, String), ImportError> {
    let code = code.trim().to_ascii_uppercase();
    let now = app.clock.now();
    // Claim the code: exactly one request ever gets past this.
    let claimed: Option<(String, String, ProviderId, i64)> = db::fetch_optional!(
        app.db,
        sqlx::query_as(
            "UPDATE import_codes SET used_at = $1, code_sealed = NULL WHERE code_hash = $2 AND used_at IS NULL
         RETURNING id, user_id, provider, expires_at",
        )
        .bind(now)
        .bind(sha256_hex(&code))
    )
    .map_err(Error::from)?;
    let Some((id, user_id, provider, expires_at)) = claimed else {
        let used: Option<Option<i64>> = db::fetch_optional!(
            app.db,
            sqlx::query_scalar("SELECT used_at FROM import_codes WHERE code_hash = $1")
                .bind(sha256_hex(&code))
        )
        .map_err(Error::from)?;
        return Err(match used {
            Some(_) => ImportError::UsedCode,
            None => ImportError::UnknownCode,
        });
    };
    if expires_at <= now {
        return Err(ImportError::ExpiredCode);
    }
    let info = provider.info();
    let parsed = match info.import {
        Some(format) => read(format.layout, file),
        None => Err(format!("{} credentials cannot be imported.", info.name)),
    };
    let (tokens, account) = match parsed {
        Ok(ok) => ok,
        Err(message) => {
            audit::note(
                &app.db,
                &user_id,
                AuditAction::ImportFailed,
                info.id,
                &format!("the file was not a {} credential file", info.short),
                &source,
                &app.clock,
            )
            .await;
            // The code stays spent: a new attempt takes a new code.
            return Err(ImportError::BadFile(message));
        }
    };
    // Proven before it is stored, as a pasted key is.
    let storing = proof::Storing {
        user_id: &user_id,
        info,
        what: "the imported credential",
        failed: AuditAction::ImportFailed,
        source: &source,
    };
    let bearer = Some(crate::providers::SentAs::Bearer);
    let stored = proof::before_storing(app, storing, &tokens.access_token, bearer)
        .await
        .map_err(|said| ImportError::Refused { info, said })?;
    credentials::store(
        &app.db,
        &app.vault,
        &user_id,
        info.id,
        &Connection {
            account: &account,
            subject: None,
            method: CredentialMethod::Import,
            env_var: info.oauth_env_var,
            token_hint: None,
            verification: stored.verification,
            proof: stored.proof.as_deref(),
        },
        &tokens,
        &app.clock,
    )
    .await?;
    db::execute!(
        app.db,
        sqlx::query("UPDATE import_codes SET account = $1 WHERE id = $2")
            .bind(&account)
            .bind(&id)
    )
    .map_err(Error::from)?;
    app.events.publish(Topic::Import(id.clone())).await;
    audit::note(
        &app.db,
        &user_id,
        AuditAction::Import,
        info.id,
        "credential file",
        &source,
        &app.clock,
    )
    .await;
    Ok((info, account))
}

/// Reads a credential file laid out as `layout`: the tokens and the account
/// they belong to. The messages never repeat the file's content.
fn read(layout: Layout, file: &[u8]) -> Result<(TokenSet, String), String> {
    match layout {
        Layout::ClaudeCredentials => parse_claude(file),
    }
}

/// Claude Code's `~/.claude/.credentials.json`.
pub fn parse_claude(file: &[u8]) -> Result<(TokenSet, String), String> {
    let parsed: ClaudeCredentials = serde_json::from_slice(file).map_err(|_| {
        "That is not a Claude credentials file: it is not valid JSON. Send ~/.claude/.credentials.json as it is.".to_owned()
    })?;
    let oauth = parsed.claude_ai_oauth.ok_or_else(|| {
        "That JSON has no \"claudeAiOauth\" section: send ~/.claude/.credentials.json from a machine where Claude Code is logged in.".to_owned()
    })?;
    let access = oauth
        .access_token
        .filter(|t| {
            t.starts_with("sk-ant-") && t.len() >= 20 && t.chars().all(|c| c.is_ascii_graphic())
        })
        .ok_or_else(|| {
            "The file's accessToken is missing or is not a Claude token (sk-ant-…).".to_owned()
        })?;
    let refresh = match oauth.refresh_token {
        Some(t) if !(t.starts_with("sk-ant-") && t.chars().all(|c| c.is_ascii_graphic())) => {
            return Err("The file's refreshToken is not a Claude token (sk-ant-…).".to_owned())
        }
        other => other,
    };
    let plan = oauth.subscription_type.filter(|s| {
        !s.is_empty() && s.len() < 40 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    let account = match plan {
        Some(plan) => format!("Claude {plan} subscription (imported)"),
        None => "Claude account (imported)".to_owned(),
    };
    Ok((
        TokenSet {
            access_token: SecretString::from(access),
            refresh_token: refresh.map(SecretString::from),
            expires_at: oauth.expires_at.map(|ms| ms / 1000),
            scopes: oauth.scopes,
        },
        account,
    ))
}

/// Whether `info` takes imports on this server.
pub fn supported(app: &AppState, info: &ProviderInfo) -> bool {
    app.providers.supports(info, ConnectMethod::Import)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_three_groups_of_four_unambiguous_letters() {
        let code = new_code();
        assert_eq!(code.len(), 14);
        assert!(code
            .split('-')
            .all(|g| g.len() == 4 && g.bytes().all(|b| ALPHABET.contains(&b))));
    }

    #[test]
    fn a_claude_file_is_read_and_a_bad_one_is_named_without_echo() {
        // Made up at run time: no secret-like text in the source.
        let (access, refresh) = (
            "sk-ant-oat01-".to_owned() + &"FAKE".repeat(5),
            "sk-ant-ort01-".to_owned() + &"FAKE".repeat(5),
        );
        let good = format!(
            r#"{{"claudeAiOauth":{{"accessToken":"{access}","refreshToken":"{refresh}","expiresAt":1800000000000,"scopes":["user:inference"],"subscriptionType":"max"}}}}"#
        );
        let (tokens, account) = parse_claude(good.as_bytes()).unwrap();
        assert_eq!(tokens.expires_at, Some(1_800_000_000));
        assert_eq!(account, "Claude max subscription (imported)");

        assert!(parse_claude(b"not json")
            .unwrap_err()
            .contains("not valid JSON"));
        assert!(parse_claude(br#"{"other":1}"#)
            .unwrap_err()
            .contains("claudeAiOauth"));
        let wrong = br#"{"claudeAiOauth":{"accessToken":"hunter2-secret-value-xyz"}}"#;
        let err = parse_claude(wrong).unwrap_err();
        assert!(
            err.contains("accessToken") && !err.contains("hunter2"),
            "{err}"
        );
    }
}
