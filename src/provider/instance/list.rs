//! The `agent37_instance` list resource (Terraform ≥ 1.14): `terraform query` finds the
//! workspace's instances with the filters of the `agent37_instances` data source, each with the
//! state an import would produce (so the identity, the resource object and the generated
//! configuration are right).

use crate::api::Instance;
use crate::provider::list::Listable;
use crate::sdk::{Listed, Schema, Value};

use super::{model, schema};

/// The filters of `agent37_instances` (its configurable attributes), without its results.
pub fn list_schema() -> Schema {
    let filters = schema::data_instances()
        .block
        .attributes
        .into_iter()
        .filter(|a| !a.computed)
        .collect();
    Schema::new(
        "Finds the workspace's instances for `terraform query` (newest first), optionally filtered like the `agent37_instances` data source; every filter given must match. Each result is named by the instance's `name` (or its id when it has none), carries its identity `{ id }`, and can be turned into configuration with `terraform query -generate-config-out=FILE`.",
        filters,
    )
}

/// What `terraform query` shows and imports for one instance: exactly the state that
/// `import` followed by `read` produces.
pub fn listed(inst: &Instance) -> Listed<Value> {
    Listed {
        display_name: inst.name.clone().unwrap_or_else(|| inst.id.clone()),
        state: model::instance_state(inst, &model::import_state(&inst.id)),
    }
}

/// The `agent37_instance` list resource.
pub struct Instances;

impl Listable for Instances {
    const TYPE_NAME: &'static str = "agent37_instance";
    type Item = Instance;
    type Config = Value;
    type State = Value;

    fn schema() -> Schema {
        list_schema()
    }

    fn filter(config: &Value) -> impl Fn(&Instance) -> bool + Send {
        let filters = model::Filters::from_config(config);
        move |i| !model::is_gone(&i.status) && filters.matches(i)
    }

    fn listed(inst: &Instance) -> Listed<Value> {
        listed(inst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{InstanceStatus, Port, Resources};
    use crate::provider::values::get_str;

    fn inst(name: Option<&str>) -> Instance {
        Instance {
            id: "abc123defg".into(),
            status: InstanceStatus::Stopped,
            template: "agent37-hermes".into(),
            image_ref: "ghcr.io/agent37-platform/hermes:1".into(),
            resources: Resources {
                cpu: 2,
                memory: 4,
                disk: 6,
            },
            ports: vec![Port {
                port: 3737,
                default: true,
                url: "https://abc123defg.agent37.app".into(),
            }],
            user: None,
            name: name.map(str::to_string),
            metadata: None,
            paid_through: Some(100),
            past_due: false,
            created: 10,
        }
    }

    #[test]
    fn schema_is_the_data_source_filters() {
        let names: Vec<_> = list_schema()
            .block
            .attributes
            .iter()
            .map(|a| a.name.clone())
            .collect();
        assert_eq!(names, ["user", "name", "template", "status", "metadata"]);
    }

    #[test]
    fn listed_state_is_the_imported_state() {
        let i = inst(Some("bot"));
        let l = listed(&i);
        assert_eq!(l.display_name, "bot");
        assert_eq!(
            l.state,
            model::instance_state(&i, &model::import_state(&i.id))
        );
        assert_eq!(get_str(&l.state, "state"), Some("stopped"));
        assert_eq!(listed(&inst(None)).display_name, "abc123defg");
    }
}
