//! The user's GitHub repositories (all pages, through GitHub's REST API with
//! the token from the vault) and the ones they chose for the agents.

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use crate::platform::{db, Clock, Db, Error};
use crate::providers::registry::ProviderEndpoints;
use crate::repositories::github;
use crate::repositories::github::GithubError;
use crate::repositories::{ChosenRepo, RepoView};

/// GitHub's largest page.
const PER_PAGE: usize = 100;
/// At most this many pages (10,000 repositories) are read.
const MAX_PAGES: usize = 100;

#[derive(Deserialize)]
struct GithubRepo {
    id: i64,
    full_name: String,
    #[serde(default)]
    private: bool,
    #[serde(default)]
    stargazers_count: i64,
    updated_at: Option<String>,
    default_branch: Option<String>,
    description: Option<String>,
}

/// Every repository the user can access, most recently updated first.
pub async fn fetch_all(
    http: &reqwest::Client,
    github: &ProviderEndpoints,
    token: &SecretString,
    clock: &Clock,
) -> Result<Vec<RepoView>, GithubError> {
    let first = github::api(
        github,
        &format!("user/repos?per_page={PER_PAGE}&sort=updated&direction=desc"),
    )?;
    let origin = first.clone();
    let mut next = Some(first);
    let mut repos = Vec::new();
    let now = clock.now();
    for _ in 0..MAX_PAGES {
        let Some(url) = next.take() else { break };
        let response = github::get(http, token, url).await?;
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(GithubError::Unauthorized(status.as_u16()));
        }
        if !status.is_success() {
            return Err(GithubError::Unavailable(format!("HTTP {status}")));
        }
        next = next_page(response.headers(), &origin);
        let page: Vec<GithubRepo> = response
            .json()
            .await
            .map_err(|e| GithubError::Unavailable(e.without_url().to_string()))?;
        repos.extend(page.into_iter().map(|r| {
            let updated_at = r
                .updated_at
                .as_deref()
                .and_then(protocol::time::parse_iso8601)
                .unwrap_or(0);
            RepoView {
                id: r.id,
                full_name: r.full_name,
                private: r.private,
                stars: r.stargazers_count,
                default_branch: r.default_branch.unwrap_or_else(|| "main".to_owned()),
                description: r.description.map(|d| d.chars().take(200).collect()),
                updated_at,
                updated_ago: ago(now - updated_at),
            }
        }));
    }
    repos.sort_by_key(|r| std::cmp::Reverse(r.updated_at));
    Ok(repos)
}

/// The `rel="next"` URL of a `Link` header, only if it stays on the API's
/// origin: the token must never be sent anywhere else.
fn next_page(headers: &reqwest::header::HeaderMap, api: &Url) -> Option<Url> {
    let link = headers.get(reqwest::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        if !params.split(';').any(|p| p.trim() == "rel=\"next\"") {
            return None;
        }
        let url = Url::parse(target.trim().trim_start_matches('<').trim_end_matches('>')).ok()?;
        (url.origin() == api.origin()).then_some(url)
    })
}

/// "Updated 2 hours ago", the way GitHub says it.
fn ago(secs: i64) -> String {
    let plural = |n: i64, unit: &str| {
        if n == 1 {
            format!("Updated 1 {unit} ago")
        } else {
            format!("Updated {n} {unit}s ago")
        }
    };
    match secs.max(0) {
        0..=59 => "Updated just now".to_owned(),
        s @ 60..=3_599 => plural(s / 60, "minute"),
        s @ 3_600..=86_399 => plural(s / 3_600, "hour"),
        s @ 86_400..=2_591_999 => plural(s / 86_400, "day"),
        s @ 2_592_000..=31_535_999 => plural(s / 2_592_000, "month"),
        s => plural(s / 31_536_000, "year"),
    }
}

