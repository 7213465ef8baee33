//! The models of the template resource, data sources and list resource (their schemas,
//! declared once, with the docs), with the contract's static rules as validators (so
//! `terraform validate` reports them on the exact attribute path).

use crate::sdk::Attr;
use crate::sdk::diag::Diagnostics;
use crate::sdk::timeouts::{Timeouts, Waits};
use crate::sdk::validate::{IntRange, OneOf, Validator};
use crate::sdk::{Model, Path, Schema, Value};

/// Names starting with this belong to the built-in (system) templates.
pub const SYSTEM_PREFIX: &str = "agent37-";
/// Ports the platform itself uses inside every instance.
pub const RESERVED_PORTS: [i64; 7] = [3737, 7681, 8080, 6080, 7890, 6969, 9119];
/// Ports `default_port` may not be (API revision 2026-08-21; 3737, the fallback, is allowed).
pub const DEFAULT_PORT_RESERVED: [i64; 6] = [7681, 8080, 6080, 7890, 9119, 22022];
pub const MAX_PORTS: usize = 20;
pub const MAX_IMAGE_REF_CHARS: usize = 255;
pub const MAX_TAG_CHARS: usize = 128;

/// What is allowed for `image_ref`, shown with every image reference problem.
pub const IMAGE_REF_ALLOWED: &str = "An image reference `[host[:port]/]namespace/…/name[:tag][@sha256:<64 hex>]` \
     of at most 255 characters, with at least one `/`, lowercase path components \
     (`[a-z0-9]` separated by `.`, `_`, `__` or `-`) and a tag matching \
     `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`, e.g. `ghcr.io/acme/agent:v1` or `acme/agent:v1`.";

/// What is allowed for `name`.
pub const NAME_ALLOWED: &str = "A lowercase letter followed by 1 to 62 lowercase letters, digits or \
     hyphens (`^[a-z][a-z0-9-]{1,62}$`), not starting with `agent37-` (reserved for system templates).";

// ---------------------------------------------------------------------------------------------
// Static rules
// ---------------------------------------------------------------------------------------------

/// Why a template name is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    /// `agent37-*`: a system template, which cannot be managed.
    System,
    /// Not `^[a-z][a-z0-9-]{1,62}$`.
    Pattern,
}

pub fn check_name(name: &str) -> Result<(), NameProblem> {
    if name.starts_with(SYSTEM_PREFIX) {
        return Err(NameProblem::System);
    }
    let b = name.as_bytes();
    let ok = (2..=63).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
    if ok {
        Ok(())
    } else {
        Err(NameProblem::Pattern)
    }
}

