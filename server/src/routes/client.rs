//! Resolves each request's client address once (the peer, or what a trusted
//! proxy forwarded) and hands it to every handler as `ClientIp`.

use std::net::SocketAddr;

use app::platform::client::ClientIp;
use app::platform::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

pub async fn resolve(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let ip = app.trusted_proxies.client_ip(peer.ip(), request.headers());
    request.extensions_mut().insert(ClientIp(ip));
    next.run(request).await
}
