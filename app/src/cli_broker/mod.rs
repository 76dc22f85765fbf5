//! The CLI login broker (server only): `relay auth` signs a terminal in
//! through the browser (`logins`) and gets a session JWT (`session_tokens`).
//! Its HTTP doors are in the `server` crate (`routes/cli.rs`, `routes/cli_api.rs`).

pub mod logins;
pub mod session_tokens;
