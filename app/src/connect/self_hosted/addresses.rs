//! Where the self-hosted probe may connect (it fetches a URL a user typed,
//! from inside our network: server-side request forgery). Cloud metadata
//! and link-local addresses never; loopback and private networks only where
//! the operator allows them (development, or a Relay on a private network).
//! The host is resolved once, every address checked, and the probe then
//! connects to those addresses only, so a second DNS answer cannot differ.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use url::{Host, Url};

/// What an address is, for the probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    Public,
    /// Loopback, private (RFC 1918), CGNAT, unique-local, `0.0.0.0/8`.
    Private,
    /// Cloud metadata services and anything link-local: never a model server.
    Metadata,
}

/// Addresses of cloud metadata services that link-local does not cover.
const METADATA_V4: [Ipv4Addr; 2] = [
    Ipv4Addr::new(100, 100, 100, 200), // Alibaba Cloud (inside CGNAT)
    Ipv4Addr::new(168, 63, 129, 16),   // Azure's WireServer
];
const METADATA_V6: [Ipv6Addr; 1] = [
    Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254), // AWS over IPv6 (inside unique-local)
];

/// The IPv4 address an IPv6 one stands for, if any: mapped (`::ffff:a.b.c.d`),
/// compatible (`::a.b.c.d`), NAT64 (`64:ff9b::/96`) or 6to4 (`2002::/16`).
fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = v6.segments();
    let tail = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] => Some(tail(hi, lo)),
        [0, 0, 0, 0, 0, 0, hi, lo] if (hi, lo) > (0, 1) => Some(tail(hi, lo)),
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(tail(hi, lo)),
        [0x2002, hi, lo, ..] => Some(tail(hi, lo)),
        _ => None,
    }
}

pub fn classify(ip: IpAddr) -> Class {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(v4: Ipv4Addr) -> Class {
    let [a, b, ..] = v4.octets();
    if v4.is_link_local() || METADATA_V4.contains(&v4) {
        Class::Metadata
    } else if v4.is_loopback()
        || v4.is_private()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // CGNAT, RFC 6598
        || v4.is_broadcast()
        || v4.is_multicast()
        || (a == 192 && b == 0 && v4.octets()[2] == 0) // IETF protocol assignments
        || a >= 240
    {
        Class::Private
    } else {
        Class::Public
    }
}

fn classify_v6(v6: Ipv6Addr) -> Class {
    let first = v6.segments()[0];
    if (first & 0xffc0) == 0xfe80 || METADATA_V6.contains(&v6) {
        Class::Metadata
    } else if v6.is_loopback()
        || v6.is_unspecified()
        || (first & 0xfe00) == 0xfc00 // unique-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated, still routed privately)
        || v6.is_multicast()
    {
        Class::Private
    } else {
        Class::Public
    }
}

/// Where a probe connects: the URL, and the addresses its host was checked at.
#[derive(Clone, Debug)]
pub struct Target {
    pub url: Url,
    /// The host name and what it resolved to; `None` for an address literal.
    pub resolved: Option<(String, Vec<SocketAddr>)>,
}

/// Why a URL may not be probed; the message says it to the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0} is a cloud metadata or link-local address, never a model server.")]
    Metadata(IpAddr),
    #[error("{0} is a loopback or private-network address, which this Relay does not reach (its operator can allow it with RELAY_SELF_HOSTED_ALLOW_PRIVATE=on).")]
    Private(IpAddr),
    #[error("The host name {0} could not be resolved. Check its spelling, or give its address.")]
    Unresolvable(String),
}

fn check(ip: IpAddr, allow_private: bool) -> Result<(), Refusal> {
    match classify(ip) {
        Class::Public => Ok(()),
        Class::Private if allow_private => Ok(()),
        Class::Private => Err(Refusal::Private(ip)),
        Class::Metadata => Err(Refusal::Metadata(ip)),
    }
}

/// Resolves `url`'s host with `resolve` and checks every address it has:
/// one refused address refuses the host (a name can list several).
pub async fn target<F, Fut>(url: &Url, allow_private: bool, resolve: F) -> Result<Target, Refusal>
where
    F: FnOnce(String, u16) -> Fut,
    Fut: Future<Output = std::io::Result<Vec<SocketAddr>>>,
{
    let port = url.port_or_known_default().unwrap_or(80);
    let name = match url.host() {
        Some(Host::Ipv4(v4)) => return check(v4.into(), allow_private).map(|_| literal(url)),
        Some(Host::Ipv6(v6)) => return check(v6.into(), allow_private).map(|_| literal(url)),
        Some(Host::Domain(name)) => name.to_owned(),
        None => return Err(Refusal::Unresolvable(String::new())),
    };
    let addrs = resolve(name.clone(), port)
        .await
        .ok()
        .filter(|addrs| !addrs.is_empty())
        .ok_or_else(|| Refusal::Unresolvable(name.clone()))?;
    for addr in &addrs {
        check(addr.ip(), allow_private)?;
    }
    Ok(Target {
        url: url.clone(),
        resolved: Some((name, addrs)),
    })
}

