//! The `agent37_template` list resource (Terraform ≥ 1.14): `terraform query` finds the
//! workspace's own templates (system templates cannot be managed, so they are never listed),
//! each with the state an import would produce.

use crate::api::{Template, TemplateScope};
use crate::provider::list::Listable;
use crate::provider::values::get_str;
use crate::sdk::{Attribute, Listed, Schema, Value};

use super::model;

pub fn list_schema() -> Schema {
    Schema::new(
        "Finds the workspace's templates for `terraform query`; system templates (`agent37-*`) are built in and cannot be managed, so they are left out. Each result is named by the template's name, carries its identity `{ name }`, and can be turned into configuration with `terraform query -generate-config-out=FILE`.",
        vec![
            Attribute::string("name_prefix")
                .optional()
                .describe("Only templates whose name starts with this text."),
        ],
    )
}

/// Whether `terraform query` lists `t` for the configured filter.
pub fn wanted(t: &Template, name_prefix: Option<&str>) -> bool {
    t.scope == TemplateScope::Workspace && name_prefix.is_none_or(|p| t.name.starts_with(p))
}

/// What `terraform query` shows and imports for one template: exactly the state that `import`
/// followed by `read` produces.
pub fn listed(t: &Template) -> Listed<Value> {
    Listed {
        display_name: t.name.clone(),
        state: model::resource_state(t, &model::import_state(&t.name)),
    }
}

/// The `agent37_template` list resource.
pub struct Templates;

impl Listable for Templates {
    const TYPE_NAME: &'static str = "agent37_template";
    type Item = Template;
    type Config = Value;
    type State = Value;

    fn schema() -> Schema {
        list_schema()
    }

    fn filter(config: &Value) -> impl Fn(&Template) -> bool + Send {
        let prefix = get_str(config, "name_prefix").map(str::to_string);
        move |t| wanted(t, prefix.as_deref())
    }

    fn listed(t: &Template) -> Listed<Value> {
        listed(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::TemplatePort;

    fn template(name: &str, scope: TemplateScope, ports: Vec<TemplatePort>) -> Template {
        Template {
            name: name.into(),
            scope,
            agents: Vec::new(),
            image_ref: "ghcr.io/acme/agent:v1".into(),
            description: None,
            ports,
            created: Some(1),
            updated: Some(2),
        }
    }

    #[test]
    fn only_workspace_templates_with_the_prefix() {
        let sys = template("agent37-hermes", TemplateScope::System, Vec::new());
        let mine = template("support-agent", TemplateScope::Workspace, Vec::new());
        assert!(!wanted(&sys, None));
        assert!(!wanted(&sys, Some("agent37")));
        assert!(wanted(&mine, None));
        assert!(wanted(&mine, Some("supp")));
        assert!(!wanted(&mine, Some("other")));
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
        assert_eq!(
            l.state,
            model::resource_state(&t, &model::import_state(&t.name))
        );
        // No ports reads as null, as an import would.
        let bare = listed(&template("bare", TemplateScope::Workspace, Vec::new()));
        assert_eq!(bare.state.attr("ports"), Some(&Value::Null));
    }
}
