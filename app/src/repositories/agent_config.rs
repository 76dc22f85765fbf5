//! What a chosen repository already holds for agents: a `.claude/agents/`
//! folder or a `teams.json` on its default branch, looked up through GitHub's
//! contents API and summarised in a line ("3 agents in .claude/agents/").

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::platform::{db, Clock, Db, Error};
use crate::providers::registry::ProviderEndpoints;
use crate::repositories::github;
use crate::repositories::github::GithubError;

/// At most this many repositories are looked up at once.
const CONCURRENT: usize = 6;

#[derive(Deserialize)]
struct Entry {
    name: String,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct File {
    content: Option<String>,
    encoding: Option<String>,
}

/// Looks up every repository of `repos` (github id, full name, branch) and
/// stores what was found as each answer arrives. Runs after the choice is
/// saved, off the request.
pub async fn detect_all(
    db: Db,
    http: reqwest::Client,
    github: ProviderEndpoints,
    token: SecretString,
    user_id: String,
    repos: Vec<(i64, String, String)>,
    clock: Clock,
) {
    use futures::StreamExt;
    futures::stream::iter(repos)
        .map(|(id, full_name, branch)| {
            let (http, github, token) = (&http, &github, &token);
            async move {
                (
                    id,
                    summarise(http, github, token, &full_name, &branch).await,
                )
            }
        })
        .buffer_unordered(CONCURRENT)
        .for_each(|(id, found)| {
            let (db, user_id, clock) = (&db, &user_id, &clock);
            async move {
                if let Err(e) = store(db, user_id, id, found, clock).await {
                    tracing::warn!(error = %e, "storing a repository's agent configuration failed");
                }
            }
        })
        .await;
}

async fn store(
    db: &Db,
    user_id: &str,
    github_id: i64,
    found: Result<Option<String>, GithubError>,
    clock: &Clock,
) -> Result<(), Error> {
    let (summary, failure) = match found {
        Ok(summary) => (summary, None),
        Err(e) => {
            tracing::warn!(error = %e, "looking for agent configuration failed");
            (None, Some(e.to_string()))
        }
    };
    db::execute!(
        db,
        sqlx::query(
            "UPDATE repositories SET agent_config = $1, config_error = $2, config_checked_at = $3
         WHERE user_id = $4 AND github_id = $5",
        )
        .bind(summary)
        .bind(failure)
        .bind(clock.now())
        .bind(user_id)
        .bind(github_id)
    )?;
    Ok(())
}

/// One line for what `full_name` holds on `branch`, or `None` for nothing.
pub async fn summarise(
    http: &reqwest::Client,
    github: &ProviderEndpoints,
    token: &SecretString,
    full_name: &str,
    branch: &str,
) -> Result<Option<String>, GithubError> {
    let mut found = Vec::new();
    if let Some(listing) = get(http, github, token, full_name, ".claude/agents", branch).await? {
        let entries: Vec<Entry> = serde_json::from_slice(&listing).unwrap_or_default();
        let agents = entries
            .iter()
            .filter(|e| e.kind == "file" && e.name.ends_with(".md"))
            .count();
        found.push(match agents {
            1 => "1 agent in .claude/agents/".to_owned(),
            n => format!("{n} agents in .claude/agents/"),
        });
    }
    if let Some(file) = get(http, github, token, full_name, "teams.json", branch).await? {
        found.push(teams_json_summary(&file));
    }
    Ok((!found.is_empty()).then(|| found.join(" · ")))
}

/// "teams.json with 1 team", or why it could not be read.
fn teams_json_summary(body: &[u8]) -> String {
    use base64::Engine as _;
    let decoded = serde_json::from_slice::<File>(body).ok().and_then(|f| {
        let content: String = f.content?.chars().filter(|c| !c.is_whitespace()).collect();
        (f.encoding.as_deref() == Some("base64"))
            .then(|| {
                base64::engine::general_purpose::STANDARD
                    .decode(content)
                    .ok()
            })
            .flatten()
    });
    let teams = decoded
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|doc| doc.get("teams").and_then(|t| t.as_array()).map(Vec::len));
    match teams {
        Some(1) => "teams.json with 1 team".to_owned(),
        Some(n) => format!("teams.json with {n} teams"),
        None => "teams.json (not in a format Relay reads)".to_owned(),
    }
}

/// The body of `path` in the repository, `None` when GitHub says 404.
async fn get(
    http: &reqwest::Client,
    github: &ProviderEndpoints,
    token: &SecretString,
    full_name: &str,
    path: &str,
    branch: &str,
) -> Result<Option<Vec<u8>>, GithubError> {
    let response = github::get(http, token, contents_url(github, full_name, path, branch)?).await?;
    match response.status() {
        reqwest::StatusCode::NOT_FOUND => Ok(None),
        reqwest::StatusCode::UNAUTHORIZED => Err(GithubError::Unauthorized(401)),
        s if s.is_success() => Ok(Some(
            response
                .bytes()
                .await
                .map_err(|e| GithubError::Unavailable(e.without_url().to_string()))?
                .to_vec(),
        )),
        // 301 (renamed), 403 (rate limit, no access), 409 (empty repository), 5xx.
        s => Err(GithubError::Unavailable(format!("HTTP {}", s.as_u16()))),
    }
}

/// `{api}/repos/{owner}/{repo}/contents/{path}?ref={branch}`, every part escaped.
fn contents_url(
    github: &ProviderEndpoints,
    full_name: &str,
    path: &str,
    branch: &str,
) -> Result<Url, GithubError> {
    let mut url = github::api(github, "")?;
    let (owner, repo) = full_name
        .split_once('/')
        .ok_or_else(|| GithubError::Unavailable(format!("not a full name: {full_name}")))?;
    url.path_segments_mut()
        .map_err(|_| GithubError::Unavailable("the GitHub API URL cannot take a path".to_owned()))?
        .pop_if_empty()
        .extend(["repos", owner, repo, "contents"])
        .extend(path.split('/'));
    url.query_pairs_mut().append_pair("ref", branch);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_teams_json_wrapped_in_base64() {
        use base64::Engine as _;
        let doc = r#"{"version":1,"teams":[{"name":"a"},{"name":"b"}]}"#;
        let encoded = base64::engine::general_purpose::STANDARD.encode(doc);
        let (a, b) = encoded.split_at(10);
        let body = serde_json::json!({ "encoding": "base64", "content": format!("{a}\n{b}\n") });
        assert_eq!(
            teams_json_summary(body.to_string().as_bytes()),
            "teams.json with 2 teams"
        );
        assert_eq!(
            teams_json_summary(br#"{"encoding":"base64","content":"bm90IGpzb24="}"#),
            "teams.json (not in a format Relay reads)"
        );
    }
}
