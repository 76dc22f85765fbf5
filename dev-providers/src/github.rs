//! The GitHub REST stand-in: `/user`, `/user/repos` (with `Link` pagination),
//! the contents API for the agent configuration some repositories hold, and
//! avatars, authenticated by tokens from the development OAuth engine.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::engine::Engine;
use super::people::{self, Person};
use super::repos;

pub fn routes() -> Router<Arc<Engine>> {
    Router::new()
        .route("/github/api/user", get(user))
        .route("/github/api/user/repos", get(user_repos))
        .route(
            "/github/api/repos/{owner}/{repo}/contents/{*path}",
            get(contents),
        )
        .route("/github/avatars/{file}", get(avatar))
        .route(
            "/github/api/applications/{client_id}/grant",
            axum::routing::delete(delete_grant),
        )
}

#[derive(Deserialize)]
struct GrantToRevoke {
    access_token: String,
}

/// `DELETE /applications/{client_id}/grant`: the app (HTTP Basic with its
/// id and secret) revokes the whole grant one of its access tokens belongs
/// to, as a user's "Revoke access" in GitHub's settings does. 204, or 404
/// for a token the app was never issued, as GitHub answers.
async fn delete_grant(
    State(engine): State<Arc<Engine>>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    body: Option<Json<GrantToRevoke>>,
) -> Response {
    let authenticated = super::engine::authenticate_client(
        &engine,
        "github",
        &headers,
        "",
        "",
        super::engine::Secret::Required,
    );
    match authenticated {
        Ok(id) if id == client_id => {}
        _ => {
            let body = json!({ "message": "Bad credentials", "documentation_url": "https://docs.github.com/rest" });
            return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
        }
    }
    let Some(Json(body)) = body else {
        let body = json!({ "message": "Invalid request.\n\n\"access_token\" wasn't supplied." });
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response();
    };
    if engine
        .revoke_grant_of("github", &client_id, &body.access_token)
        .await
    {
        StatusCode::NO_CONTENT.into_response()
    } else {
        let body =
            json!({ "message": "Not Found", "documentation_url": "https://docs.github.com/rest" });
        (StatusCode::NOT_FOUND, Json(body)).into_response()
    }
}

async fn authenticated(engine: &Engine, headers: &HeaderMap) -> Result<Person, Response> {
    let login = engine.bearer_user("github", headers).await;
    login.and_then(|l| people::person(&l)).ok_or_else(|| {
        let body = json!({ "message": "Bad credentials", "documentation_url": "https://docs.github.com/rest" });
        (StatusCode::UNAUTHORIZED, Json(body)).into_response()
    })
}

async fn user(State(engine): State<Arc<Engine>>, headers: HeaderMap) -> Response {
    let person = match authenticated(&engine, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    Json(json!({
        "login": person.login,
        "id": person.id,
        "name": person.name,
        "email": format!("{}@users.dev.example", person.login),
        "avatar_url": avatar_url(&headers, &person.login),
        "html_url": format!("https://github.com/{}", person.login),
        "type": "User",
    }))
    .into_response()
}

#[derive(Debug, Deserialize)]
struct Page {
    per_page: Option<String>,
    page: Option<String>,
    sort: Option<String>,
    direction: Option<String>,
}

async fn user_repos(
    State(engine): State<Arc<Engine>>,
    headers: HeaderMap,
    Query(q): Query<Page>,
) -> Response {
    let person = match authenticated(&engine, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let per_page = q
        .per_page
        .as_deref()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 100);
    let page = q
        .page
        .as_deref()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let mut all = repos::for_user(&person.login, person.id, engine.clock().now());
    // GitHub's default order for /user/repos is full_name ascending.
    let sort = q.sort.as_deref().unwrap_or("full_name");
    match sort {
        "updated" | "pushed" | "created" => all.sort_by_key(|r| std::cmp::Reverse(r.updated_secs)),
        _ => all.sort_by(|a, b| a.full_name.cmp(&b.full_name)),
    }
    let default_desc = sort != "full_name";
    let descending = q
        .direction
        .as_deref()
        .map(|d| d == "desc")
        .unwrap_or(default_desc);
    if descending != default_desc {
        all.reverse();
    }
    let last = all.len().div_ceil(per_page).max(1);
    let items: Vec<_> = all
        .iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();

    let base = format!("{}/github/api/user/repos", origin(&headers));
    let link_to = |n: usize, rel: &str| {
        let mut url = url::Url::parse(&base).expect("origin is a URL");
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("per_page", &per_page.to_string());
            if let Some(s) = &q.sort {
                pairs.append_pair("sort", s);
            }
            if let Some(d) = &q.direction {
                pairs.append_pair("direction", d);
            }
            pairs.append_pair("page", &n.to_string());
        }
        format!("<{url}>; rel=\"{rel}\"")
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(link_to(page - 1, "prev"));
        links.push(link_to(1, "first"));
    }
    if page < last {
        links.push(link_to(page + 1, "next"));
        links.push(link_to(last, "last"));
    }
    let mut response = Json(items).into_response();
    if !links.is_empty() {
        response.headers_mut().insert(
            header::LINK,
            links.join(", ").parse().expect("ASCII header"),
        );
    }
    response
}

