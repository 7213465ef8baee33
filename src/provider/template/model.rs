//! Pure parts of the template module: conversions from API templates to the models of
//! `schema`, and request bodies.

use crate::api::{self, ApiRevision, CreateTemplate, Field, Patch, PatchTemplate};
use crate::provider::values::keep_empty_form;
use crate::sdk::model::Attr;

use super::schema::{
    ComputedPort, RevisionEntry, Template, TemplateFields, TemplateItem, TemplatePort,
};

// ---------------------------------------------------------------------------------------------
// The two revisions' templates
// ---------------------------------------------------------------------------------------------

/// What a plan must say about the revision-only attributes it is about to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevisionProblem {
    /// `ports` set or changed against 2026-08-21, which refuses them.
    PortsRefused,
    /// `ports` unchanged in state against 2026-08-21: nothing is sent, nothing is enforced.
    PortsIgnored,
    /// `default_port` set against 2026-06-25, which does not know it.
    DefaultPortUnknown,
}

/// The revision rules of a plan against the API serving `served` (2026-06-25 knows `ports`,
/// 2026-08-21 `default_port`). `sends_ports`/`sends_default_port`: the plan sends them (a
/// create with the attribute set, or an update changing it); `keeps_ports`: `ports` is set but
/// unchanged (nothing sent).
pub fn revision_problems(
    served: ApiRevision,
    sends_ports: bool,
    keeps_ports: bool,
    sends_default_port: bool,
) -> Vec<RevisionProblem> {
    let mut out = Vec::new();
    match served {
        ApiRevision::R2026_08_21 if sends_ports => out.push(RevisionProblem::PortsRefused),
        ApiRevision::R2026_08_21 if keeps_ports => out.push(RevisionProblem::PortsIgnored),
        ApiRevision::R2026_06_25 if sends_default_port => {
            out.push(RevisionProblem::DefaultPortUnknown)
        }
        _ => {}
    }
    out
}

impl RevisionProblem {
    /// Whether the plan must fail (else it warns).
    pub fn is_error(&self) -> bool {
        !matches!(self, RevisionProblem::PortsIgnored)
    }

    /// The attribute it is about.
    pub fn attr(&self) -> &'static str {
        match self {
            RevisionProblem::PortsRefused | RevisionProblem::PortsIgnored => Template::PORTS,
            RevisionProblem::DefaultPortUnknown => Template::DEFAULT_PORT,
        }
    }

    pub fn summary(&self) -> &'static str {
        match self {
            RevisionProblem::PortsRefused => "ports needs API revision 2026-06-25",
            RevisionProblem::PortsIgnored => "ports is ignored by API revision 2026-08-21",
            RevisionProblem::DefaultPortUnknown => "default_port needs API revision 2026-08-21",
        }
    }

    pub fn detail(&self) -> &'static str {
        match self {
            RevisionProblem::PortsRefused => {
                "The API at base_url serves revision 2026-08-21, where templates have no `ports` \
                 (it refuses them). Set `default_port` to the port the instances' `url` should \
                 serve (3737 when left out) and remove `ports`: every other port of an instance \
                 is reachable at `https://{id}-{port}.agent37.app`."
            }
            RevisionProblem::PortsIgnored => {
                "The API at base_url serves revision 2026-08-21, where templates have no `ports`: \
                 the list in the configuration is kept in state as it is and never sent. Set \
                 `default_port` instead (the port of the default entry), then remove `ports`."
            }
            RevisionProblem::DefaultPortUnknown => {
                "The API at base_url serves revision 2026-06-25, which has no `default_port`. \
                 Declare the port in `ports` with `default = true` there, or remove \
                 `default_port`."
            }
        }
    }
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
        default_port: Attr::from_option(t.default_port().map(i64::from)),
        revision: Attr::from_option(t.revision.get()),
        image_digest: Attr::from_option(t.image_digest.clone()),
    }
}

/// The template's own `default_port` as the resource holds it: 2026-08-21's value (null stays
/// null: the API's fallback), or on 2026-06-25 the port of the default `ports` entry.
fn own_default_port(t: &api::Template) -> Attr<i64> {
    match &t.default_port {
        Field::Value(p) => Attr::Known(i64::from(*p)),
        Field::Null => Attr::Null,
        Field::Absent => Attr::from_option(t.default_port().map(i64::from)),
    }
}

/// The `default_port` a plan knows when the configuration leaves it out: the port of the
/// default `ports` entry (how 2026-06-25 reads it), else null (2026-08-21's answer for a
/// template registered without one). Unknown while the ports are.
pub fn derived_default_port(ports: &Attr<Vec<TemplatePort>>) -> Attr<i64> {
    match ports {
        Attr::Unknown(_) => Attr::unknown(),
        Attr::Null => Attr::Null,
        Attr::Known(items) => {
            if items
                .iter()
                .any(|p| p.default.is_unknown() || p.port.is_unknown())
            {
                return Attr::unknown();
            }
            items
                .iter()
                .find(|p| p.default.get() == Some(true))
                .map_or(Attr::Null, |p| p.port.clone())
        }
    }
}

