//! The `agent37_instance` list resource (Terraform ≥ 1.14): `terraform query` finds the
//! workspace's instances with the filters of the `agent37_instances` data source, each with the
//! state an import would produce (so the identity, the resource object and the generated
//! configuration are right).

use crate::api;
use crate::provider::list::Filter;
use crate::sdk::Listed;

use super::model::Instance;
use super::schema::InstanceFilters;

pub const DESCRIPTION: &str = "Finds the workspace's instances for `terraform query` (newest first), optionally filtered like the `agent37_instances` data source; every filter given must match. Each result is named by the instance's `name` (or its id when it has none), carries its identity `{ id }`, and can be turned into configuration with `terraform query -generate-config-out=FILE`.";

impl Filter<api::Instance> for InstanceFilters {
    fn wants(&self, inst: &api::Instance) -> bool {
        self.matches(inst)
    }
}

/// What `terraform query` shows and imports for one instance: what an import (whose seed has
/// only the id, which `from_api` does not read) followed by a read produces.
pub fn listed(inst: &api::Instance) -> Listed<Instance> {
    Listed {
        display_name: inst.name.clone().unwrap_or_else(|| inst.id.clone()),
        state: Instance::from_api(inst, &Instance::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::InstanceStatus;
    use crate::provider::instance::resource::InstanceResource;
    use crate::sdk::model::conforms;
    use crate::sdk::{Model, Resource};

    fn inst(name: Option<&str>) -> api::Instance {
        let mut i = crate::provider::instance::model::tests::inst();
        i.status = InstanceStatus::Stopped;
        i.name = name.map(str::to_string);
        i
    }

    #[test]
    fn schema_is_the_data_source_filters() {
        let names: Vec<_> = InstanceFilters::schema(DESCRIPTION)
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
        let seed = InstanceResource.import_seed(&i.id).expect("seed");
        assert_eq!(l.state, Instance::from_api(&i, &seed));
        assert_eq!(l.state.state.as_str(), Some("stopped"));
        assert_eq!(listed(&inst(None)).display_name, "abc123defg");
    }

    /// The list's filters and the states it finds have exactly their schemas' shapes.
    #[test]
    fn filters_and_found_states_have_exactly_their_schema_shape() {
        let state_ty = InstanceResource.schema().value_type();
        conforms(&listed(&inst(None)).state.to_value(), &state_ty)
            .unwrap_or_else(|e| panic!("agent37_instance (listed): {e}"));
        let filters = InstanceFilters {
            user: "u".into(),
            ..InstanceFilters::default()
        };
        conforms(
            &filters.to_value(),
            &InstanceFilters::schema(DESCRIPTION).value_type(),
        )
        .unwrap_or_else(|e| panic!("agent37_instance (list config): {e}"));
    }
}
