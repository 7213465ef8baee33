//! Pure parts of the template module: conversions from API templates to the models of
//! `schema`, and request bodies.

use crate::api::{self, CreateTemplate, Patch, PatchTemplate};
use crate::provider::values::keep_empty_form;
use crate::sdk::model::Attr;

use super::schema::{ComputedPort, Template, TemplateFields, TemplateItem, TemplatePort};

// ---------------------------------------------------------------------------------------------
// API → models
// ---------------------------------------------------------------------------------------------

fn ports_from_api(ports: &[api::TemplatePort]) -> Vec<TemplatePort> {
    ports
        .iter()
        .map(|p| TemplatePort {
            port: i64::from(p.port).into(),
            default: p.default.into(),
        })
        .collect()
}

/// Every template field, as the data sources show it (the API's forms).
pub fn template_fields(t: &api::Template) -> TemplateFields {
    TemplateFields {
        scope: t.scope.as_str().to_string().into(),
        agents: t.agents.clone().into(),
        image_ref: Attr::from_option(t.image_ref.clone()),
        description: Attr::from_option(t.description.clone()),
        ports: t
            .ports
            .iter()
            .map(|p| ComputedPort {
                port: i64::from(p.port).into(),
                default: p.default.into(),
            })
            .collect::<Vec<_>>()
            .into(),
        created: Attr::from_option(t.created),
        updated: Attr::from_option(t.updated),
    }
}

/// One template of `agent37_templates`.
pub fn template_item(t: &api::Template) -> TemplateItem {
    TemplateItem {
        name: t.name.clone().into(),
        fields: template_fields(t),
    }
}

/// The resource's state from the API's template. `form` (the planned or prior state) decides
/// empty forms (null vs `""`, null vs `[]`) the API does not distinguish; `timeouts` is kept.
pub fn resource_state(t: &api::Template, form: &Template) -> Template {
    Template {
        name: t.name.clone().into(),
        image_ref: Attr::from_option(t.image_ref.clone()),
        description: keep_empty_form(Attr::from_option(t.description.clone()), &form.description),
        // The API reports "no ports" as `[]`: the form the configuration used (null or `[]`)
        // stays.
        ports: keep_empty_form(Attr::Known(ports_from_api(&t.ports)), &form.ports),
        scope: t.scope.as_str().to_string().into(),
        agents: t.agents.clone().into(),
        created: Attr::from_option(t.created),
        updated: Attr::from_option(t.updated),
        timeouts: form.timeouts.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// Models → API bodies
// ---------------------------------------------------------------------------------------------

/// The ports of a planned state (null → none). Errors only on values validation refuses.
pub fn ports_body(ports: &Attr<Vec<TemplatePort>>) -> Result<Vec<api::TemplatePort>, String> {
    let items = match ports {
        Attr::Null => return Ok(Vec::new()),
        Attr::Known(items) => items,
        Attr::Unknown(_) => return Err("ports is not a known list".into()),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let port = e
                .port
                .get()
                .and_then(|p| u16::try_from(p).ok())
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("ports[{i}].port is not a port number from 1 to 65535"))?;
            let default = e.default.get().unwrap_or(false);
            Ok(api::TemplatePort { port, default })
        })
        .collect()
}

fn required(v: &Attr<String>, name: &str) -> Result<String, String> {
    v.known()
        .cloned()
        .ok_or_else(|| format!("{name} is not a known string"))
}

/// `POST /templates` from the planned state; an empty description is sent as written.
pub fn create_body(planned: &Template) -> Result<CreateTemplate, String> {
    let ports = match &planned.ports {
        Attr::Null => None,
        p => Some(ports_body(p)?),
    };
    Ok(CreateTemplate {
        name: required(&planned.name, Template::NAME)?,
        image_ref: required(&planned.image_ref, Template::IMAGE_REF)?,
        description: planned.description.known().cloned(),
        ports,
    })
}

/// `PATCH /templates/{name}` with the fields whose planned value differs from the prior state
/// (never `name`: a new name replaces the template). Removing `ports` sends `[]`, removing
/// `description` sends null.
pub fn patch_body(prior: &Template, planned: &Template) -> Result<PatchTemplate, String> {
    let mut body = PatchTemplate::default();
    if prior.image_ref != planned.image_ref {
        body.image_ref = Some(required(&planned.image_ref, Template::IMAGE_REF)?);
    }
    if prior.description != planned.description {
        body.description = Patch::set(planned.description.known().cloned());
    }
    if prior.ports != planned.ports {
        body.ports = Some(ports_body(&planned.ports)?);
    }
    Ok(body)
}

