//! The `agent37_ssh_key` list resource (Terraform ≥ 1.14): `terraform query` finds the
//! workspace's SSH keys, each with the state an import would produce.

use std::future::Future;

use crate::api::{self, ApiError, Client, Op};
use crate::provider::list::{Fetch, Filter};
use crate::sdk::Listed;

use super::model;
use super::schema::{SshKey, SshKeyFilter};

impl Fetch for api::SshKey {
    const WHAT: &'static str = "SSH keys";

    fn fetch<'a>(
        client: &'a Client,
        op: &'a Op,
    ) -> impl Future<Output = Result<Vec<Self>, ApiError>> + Send + 'a {
        client.list_ssh_keys(op)
    }
}

impl Filter<api::SshKey> for SshKeyFilter {
    fn wants(&self, k: &api::SshKey) -> bool {
        self.name_prefix
            .as_str()
            .is_none_or(|p| k.name.as_deref().is_some_and(|n| n.starts_with(p)))
    }
}

/// What `terraform query` shows and imports for one key: what an import (whose seed has only
/// the id) followed by a read produces; named by its name, else its id.
pub fn listed(k: &api::SshKey) -> Listed<SshKey> {
    Listed {
        display_name: k.name.clone().unwrap_or_else(|| k.id.clone()),
        state: model::resource_state(k, &SshKey::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::ssh_key::resource::SshKeyResource;
    use crate::sdk::model::{Attr, conforms};
    use crate::sdk::{Model, Resource};

    fn key(name: Option<&str>) -> api::SshKey {
        api::SshKey {
            id: "703eda28a72967dcfa7ba935".into(),
            name: name.map(str::to_string),
            fingerprint: "SHA256:x".into(),
            key_type: "ssh-ed25519".into(),
            created: 1,
        }
    }

    #[test]
    fn the_prefix_filters_by_name_and_the_state_is_the_imported_one() {
        let f = |p: Option<&str>| SshKeyFilter {
            name_prefix: Attr::from_option(p.map(str::to_string)),
        };
        assert!(f(None).wants(&key(None)));
        assert!(f(Some("ci")).wants(&key(Some("ci-runner"))));
        assert!(!f(Some("ci")).wants(&key(Some("laptop"))));
        assert!(!f(Some("ci")).wants(&key(None)));

        let k = key(None);
        let l = listed(&k);
        assert_eq!(l.display_name, k.id);
        let seed = SshKeyResource.import_seed(&k.id).expect("seed");
        assert_eq!(l.state, model::resource_state(&k, &seed));
        conforms(&l.state.to_value(), &SshKeyResource.schema().value_type())
            .unwrap_or_else(|e| panic!("agent37_ssh_key (listed): {e}"));
        conforms(
            &f(Some("c")).to_value(),
            &SshKeyFilter::schema(super::super::schema::LIST).value_type(),
        )
        .unwrap_or_else(|e| panic!("agent37_ssh_key (list config): {e}"));
    }
}
