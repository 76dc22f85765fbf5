use leptos::prelude::*;
use leptos_meta::Title;

use crate::ui::brand::{GithubMark, Logo};

/// `/`: sign up or sign in. Signed-in visitors are sent on by the server.
#[component]
pub fn Landing() -> impl IntoView {
    view! {
        <Title text=""/>
        <main class="landing" id="main">
            <section class="card hero" aria-labelledby="welcome">
                <Logo size=56/>
                <h1 id="welcome">"Welcome to Agent Relay Cloud"</h1>
                <p class="tagline">"Orchestrate AI agents across your repos"</p>
                // A full-page navigation: the OAuth redirect must leave the app.
                <a class="btn btn-github btn-block" href="/oauth/start?provider=github" rel="external">
                    <GithubMark/>
                    <span>"Continue with GitHub"</span>
                </a>
                <p class="fine-print">"By signing up, you agree to our Terms of Service and Privacy Policy."</p>
            </section>
            <ul class="features" aria-label="What you get">
                <li>
                    <strong>"Every agent, one place"</strong>
                    <span>"Claude Code, Codex, Gemini, Copilot and local models on your repositories."</span>
                </li>
                <li>
                    <strong>"Credentials in a vault"</strong>
                    <span>"Encrypted with AES-256-GCM under a key of your own, refreshed before they expire."</span>
                </li>
                <li>
                    <strong>"Works headless"</strong>
                    <span>"Agents in CI, containers and SSH sessions get fresh credentials without a browser."</span>
                </li>
            </ul>
        </main>
    }
}
