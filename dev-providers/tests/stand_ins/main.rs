//! The development providers' own guarantees, spoken to over HTTP as any
//! OAuth client would: no Relay runs here. Each test starts the stand-ins on
//! a free port with their own temporary database.

mod helpers;

mod device;
mod oauth;