/// `GET /repos/{owner}/{repo}/contents/{path}`: the `.claude/agents/` folder
/// (a listing) and `teams.json` (a base64 file) of repositories that have
/// them; 404 for everything else, as GitHub answers for a missing path.
async fn contents(
    State(engine): State<Arc<Engine>>,
    headers: HeaderMap,
    Path((owner, repo, path)): Path<(String, String, String)>,
) -> Response {
    use base64::Engine as _;
    let person = match authenticated(&engine, &headers).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let not_found = || {
        let body = json!({ "message": "Not Found", "documentation_url": "https://docs.github.com/rest/repos/contents" });
        (StatusCode::NOT_FOUND, Json(body)).into_response()
    };
    let full_name = format!("{owner}/{repo}");
    let all = repos::for_user(&person.login, person.id, engine.clock().now());
    let Some(found) = all
        .iter()
        .find(|r| r.full_name.eq_ignore_ascii_case(&full_name))
    else {
        return not_found();
    };
    match path.trim_end_matches('/') {
        ".claude/agents" if found.claude_agents > 0 => {
            let names = ["reviewer", "architect", "tester", "planner"];
            let entries: Vec<_> = names
                .iter()
                .take(found.claude_agents)
                .map(|n| {
                    json!({
                        "type": "file",
                        "name": format!("{n}.md"),
                        "path": format!(".claude/agents/{n}.md"),
                        "size": 512,
                    })
                })
                .chain(std::iter::once(json!({
                    "type": "dir", "name": "shared", "path": ".claude/agents/shared", "size": 0,
                })))
                .collect();
            Json(entries).into_response()
        }
        "teams.json" if found.teams_json => {
            let document = json!({
                "version": 1,
                "teams": [{
                    "name": "Maintainers",
                    "template": "custom",
                    "defaultProvider": "anthropic",
                    "agents": [
                        { "name": "Triage", "role": "lead", "provider": "anthropic", "cli": "claude" },
                        { "name": "Fixer", "role": "developer", "provider": "anthropic", "cli": "claude" },
                    ],
                }],
            });
            // GitHub wraps its base64 at 60 characters.
            let encoded = base64::engine::general_purpose::STANDARD.encode(document.to_string());
            let wrapped: Vec<String> = encoded
                .as_bytes()
                .chunks(60)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect();
            Json(json!({
                "type": "file",
                "name": "teams.json",
                "path": "teams.json",
                "encoding": "base64",
                "content": wrapped.join("\n") + "\n",
            }))
            .into_response()
        }
        _ => not_found(),
    }
}

/// A round avatar with the user's initial, in a colour of their own.
async fn avatar(Path(file): Path<String>) -> Response {
    let login = file.strip_suffix(".svg").unwrap_or(&file);
    if !people::is_valid_login(login) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let hue = people::stable_id(login) % 360;
    let initial = login.chars().next().unwrap_or('?').to_ascii_uppercase();
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><circle cx="32" cy="32" r="32" fill="hsl({hue},55%,45%)"/><text x="32" y="42" font-family="system-ui,sans-serif" font-size="28" font-weight="600" fill="#fff" text-anchor="middle">{initial}</text></svg>"##
    );
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        svg,
    )
        .into_response()
}

fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:3010");
    format!("http://{host}")
}

fn avatar_url(headers: &HeaderMap, login: &str) -> String {
    format!("{}/github/avatars/{login}.svg", origin(headers))
}
