//! Who is on the other end of a request: the peer itself, or, when the
//! peer is a trusted proxy (a load balancer), the address it forwarded.
//! Audit entries and limits see this address.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The networks whose `X-Forwarded-For` Relay believes (`RELAY_TRUSTED_PROXIES`).
/// Empty by default: then the header is ignored, since anyone can send it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// "10.0.0.0/8, 192.168.1.10": networks or single addresses, comma-separated.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!(
                            "“{}” is not an IP address or network (e.g. 10.0.0.0/8)",
                            entry.chars().take(60).collect::<String>()
                        )
                    })
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address. The peer's, unless the peer is a trusted
    /// proxy: then the right-most `X-Forwarded-For` address that is not a
    /// trusted proxy (what lies left of it, anyone could have written).
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return canonical(peer);
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|entry| entry.trim().parse::<IpAddr>().map(canonical))
            .collect::<Result<_, _>>()
            // A garbled header proves nothing: the proxy itself is the client.
            .unwrap_or_default();
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !self.trusts(*ip))
            .unwrap_or(canonical(peer))
    }
}

/// An IPv4 client seen through an IPv6 socket (`::ffff:1.2.3.4`) is 1.2.3.4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client address of the request being answered, set once per request
/// by the server's middleware.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", xff.parse().unwrap());
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client_ip(ip("10.0.0.5"), &headers("203.0.113.7")),
            ip("10.0.0.5")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_address_is_the_client() {
        let lb = TrustedProxies::parse("10.0.0.0/8, 192.168.1.10").unwrap();
        let seen = |xff: &str| lb.client_ip(ip("10.0.0.5"), &headers(xff));
        assert_eq!(seen("203.0.113.7"), ip("203.0.113.7"));
        // The client wrote a fake address first; the proxies appended theirs.
        assert_eq!(
            seen("198.51.100.1, 203.0.113.7, 192.168.1.10"),
            ip("203.0.113.7")
        );
        assert_eq!(seen("::ffff:203.0.113.7"), ip("203.0.113.7"));
        assert_eq!(seen("not-an-address"), ip("10.0.0.5"));
        // An untrusted peer's header is not believed.
        assert_eq!(
            lb.client_ip(ip("203.0.113.9"), &headers("1.2.3.4")),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn a_bad_entry_is_named() {
        let err = TrustedProxies::parse("10.0.0.0/8, lb.internal").unwrap_err();
        assert!(err.contains("“lb.internal”"), "{err}");
        assert_eq!(
            TrustedProxies::parse(" , ").unwrap(),
            TrustedProxies::default()
        );
    }
}
