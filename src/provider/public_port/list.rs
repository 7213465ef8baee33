//! The `agent37_instance_public_port` list resource (Terraform ≥ 1.14): `terraform query`
//! finds the public ports of one instance, or of every instance. Entries do not carry their
//! instance, so this list walks instances itself instead of using `ListOf`.

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_error;
use crate::sdk::{Ctx, ListResource, Listed, Model, Outcome, Schema};

use super::model;
use super::resource::TYPE;
use super::schema::{LIST, PublicPort, PublicPortFilter};

pub struct PublicPortList;

/// What `terraform query` shows and imports for one entry of `instance_id`: what an import
/// (whose seed has only the identity) followed by a read produces.
pub fn listed(instance_id: &str, p: &crate::api::PublicPort) -> Listed<PublicPort> {
    Listed {
        display_name: model::import_id(instance_id, p.port),
        state: model::state(p, instance_id, &PublicPort::default()),
    }
}

#[async_trait]
impl ListResource<Agent37Data> for PublicPortList {
    type Config = PublicPortFilter;
    type State = PublicPort;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        PublicPortFilter::schema(LIST)
    }

    async fn list(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: PublicPortFilter,
    ) -> Outcome<Vec<Listed<PublicPort>>> {
        let (client, op) = (ctx.client(), ctx.op());
        let instances = match config.instance_id.as_str() {
            Some(id) => vec![id.to_string()],
            None => match client.list_instances(&op).await {
                Ok(all) => all.into_iter().map(|i| i.id).collect(),
                Err(e) => return api_error("Unable to list instances", &e).into(),
            },
        };
        let mut found = Vec::new();
        for id in &instances {
            match client.list_public_ports(&op, id).await {
                Ok(ports) => found.extend(ports.iter().map(|p| listed(id, p))),
                // Deleted between the two lists: it has no ports any more.
                Err(e) if e.is_not_found() && config.instance_id.is_null() => {}
                Err(e) => {
                    return api_error(
                        &format!("Unable to list the public ports of instance {id}"),
                        &e,
                    )
                    .into();
                }
            }
        }
        Outcome::ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::public_port::resource::PublicPortResource;
    use crate::sdk::Resource;
    use crate::sdk::model::{Attr, conforms};

    #[test]
    fn listed_state_is_the_imported_state() {
        let p = crate::api::PublicPort {
            port: 9100,
            url: "http://slug.localhost:1".into(),
            domain_urls: vec![],
            prefix: None,
            label: Some(String::new()),
            created: 1,
        };
        let l = listed("abc123defg", &p);
        assert_eq!(l.display_name, "abc123defg/9100");
        let seed = PublicPortResource
            .import_seed("abc123defg/9100")
            .expect("seed");
        assert_eq!(l.state, model::state(&p, "abc123defg", &seed));
        conforms(
            &l.state.to_value(),
            &PublicPortResource.schema().value_type(),
        )
        .unwrap_or_else(|e| panic!("agent37_instance_public_port (listed): {e}"));
        let f = PublicPortFilter {
            instance_id: Attr::Null,
        };
        conforms(&f.to_value(), &PublicPortList.schema().value_type())
            .unwrap_or_else(|e| panic!("agent37_instance_public_port (list config): {e}"));
    }
}
