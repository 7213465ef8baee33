//! Schemas of the template resource and data sources, with the contract's static rules as
//! validators (so `terraform validate` reports them on the exact attribute path).

use crate::sdk::diag::Diagnostics;
use crate::sdk::schema::Nesting;
use crate::sdk::validate::{IntRange, OneOf, Validator};
use crate::sdk::{Attribute, Path, Schema, Type, Value, timeouts};

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

fn resource_ports() -> Attribute {
    Attribute::nested(
        "ports",
        Nesting::List,
        vec![
            Attribute::number("port")
                .required()
                .describe("The port the image serves on, 1–65535; not one of the platform's reserved ports (3737, 7681, 8080, 6080, 7890, 6969, 9119).")
                .validate(IntRange::between(1, 65_535))
                .validate(NotReserved),
            Attribute::bool("default")
                .default(Value::Bool(false))
                .describe("Whether this port is the instance's default URL (`https://{id}.agent37.app`); at most one port may be the default. Default `false`."),
        ],
    )
    .optional()
    .describe("The ports the image serves, in order; instances built from the template get one URL per port. At most 20 entries, each port once. Changing the list updates the template in place (it is replaced whole); removing it from the configuration clears the ports. Existing instances keep the ports they were created with.")
    .validate(PortListRule)
}

/// The computed port list of the data sources.
fn computed_ports() -> Attribute {
    Attribute::nested(
        "ports",
        Nesting::List,
        vec![
            Attribute::number("port")
                .computed()
                .describe("The port number."),
            Attribute::bool("default").computed().describe(
                "Whether this port is the default one (served at the instance's main URL).",
            ),
        ],
    )
    .computed()
    .describe("The ports the template serves, in order.")
}

pub fn resource() -> Schema {
    Schema::new(
        "A workspace template: a public linux/amd64 image registered under a name, plus the ports it \
         serves. Instances are created from it with `agent37_instance.template`. System templates \
         (`agent37-*`) are built in and read-only: read them with the `agent37_template` data source.",
        vec![
            Attribute::string("name")
                .required()
                .requires_replace()
                .describe("The template's name and identity, which instances refer to. A lowercase letter then 1–62 lowercase letters, digits or hyphens; must not start with `agent37-` (reserved for system templates). Changing it replaces the template.")
                .validate(NameRule),
            Attribute::string("image_ref")
                .required()
                .describe("The image the platform pulls, e.g. `ghcr.io/acme/agent:v1`: `[host[:port]/]namespace/…/name[:tag][@sha256:<64 hex>]`, at most 255 characters, with at least one `/` and lowercase path components. Updated in place; existing instances keep their image until they are updated.")
                .validate(ImageRefRule),
            Attribute::string("description")
                .optional()
                .describe("Free text describing the template. Updated in place; removing it clears it."),
            resource_ports(),
            Attribute::string("scope")
                .computed()
                .describe("Always `workspace` for templates managed here."),
            Attribute::typed("agents", Type::list(Type::String))
                .computed()
                .describe("The agents the template installs; always empty for workspace templates."),
            Attribute::number("created")
                .computed()
                .describe("When the template was registered (epoch seconds)."),
            Attribute::number("updated")
                .computed()
                .unknown_on_update()
                .describe("When the template last changed (epoch seconds)."),
        ],
    )
    .version(VERSION)
    .with_block(timeouts::block())
}

/// The fields of one template, all computed (the data sources' objects), after `name`.
fn template_fields() -> Vec<Attribute> {
    vec![
        Attribute::string("scope")
            .computed()
            .describe("`system` (built in, read-only) or `workspace` (registered by this workspace)."),
        Attribute::typed("agents", Type::list(Type::String))
            .computed()
            .describe("The agents the template installs (e.g. `[\"hermes\"]`); empty for workspace templates."),
        Attribute::string("image_ref")
            .computed()
            .describe("The image the platform pulls for new instances and updates."),
        Attribute::string("description")
            .computed()
            .describe("Free text describing the template, or null."),
        computed_ports(),
        Attribute::number("created")
            .computed()
            .describe("When the template was registered (epoch seconds); null for system templates."),
        Attribute::number("updated")
            .computed()
            .describe("When the template last changed (epoch seconds); null for system templates."),
    ]
}

pub fn data_source_one() -> Schema {
    let mut attrs = vec![
        Attribute::string("name")
            .required()
            .describe("The template's name, system (`agent37-hermes`…) or workspace."),
    ];
    attrs.extend(template_fields());
    Schema::new(
        "One template by name: a system template (`agent37-hermes`, `agent37-hermes-small`, \
         `agent37-openclaw`) or one of the workspace's own.",
        attrs,
    )
}

pub fn data_source_list() -> Schema {
    let mut fields = vec![
        Attribute::string("name")
            .computed()
            .describe("The template's name."),
    ];
    fields.extend(template_fields());
    Schema::new(
        "Every template the workspace can use: the system catalog first, then the workspace's own \
         templates by name.",
        vec![
            Attribute::string("scope")
                .optional()
                .describe("Only templates of this scope: `system` or `workspace`. Default: both.")
                .validate(OneOf(&["system", "workspace"])),
            Attribute::nested("templates", Nesting::List, fields)
                .computed()
                .describe("The templates, system ones first, then workspace ones by name."),
            Attribute::typed("names", Type::list(Type::String))
                .computed()
                .describe("The templates' names, in the same order as `templates`."),
        ],
    )
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
            fn walk(attrs: &[Attribute]) {
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
