//! The models of the custom-domain surface (resources `agent37_domain` and
//! `agent37_domain_verification`, action `agent37_domain_verify`, data sources and list
//! filter), declared once with their docs; the name rules as a validator.

use crate::sdk::model::Attr;
use crate::sdk::timeouts::Timeouts;
use crate::sdk::validate::{OneOf, Validator};
use crate::sdk::{Diagnostics, Model, Path, Schema, Value};

use super::name;

/// The resources' schema version; `upgrade_state` is the identity until it moves.
pub const VERSION: i64 = 0;

/// `domain`: the static rules of a domain name.
pub struct DomainRule;

impl Validator for DomainRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(d) = value.as_str()
            && let Err(p) = name::check(d)
        {
            diags.attr_error(
                path.clone(),
                "Invalid domain",
                format!("{path} is {d:?}: {}. Allowed: {}", p.text(), name::ALLOWED),
            );
        }
    }
    fn description(&self) -> String {
        name::ALLOWED.to_string()
    }
}

const DOMAIN_ARG: &str = "The domain (the apex, in lowercase), e.g. `bots-example.net`. Changing it replaces the resource.";
const STATUS_DOC: &str = "`pending` until the domain's NS records point at `nameservers`, then `active` (only an active domain routes). Verify with `agent37_domain_verification` or the `agent37_domain_verify` action.";
const NAMESERVERS_DOC: &str =
    "The name servers to delegate the domain to: set them as its NS records at the registrar.";
const DNS_NAME_DOC: &str = "The name the NS records go on.";

pub const RESOURCE: &str = "A custom domain of the workspace (API revision 2026-08-21). Once its NS records point at the platform's `nameservers` and it is verified, every instance URL, preview and public port is mirrored under it (`https://{label}.{domain}`). Registration needs at least $100 of top-ups in total; a workspace has at most 10 domains. Pair it with `agent37_domain_verification` to wait until the domain is active.";

/// The state of `agent37_domain`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Domain {
    #[attr(
        required,
        requires_replace,
        describe = DOMAIN_ARG,
        validate = DomainRule
    )]
    pub domain: Attr<String>,
    #[attr(computed, describe = STATUS_DOC)]
    pub status: Attr<String>,
    #[attr(computed, describe = NAMESERVERS_DOC)]
    pub nameservers: Attr<Vec<String>>,
    #[attr(computed, describe = DNS_NAME_DOC)]
    pub dns_name: Attr<String>,
    #[attr(computed, describe = "When the domain was registered (epoch seconds).")]
    pub created: Attr<i64>,
    #[block]
    pub timeouts: Timeouts,
}

pub fn domain_resource() -> Schema {
    Domain::schema(RESOURCE).version(VERSION)
}

pub const VERIFICATION: &str = "Waits until a custom domain is verified (API revision 2026-08-21): its create polls `POST /domains/{domain}/verify` until the domain is `active`, within `timeouts.create` (set the NS records first; DNS changes can take hours to propagate). Nothing exists on the server beyond the domain itself, so destroying it does nothing. A domain that is no longer active at a refresh drops this resource from state, so the next apply verifies again.";

/// The state of `agent37_domain_verification`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct DomainVerification {
    #[attr(
        required,
        requires_replace,
        describe = "The domain to verify, usually `agent37_domain.example.domain`. Changing it replaces the resource (and verifies the new domain).",
        validate = DomainRule
    )]
    pub domain: Attr<String>,
    #[attr(computed, describe = "`active` once verified.")]
    pub status: Attr<String>,
    #[block]
    pub timeouts: Timeouts,
}

pub fn verification_resource() -> Schema {
    DomainVerification::schema(VERIFICATION).version(VERSION)
}

pub const VERIFY_ACTION: &str = "Checks a custom domain's delegation once (`POST /domains/{domain}/verify`, API revision 2026-08-21) and shows its status: `active` once its NS records point at the platform, else `pending`. A pending domain is not an error; `agent37_domain_verification` waits for it instead.";

/// The configuration of `agent37_domain_verify`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct VerifyConfig {
    #[attr(required, describe = "The domain to verify.", validate = DomainRule)]
    pub domain: Attr<String>,
}

pub fn verify_action() -> Schema {
    VerifyConfig::schema(VERIFY_ACTION)
}

/// The fields of a domain, computed (the data sources' objects), after `domain`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct DomainFields {
    #[attr(computed, describe = STATUS_DOC)]
    pub status: Attr<String>,
    #[attr(computed, describe = NAMESERVERS_DOC)]
    pub nameservers: Attr<Vec<String>>,
    #[attr(computed, describe = DNS_NAME_DOC)]
    pub dns_name: Attr<String>,
    #[attr(computed, describe = "When the domain was registered (epoch seconds).")]
    pub created: Attr<i64>,
}

pub const ONE: &str =
    "One custom domain of the workspace (API revision 2026-08-21): its status and delegation.";

/// `agent37_domain` (data source).
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct DomainData {
    #[attr(required, describe = "The domain to read.")]
    pub domain: Attr<String>,
    #[flatten]
    pub fields: DomainFields,
}

pub fn data_source_one() -> Schema {
    DomainData::schema(ONE)
}

/// One domain of `agent37_domains`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct DomainItem {
    #[attr(computed, describe = "The domain.")]
    pub domain: Attr<String>,
    #[flatten]
    pub fields: DomainFields,
}

pub const ALL: &str =
    "Every custom domain of the workspace (API revision 2026-08-21), oldest first.";

/// `agent37_domains`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct DomainsData {
    #[attr(computed, describe = "The domains, oldest first.")]
    pub domains: Attr<Vec<DomainItem>>,
    #[attr(computed, describe = "The domain names, in the same order.")]
    pub names: Attr<Vec<String>>,
}

pub fn data_source_all() -> Schema {
    DomainsData::schema(ALL)
}

pub const LIST: &str = "Finds the workspace's custom domains for `terraform query` (API revision 2026-08-21). Each result is named by the domain, carries its identity `{ domain }`, and can be turned into configuration with `terraform query -generate-config-out=FILE`.";

/// The filter of the `agent37_domain` list resource.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct DomainFilter {
    #[attr(
        optional,
        describe = "Only domains with this status: `pending` or `active`.",
        validate = OneOf(&["pending", "active"])
    )]
    pub status: Attr<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::validate::validate_block;

    #[test]
    fn the_name_rule_points_at_domain() {
        let cfg = |d: &str| {
            Domain {
                domain: d.into(),
                ..Domain::default()
            }
            .to_value()
        };
        let errors = |v: Value| {
            let mut d = Diagnostics::new();
            validate_block(&domain_resource().block, &v, &Path::root(), &mut d);
            d.iter()
                .map(|d| (d.attribute.as_ref().map(Path::to_string), d.summary.clone()))
                .collect::<Vec<_>>()
        };
        assert!(errors(cfg("bots-example.net")).is_empty());
        assert_eq!(
            errors(cfg("bots-example.net.")),
            [(Some("domain".into()), "Invalid domain".into())]
        );
    }

    #[test]
    fn every_attribute_is_described_and_domain_replaces() {
        for s in [
            domain_resource(),
            verification_resource(),
            verify_action(),
            data_source_one(),
            data_source_all(),
        ] {
            for a in &s.block.attributes {
                assert!(!a.description.is_empty(), "{} has no description", a.name);
            }
        }
        for s in [domain_resource(), verification_resource()] {
            let d = s.block.attribute("domain").expect("domain");
            assert!(d.required && d.requires_replace);
        }
    }
}
