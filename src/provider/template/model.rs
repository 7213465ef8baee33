//! Pure parts of the template module: the contract's static rules (name, image reference,
//! ports), conversions from API templates to the models of `schema`, and request bodies.

use crate::api::{self, CreateTemplate, Patch, PatchTemplate};
use crate::provider::values::keep_empty_form;
use crate::sdk::model::Attr;
use crate::sdk::{Path, Value};

use super::schema::{ComputedPort, Template, TemplateFields, TemplateItem, TemplatePort};

/// Names starting with this belong to the built-in (system) templates.
pub const SYSTEM_PREFIX: &str = "agent37-";
/// Ports the platform itself uses inside every instance.
pub const RESERVED_PORTS: [i64; 7] = [3737, 7681, 8080, 6080, 7890, 6969, 9119];
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
        image_ref: t.image_ref.clone().into(),
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
        image_ref: t.image_ref.clone().into(),
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
            image_ref: "acme/agent:v1".into(),
            description: description.map(str::to_string),
            ports,
            created: Some(100),
            updated: Some(200),
        }
    }

    fn port(port: i64, default: Option<bool>) -> Value {
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
        assert!(port_list_problems(&[port(8000, Some(true)), port(8001, None)], &p).is_empty());

        let dup = port_list_problems(&[port(8000, None), port(8001, None), port(8000, None)], &p);
        assert_eq!(dup.len(), 1);
        assert_eq!(dup[0].path.to_string(), "ports[2].port");
        assert_eq!(dup[0].summary, "Duplicate port");
        assert!(dup[0].detail.contains("ports[0]"), "{}", dup[0].detail);

        let two = port_list_problems(
            &[
                port(8000, Some(true)),
                port(8001, Some(false)),
                port(8002, Some(true)),
            ],
            &p,
        );
        assert_eq!(two.len(), 1);
        assert_eq!(two[0].path.to_string(), "ports[2].default");

        let many: Vec<Value> = (0..21).map(|i| port(10_000 + i, None)).collect();
        let too_many = port_list_problems(&many, &p);
        assert_eq!(too_many.len(), 1);
        assert_eq!(too_many[0].path, p);
        assert!(port_list_problems(&many[..20], &p).is_empty());

        // Unknown entries are skipped.
        let unknown = port_list_problems(&[Value::unknown(), port(8000, None)], &p);
        assert!(unknown.is_empty());

        let r = reserved_port_problem(8080, &p.join_index(1).join_attr("port")).expect("reserved");
        assert_eq!(r.path.to_string(), "ports[1].port");
        assert!(reserved_port_problem(8081, &p).is_none());
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