/// The diagnostic (summary, detail) for a refused name; `at` names the attribute.
pub fn name_problem_text(problem: &NameProblem, at: &str, name: &str) -> (String, String) {
    match problem {
        NameProblem::System => (
            "System templates cannot be managed".to_string(),
            format!(
                "{at} is {name:?}: names starting with `{SYSTEM_PREFIX}` belong to the built-in system \
                 templates, which are read-only. To use one, read it with the `agent37_template` data \
                 source (`data \"agent37_template\" \"x\" {{ name = {name:?} }}`) or give its name to \
                 `agent37_instance.template`; to register your own image, pick another name."
            ),
        ),
        NameProblem::Pattern => (
            "Invalid template name".to_string(),
            format!("{at} is {name:?}; it must be {}", lower_first(NAME_ALLOWED)),
        ),
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Checks an image reference against the contract's form; the error says what is wrong.
pub fn check_image_ref(r: &str) -> Result<(), String> {
    let n = r.chars().count();
    if n == 0 {
        return Err("it is empty".into());
    }
    if n > MAX_IMAGE_REF_CHARS {
        return Err(format!(
            "it has {n} characters; at most {MAX_IMAGE_REF_CHARS} are allowed"
        ));
    }
    let (rest, digest) = match r.split_once('@') {
        Some((rest, d)) => (rest, Some(d)),
        None => (r, None),
    };
    if let Some(d) = digest {
        let hex_ok = d.strip_prefix("sha256:").is_some_and(|h| {
            h.len() == 64 && h.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
        });
        if !hex_ok {
            return Err(format!(
                "the digest {d:?} must be `sha256:` followed by 64 lowercase hex digits"
            ));
        }
    }
    // A tag is the part after a `:` that follows the last `/` (a `:` before it is a host port).
    let last_slash = rest.rfind('/');
    let (path, tag) = match rest.rfind(':') {
        Some(i) if last_slash.is_none_or(|s| i > s) => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    if let Some(t) = tag {
        check_tag(t)?;
    }
    let comps: Vec<&str> = path.split('/').collect();
    if comps.len() < 2 {
        return Err(
            "it needs a namespace and a name separated by `/` (a bare image such as \
             `nginx:latest` is not allowed; write e.g. `library/nginx:latest`)"
                .into(),
        );
    }
    let first = comps[0];
    let looks_like_host = first.contains('.') || first.contains(':') || first == "localhost";
    let repo = if looks_like_host && comps.len() >= 3 {
        if !is_host(first) {
            return Err(format!(
                "the registry host {first:?} is not a valid host[:port]"
            ));
        }
        &comps[1..]
    } else if looks_like_host && first.contains(':') {
        return Err(format!(
            "after the registry host {first:?} it needs a namespace and a name, e.g. {first}/acme/agent"
        ));
    } else {
        &comps[..]
    };
    for c in repo {
        if !is_path_component(c) {
            return Err(format!(
                "the path component {c:?} must be lowercase letters and digits, separated by \
                 `.`, `_`, `__` or `-`"
            ));
        }
    }
    Ok(())
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn check_tag(t: &str) -> Result<(), String> {
    let b = t.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= MAX_TAG_CHARS
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the tag {t:?} must match `[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}`"
        ))
    }
}

/// `host[:port]`: dot-separated labels of letters, digits and inner hyphens; port of 1–5 digits.
fn is_host(h: &str) -> bool {
    let (host, port) = match h.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (h, None),
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
    };
    let port_ok =
        port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|c| c.is_ascii_digit()));
    !host.is_empty() && host.split('.').all(label_ok) && port_ok
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
fn is_path_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let b = c.as_bytes();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-')) {
            return false;
        }
    }
    true
}

/// A problem found in a configuration, on its exact path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: Path,
    pub summary: String,
    pub detail: String,
}

/// Checks one port number for the reserved set (the range is an `IntRange` validator).
pub fn reserved_port_problem(port: i64, path: &Path) -> Option<Problem> {
    RESERVED_PORTS.contains(&port).then(|| Problem {
        path: path.clone(),
        summary: "Reserved port".to_string(),
        detail: format!(
            "{path} is {port}, which the platform reserves for itself (reserved: {}); choose another port.",
            reserved_list()
        ),
    })
}

