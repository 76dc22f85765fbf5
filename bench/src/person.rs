//! A person in a browser, over plain HTTP: signs in at the development
//! GitHub, keeps the session cookie, presses buttons (posts forms and calls
//! server functions). Each person comes from their own address, told to the
//! server the way a load balancer tells it (`X-Forwarded-For`).

use std::net::Ipv4Addr;

use anyhow::{bail, Context};
use reqwest::header::{HeaderMap, ACCEPT, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};
use url::Url;

/// The session cookie of a development server.
pub const SESSION_COOKIE: &str = "relay_session";

pub struct Person {
    pub login: String,
    pub address: Ipv4Addr,
    /// `relay_session=…`
    pub cookie: String,
    base: Url,
}

/// One client for everybody: it follows no redirects (each step is looked at).
pub fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .build()
        .expect("a client")
}

/// The `n`th person's address: 10.x.y.z, never the same twice.
pub fn address(n: u32) -> Ipv4Addr {
    Ipv4Addr::from(0x0a00_0000 + 1 + n)
}

impl Person {
    /// "Continue with GitHub", Authorize at the development GitHub, back to Relay.
    pub async fn sign_in(http: &Client, base: &Url, login: &str, n: u32) -> anyhow::Result<Person> {
        let address = address(n);
        let start = http
            .get(base.join("oauth/start?provider=github")?)
            .header("x-forwarded-for", address.to_string())
            .send()
            .await?;
        let mut cookie = session_cookie(start.headers()).context("no session cookie at start")?;
        let authorize = Url::parse(&location(&start)?)?;
        let mut form: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
        form.push(("other_login".into(), login.into()));
        form.push(("decision".into(), "authorize".into()));
        let mut post_to = authorize.clone();
        post_to.set_query(None);
        let decided = http.post(post_to).form(&form).send().await?;
        let callback = location(&decided)?;
        let back = http
            .get(callback)
            .header(COOKIE, &cookie)
            .header("x-forwarded-for", address.to_string())
            .send()
            .await?;
        if !back.status().is_redirection() {
            bail!("sign-in of {login} ended with {}", back.status());
        }
        // The session id changes at sign-in.
        if let Some(renewed) = session_cookie(back.headers()) {
            cookie = renewed;
        }
        Ok(Person {
            login: login.to_owned(),
            address,
            cookie,
            base: base.clone(),
        })
    }

    pub fn url(&self, path: &str) -> Url {
        self.base
            .join(path.trim_start_matches('/'))
            .expect("a path")
    }

    pub async fn get(&self, http: &Client, path: &str) -> anyhow::Result<Response> {
        Ok(http
            .get(self.url(path))
            .header(COOKIE, &self.cookie)
            .header("x-forwarded-for", self.address.to_string())
            .send()
            .await?)
    }

    /// Calls a server function as the page's JavaScript does; its JSON answer.
    pub async fn call(
        &self,
        http: &Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> anyhow::Result<serde_json::Value> {
        let answer = http
            .post(self.url(path))
            .header(COOKIE, &self.cookie)
            .header(ACCEPT, "application/json")
            .header("x-forwarded-for", self.address.to_string())
            .form(form)
            .send()
            .await?;
        let status = answer.status();
        let body = answer.text().await?;
        if status != StatusCode::OK {
            bail!("{path}: {status}: {body}");
        }
        Ok(serde_json::from_str(&body)?)
    }
}

pub fn location(response: &Response) -> anyhow::Result<String> {
    Ok(response
        .headers()
        .get(LOCATION)
        .with_context(|| format!("expected a redirect, got {}", response.status()))?
        .to_str()?
        .to_owned())
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{SESSION_COOKIE}=")))
        .map(str::to_owned)
}
