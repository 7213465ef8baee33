//! The `agent37_domain` list resource (Terraform ≥ 1.14): `terraform query` finds the
//! workspace's custom domains, each with the state an import would produce.

use std::future::Future;

use crate::api::{self, ApiError, Client, Op};
use crate::provider::list::{Fetch, Filter};
use crate::sdk::Listed;

use super::model;
use super::schema::{Domain, DomainFilter};

impl Fetch for api::Domain {
    const WHAT: &'static str = "domains";

    fn fetch<'a>(
        client: &'a Client,
        op: &'a Op,
    ) -> impl Future<Output = Result<Vec<Self>, ApiError>> + Send + 'a {
        client.list_domains(op)
    }
}

impl Filter<api::Domain> for DomainFilter {
    fn wants(&self, d: &api::Domain) -> bool {
        model::status_matches(&self.status, d)
    }
}

/// What `terraform query` shows and imports for one domain.
pub fn listed(d: &api::Domain) -> Listed<Domain> {
    Listed {
        display_name: d.domain.clone(),
        state: model::domain_state(d, &Domain::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{DomainDns, DomainStatus};
    use crate::provider::domain::resource::DomainResource;
    use crate::sdk::model::conforms;
    use crate::sdk::{Model, Resource};

    #[test]
    fn listed_state_is_the_imported_state() {
        let d = api::Domain {
            domain: "bots-example.net".into(),
            status: DomainStatus::Active,
            dns: DomainDns::default(),
            created: 1,
        };
        let l = listed(&d);
        assert_eq!(l.display_name, "bots-example.net");
        let seed = DomainResource.import_seed(&d.domain).expect("seed");
        assert_eq!(l.state, model::domain_state(&d, &seed));
        conforms(&l.state.to_value(), &DomainResource.schema().value_type())
            .unwrap_or_else(|e| panic!("agent37_domain (listed): {e}"));
        let f = DomainFilter {
            status: "pending".into(),
        };
        assert!(!f.wants(&d));
        conforms(
            &f.to_value(),
            &DomainFilter::schema(super::super::schema::LIST).value_type(),
        )
        .unwrap_or_else(|e| panic!("agent37_domain (list config): {e}"));
    }
}
