//! The static rules of a custom domain name (contract 7.2), checked before any call: a host
//! name of at least two labels, no trailing dot, not a platform domain. The API lowercases what
//! it stores, so only the lowercase form is accepted (a mixed-case name would come back
//! different from the configuration). Whether a name is an apex or a subdomain needs the
//! public suffix list, which only the API has: that rule is left to it. Pure.

/// Domains the platform owns: neither they nor anything under them can be registered.
pub const PLATFORM_DOMAINS: [&str; 2] = ["agent37.app", "agent37.com"];
pub const MAX_CHARS: usize = 253;
pub const MAX_LABEL_CHARS: usize = 63;

/// What is allowed, for docs and diagnostics.
pub const ALLOWED: &str = "A registrable domain (apex) in lowercase, such as `bots-example.net`: at most 253 characters, at least two dot-separated labels of 1–63 letters, digits or inner hyphens, no trailing dot, internationalised names in their `xn--` form, not `agent37.app` or `agent37.com` or anything under them. The API also refuses subdomains (`www.bots-example.net`).";

/// Why a domain name is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    TooLong(usize),
    TrailingDot,
    Uppercase,
    NotAscii,
    SingleLabel,
    BadLabel(String),
    NumericTld,
    Platform(&'static str),
}

impl NameProblem {
    pub fn text(&self) -> String {
        match self {
            Self::Empty => "it is empty".into(),
            Self::TooLong(n) => format!("it has {n} characters; at most {MAX_CHARS} are allowed"),
            Self::TrailingDot => "it ends with a dot; write it without the trailing dot".into(),
            Self::Uppercase => {
                "it has uppercase letters; write it in lowercase, as the API stores it".into()
            }
            Self::NotAscii => {
                "it has non-ASCII characters; write an internationalised name in its `xn--` (punycode) form".into()
            }
            Self::SingleLabel => "it is a single label; a domain has at least two (`example.net`)".into(),
            Self::BadLabel(l) => format!(
                "the label {l:?} must be 1–{MAX_LABEL_CHARS} letters, digits or hyphens, not starting or ending with a hyphen"
            ),
            Self::NumericTld => "it is an IP address, not a domain name".into(),
            Self::Platform(zone) => {
                format!("it is {zone} or under it, which the platform owns")
            }
        }
    }
}

fn label_ok(l: &str) -> bool {
    (1..=MAX_LABEL_CHARS).contains(&l.len())
        && !l.starts_with('-')
        && !l.ends_with('-')
        && l.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
}

/// Checks a domain name against the static rules.
pub fn check(name: &str) -> Result<(), NameProblem> {
    if name.is_empty() {
        return Err(NameProblem::Empty);
    }
    if !name.is_ascii() {
        return Err(NameProblem::NotAscii);
    }
    if name.len() > MAX_CHARS {
        return Err(NameProblem::TooLong(name.len()));
    }
    if name.ends_with('.') {
        return Err(NameProblem::TrailingDot);
    }
    if name.bytes().any(|c| c.is_ascii_uppercase()) {
        return Err(NameProblem::Uppercase);
    }
    let labels: Vec<&str> = name.split('.').collect();
    if let Some(bad) = labels.iter().find(|l| !label_ok(l)) {
        return Err(NameProblem::BadLabel((*bad).to_string()));
    }
    if labels.len() < 2 {
        return Err(NameProblem::SingleLabel);
    }
    if labels
        .last()
        .is_some_and(|tld| tld.bytes().all(|c| c.is_ascii_digit()))
    {
        return Err(NameProblem::NumericTld);
    }
    if let Some(zone) = PLATFORM_DOMAINS
        .into_iter()
        .find(|z| name == *z || name.ends_with(&format!(".{z}")))
    {
        return Err(NameProblem::Platform(zone));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted() {
        for ok in [
            "bots-example.net",
            "example.co.uk",
            "xn--bcher-kva.example",
            "a1.io",
            "notagent37.app",
            &format!("{}.net", "a".repeat(63)),
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refused_with_the_reason() {
        let cases = [
            ("", NameProblem::Empty),
            ("bots-example.net.", NameProblem::TrailingDot),
            ("Bots-Example.net", NameProblem::Uppercase),
            ("bücher.de", NameProblem::NotAscii),
            ("localhost", NameProblem::SingleLabel),
            ("-bots.net", NameProblem::BadLabel("-bots".into())),
            ("bots_x.net", NameProblem::BadLabel("bots_x".into())),
            ("bots..net", NameProblem::BadLabel(String::new())),
            ("10.0.0.1", NameProblem::NumericTld),
            ("agent37.app", NameProblem::Platform("agent37.app")),
            ("mine.agent37.com", NameProblem::Platform("agent37.com")),
            (
                &format!("{}.net", "a".repeat(64)),
                NameProblem::BadLabel("a".repeat(64)),
            ),
        ];
        for (name, want) in cases {
            assert_eq!(check(name), Err(want.clone()), "{name}");
            assert!(!want.text().is_empty());
        }
        let long = format!("{}.net", vec!["a".repeat(60); 5].join("."));
        assert!(matches!(check(&long), Err(NameProblem::TooLong(_))));
    }
}