pub fn reserved_list() -> String {
    RESERVED_PORTS
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rules across the entries of `ports`: at most 20, no duplicate, at most one default.
/// Unknown entries or fields are skipped (they are checked once known).
pub fn port_list_problems(ports: &[Value], path: &Path) -> Vec<Problem> {
    let mut out = Vec::new();
    if ports.len() > MAX_PORTS {
        out.push(Problem {
            path: path.clone(),
            summary: "Too many ports".to_string(),
            detail: format!(
                "{path} has {} entries; a template may declare at most {MAX_PORTS} ports.",
                ports.len()
            ),
        });
    }
    let mut seen: Vec<(i64, usize)> = Vec::new();
    let mut first_default: Option<usize> = None;
    for (i, entry) in ports.iter().enumerate() {
        let at = path.join_index(i);
        if let Some(port) = entry.attr(TemplatePort::PORT).and_then(Value::as_i64) {
            match seen.iter().find(|(p, _)| *p == port) {
                Some((_, j)) => out.push(Problem {
                    path: at.join_attr(TemplatePort::PORT),
                    summary: "Duplicate port".to_string(),
                    detail: format!(
                        "{} is {port}, which {} already declares; each port may appear only once.",
                        at.join_attr(TemplatePort::PORT),
                        path.join_index(*j)
                    ),
                }),
                None => seen.push((port, i)),
            }
        }
        if entry.attr(TemplatePort::DEFAULT).and_then(Value::as_bool) == Some(true) {
            match first_default {
                Some(j) => out.push(Problem {
                    path: at.join_attr(TemplatePort::DEFAULT),
                    summary: "More than one default port".to_string(),
                    detail: format!(
                        "{} is true, but {} is already the default; at most one port may be the default.",
                        at.join_attr(TemplatePort::DEFAULT),
                        path.join_index(j)
                    ),
                }),
                None => first_default = Some(i),
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Validators and models
// ---------------------------------------------------------------------------------------------

/// The resource's schema version. 0: up to `ports`. 1: adds `default_port`, `revision`,
/// `image_digest` and `revisions` (API revision 2026-08-21); version 0 state reads them as null
/// until the next refresh.
pub const VERSION: i64 = 1;

/// `name`: the pattern, and the `agent37-` prefix pointing to the data source.
pub(crate) struct NameRule;

impl Validator for NameRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(name) = value.as_str()
            && let Err(p) = check_name(name)
        {
            let (summary, detail) = name_problem_text(&p, &path.to_string(), name);
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
            && let Err(why) = check_image_ref(r)
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
        if let Some(p) = value.as_i64().and_then(|n| reserved_port_problem(n, path)) {
            diags.attr_error(p.path, p.summary, p.detail);
        }
    }
    fn description(&self) -> String {
        format!("Not a reserved port ({}).", reserved_list())
    }
}

/// `ports`: at most 20 entries, no duplicate port, at most one default.
struct PortListRule;

impl Validator for PortListRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(items) = value.as_list() {
            for p in port_list_problems(items, path) {
                diags.attr_error(p.path, p.summary, p.detail);
            }
        }
    }
    fn description(&self) -> String {
        format!(
            "At most {} entries, each port once, at most one with `default = true`.",
            MAX_PORTS
        )
    }
}

/// `default_port`: none of the ports API revision 2026-08-21 reserves.
pub(crate) struct DefaultPortRule;

impl Validator for DefaultPortRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(p) = value.as_i64()
            && DEFAULT_PORT_RESERVED.contains(&p)
        {
            diags.attr_error(
                path.clone(),
                "Reserved port",
                format!(
                    "{path} is {p}, which the platform reserves for itself (reserved: {}); choose another port (3737 is allowed).",
                    DEFAULT_PORT_RESERVED.map(|p| p.to_string()).join(", ")
                ),
            );
        }
    }
    fn description(&self) -> String {
        "Not 7681, 8080, 6080, 7890, 9119 or 22022.".to_string()
    }
}

