//! The models of the template resource, data sources and list resource (their schemas,
//! declared once, with the docs), with the contract's static rules as validators (so
//! `terraform validate` reports them on the exact attribute path).

use crate::sdk::diag::Diagnostics;
use crate::sdk::model::Attr;
use crate::sdk::timeouts::Timeouts;
use crate::sdk::validate::{IntRange, OneOf, Validator};
use crate::sdk::{Model, Path, Schema, Value};

use super::model::{self, IMAGE_REF_ALLOWED, NAME_ALLOWED};

/// The resource's schema version; `upgrade_state` is the identity until it moves.
pub const VERSION: i64 = 0;

/// `name`: the pattern, and the `agent37-` prefix pointing to the data source.
struct NameRule;

impl Validator for NameRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(name) = value.as_str()
            && let Err(p) = model::check_name(name)
        {
            let (summary, detail) = model::name_problem_text(&p, &path.to_string(), name);
            diags.attr_error(path.clone(), summary, detail);
        }
    }
    fn description(&self) -> String {
        NAME_ALLOWED.to_string()
    }
}

/// `image_ref`: the contract's image reference form.
struct ImageRefRule;

impl Validator for ImageRefRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(r) = value.as_str()
            && let Err(why) = model::check_image_ref(r)
        {
            diags.attr_error(
                path.clone(),
                "Invalid image reference",
                format!("{path} is {r:?}: {why}. Allowed: {IMAGE_REF_ALLOWED}"),
            );
        }
    }
    fn description(&self) -> String {
        IMAGE_REF_ALLOWED.to_string()
    }
}

/// `ports[*].port`: none of the platform's reserved ports.
struct NotReserved;

impl Validator for NotReserved {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(p) = value
            .as_i64()
            .and_then(|n| model::reserved_port_problem(n, path))
        {
            diags.attr_error(p.path, p.summary, p.detail);
        }
    }
    fn description(&self) -> String {
        format!("Not a reserved port ({}).", model::reserved_list())
    }
}

/// `ports`: at most 20 entries, no duplicate port, at most one default.
struct PortListRule;

impl Validator for PortListRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(items) = value.as_list() {
            for p in model::port_list_problems(items, path) {
                diags.attr_error(p.path, p.summary, p.detail);
            }
        }
    }
    fn description(&self) -> String {
        format!(
            "At most {} entries, each port once, at most one with `default = true`.",
            model::MAX_PORTS
        )
    }
}

/// One port of a template the workspace manages.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct TemplatePort {
    #[attr(
        required,
        describe = "The port the image serves on, 1–65535; not one of the platform's reserved ports (3737, 7681, 8080, 6080, 7890, 6969, 9119).",
        validate = IntRange::between(1, 65_535),
        validate = NotReserved
    )]
    pub port: Attr<i64>,
    #[attr(
        default = Value::Bool(false),
        describe = "Whether this port is the instance's default URL (`https://{id}.agent37.app`); at most one port may be the default. Default `false`."
    )]
    pub default: Attr<bool>,
}

pub const RESOURCE: &str = "A workspace template: a public linux/amd64 image registered under a name, plus the ports it \
         serves. Instances are created from it with `agent37_instance.template`. System templates \
         (`agent37-*`) are built in and read-only: read them with the `agent37_template` data source.";

/// The state of `agent37_template`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Template {
    #[attr(
        required,
        requires_replace,
        describe = "The template's name and identity, which instances refer to. A lowercase letter then 1–62 lowercase letters, digits or hyphens; must not start with `agent37-` (reserved for system templates). Changing it replaces the template.",
        validate = NameRule
    )]
    pub name: Attr<String>,
    #[attr(
        required,
        describe = "The image the platform pulls, e.g. `ghcr.io/acme/agent:v1`: `[host[:port]/]namespace/…/name[:tag][@sha256:<64 hex>]`, at most 255 characters, with at least one `/` and lowercase path components. Updated in place; existing instances keep their image until they are updated.",
        validate = ImageRefRule
    )]
    pub image_ref: Attr<String>,
    #[attr(
        optional,
        describe = "Free text describing the template. Updated in place; removing it clears it."
    )]
    pub description: Attr<String>,
    #[attr(
        optional,
        describe = "The ports the image serves, in order; instances built from the template get one URL per port. At most 20 entries, each port once. Changing the list updates the template in place (it is replaced whole); removing it from the configuration clears the ports. Existing instances keep the ports they were created with.",
        validate = PortListRule
    )]
    pub ports: Attr<Vec<TemplatePort>>,
    #[attr(computed, describe = "Always `workspace` for templates managed here.")]
    pub scope: Attr<String>,
    #[attr(
        computed,
        describe = "The agents the template installs; always empty for workspace templates."
    )]
    pub agents: Attr<Vec<String>>,
    #[attr(
        computed,
        describe = "When the template was registered (epoch seconds)."
    )]
    pub created: Attr<i64>,
    #[attr(
        computed,
        unknown_on_update,
        describe = "When the template last changed (epoch seconds)."
    )]
    pub updated: Attr<i64>,
    #[block]
    pub timeouts: Timeouts,
}

pub fn resource() -> Schema {
    Template::schema(RESOURCE).version(VERSION)
}

/// A port as the data sources show it.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct ComputedPort {
    #[attr(computed, describe = "The port number.")]
    pub port: Attr<i64>,
    #[attr(
        computed,
        describe = "Whether this port is the default one (served at the instance's main URL)."
    )]
    pub default: Attr<bool>,
}

