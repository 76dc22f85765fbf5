//! The attack suite: one test per attack, named after it, each over real
//! HTTP against a running Relay. The README's "Security" section lists them.

mod account_takeover;
mod device;
mod jwt;
mod oauth;
mod rate_limits;
mod sessions;
mod ssrf;
mod vault;