/// The ids of the repositories the user chose.
pub async fn selected_ids(db: &Db, user_id: &str) -> Result<Vec<i64>, Error> {
    Ok(db::fetch_all!(
        db,
        sqlx::query_scalar(
            "SELECT github_id FROM repositories WHERE user_id = $1 ORDER BY full_name",
        )
        .bind(user_id)
    )?)
}

/// The repositories the user chose, by name, with what was found in them.
pub async fn chosen(db: &Db, user_id: &str) -> Result<Vec<ChosenRepo>, Error> {
    type Row = (
        i64,
        String,
        i64,
        i64,
        String,
        Option<String>,
        Option<i64>,
        Option<String>,
    );
    let rows: Vec<Row> = db::fetch_all!(db, sqlx::query_as(
        "SELECT github_id, full_name, private, stars, default_branch, agent_config, config_checked_at, config_error
         FROM repositories WHERE user_id = $1 ORDER BY full_name",
    )
    .bind(user_id))?;
    Ok(rows
        .into_iter()
        .map(
            |(
                id,
                full_name,
                private,
                stars,
                default_branch,
                agent_config,
                checked,
                config_error,
            )| {
                ChosenRepo {
                    id,
                    full_name,
                    private: private != 0,
                    stars,
                    default_branch,
                    agent_config,
                    config_checked: checked.is_some(),
                    config_error,
                }
            },
        )
        .collect())
}

/// Makes `chosen` (repositories from the user's listing) the user's
/// selection: others are dropped, known ones refreshed (keeping what was
/// found in them), new ones added. Returns the ids that are new.
pub async fn save_selection(
    db: &Db,
    user_id: &str,
    chosen: &[RepoView],
    clock: &Clock,
) -> Result<Vec<i64>, Error> {
    db::on_pool!(db, |pool| {
        let mut tx = pool.begin().await?;
        let before: Vec<i64> =
            sqlx::query_scalar("SELECT github_id FROM repositories WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(&mut *tx)
                .await?;
        for gone in before
            .iter()
            .filter(|id| !chosen.iter().any(|r| r.id == **id))
        {
            sqlx::query("DELETE FROM repositories WHERE user_id = $1 AND github_id = $2")
                .bind(user_id)
                .bind(gone)
                .execute(&mut *tx)
                .await?;
        }
        let now = clock.now();
        for repo in chosen {
            sqlx::query(
            "INSERT INTO repositories (user_id, github_id, full_name, private, stars, default_branch, updated_at, selected_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (user_id, github_id) DO UPDATE SET
               full_name = excluded.full_name, private = excluded.private, stars = excluded.stars,
               default_branch = excluded.default_branch, updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(repo.id)
        .bind(&repo.full_name)
        .bind(i64::from(repo.private))
        .bind(repo.stars)
        .bind(&repo.default_branch)
        .bind(repo.updated_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        }
        tx.commit().await?;
        Ok(chosen
            .iter()
            .map(|r| r.id)
            .filter(|id| !before.contains(id))
            .collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_how_long_ago() {
        assert_eq!(ago(30), "Updated just now");
        assert_eq!(ago(60), "Updated 1 minute ago");
        assert_eq!(ago(2 * 3600 + 5), "Updated 2 hours ago");
        assert_eq!(ago(3 * 86_400), "Updated 3 days ago");
        assert_eq!(ago(400 * 86_400), "Updated 1 year ago");
    }

    #[test]
    fn follows_next_links_on_the_api_origin_only() {
        let api = Url::parse("https://api.github.com/").unwrap();
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::LINK,
            "<https://api.github.com/user/repos?page=2>; rel=\"next\", <https://api.github.com/user/repos?page=5>; rel=\"last\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_page(&headers, &api).unwrap().as_str(),
            "https://api.github.com/user/repos?page=2"
        );
        headers.insert(
            reqwest::header::LINK,
            "<https://evil.example/steal>; rel=\"next\""
                .parse()
                .unwrap(),
        );
        assert!(
            next_page(&headers, &api).is_none(),
            "the token never leaves GitHub's origin"
        );
    }
}
