//! The model APIs of the stand-ins, as each company answers them: Anthropic's
//! `GET /v1/models` (`x-api-key` and `anthropic-version`, or an OAuth
//! bearer), OpenAI's `GET /v1/models` (bearer), Gemini's
//! `GET /v1beta/models` (`x-goog-api-key` or `?key=`, or an OAuth bearer).
//! They know the console's keys and the engine's access tokens, and answer
//! a key that is unknown, revoked or rate-limited as the real ones do.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::console::{Answers, KeyState};
use crate::engine::{bearer_token as bearer, Engine};

pub fn routes() -> Router<Arc<Engine>> {
    Router::new()
        .route("/anthropic/v1/models", get(anthropic))
        .route("/openai/v1/models", get(openai))
        .route("/google/v1beta/models", get(google))
}

/// Twelve models of each company, as their lists name them.
const ANTHROPIC_MODELS: [&str; 12] = [
    "claude-opus-4-5-20251101",
    "claude-haiku-4-5-20251001",
    "claude-sonnet-4-5-20250929",
    "claude-opus-4-1-20250805",
    "claude-opus-4-20250514",
    "claude-sonnet-4-20250514",
    "claude-3-7-sonnet-20250219",
    "claude-3-5-haiku-20241022",
    "claude-3-5-sonnet-20241022",
    "claude-3-5-sonnet-20240620",
    "claude-3-haiku-20240307",
    "claude-3-opus-20240229",
];
const OPENAI_MODELS: [&str; 12] = [
    "gpt-5.1-codex",
    "gpt-5.1",
    "gpt-5-codex",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4o",
    "gpt-4o-mini",
    "o3",
    "o4-mini",
];
const GEMINI_MODELS: [&str; 12] = [
    "gemini-3-pro-preview",
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemini-2.0-flash",
    "gemini-2.0-flash-lite",
    "gemini-1.5-pro",
    "gemini-1.5-flash",
    "gemini-1.5-flash-8b",
    "gemini-embedding-001",
    "text-embedding-004",
    "gemma-3-27b-it",
];

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The refusals every company makes, in its own words and shape.
enum Refusal {
    Missing,
    Unknown,
    Revoked,
    RateLimited,
    Down,
}

/// Decides for a presented key: the console's "answers" switch first (an
/// outage or a spent quota answers everyone), then the key itself.
async fn judge(engine: &Engine, provider: &str, key: Option<&str>) -> Result<(), Refusal> {
    match engine.answers(provider).await {
        Answers::Down => return Err(Refusal::Down),
        Answers::RateLimited => return Err(Refusal::RateLimited),
        Answers::Normally => {}
    }
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        return Err(Refusal::Missing);
    };
    match engine.credential_state(provider, key).await {
        KeyState::Valid { .. } => Ok(()),
        KeyState::Revoked => Err(Refusal::Revoked),
        KeyState::Unknown => Err(Refusal::Unknown),
    }
}

fn answer(status: StatusCode, body: Value) -> Response {
    let mut response = (status, Json(body)).into_response();
    if status == StatusCode::TOO_MANY_REQUESTS {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from_static("30"));
    }
    response
}

async fn anthropic(State(engine): State<Arc<Engine>>, headers: HeaderMap) -> Response {
    let error = |status: StatusCode, kind: &str, message: &str| {
        answer(
            status,
            json!({ "type": "error", "error": { "type": kind, "message": message } }),
        )
    };
    if header(&headers, "anthropic-version").is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            "anthropic-version: header is required",
        );
    }
    let key = header(&headers, "x-api-key").or_else(|| bearer(&headers));
    match judge(&engine, "anthropic", key).await {
        Ok(()) => {
            let data: Vec<Value> = ANTHROPIC_MODELS
                .iter()
                .map(|id| json!({ "type": "model", "id": id, "display_name": id, "created_at": "2025-01-01T00:00:00Z" }))
                .collect();
            Json(json!({
                "data": data,
                "has_more": false,
                "first_id": ANTHROPIC_MODELS[0],
                "last_id": ANTHROPIC_MODELS[ANTHROPIC_MODELS.len() - 1],
            }))
            .into_response()
        }
        Err(Refusal::Missing) => error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "x-api-key header is required",
        ),
        Err(Refusal::Unknown) => error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "invalid x-api-key",
        ),
        Err(Refusal::Revoked) => error(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "This API key has been disabled.",
        ),
        Err(Refusal::RateLimited) => error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            "Number of requests has exceeded your rate limit.",
        ),
        Err(Refusal::Down) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded_error",
            "Overloaded",
        ),
    }
}

