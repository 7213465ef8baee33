//! Name resolution of a client whose base URL is on loopback (the local emulator): under API
//! revision 2026-08-21 instance URLs are `http://{id}.{plane_host}:P` (plane host `localhost`
//! by default) and custom-domain mirrors `http://{label}.{domain}:P`, served by the emulator
//! at the base URL's address. System resolvers often do not map such names to loopback, so the
//! client resolves every name to the base URL's own address itself
//! (`docs/contract/hosting-api-2026-08.md` §8.3). Nothing leaves the machine: with a loopback
//! base, every request of this client goes to loopback, whatever name it carries.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::super::config::is_loopback;

/// Resolves every name to the loopback addresses of the base URL.
#[derive(Clone, Debug)]
pub(super) struct LoopbackResolver {
    addrs: Vec<IpAddr>,
}

impl LoopbackResolver {
    /// The resolver for a client of `base`, or `None` when the base URL is not on loopback (then
    /// the system resolver is used, and plain-http instance URLs are refused).
    pub(super) fn for_base(base: &Url) -> Option<LoopbackResolver> {
        let host = base.host_str()?;
        if !is_loopback(host) {
            return None;
        }
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let addrs = match bare.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            // `localhost`: both families, IPv4 first (what the emulator binds by default).
            Err(_) => vec![
                IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(Ipv6Addr::LOCALHOST),
            ],
        };
        Some(LoopbackResolver { addrs })
    }

    /// The addresses a name resolves to (the port comes from the URL).
    pub(super) fn lookup(&self) -> Vec<SocketAddr> {
        self.addrs
            .iter()
            .map(|ip| SocketAddr::new(*ip, 0))
            .collect()
    }
}

impl Resolve for LoopbackResolver {
    fn resolve(&self, _name: Name) -> Resolving {
        let addrs: Addrs = Box::new(self.lookup().into_iter());
        Box::pin(std::future::ready(Ok(addrs)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("url")
    }

    #[test]
    fn only_a_loopback_base_resolves_names_itself() {
        assert!(LoopbackResolver::for_base(&url("https://api.agent37.com/v1")).is_none());
        assert!(LoopbackResolver::for_base(&url("http://10.0.0.1/v1")).is_none());
        let v4 = LoopbackResolver::for_base(&url("http://127.0.0.1:8080/v1")).expect("loopback");
        assert_eq!(v4.lookup(), vec!["127.0.0.1:0".parse().expect("addr")]);
        let v6 = LoopbackResolver::for_base(&url("http://[::1]:8080/v1")).expect("loopback");
        assert_eq!(v6.lookup(), vec!["[::1]:0".parse().expect("addr")]);
        let name = LoopbackResolver::for_base(&url("http://localhost:1/v1")).expect("loopback");
        assert_eq!(name.lookup().len(), 2);
    }
}