/// `name@version` (API revision 2026-08-21): the name and the version, when one is given.
pub fn version_of(name: &str) -> Option<(&str, &str)> {
    name.split_once('@')
}

/// Why `GET /templates/{name}@{version}` found nothing.
pub fn unpublished_detail(base: &str, version: &str) -> String {
    format!(
        "{base:?} has no published version {version:?} (or no template is named {base:?}). \
         System templates publish tags, workspace templates revision numbers (read the \
         template without a version: its `revision` is the newest); `@latest` is not a version. \
         Versions exist on API revision 2026-08-21 only."
    )
}

fn revisions(t: &api::Template) -> Vec<RevisionEntry> {
    t.revisions
        .iter()
        .map(|r| RevisionEntry {
            revision: r.revision.into(),
            image_digest: Attr::from_option(r.image_digest.clone()),
            created: Attr::from_option(r.created),
        })
        .collect()
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
    // The shape of the answer itself (2026-08-21 sends `default_port`/`revision`, 2026-06-25
    // `ports`), not the client's revision: each object is decoded by what it is.
    let ports = match t.api_revision() {
        // The API reports "no ports" as `[]`: the form the configuration used (null or `[]`)
        // stays.
        ApiRevision::R2026_06_25 => {
            keep_empty_form(Attr::Known(ports_from_api(&t.ports)), &form.ports)
        }
        // 2026-08-21 has no ports: what the state (or plan) held stays, so a service that
        // moved to it plans no change (the plan warns; see `revision_problems`).
        ApiRevision::R2026_08_21 => form.ports.clone(),
    };
    Template {
        name: t.name.clone().into(),
        image_ref: Attr::from_option(t.image_ref.clone()),
        description: keep_empty_form(Attr::from_option(t.description.clone()), &form.description),
        ports,
        default_port: own_default_port(t),
        revision: Attr::from_option(t.revision.get()),
        image_digest: Attr::from_option(t.image_digest.clone()),
        revisions: Attr::Known(revisions(t)),
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

/// A known `default_port` as the API takes it (null → none). Errors only on values validation
/// refuses.
fn port_number(v: &Attr<i64>) -> Result<Option<u16>, String> {
    match v {
        Attr::Known(p) => u16::try_from(*p)
            .ok()
            .filter(|p| *p > 0)
            .map(Some)
            .ok_or_else(|| "default_port is not a port number from 1 to 65535".into()),
        _ => Ok(None),
    }
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
        default_port: port_number(&planned.default_port)?,
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
    // A template whose state has a `revision` is served by 2026-08-21, which refuses `ports`:
    // they only ever change in state there (the plan refuses new ones).
    let served_by_2026_08_21 = prior.revision.get().is_some();
    if prior.ports != planned.ports && !served_by_2026_08_21 {
        body.ports = Some(ports_body(&planned.ports)?);
    }
    if prior.default_port != planned.default_port {
        body.default_port = Patch::set(port_number(&planned.default_port)?);
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

    /// A 2026-08-21 template as the API sends it: no `ports`; `image_ref` absent when a cloud
    /// build published it.
    fn newer(image_ref: Option<&str>, default_port: serde_json::Value) -> api::Template {
        let mut j = serde_json::json!({
            "name": "my-agent", "scope": "workspace", "agents": [], "description": null,
            "created": 1, "updated": 2, "default_port": default_port, "revision": 3,
            "image_digest": "sha256:ab",
            "revisions": [{"revision": 3, "image_digest": "sha256:ab", "created": 2},
                          {"revision": 2, "image_digest": null, "created": 1}]
        });
        if let Some(r) = image_ref {
            j["image_ref"] = r.into();
        }
        serde_json::from_value(j).expect("a 2026-08-21 template decodes")
    }

    #[test]
    fn both_revisions_templates_become_state() {
        // 2026-08-21, build-born (no image_ref), default port null (the API's 3737 fallback).
        let t = newer(None, serde_json::Value::Null);
        assert_eq!(t.api_revision(), ApiRevision::R2026_08_21);
        let form = Template {
            ports: Attr::Known(vec![typed_port(8000, Some(true))]),
            ..Template::default()
        };
        let s = resource_state(&t, &form);
        assert_eq!(s.image_ref, Attr::Null);
        assert_eq!(
            s.default_port,
            Attr::Null,
            "null stays null in the resource"
        );
        assert_eq!(
            (s.revision.get(), s.image_digest.as_str()),
            (Some(3), Some("sha256:ab"))
        );
        assert_eq!(s.revisions.known().map(Vec::len), Some(2));
        // No ports on 2026-08-21: the state keeps what it held, so nothing shows as drift.
        assert_eq!(s.ports, form.ports);
        // The data sources show the port the instances' url serves.
        let f = template_fields(&t);
        assert_eq!(
            (f.default_port.get(), f.image_ref.clone()),
            (Some(3737), Attr::Null)
        );

        let t = newer(Some("acme/agent:v2"), 8000.into());
        let s = resource_state(&t, &Template::default());
        assert_eq!(
            (s.default_port.get(), s.image_ref.as_str()),
            (Some(8000), Some("acme/agent:v2"))
        );

        // 2026-06-25: the default port is the default entry of `ports`; no revision.
        let old = tpl(
            vec![api::TemplatePort {
                port: 8001,
                default: true,
            }],
            None,
        );
        assert_eq!(old.api_revision(), ApiRevision::R2026_06_25);
        let s = resource_state(&old, &Template::default());
        assert_eq!((s.default_port.get(), s.revision.get()), (Some(8001), None));
        assert_eq!(s.revisions, Attr::Known(Vec::new()));
    }

    #[test]
    fn versions_in_names() {
        assert_eq!(version_of("crawler@3"), Some(("crawler", "3")));
        assert_eq!(version_of("crawler"), None);
        let d = unpublished_detail("crawler", "latest");
        assert!(
            d.starts_with("\"crawler\" has no published version \"latest\""),
            "{d}"
        );
    }

    #[test]
    fn a_left_out_default_port_follows_the_default_entry() {
        let ports = |v: Vec<TemplatePort>| Attr::Known(v);
        assert_eq!(
            derived_default_port(&ports(vec![
                typed_port(8001, None),
                typed_port(8000, Some(true))
            ])),
            Attr::Known(8000)
        );
        assert_eq!(
            derived_default_port(&ports(vec![typed_port(8001, None)])),
            Attr::Null
        );
        assert_eq!(derived_default_port(&Attr::Null), Attr::Null);
        assert!(derived_default_port(&Attr::unknown()).is_unknown());
    }

    #[test]
    fn revision_only_attributes_are_checked_when_sent() {
        use RevisionProblem::*;
        // 2026-08-21: ports sent → error; ports only kept in state → warning.
        assert_eq!(
            revision_problems(ApiRevision::R2026_08_21, true, false, false),
            [PortsRefused]
        );
        assert_eq!(
            revision_problems(ApiRevision::R2026_08_21, false, true, false),
            [PortsIgnored]
        );
        assert!(revision_problems(ApiRevision::R2026_08_21, false, false, true).is_empty());
        // 2026-06-25: default_port sent → error; ports are fine.
        assert_eq!(
            revision_problems(ApiRevision::R2026_06_25, false, false, true),
            [DefaultPortUnknown]
        );
        assert!(revision_problems(ApiRevision::R2026_06_25, true, true, false).is_empty());
        assert!(
            PortsRefused.is_error() && DefaultPortUnknown.is_error() && !PortsIgnored.is_error()
        );
        assert_eq!(PortsRefused.attr(), "ports");
        assert_eq!(DefaultPortUnknown.attr(), "default_port");
        assert!(PortsRefused.detail().contains("Set `default_port`"));
    }

    #[test]
    fn default_port_travels_in_both_bodies() {
        let planned = Template {
            name: "my-agent".into(),
            image_ref: "acme/agent:v1".into(),
            default_port: 8000.into(),
            ..Template::default()
        };
        let body = create_body(&planned).expect("body");
        assert_eq!(body.default_port, Some(8000));
        assert!(body.ports.is_none());
        let moved = Template {
            default_port: 9000.into(),
            ..planned.clone()
        };
        let patch = patch_body(&planned, &moved).expect("patch");
        assert_eq!(patch.default_port, Patch::Value(9000));
        assert!(patch.image_ref.is_none() && patch.ports.is_none());
        assert!(is_empty_patch(
            &patch_body(&planned, &planned).expect("patch")
        ));

        // Ports dropped from the configuration of a template served by 2026-08-21 (it has a
        // revision): nothing is sent.
        let with_ports = Template {
            ports: Attr::Known(vec![typed_port(8000, Some(true))]),
            revision: 1.into(),
            ..planned.clone()
        };
        let dropped = Template {
            ports: Attr::Null,
            ..with_ports.clone()
        };
        assert!(is_empty_patch(
            &patch_body(&with_ports, &dropped).expect("patch")
        ));
        let older = Template {
            revision: Attr::Null,
            ..with_ports
        };
        let dropped = Template {
            ports: Attr::Null,
            ..older.clone()
        };
        assert_eq!(
            patch_body(&older, &dropped).expect("patch").ports,
            Some(Vec::new())
        );
    }
}
