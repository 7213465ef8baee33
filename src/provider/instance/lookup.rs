//! The plan-time look-up of a workspace template: a misspelled `template` fails at plan, on the
//! attribute, saying where the names are, instead of at apply with the API's 400. Pure;
//! unit-tested at the bottom (the call is in `resource`).
//!
//! Only a template about to be sent is looked up (a create, or a change), and only when its
//! name is known at plan and is not a system template. A template an `agent37_template` of the
//! same configuration creates has a name known at plan (`agent37_template.x.name`) but does not
//! exist yet: the template resource records the names it plans to create
//! (`template::planned`), and those are not looked up.

use crate::api;

use super::model::Instance;
use super::shape::SYSTEM_TEMPLATES;

pub const NOT_FOUND_SUMMARY: &str = "Template not found";
pub const VERSION_SUMMARY: &str = "Template version not published";

/// The reference to look up at plan, if any: the planned template when it is known, not a
/// system template, and about to be sent (`prior` is None on a create).
pub fn to_look_up<'a>(prior: Option<&Instance>, planned: &'a Instance) -> Option<&'a str> {
    let reference = planned.template.as_str()?;
    let about_to_be_sent = prior.is_none_or(|p| p.template.as_str() != Some(reference));
    let system = SYSTEM_TEMPLATES.contains(&api::template_name(reference));
    (about_to_be_sent && !system).then_some(reference)
}

/// The error of a reference the API does not know, given the names of the workspace's
/// templates (read after the 404): an unpublished version of a template that exists, or a name
/// that does not, with the names there are and where to find them.
pub fn not_found(reference: &str, workspace: &[String]) -> (&'static str, String) {
    let name = api::template_name(reference);
    if name != reference && workspace.iter().any(|n| n == name) {
        return (
            VERSION_SUMMARY,
            format!(
                "Template {name:?} has no published version {:?}. Its published revisions are listed by the `agent37_template` data source (`revisions`).",
                reference.get(name.len() + 1..).unwrap_or_default()
            ),
        );
    }
    let known = if workspace.is_empty() {
        "The workspace has no templates of its own".to_string()
    } else {
        format!("The workspace's templates are {}", quoted(workspace))
    };
    (
        NOT_FOUND_SUMMARY,
        format!(
            "No template named {name:?} in this workspace. {known}; the system templates are {}. Names are listed by the `agent37_templates` data source, by `terraform query` with the `agent37_template` list resource, and in the Agent37 dashboard; a template made by an `agent37_template` resource in this configuration can be referenced by its `name` attribute.",
            quoted(&SYSTEM_TEMPLATES.map(String::from))
        ),
    )
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::model::Attr;

    fn with(template: Attr<String>) -> Instance {
        Instance {
            template,
            ..Instance::default()
        }
    }

    #[test]
    fn only_known_workspace_templates_about_to_be_sent_are_looked_up() {
        let custom = with("my-agent".into());
        assert_eq!(to_look_up(None, &custom), Some("my-agent"));
        assert_eq!(to_look_up(Some(&custom), &custom), None, "unchanged");
        let pinned = with("my-agent@2".into());
        assert_eq!(to_look_up(Some(&custom), &pinned), Some("my-agent@2"));
        assert_eq!(to_look_up(None, &with("agent37-hermes".into())), None);
        assert_eq!(to_look_up(None, &with("agent37-openclaw@1.0".into())), None);
        assert_eq!(to_look_up(None, &with(Attr::unknown())), None);
    }

    #[test]
    fn the_error_names_what_exists_and_where_to_look() {
        let names = vec!["support-agent".to_string(), "crawler".to_string()];
        let (summary, detail) = not_found("suport-agent", &names);
        assert_eq!(summary, NOT_FOUND_SUMMARY);
        assert!(
            detail.starts_with("No template named \"suport-agent\" in this workspace. The workspace's templates are \"support-agent\", \"crawler\"; the system templates are \"agent37-hermes\", \"agent37-hermes-small\", \"agent37-openclaw\"."),
            "{detail}"
        );
        assert!(
            detail.contains("`agent37_templates` data source"),
            "{detail}"
        );
        let (_, empty) = not_found("x-agent", &[]);
        assert!(
            empty.contains("The workspace has no templates of its own;"),
            "{empty}"
        );
        let (summary, detail) = not_found("crawler@7", &names);
        assert_eq!(summary, VERSION_SUMMARY);
        assert!(detail.starts_with("Template \"crawler\" has no published version \"7\"."));
        // An unknown name with a version is an unknown name.
        assert_eq!(not_found("nope@1", &names).0, NOT_FOUND_SUMMARY);
    }
}