fn literal(url: &Url) -> Target {
    Target {
        url: url.clone(),
        resolved: None,
    }
}

/// The system resolver.
pub async fn system_resolve(host: String, port: u16) -> std::io::Result<Vec<SocketAddr>> {
    Ok(tokio::net::lookup_host((host.as_str(), port))
        .await?
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A resolver the test controls: no packet leaves this process.
    fn answers(
        ips: &'static [&'static str],
    ) -> impl FnOnce(String, u16) -> std::future::Ready<std::io::Result<Vec<SocketAddr>>> {
        move |_, port| {
            std::future::ready(Ok(ips
                .iter()
                .map(|ip| SocketAddr::new(ip.parse().unwrap(), port))
                .collect()))
        }
    }

    fn never(_: String, _: u16) -> std::future::Ready<std::io::Result<Vec<SocketAddr>>> {
        panic!("an address literal is never resolved")
    }

    async fn refusal(url: &str, allow_private: bool) -> Option<Refusal> {
        let url = Url::parse(url).unwrap();
        target(&url, allow_private, never).await.err()
    }

    #[tokio::test]
    async fn metadata_addresses_are_refused_in_every_spelling_even_when_private_is_allowed() {
        for url in [
            "http://169.254.169.254/",
            "http://2852039166/",               // decimal
            "http://0xa9fea9fe/",               // hexadecimal
            "http://0251.0376.0251.0376/",      // octal
            "http://169.254.43518/",            // short form
            "http://[::ffff:169.254.169.254]/", // IPv4-mapped
            "http://[::ffff:a9fe:a9fe]/",
            "http://[::169.254.169.254]/",  // IPv4-compatible
            "http://[64:ff9b::a9fe:a9fe]/", // NAT64
            "http://[2002:a9fe:a9fe::]/",   // 6to4
            "http://[fd00:ec2::254]/",
            "http://100.100.100.200/",
            "http://168.63.129.16/",
            "http://169.254.1.1:11434/",
            "http://[fe80::1]/",
        ] {
            assert!(
                matches!(refusal(url, true).await, Some(Refusal::Metadata(_))),
                "{url}"
            );
        }
    }

    #[tokio::test]
    async fn private_networks_need_the_operators_consent() {
        for url in [
            "http://127.0.0.1:11434/",
            "http://127.1/",
            "http://[::1]:11434/",
            "http://0.0.0.0:11434/",
            "http://0/",
            "http://10.0.0.7/",
            "http://172.16.0.1/",
            "http://192.168.1.20:11434/",
            "http://100.64.0.1/",
            "http://[fd12:3456::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::]/",
        ] {
            assert!(
                matches!(refusal(url, false).await, Some(Refusal::Private(_))),
                "{url}"
            );
            assert_eq!(refusal(url, true).await, None, "{url}");
        }
        assert_eq!(refusal("http://93.184.215.14/", false).await, None);
        assert_eq!(refusal("http://[2606:4700::1111]/", false).await, None);
    }

    #[tokio::test]
    async fn a_name_is_checked_at_every_address_it_resolves_to() {
        let url = Url::parse("http://models.example:8080/").unwrap();
        let public = target(&url, false, answers(&["93.184.215.14"]))
            .await
            .unwrap();
        let (name, addrs) = public.resolved.unwrap();
        assert_eq!(name, "models.example");
        assert_eq!(addrs, ["93.184.215.14:8080".parse::<SocketAddr>().unwrap()]);
        // A name that also points at the metadata service (DNS rebinding's
        // first step) is refused, whatever else it lists.
        let sneaky = target(&url, true, answers(&["93.184.215.14", "169.254.169.254"])).await;
        assert!(matches!(sneaky, Err(Refusal::Metadata(_))), "{sneaky:?}");
        let local = target(&url, false, answers(&["127.0.0.1"])).await;
        assert!(matches!(local, Err(Refusal::Private(_))), "{local:?}");
        let nothing = target(&url, true, answers(&[])).await;
        assert_eq!(
            nothing.unwrap_err(),
            Refusal::Unresolvable("models.example".into())
        );
    }
}
