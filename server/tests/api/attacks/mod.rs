//! The attack suite: one test per attack, named after it, each over real
//! HTTP against a running Relay. The README's "Security" section lists them.

mod account_takeover;
mod cross_user;
mod device;
mod jwt;
mod oauth;
mod oversized_bodies;
mod rate_limits;
mod sessions;
mod sql_metacharacters;
mod ssrf;
mod vault;
mod xss;
