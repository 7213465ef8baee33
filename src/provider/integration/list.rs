//! The `agent37_instance_integration` list resource (Terraform ≥ 1.14): `terraform query`
//! finds the connections of one instance, or of every instance. Connections do not carry
//! their instance, so this list walks instances itself instead of using `ListOf`.

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::sdk::{Ctx, ListResource, Listed, Model, Outcome, Schema};

use super::model;
use super::resource::{TYPE, integration_error};
use super::schema::{Integration, IntegrationFilter, LIST};

pub struct IntegrationList;

/// What `terraform query` shows and imports for one connection of `instance_id`: what an
/// import (whose seed has only the identity) followed by a read produces.
pub fn listed(instance_id: &str, c: &crate::api::Connection) -> Listed<Integration> {
    Listed {
        display_name: model::import_id(instance_id, &c.id),
        state: model::state(c, instance_id, &Integration::default()),
    }
}

#[async_trait]
impl ListResource<Agent37Data> for IntegrationList {
    type Config = IntegrationFilter;
    type State = Integration;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        IntegrationFilter::schema(LIST)
    }

    async fn list(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: IntegrationFilter,
    ) -> Outcome<Vec<Listed<Integration>>> {
        let (client, op) = (ctx.client(), ctx.op());
        let instances = match config.instance_id.as_str() {
            Some(id) => vec![id.to_string()],
            None => match client.list_instances(&op).await {
                Ok(all) => all.into_iter().map(|i| i.id).collect(),
                Err(e) => return integration_error("Unable to list instances", &e).into(),
            },
        };
        let mut found = Vec::new();
        for id in &instances {
            match client.list_connections(&op, id, None).await {
                Ok(conns) => found.extend(conns.iter().map(|c| listed(id, c))),
                // Deleted between the two lists: it has no connections any more.
                Err(e) if e.is_not_found() && config.instance_id.is_null() => {}
                Err(e) => {
                    return integration_error(
                        &format!("Unable to list the integrations of instance {id}"),
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
    use crate::provider::integration::resource::IntegrationResource;
    use crate::sdk::Resource;
    use crate::sdk::model::{Attr, conforms};

    #[test]
    fn listed_state_is_the_imported_state() {
        let c = crate::api::Connection {
            id: "ca_1".into(),
            toolkit_slug: "gmail".into(),
            toolkit_name: Some("Gmail".into()),
            status: "ACTIVE".into(),
            auth_scheme: Some("OAUTH2".into()),
            is_disabled: false,
            created_at: Some(1_786_001_000_000),
            updated_at: None,
        };
        let l = listed("abc123defg", &c);
        assert_eq!(l.display_name, "abc123defg/ca_1");
        let seed = IntegrationResource
            .import_seed("abc123defg/ca_1")
            .expect("seed");
        assert_eq!(l.state, model::state(&c, "abc123defg", &seed));
        conforms(
            &l.state.to_value(),
            &IntegrationResource.schema().value_type(),
        )
        .unwrap_or_else(|e| panic!("agent37_instance_integration (listed): {e}"));
        let f = IntegrationFilter {
            instance_id: Attr::Null,
        };
        conforms(&f.to_value(), &IntegrationList.schema().value_type())
            .unwrap_or_else(|e| panic!("agent37_instance_integration (list config): {e}"));
    }
}