/// The fields of one template, all computed (the data sources' objects), after `name`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct TemplateFields {
    #[attr(
        computed,
        describe = "`system` (built in, read-only) or `workspace` (registered by this workspace)."
    )]
    pub scope: Attr<String>,
    #[attr(
        computed,
        describe = "The agents the template installs (e.g. `[\"hermes\"]`); empty for workspace templates."
    )]
    pub agents: Attr<Vec<String>>,
    #[attr(
        computed,
        describe = "The image the platform pulls for new instances and updates."
    )]
    pub image_ref: Attr<String>,
    #[attr(computed, describe = "Free text describing the template, or null.")]
    pub description: Attr<String>,
    #[attr(computed, describe = "The ports the template serves, in order.")]
    pub ports: Attr<Vec<ComputedPort>>,
    #[attr(
        computed,
        describe = "When the template was registered (epoch seconds); null for system templates."
    )]
    pub created: Attr<i64>,
    #[attr(
        computed,
        describe = "When the template last changed (epoch seconds); null for system templates."
    )]
    pub updated: Attr<i64>,
}

pub const TEMPLATE_DATA: &str = "One template by name: a system template (`agent37-hermes`, `agent37-hermes-small`, \
         `agent37-openclaw`) or one of the workspace's own.";

/// `agent37_template` (data source).
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct TemplateData {
    #[attr(
        required,
        describe = "The template's name, system (`agent37-hermes`…) or workspace."
    )]
    pub name: Attr<String>,
    #[flatten]
    pub fields: TemplateFields,
}

pub fn data_source_one() -> Schema {
    TemplateData::schema(TEMPLATE_DATA)
}

/// One template of `agent37_templates`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct TemplateItem {
    #[attr(computed, describe = "The template's name.")]
    pub name: Attr<String>,
    #[flatten]
    pub fields: TemplateFields,
}

pub const TEMPLATES_DATA: &str = "Every template the workspace can use: the system catalog first, then the workspace's own \
         templates by name.";

/// `agent37_templates`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct TemplatesData {
    #[attr(
        optional,
        describe = "Only templates of this scope: `system` or `workspace`. Default: both.",
        validate = OneOf(&["system", "workspace"])
    )]
    pub scope: Attr<String>,
    #[attr(
        computed,
        describe = "The templates, system ones first, then workspace ones by name."
    )]
    pub templates: Attr<Vec<TemplateItem>>,
    #[attr(
        computed,
        describe = "The templates' names, in the same order as `templates`."
    )]
    pub names: Attr<Vec<String>>,
}

pub fn data_source_list() -> Schema {
    TemplatesData::schema(TEMPLATES_DATA)
}

pub const LIST: &str = "Finds the workspace's templates for `terraform query`; system templates (`agent37-*`) are built in and cannot be managed, so they are left out. Each result is named by the template's name, carries its identity `{ name }`, and can be turned into configuration with `terraform query -generate-config-out=FILE`.";

/// The filter of the `agent37_template` list resource.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct TemplateFilter {
    #[attr(
        optional,
        describe = "Only templates whose name starts with this text."
    )]
    pub name_prefix: Attr<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::validate::validate_block;

    fn config(pairs: Vec<(&str, Value)>) -> Value {
        let mut all = vec![
            ("name", Value::string("my-agent")),
            ("image_ref", Value::string("acme/agent:v1")),
            ("description", Value::Null),
            ("ports", Value::Null),
            ("scope", Value::Null),
            ("agents", Value::Null),
            ("created", Value::Null),
            ("updated", Value::Null),
            ("timeouts", Value::Null),
        ];
        for (k, v) in pairs {
            all.retain(|(n, _)| *n != k);
            all.push((k, v));
        }
        Value::object(all)
    }

    fn errors(cfg: &Value) -> Vec<(String, String)> {
        let mut d = Diagnostics::new();
        validate_block(&resource().block, cfg, &Path::root(), &mut d);
        d.iter()
            .map(|d| {
                (
                    d.attribute
                        .as_ref()
                        .map(Path::to_string)
                        .unwrap_or_default(),
                    d.summary.clone(),
                )
            })
            .collect()
    }

    fn port(n: i64) -> Value {
        Value::object([("port", Value::number(n)), ("default", Value::Null)])
    }

    #[test]
    fn every_attribute_has_a_description() {
        for s in [resource(), data_source_one(), data_source_list()] {
            fn walk(attrs: &[crate::sdk::Attribute]) {
                for a in attrs {
                    assert!(!a.description.is_empty(), "{} has no description", a.name);
                    if let crate::sdk::schema::AttrType::Nested { attributes, .. } = &a.ty {
                        walk(attributes);
                    }
                }
            }
            walk(&s.block.attributes);
        }
    }

    #[test]
    fn validators_point_at_the_exact_path() {
        assert!(errors(&config(vec![])).is_empty());
        assert_eq!(
            errors(&config(vec![("name", Value::string("agent37-hermes"))])),
            vec![("name".into(), "System templates cannot be managed".into())]
        );
        assert_eq!(
            errors(&config(vec![("image_ref", Value::string("nginx:latest"))])),
            vec![("image_ref".into(), "Invalid image reference".into())]
        );
        let ports = Value::list([port(8000), port(0), port(8080), port(8000)]);
        assert_eq!(
            errors(&config(vec![("ports", ports)])),
            vec![
                ("ports[3].port".into(), "Duplicate port".into()),
                ("ports[1].port".into(), "Invalid number".into()),
                ("ports[2].port".into(), "Reserved port".into()),
            ]
        );
        // Unknown values are skipped.
        assert!(
            errors(&config(vec![
                ("name", Value::unknown()),
                ("ports", Value::unknown())
            ]))
            .is_empty()
        );
    }
}
