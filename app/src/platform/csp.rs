//! The Content-Security-Policy of every answer. A page's inline hydration
//! script and palette style carry the render's nonce (leptos_axum makes one
//! per render); every other answer allows no inline script or style at all.
//! `'wasm-unsafe-eval'` lets the WebAssembly compile, nothing else.

/// The parts of the policy that depend on the deployment.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Where images may come from besides this origin: avatars are on
    /// GitHub's host (or the development providers' in development).
    images: String,
    /// The development auto-reload talks over a WebSocket.
    websocket: bool,
}

impl Policy {
    /// `image_origins`: extra origins (`http://127.0.0.1:3010`) for images.
    pub fn new(image_origins: &[String], development: bool) -> Policy {
        let mut images = "'self' data: https:".to_owned();
        for origin in image_origins {
            images.push(' ');
            images.push_str(origin);
        }
        Policy {
            images,
            websocket: development,
        }
    }

    /// For a rendered page whose inline script and style carry `nonce`.
    pub fn for_page(&self, nonce: &str) -> String {
        self.build(&format!(" 'nonce-{nonce}'"))
    }

    /// For any other answer: scripts and styles from files of this origin only.
    pub fn strict(&self) -> String {
        self.build("")
    }

    fn build(&self, nonce: &str) -> String {
        let connect = if self.websocket {
            "'self' ws:"
        } else {
            "'self'"
        };
        format!(
            "default-src 'self'; script-src 'self'{nonce} 'wasm-unsafe-eval'; style-src 'self'{nonce}; \
             img-src {images}; connect-src {connect}; object-src 'none'; base-uri 'none'; \
             frame-ancestors 'none'",
            images = self.images
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Policy;

    #[test]
    fn pages_allow_their_nonce_and_nothing_inline_otherwise() {
        let policy = Policy::new(&["http://127.0.0.1:3010".to_owned()], false);
        let page = policy.for_page("abc123");
        assert!(
            page.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"),
            "{page}"
        );
        assert!(page.contains("style-src 'self' 'nonce-abc123';"), "{page}");
        for directive in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(page.contains(directive), "{page}");
        }
        assert!(page.contains("img-src 'self' data: https: http://127.0.0.1:3010;"));
        let strict = policy.strict();
        assert!(
            !strict.contains("nonce") && !strict.contains("unsafe-inline"),
            "{strict}"
        );
        assert!(!strict.contains("ws:"));
        assert!(Policy::new(&[], true)
            .strict()
            .contains("connect-src 'self' ws:"));
    }
}
