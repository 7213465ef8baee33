//! The `agent37_template` list resource (Terraform ≥ 1.14): `terraform query` finds the
//! workspace's own templates (system templates cannot be managed, so they are never listed),
//! each with the state an import would produce.

use crate::api::{self, TemplateScope};
use crate::provider::list::Filter;
use crate::sdk::Listed;

use super::model;
use super::schema::{Template, TemplateFilter};

impl Filter<api::Template> for TemplateFilter {
    /// Workspace templates only (system ones cannot be managed), with the prefix if one is set.
    fn wants(&self, t: &api::Template) -> bool {
        t.scope == TemplateScope::Workspace
            && self
                .name_prefix
                .as_str()
                .is_none_or(|p| t.name.starts_with(p))
    }
}

/// What `terraform query` shows and imports for one template: what an import (whose seed has
/// only the name) followed by a read produces.
pub fn listed(t: &api::Template) -> Listed<Template> {
    Listed {
        display_name: t.name.clone(),
        state: model::resource_state(t, &Template::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::TemplatePort;
    use crate::provider::template::resource::TemplateResource;
    use crate::sdk::model::{Attr, conforms};
    use crate::sdk::{Model, Resource};

    fn template(name: &str, scope: TemplateScope, ports: Vec<TemplatePort>) -> api::Template {
        api::Template {
            name: name.into(),
            scope,
            agents: Vec::new(),
            image_ref: Some("ghcr.io/acme/agent:v1".into()),
            description: None,
            ports,
            created: Some(1),
            updated: Some(2),
            default_port: api::Field::Absent,
            revision: api::Field::Absent,
            revisions: Vec::new(),
            image_digest: None,
        }
    }

    fn filter(prefix: Option<&str>) -> TemplateFilter {
        TemplateFilter {
            name_prefix: Attr::from_option(prefix.map(str::to_string)),
        }
    }

    #[test]
    fn only_workspace_templates_with_the_prefix() {
        let sys = template("agent37-hermes", TemplateScope::System, Vec::new());
        let mine = template("support-agent", TemplateScope::Workspace, Vec::new());
        assert!(!filter(None).wants(&sys));
        assert!(!filter(Some("agent37")).wants(&sys));
        assert!(filter(None).wants(&mine));
        assert!(filter(Some("supp")).wants(&mine));
        assert!(!filter(Some("other")).wants(&mine));
    }

    #[test]
    fn listed_state_is_the_imported_state() {
        let t = template(
            "support-agent",
            TemplateScope::Workspace,
            vec![TemplatePort {
                port: 8000,
                default: true,
            }],
        );
        let l = listed(&t);
        assert_eq!(l.display_name, "support-agent");
        let seed = TemplateResource.import_seed(&t.name).expect("seed");
        assert_eq!(l.state, model::resource_state(&t, &seed));
        // No ports reads as null, as an import would.
        let bare = listed(&template("bare", TemplateScope::Workspace, Vec::new()));
        assert_eq!(bare.state.ports, Attr::Null);
    }

    /// The list's filter and the states it finds have exactly their schemas' shapes.
    #[test]
    fn filter_and_found_states_have_exactly_their_schema_shape() {
        let t = template("support-agent", TemplateScope::Workspace, Vec::new());
        conforms(
            &listed(&t).state.to_value(),
            &TemplateResource.schema().value_type(),
        )
        .unwrap_or_else(|e| panic!("agent37_template (listed): {e}"));
        conforms(
            &filter(Some("s")).to_value(),
            &TemplateFilter::schema(crate::provider::template::schema::LIST).value_type(),
        )
        .unwrap_or_else(|e| panic!("agent37_template (list config): {e}"));
    }
}