async fn openai(State(engine): State<Arc<Engine>>, headers: HeaderMap) -> Response {
    let error = |status: StatusCode, kind: &str, code: Option<&str>, message: &str| {
        answer(
            status,
            json!({ "error": { "message": message, "type": kind, "param": null, "code": code } }),
        )
    };
    match judge(&engine, "openai", bearer(&headers)).await {
        Ok(()) => {
            let data: Vec<Value> = OPENAI_MODELS
                .iter()
                .map(|id| json!({ "id": id, "object": "model", "created": 1_735_689_600, "owned_by": "openai" }))
                .collect();
            Json(json!({ "object": "list", "data": data })).into_response()
        }
        Err(Refusal::Missing) => error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            None,
            "You didn't provide an API key.",
        ),
        Err(Refusal::Unknown) => error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            Some("invalid_api_key"),
            "Incorrect API key provided.",
        ),
        Err(Refusal::Revoked) => error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            Some("invalid_api_key"),
            "This API key has been revoked.",
        ),
        Err(Refusal::RateLimited) => error(
            StatusCode::TOO_MANY_REQUESTS,
            "insufficient_quota",
            Some("insufficient_quota"),
            "You exceeded your current quota, please check your plan and billing details.",
        ),
        Err(Refusal::Down) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "server_error",
            None,
            "The server is overloaded or not ready yet.",
        ),
    }
}

#[derive(serde::Deserialize)]
struct GoogleQuery {
    key: Option<String>,
}

async fn google(
    State(engine): State<Arc<Engine>>,
    Query(query): Query<GoogleQuery>,
    headers: HeaderMap,
) -> Response {
    let error = |status: StatusCode, state: &str, message: &str| {
        answer(
            status,
            json!({ "error": { "code": status.as_u16(), "message": message, "status": state } }),
        )
    };
    let key = header(&headers, "x-goog-api-key")
        .or(query.key.as_deref())
        .or_else(|| bearer(&headers));
    match judge(&engine, "google", key).await {
        Ok(()) => {
            let models: Vec<Value> = GEMINI_MODELS
                .iter()
                .map(|id| json!({ "name": format!("models/{id}"), "displayName": id }))
                .collect();
            Json(json!({ "models": models })).into_response()
        }
        // Google answers a key it does not know with 400, not 401.
        Err(Refusal::Missing) => error(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "Method doesn't allow unregistered callers. Please use API Key or other form of API consumer identity to call this API.",
        ),
        Err(Refusal::Unknown) => error(
            StatusCode::BAD_REQUEST,
            "INVALID_ARGUMENT",
            "API key not valid. Please pass a valid API key.",
        ),
        Err(Refusal::Revoked) => error(
            StatusCode::FORBIDDEN,
            "PERMISSION_DENIED",
            "The API key has been revoked.",
        ),
        Err(Refusal::RateLimited) => error(
            StatusCode::TOO_MANY_REQUESTS,
            "RESOURCE_EXHAUSTED",
            "Resource has been exhausted (e.g. check quota).",
        ),
        Err(Refusal::Down) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "UNAVAILABLE",
            "The service is currently unavailable.",
        ),
    }
}