/// Whether a PATCH body would change nothing (then the update only re-reads).
pub fn is_empty_patch(body: &PatchTemplate) -> bool {
    *body == PatchTemplate::default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::TemplateScope;
    use crate::sdk::model::conforms;

    fn tpl(ports: Vec<api::TemplatePort>, description: Option<&str>) -> api::Template {
        api::Template {
            name: "my-agent".into(),
            scope: TemplateScope::Workspace,
            agents: vec![],
            image_ref: Some("acme/agent:v1".into()),
            description: description.map(str::to_string),
            ports,
            created: Some(100),
            updated: Some(200),
            default_port: api::Field::Absent,
            revision: api::Field::Absent,
            revisions: Vec::new(),
            image_digest: None,
        }
    }

    fn typed_port(port: i64, default: Option<bool>) -> TemplatePort {
        TemplatePort {
            port: port.into(),
            default: Attr::from_option(default),
        }
    }

    #[test]
    fn state_keeps_the_written_empty_forms() {
        let t = tpl(vec![], Some(""));
        let form = Template {
            description: Attr::Null,
            ports: Attr::Known(Vec::new()),
            ..Template::default()
        };
        let s = resource_state(&t, &form);
        assert_eq!(s.description, Attr::Null);
        assert_eq!(s.ports, Attr::Known(Vec::new()));
        let form_null = Template {
            ports: Attr::Null,
            description: "".into(),
            ..Template::default()
        };
        let s = resource_state(&t, &form_null);
        assert_eq!(s.ports, Attr::Null);
        assert_eq!(s.description, Attr::Known(String::new()));
        assert_eq!(s.scope.as_str(), Some("workspace"));
        assert_eq!(s.updated.get(), Some(200));

        // Drift shows: ports on the server against a config without them.
        let t2 = tpl(
            vec![api::TemplatePort {
                port: 8000,
                default: true,
            }],
            Some("x"),
        );
        let s = resource_state(&t2, &form_null);
        assert_eq!(s.ports, Attr::Known(vec![typed_port(8000, Some(true))]));
        assert_eq!(s.description.as_str(), Some("x"));
    }

    #[test]
    fn bodies() {
        let planned = Template {
            name: "my-agent".into(),
            image_ref: "acme/agent:v2".into(),
            ..Template::default()
        };
        let c = create_body(&planned).expect("create");
        assert_eq!(c.ports, None);
        assert_eq!(c.description, None);

        let prior = Template {
            name: "my-agent".into(),
            image_ref: "acme/agent:v1".into(),
            description: "old".into(),
            ports: Attr::Known(vec![typed_port(8000, Some(false))]),
            ..Template::default()
        };
        let p = patch_body(&prior, &planned).expect("patch");
        assert_eq!(p.name, None);
        assert_eq!(p.image_ref.as_deref(), Some("acme/agent:v2"));
        assert_eq!(p.description, Patch::Null);
        assert_eq!(p.ports, Some(vec![]));
        assert!(is_empty_patch(&patch_body(&prior, &prior).expect("same")));

        let bad = Attr::Known(vec![typed_port(70_000, None)]);
        assert!(ports_body(&bad).is_err());
    }

    /// The resource's state and each data source's result have exactly their schemas' shapes.
    #[test]
    fn every_model_output_has_exactly_its_schema_shape() {
        use super::super::schema::{self, TemplateData, TemplatesData};
        let t = tpl(
            vec![api::TemplatePort {
                port: 8000,
                default: true,
            }],
            None,
        );
        let state = resource_state(&t, &Template::default());
        conforms(&state.to_value(), &schema::resource().value_type())
            .unwrap_or_else(|e| panic!("agent37_template: {e}"));
        let one = TemplateData {
            name: t.name.clone().into(),
            fields: template_fields(&t),
        };
        conforms(&one.to_value(), &schema::data_source_one().value_type())
            .unwrap_or_else(|e| panic!("agent37_template (data source): {e}"));
        let all = TemplatesData {
            scope: Attr::Null,
            templates: Attr::Known(vec![template_item(&t)]),
            names: Attr::Known(vec![t.name.clone()]),
        };
        conforms(&all.to_value(), &schema::data_source_list().value_type())
            .unwrap_or_else(|e| panic!("agent37_templates: {e}"));
    }
}
