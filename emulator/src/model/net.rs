//! Host names and addresses: custom-domain rules and IP allowlists.

use std::net::IpAddr;

/// Two-label public suffixes under which a registrable domain has three labels. A short list
/// on purpose: the emulator has no public-suffix database, and tests use simple names.
const TWO_LABEL_SUFFIXES: [&str; 8] = [
    "co.uk", "org.uk", "ac.uk", "com.au", "net.au", "co.nz", "co.jp", "com.br",
];

fn valid_label(l: &str) -> bool {
    (1..=63).contains(&l.len())
        && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        && !l.starts_with('-')
        && !l.ends_with('-')
}

/// A custom domain: lowercased, a registrable name (no subdomain), not under the platform's
/// own zones. The messages say which rule failed.
pub fn validate_domain(raw: &str) -> Result<String, String> {
    let d = raw.to_ascii_lowercase();
    if d.is_empty() || d.len() > 253 || d.ends_with('.') {
        return Err(format!(
            "domain {raw:?} is not a valid host name (no trailing dot)"
        ));
    }
    let labels: Vec<&str> = d.split('.').collect();
    if labels.len() < 2 || !labels.iter().all(|l| valid_label(l)) {
        return Err(format!("domain {raw:?} is not a valid host name"));
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|c| c.is_ascii_digit()))
    {
        return Err(format!("domain {raw:?} is an address, not a host name"));
    }
    for zone in ["agent37.app", "agent37.com"] {
        if d == zone || d.ends_with(&format!(".{zone}")) {
            return Err(format!(
                "domain {raw:?} is under {zone}, which the platform owns"
            ));
        }
    }
    let apex_labels = if TWO_LABEL_SUFFIXES
        .iter()
        .any(|s| d.ends_with(&format!(".{s}")))
    {
        3
    } else {
        2
    };
    if labels.len() != apex_labels {
        return Err(format!(
            "domain {raw:?} is a subdomain; register the apex domain (its NS records move to the platform)"
        ));
    }
    Ok(d)
}

/// A plane host suffix: dot-separated DNS labels (`localhost`, `emu.test`).
pub fn is_plane_host(h: &str) -> bool {
    !h.is_empty() && h.len() <= 200 && h.split('.').all(valid_label)
}

/// One allowlist entry: an address or a CIDR block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let bad = || format!("{s:?} is not an IP address or CIDR block");
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.parse::<u8>().ok().filter(|n| *n <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Cidr { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        let (a, b, bits) = match (self.addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                (u128::from(u32::from(a)), u128::from(u32::from(b)), 32)
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), 128),
            _ => return false,
        };
        let shift = bits - u32::from(self.prefix);
        if shift >= 128 {
            return true;
        }
        (a >> shift) == (b >> shift)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let max = if self.addr.is_ipv4() { 32 } else { 128 };
        if self.prefix == max {
            write!(f, "{}", self.addr)
        } else {
            write!(f, "{}/{}", self.addr, self.prefix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(
            validate_domain("Bots-Example.NET"),
            Ok("bots-example.net".into())
        );
        assert_eq!(validate_domain("shop.co.uk"), Ok("shop.co.uk".into()));
        for bad in [
            "example.net.",
            "www.example.net",
            "example",
            "-x.net",
            "x_y.net",
            "agent37.app",
            "mine.agent37.com",
            "1.2.3.4",
            "a.b.co.uk",
            "",
        ] {
            assert!(validate_domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cidrs() {
        let c = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(c.contains("10.1.2.3".parse().unwrap()));
        assert!(!c.contains("10.2.0.1".parse().unwrap()));
        assert!(
            Cidr::parse("127.0.0.1")
                .unwrap()
                .contains("127.0.0.1".parse().unwrap())
        );
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(Cidr::parse("::1").unwrap().contains("::1".parse().unwrap()));
        assert!(c.contains("::ffff:10.1.0.9".parse().unwrap()), "v4-mapped");
        for bad in ["10.0.0.0/33", "nope", "10.0.0.1/x", "::1/129"] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(c.to_string(), "10.1.0.0/16");
    }
}
