//! Pure parts of the custom-domain surface: API domains → models, the plan of a new domain,
//! and the verification's poll schedule and messages.

use std::time::Duration;

use crate::api::{self, DomainStatus};
use crate::sdk::model::Attr;

use super::schema::{Domain, DomainFields, DomainItem, DomainVerification};

/// The status a registration starts in (contract 7.2: `201`, `pending`).
pub const REGISTERED: &str = "pending";
/// The status a verification ends in.
pub const VERIFIED: &str = "active";

pub fn fields(d: &api::Domain) -> DomainFields {
    DomainFields {
        status: d.status.as_str().to_string().into(),
        nameservers: d.dns.nameservers.clone().into(),
        dns_name: d.dns.name.clone().into(),
        created: d.created.into(),
    }
}

pub fn item(d: &api::Domain) -> DomainItem {
    DomainItem {
        domain: d.domain.clone().into(),
        fields: fields(d),
    }
}

/// The resource's state from the API's domain; `timeouts` comes from `form`.
pub fn domain_state(d: &api::Domain, form: &Domain) -> Domain {
    let f = fields(d);
    Domain {
        domain: d.domain.clone().into(),
        status: f.status,
        nameservers: f.nameservers,
        dns_name: f.dns_name,
        created: f.created,
        timeouts: form.timeouts.clone(),
    }
}

/// What a new domain will be, known from the contract: registered, not yet verified.
pub fn plan_domain(planned: &mut Domain) {
    planned.status = REGISTERED.into();
}

/// A verification's state while its domain is active; a domain that is not active (any more)
/// has no verification to show (`None`: dropped from state, verified again at the next apply).
pub fn verification_state(
    d: &api::Domain,
    form: &DomainVerification,
) -> Option<DomainVerification> {
    (d.status == DomainStatus::Active).then(|| DomainVerification {
        domain: d.domain.clone().into(),
        status: VERIFIED.into(),
        timeouts: form.timeouts.clone(),
    })
}

/// What a verification will be once created.
pub fn plan_verification(planned: &mut DomainVerification) {
    planned.status = VERIFIED.into();
}

/// The waits between verify polls: 1 s, doubling, at most 30 s (DNS changes take minutes to
/// hours: a fast first look, then a steady pace that does not hammer the API).
#[derive(Debug, Clone)]
pub struct PollSchedule {
    next: Duration,
}

pub const FIRST_POLL_WAIT: Duration = Duration::from_secs(1);
pub const MAX_POLL_WAIT: Duration = Duration::from_secs(30);

impl Default for PollSchedule {
    fn default() -> Self {
        PollSchedule {
            next: FIRST_POLL_WAIT,
        }
    }
}

impl Iterator for PollSchedule {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let wait = self.next;
        self.next = (self.next * 2).min(MAX_POLL_WAIT);
        Some(wait)
    }
}

/// The detail of a verification that ran out of time: where the NS records must point.
pub fn still_pending(domain: &str, waited: Duration, nameservers: &[String]) -> String {
    let ns = if nameservers.is_empty() {
        "the name servers the `agent37_domain` resource shows".to_string()
    } else {
        nameservers.join(", ")
    };
    format!(
        "{domain} is still pending after {}s of verification: its NS records must point at {ns} \
         (set them at the registrar; changes can take hours to propagate). Nothing was changed; \
         apply again later, or raise `timeouts.create`.",
        waited.as_secs()
    )
}

/// The progress line of the verify action.
pub fn verify_report(v: &api::DomainVerification) -> String {
    match v.status {
        DomainStatus::Active => format!("Domain {} is active", v.domain),
        DomainStatus::Pending => format!(
            "Domain {} is pending: its NS records do not point at the platform's name servers yet (see `nameservers` of agent37_domain)",
            v.domain
        ),
        DomainStatus::Other(ref s) => format!("Domain {} is {s}", v.domain),
    }
}

/// `status` of a domain data source filter, for the list resource.
pub fn status_matches(filter: &Attr<String>, d: &api::Domain) -> bool {
    filter.as_str().is_none_or(|s| d.status.as_str() == s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::DomainDns;
    use crate::sdk::model::conforms;

    use super::super::schema::{self, DomainData, DomainsData};

    pub fn domain(status: DomainStatus) -> api::Domain {
        api::Domain {
            domain: "bots-example.net".into(),
            status,
            dns: DomainDns {
                record_type: "NS".into(),
                name: "bots-example.net".into(),
                nameservers: vec!["ns1.x".into(), "ns2.x".into()],
            },
            created: 1786000500,
        }
    }

    #[test]
    fn the_poll_waits_double_up_to_thirty_seconds() {
        let waits: Vec<u64> = PollSchedule::default()
            .take(8)
            .map(|d| d.as_secs())
            .collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30, 30]);
    }

    #[test]
    fn only_an_active_domain_is_verified() {
        let form = DomainVerification::default();
        assert!(verification_state(&domain(DomainStatus::Pending), &form).is_none());
        let v = verification_state(&domain(DomainStatus::Active), &form).expect("active");
        assert_eq!(v.status.as_str(), Some("active"));
        let mut planned = DomainVerification::default();
        plan_verification(&mut planned);
        assert_eq!(planned.status, v.status);
    }

    #[test]
    fn messages_name_the_nameservers_and_the_status() {
        let detail = still_pending(
            "bots-example.net",
            Duration::from_secs(600),
            &["ns1.x".into(), "ns2.x".into()],
        );
        assert!(detail.contains("after 600s"), "{detail}");
        assert!(detail.contains("point at ns1.x, ns2.x"), "{detail}");
        let v = |s| api::DomainVerification {
            domain: "bots-example.net".into(),
            status: s,
        };
        assert_eq!(
            verify_report(&v(DomainStatus::Active)),
            "Domain bots-example.net is active"
        );
        assert!(verify_report(&v(DomainStatus::Pending)).contains("pending"));
    }

    #[test]
    fn every_model_output_has_exactly_its_schema_shape() {
        let d = domain(DomainStatus::Pending);
        conforms(
            &domain_state(&d, &Domain::default()).to_value(),
            &schema::domain_resource().value_type(),
        )
        .unwrap_or_else(|e| panic!("agent37_domain: {e}"));
        let v = verification_state(&domain(DomainStatus::Active), &Default::default());
        conforms(
            &v.unwrap_or_default().to_value(),
            &schema::verification_resource().value_type(),
        )
        .unwrap_or_else(|e| panic!("agent37_domain_verification: {e}"));
        let one = DomainData {
            domain: d.domain.clone().into(),
            fields: fields(&d),
        };
        conforms(&one.to_value(), &schema::data_source_one().value_type())
            .unwrap_or_else(|e| panic!("agent37_domain (data source): {e}"));
        let all = DomainsData {
            domains: Attr::Known(vec![item(&d)]),
            names: Attr::Known(vec![d.domain.clone()]),
        };
        conforms(&all.to_value(), &schema::data_source_all().value_type())
            .unwrap_or_else(|e| panic!("agent37_domains: {e}"));
        assert!(status_matches(&Attr::Null, &d));
        assert!(status_matches(&"pending".into(), &d));
        assert!(!status_matches(&"active".into(), &d));
    }
}
