//! Cross-site request forgery: a request that changes something must come
//! from one of Relay's own pages. Browsers say where a request comes from
//! (`Origin`, or else `Sec-Fetch-Site`); one from another site (a sibling
//! subdomain that `SameSite=Lax` lets through, or any other page on
//! 127.0.0.1 in development) is refused with 403 before any handler runs.
//! Exempt are the endpoints that authenticate otherwise: `/api/*` (a bearer
//! token), `/cli/poll` (the PKCE verifier), `/webhooks/github` (a signature).

use app::platform::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use url::Url;

pub async fn refuse_cross_site(
    State(app): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let reads = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if reads || exempt(request.uri().path()) || from_here(request.headers(), &app.public_url) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "refused a cross-site request");
    (
        StatusCode::FORBIDDEN,
        "This request came from another site, so Relay refused it. Nothing was changed.",
    )
        .into_response()
}

fn exempt(path: &str) -> bool {
    path.starts_with("/api/") || path == "/cli/poll" || path == "/webhooks/github"
}

/// Whether the browser says the request comes from Relay's own origin: its
/// public URL, or the host the request itself was sent to (which a forging
/// page cannot choose). A client that is no browser sends neither header
/// and cannot carry someone else's cookies, so it passes.
fn from_here(headers: &HeaderMap, public_url: &Url) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(origin) = text(header::ORIGIN.as_str()) {
        let Ok(origin) = Url::parse(origin) else {
            return false; // "null" (a sandboxed frame, a redirect) included
        };
        let ours = origin.origin() == public_url.origin();
        let host = origin.host_str().map(|host| match origin.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        });
        return ours || (host.is_some() && host.as_deref() == text(header::HOST.as_str()));
    }
    match text("sec-fetch-site") {
        Some(site) => site == "same-origin" || site == "none",
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn a_request_is_ours_by_origin_host_or_fetch_metadata() {
        let public = Url::parse("https://relay.example/").unwrap();
        let ours = |pairs: &[(&'static str, &str)]| from_here(&headers(pairs), &public);
        assert!(ours(&[("origin", "https://relay.example")]));
        assert!(ours(&[
            ("origin", "http://localhost:3000"),
            ("host", "localhost:3000")
        ]));
        assert!(!ours(&[
            ("origin", "https://evil.example"),
            ("host", "relay.example")
        ]));
        assert!(
            !ours(&[("origin", "https://app.relay.example")]),
            "a sibling subdomain"
        );
        assert!(
            !ours(&[("origin", "http://relay.example")]),
            "another scheme"
        );
        assert!(!ours(&[("origin", "null")]));
        assert!(ours(&[("sec-fetch-site", "same-origin")]));
        assert!(!ours(&[("sec-fetch-site", "same-site")]));
        assert!(!ours(&[("sec-fetch-site", "cross-site")]));
        assert!(ours(&[]), "no browser: nothing to forge with");
    }
}
