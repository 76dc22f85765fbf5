//! The browser's files (`/pkg/…`: WebAssembly, JavaScript, CSS). A release
//! build names them after their content (`relay.<hash>.wasm`, cargo-leptos
//! `hash-files`) and compresses them once (`--precompress`: `.br` and `.gz`
//! beside each), so they are served as stored, never compressed per request,
//! and cached by browsers for a year: a new build has new names.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use axum::http::{header, HeaderValue, Response};
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The files' base name (`output-name`, `[[workspace.metadata.leptos]]`).
pub const OUTPUT_NAME: &str = "relay";
/// The file cargo-leptos writes next to the server binary: `css: <hash>` and so on.
const HASH_FILE: &str = "hash.txt";

/// A year, never revalidated: the name changes whenever the content does.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Unhashed names (a development build) may change under the same name.
const REVALIDATE: &str = "no-cache";

/// The content hashes of this build's files, if it has them.
#[derive(Clone, Debug, Default)]
pub struct Manifest {
    css: Option<String>,
}

impl Manifest {
    /// This build's: read once from the hash file next to the running binary
    /// (absent in a build without hashing, and next to test binaries).
    pub fn current() -> Option<&'static Manifest> {
        static CURRENT: OnceLock<Option<Manifest>> = OnceLock::new();
        CURRENT
            .get_or_init(|| {
                let text = std::fs::read_to_string(hash_file()?).ok()?;
                Some(Manifest::parse(&text))
            })
            .as_ref()
    }

    fn parse(text: &str) -> Manifest {
        let hash = |kind: &str| {
            text.lines()
                .filter_map(|line| line.split_once(':'))
                .find(|(file, _)| file.trim() == kind)
                .map(|(_, hash)| hash.trim().to_owned())
        };
        Manifest { css: hash("css") }
    }

    /// `/pkg/relay.<hash>.css`, for pages rendered outside Leptos.
    pub fn stylesheet(manifest: Option<&Manifest>) -> String {
        match manifest.and_then(|m| m.css.as_deref()) {
            Some(hash) => format!("/pkg/{OUTPUT_NAME}.{hash}.css"),
            None => format!("/pkg/{OUTPUT_NAME}.css"),
        }
    }
}

fn hash_file() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.join(HASH_FILE);
    path.exists().then_some(path)
}

/// `/pkg/…` from `site_root/pkg`: the stored `.br` or `.gz` when the browser
/// takes it, else the file itself (which the compression layer then compresses).
pub fn router<S: Clone + Send + Sync + 'static>(site_root: &Path, hashed: bool) -> Router<S> {
    let cache = HeaderValue::from_static(if hashed { IMMUTABLE } else { REVALIDATE });
    let files = ServeDir::new(site_root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    // A missing file is not cached: the next build may bring it.
    let cache_found =
        move |response: &Response<_>| response.status().is_success().then(|| cache.clone());
    Router::new()
        .nest_service("/pkg", files)
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            cache_found,
        ))
}

#[cfg(test)]
mod tests {
    use super::Manifest;
    use axum::body::Body;
    use axum::http::{header, Request, StatusCode};
    use tower::ServiceExt;

    /// A `pkg/` with one hashed file and its stored brotli.
    fn site() -> tempfile::TempDir {
        let site = tempfile::tempdir().unwrap();
        std::fs::create_dir(site.path().join("pkg")).unwrap();
        std::fs::write(site.path().join("pkg/relay.abc.js"), "console.log(1)").unwrap();
        std::fs::write(site.path().join("pkg/relay.abc.js.br"), "stored-brotli").unwrap();
        site
    }

    async fn get(
        site: &std::path::Path,
        hashed: bool,
        path: &str,
        accept: &str,
    ) -> axum::response::Response {
        let router: axum::Router = super::router(site, hashed);
        let request = Request::get(path)
            .header(header::ACCEPT_ENCODING, accept)
            .body(Body::empty())
            .unwrap();
        router.oneshot(request).await.unwrap()
    }

    #[tokio::test]
    async fn hashed_files_go_out_as_stored_brotli_and_are_cached_for_a_year() {
        let site = site();
        let answer = get(site.path(), true, "/pkg/relay.abc.js", "gzip, br").await;
        assert_eq!(answer.status(), StatusCode::OK);
        assert_eq!(answer.headers()[header::CONTENT_ENCODING], "br");
        assert_eq!(
            answer.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        let body = axum::body::to_bytes(answer.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(
            &body[..],
            b"stored-brotli",
            "the stored file, not compressed again"
        );

        // A browser that takes no brotli gets the file itself.
        let plain = get(site.path(), true, "/pkg/relay.abc.js", "identity").await;
        assert!(plain.headers().get(header::CONTENT_ENCODING).is_none());
        let body = axum::body::to_bytes(plain.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"console.log(1)");
    }

    #[tokio::test]
    async fn a_missing_file_is_not_cached_and_unhashed_names_are_revalidated() {
        let site = site();
        let missing = get(site.path(), true, "/pkg/relay.old.js", "br").await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
        assert!(missing.headers().get(header::CACHE_CONTROL).is_none());
        let unhashed = get(site.path(), false, "/pkg/relay.abc.js", "br").await;
        assert_eq!(unhashed.headers()[header::CACHE_CONTROL], "no-cache");
    }

    #[test]
    fn the_stylesheet_carries_the_hash_of_the_build() {
        let manifest = Manifest::parse("js: abc\nwasm: def\ncss: 0f1e2d\n");
        assert_eq!(
            Manifest::stylesheet(Some(&manifest)),
            "/pkg/relay.0f1e2d.css"
        );
        assert_eq!(Manifest::stylesheet(None), "/pkg/relay.css");
    }
}