/// One published revision of a workspace template (API revision 2026-08-21).
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct RevisionEntry {
    #[attr(computed, describe = "The revision number (1, 2, …).")]
    pub revision: Attr<i64>,
    #[attr(
        computed,
        describe = "`sha256:` digest of the image snapshot of that revision."
    )]
    pub image_digest: Attr<String>,
    #[attr(
        computed,
        describe = "When the revision was published (epoch seconds)."
    )]
    pub created: Attr<i64>,
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
        optional,
        computed,
        describe = "The image of the template, e.g. `ghcr.io/acme/agent:v1`: `[host[:port]/]namespace/…/name[:tag][@sha256:<64 hex>]`, at most 255 characters, with at least one `/` and lowercase path components; public and linux/amd64. On API revision 2026-06-25 the platform pulls it at each instance create; on 2026-08-21 it is copied once at registration (a new value publishes a new `revision`). Updated in place; existing instances keep their image until they are updated. Required to create a template (an error at plan without it). A template published by a cloud build (`agent37_template_build`) has none: import it without `image_ref`; setting one later makes it registry-born. Removed from the configuration, the current image stays.",
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
        describe = "API revision 2026-06-25 only: the ports the image serves, in order; instances built from the template get one URL per port. At most 20 entries, each port once. Changing the list updates the template in place (it is replaced whole); removing it from the configuration clears the ports. Existing instances keep the ports they were created with. On revision 2026-08-21 templates have no ports (the API refuses them): setting or changing `ports` there is an error at plan pointing to `default_port`; a list already in state is kept as it is (with a warning) so an upgrade of the service plans no change.",
        validate = PortListRule
    )]
    pub ports: Attr<Vec<TemplatePort>>,
    #[attr(
        optional,
        computed,
        describe = "API revision 2026-08-21 only: the port the instances' `url` routes to and the create-time boot probe; the API falls back to 3737 when it is null. 1–65535, not 7681, 8080, 6080, 7890, 9119 or 22022. Updated in place (instances follow at their next `update`). Left out of the configuration, the value on the server is kept (a template registered under revision 2026-06-25 shows the port of its default `ports` entry). Setting it against revision 2026-06-25 is an error at plan (use `ports` with `default = true` there).",
        validate = IntRange::between(1, 65_535),
        validate = DefaultPortRule
    )]
    pub default_port: Attr<i64>,
    #[attr(
        computed,
        describe = "API revision 2026-08-21: the template's current revision; registering a new `image_ref` (or a build) publishes the next one. Null on revision 2026-06-25. Unknown in a plan that changes `image_ref`."
    )]
    pub revision: Attr<i64>,
    #[attr(
        computed,
        describe = "API revision 2026-08-21: `sha256:` digest of the private image snapshot the current revision runs. Null on revision 2026-06-25. Unknown in a plan that changes `image_ref`."
    )]
    pub image_digest: Attr<String>,
    #[attr(
        computed,
        describe = "API revision 2026-08-21: the published revisions, newest first (pin an instance to one with `template = \"<name>@<revision>\"`). Empty on revision 2026-06-25. Unknown in a plan that changes `image_ref`."
    )]
    pub revisions: Attr<Vec<RevisionEntry>>,
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
    Template::schema(RESOURCE)
        .version(VERSION)
        .timeouts_wait_for(Waits {
            create: "the API to register the template (its call and retries; nothing is built here)",
            update: "the API to update the template (its calls and retries)",
            delete: "the API to delete the template (its call and retries)",
        })
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
        describe = "The image of the template; null for a template a cloud build published (API revision 2026-08-21)."
    )]
    pub image_ref: Attr<String>,
    #[attr(computed, describe = "Free text describing the template, or null.")]
    pub description: Attr<String>,
    #[attr(
        computed,
        describe = "API revision 2026-06-25: the ports the template serves, in order. Empty on 2026-08-21 (see `default_port`)."
    )]
    pub ports: Attr<Vec<ComputedPort>>,
    #[attr(
        computed,
        describe = "The port an instance's `url` serves: on API revision 2026-08-21 the template's `default_port` (3737 when it names none); on 2026-06-25 the default entry of `ports`, or null."
    )]
    pub default_port: Attr<i64>,
    #[attr(
        computed,
        describe = "API revision 2026-08-21: the current revision of a workspace template; null for system templates and on 2026-06-25."
    )]
    pub revision: Attr<i64>,
    #[attr(
        computed,
        describe = "API revision 2026-08-21: `sha256:` digest of a workspace template's image snapshot; null otherwise."
    )]
    pub image_digest: Attr<String>,
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
        describe = "The template's name, system (`agent37-hermes`…) or workspace. On API revision 2026-08-21 also `name@version`: a published tag (system) or revision number (workspace), read as of that version; an unpublished one is an error saying so (`@latest` is not a version)."
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

    fn port_value(port: i64, default: Option<bool>) -> Value {
        Value::object([
            ("port", Value::number(port)),
            ("default", default.map(Value::bool).unwrap_or(Value::Null)),
        ])
    }

    #[test]
    fn names() {
        assert_eq!(check_name("my-agent"), Ok(()));
        assert_eq!(check_name("a1"), Ok(()));
        assert_eq!(check_name(&format!("a{}", "b".repeat(62))), Ok(()));
        assert_eq!(
            check_name(&format!("a{}", "b".repeat(63))),
            Err(NameProblem::Pattern)
        );
        for bad in ["a", "1abc", "My-agent", "my_agent", "-ab", "", "ab.c"] {
            assert_eq!(check_name(bad), Err(NameProblem::Pattern), "{bad}");
        }
        assert_eq!(check_name("agent37-hermes"), Err(NameProblem::System));
        assert_eq!(check_name("agent37-Mine"), Err(NameProblem::System));
        // Only the prefix with its hyphen is reserved.
        assert_eq!(check_name("agent37x"), Ok(()));
        let (summary, detail) = name_problem_text(&NameProblem::System, "name", "agent37-hermes");
        assert_eq!(summary, "System templates cannot be managed");
        assert!(
            detail.contains("`agent37_template` data source"),
            "{detail}"
        );
    }

    #[test]
    fn image_refs_accepted() {
        let digest = format!("@sha256:{}", "a1".repeat(32));
        for ok in [
            "acme/agent",
            "acme/agent:v1",
            "ghcr.io/acme/agent:v1",
            "ghcr.io/acme/team/agent:V1.2_rc-3",
            "localhost:5000/acme/agent:latest",
            "registry.example.com:443/a/b",
            "library/nginx:latest",
            "ghcr.io/acme",
            "acme/my__agent.x-y",
            &format!("acme/agent:v1{digest}"),
            &format!("acme/agent{digest}"),
            &format!("acme/agent:{}", "t".repeat(128)),
        ] {
            assert_eq!(check_image_ref(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn image_refs_refused() {
        let cases = [
            ("nginx:latest", "namespace and a name"),
            ("nginx", "namespace and a name"),
            ("", "empty"),
            ("Acme/agent:v1", "path component \"Acme\""),
            ("acme/Agent", "path component \"Agent\""),
            ("acme/agent:", "tag"),
            ("acme/agent:-x", "tag"),
            ("acme/agent@sha256:abc", "digest"),
            ("acme/agent@md5:abc", "digest"),
            ("acme//agent", "path component \"\""),
            ("acme/agent_", "path component"),
            ("acme/a___b", "path component"),
            ("localhost:5000/agent", "after the registry host"),
            ("bad_host.io:x/acme/agent", "registry host"),
        ];
        for (bad, why) in cases {
            let err = check_image_ref(bad).expect_err(bad);
            assert!(err.contains(why), "{bad}: {err}");
        }
        let long = format!("acme/{}", "a".repeat(251));
        assert!(
            check_image_ref(&long)
                .expect_err("long")
                .contains("256 characters")
        );
        let long_tag = format!("acme/agent:{}", "t".repeat(129));
        assert!(check_image_ref(&long_tag).expect_err("tag").contains("tag"));
    }

    #[test]
    fn port_lists() {
        let p = Path::attr("ports");
        assert!(
            port_list_problems(&[port_value(8000, Some(true)), port_value(8001, None)], &p)
                .is_empty()
        );

        let dup = port_list_problems(
            &[
                port_value(8000, None),
                port_value(8001, None),
                port_value(8000, None),
            ],
            &p,
        );
        assert_eq!(dup.len(), 1);
        assert_eq!(dup[0].path.to_string(), "ports[2].port");
        assert_eq!(dup[0].summary, "Duplicate port");
        assert!(dup[0].detail.contains("ports[0]"), "{}", dup[0].detail);

        let two = port_list_problems(
            &[
                port_value(8000, Some(true)),
                port_value(8001, Some(false)),
                port_value(8002, Some(true)),
            ],
            &p,
        );
        assert_eq!(two.len(), 1);
        assert_eq!(two[0].path.to_string(), "ports[2].default");

        let many: Vec<Value> = (0..21).map(|i| port_value(10_000 + i, None)).collect();
        let too_many = port_list_problems(&many, &p);
        assert_eq!(too_many.len(), 1);
        assert_eq!(too_many[0].path, p);
        assert!(port_list_problems(&many[..20], &p).is_empty());

        // Unknown entries are skipped.
        let unknown = port_list_problems(&[Value::unknown(), port_value(8000, None)], &p);
        assert!(unknown.is_empty());

        let r = reserved_port_problem(8080, &p.join_index(1).join_attr("port")).expect("reserved");
        assert_eq!(r.path.to_string(), "ports[1].port");
        assert!(reserved_port_problem(8081, &p).is_none());
    }

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
            ("default_port", Value::Null),
            ("revision", Value::Null),
            ("image_digest", Value::Null),
            ("revisions", Value::Null),
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
        // default_port: 3737 (the fallback) is fine, 22022 and 8080 are the platform's.
        assert!(errors(&config(vec![("default_port", Value::number(3737))])).is_empty());
        for reserved in [22022, 8080] {
            assert_eq!(
                errors(&config(vec![("default_port", Value::number(reserved))])),
                vec![("default_port".into(), "Reserved port".into())]
            );
        }
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
