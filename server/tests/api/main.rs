//! Integration tests: each test starts the real server (and the development
//! providers) on random ports with its own temporary database, and talks
//! real HTTP to it.

mod helpers;

mod account_deletion;
mod attacks;

mod cli_login;
mod client_address;

mod connect_device;
mod connect_freshness;
mod connect_import;
mod connect_proof;
mod connect_redirect;
mod connect_revocation;
mod connect_self_hosted;
mod cross_site;
mod fake_provider;
mod faults;
mod health;
mod instances;
mod live;
mod master_key_rotation;
mod onboarding;
mod provider_quirks;
mod repositories;
mod schema;
mod signin;
mod teams;
mod webhooks;
