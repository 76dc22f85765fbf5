//! Bodies over the limit, on every route that takes one: refused with 413
//! before a handler reads them, and the server carries on.

use reqwest::StatusCode;

use crate::cross_site::BROWSER_POSTS;
use crate::helpers::spawn_app;

/// Every route with a body that is not a browser form (those are `BROWSER_POSTS`).
const OTHER_POSTS: &[&str] = &["/cli/poll", "/api/logout", "/api/keys", "/webhooks/github"];
/// The server's limit (`routes::MAX_BODY_BYTES`), and the import's own.
const LIMIT: usize = 256 * 1024;
const IMPORT_LIMIT: usize = 64 * 1024;

#[tokio::test]
async fn bodies_over_the_limit_are_refused_on_every_route() {
    let app = spawn_app().await;
    app.sign_in("ada").await;
    let routes = BROWSER_POSTS
        .iter()
        .chain(OTHER_POSTS)
        .map(|path| (*path, LIMIT))
        .chain([("/api/credentials/import", IMPORT_LIMIT)]);
    for (path, limit) in routes {
        for size in [limit + 1, 8 << 20] {
            let response = app
                .client
                .post(app.url(path))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-import-code", "ABCD-EFGH")
                .body(vec![b'a'; size])
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::PAYLOAD_TOO_LARGE,
                "{path} with {size} bytes"
            );
        }
    }
    // Just under the limit is read (and refused for what it says, not its size).
    let response = app
        .client
        .post(app.url("/fn/teams/create"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("template=custom&name={}", "a".repeat(LIMIT - 100)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}
