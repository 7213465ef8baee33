//! The model of `agent37_template_build`, declared once with its docs, and the static rules of
//! its arguments as validators (so `terraform validate` reports them on the exact attribute).

use crate::provider::template::schema::{DefaultPortRule, NameRule};
use crate::sdk::model::Attr;
use crate::sdk::timeouts::{Timeouts, Waits};
use crate::sdk::validate::{IntRange, StrLen, Validator};
use crate::sdk::{Diagnostics, Model, Path, Schema, Value};

use super::context::glob;

/// The resource's schema version; `upgrade_state` is the identity until it moves.
pub const VERSION: i64 = 0;

/// `excludes`: every pattern usable.
pub struct ExcludesRule;

impl Validator for ExcludesRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        let Some(items) = value.as_list() else { return };
        for (i, item) in items.iter().enumerate() {
            if let Some(p) = item.as_str()
                && let Err(e) = glob::check(p)
            {
                let at = path.join_index(i);
                diags.attr_error(
                    at.clone(),
                    "Invalid exclude pattern",
                    format!("{at} is {p:?}: {e}. {PATTERNS}"),
                );
            }
        }
    }
    fn description(&self) -> String {
        PATTERNS.to_string()
    }
}

const PATTERNS: &str = "Patterns are paths relative to `source_dir` with `/` separators: `*` matches within one folder level, `?` one character, `**` any number of levels, a leading `!` re-includes; a pattern matching a folder leaves out everything in it.";

pub const RESOURCE: &str = "A cloud build of a workspace template from a local folder (API revision 2026-08-21). The folder (`source_dir`, with a `Dockerfile` at its root) is packed into a deterministic gzipped tar at plan time and hashed (`context_sha256`): the same files give the same hash on every platform, so unchanged files plan nothing and any change plans a new build. A build uploads the context, builds it on the platform (its log is streamed to the provider's log, `TF_LOG_PROVIDER=info`) and publishes the next `revision` of the template `name` (creating the template at revision 1). Pin instances to the result with `template = \"${agent37_template_build.example.name}@${agent37_template_build.example.revision}\"`. A failed build fails the apply with the API's code and the last lines of the log, and is built again at the next apply. Destroying the resource only forgets the build: the template and its revisions stay (manage the template's lifetime with `agent37_template`, or delete it in the console). The API has no way to list builds, so there is no list resource for this type; import a build by its id.";

/// The state of `agent37_template_build`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct TemplateBuild {
    #[attr(
        required,
        describe = "The workspace template the build publishes: a new name creates the template at revision 1, an existing one gets its next revision. Changing it plans a new build.",
        validate = NameRule
    )]
    pub name: Attr<String>,
    #[attr(
        required,
        describe = "The build context: a folder with a `Dockerfile` at its root, absolute or relative to the working directory (e.g. `\"${path.module}/agent\"`). Read at every plan: its packed, gzipped size must stay within 100,000,000 bytes. Files are sent with mode 0755, owner 0 and time 0, whatever the platform. A missing folder or `Dockerfile` is an error at plan. A change of any file plans a new build; after an import, the first configured folder is adopted without one.",
        validate = StrLen { min: 1, max: 4096 }
    )]
    pub source_dir: Attr<String>,
    #[attr(
        optional,
        describe = "Paths of `source_dir` left out of the context, `.dockerignore`-style (e.g. `[\".git\", \"**/*.log\", \"node_modules\"]`); the root `Dockerfile` is always sent. Changing the list changes `context_sha256` only when it changes what is sent.",
        validate = ExcludesRule
    )]
    pub excludes: Attr<Vec<String>>,
    #[attr(
        optional,
        describe = "The template's `default_port` after the build (the port of the instances' `url` and the boot probe): 1–65535, not 7681, 8080, 6080, 7890, 9119 or 22022. Left out, a new template has none (3737 is used) and an existing one keeps its own. Changing it plans a new build.",
        validate = IntRange::between(1, 65_535),
        validate = DefaultPortRule
    )]
    pub default_port: Attr<i64>,
    #[attr(
        optional,
        describe = "The template's description after the build. Left out, an existing template keeps its own. Changing it plans a new build.",
        validate = StrLen { min: 0, max: 1000 }
    )]
    pub description: Attr<String>,
    #[attr(
        computed,
        describe = "The build's id (`tb_…`), its import id: `terraform import agent37_template_build.example <id>`."
    )]
    pub id: Attr<String>,
    #[attr(
        computed,
        describe = "`succeeded` once applied; `failed`, `building` or `ingesting` only in the state of an apply that failed or timed out (such a build is built again at the next apply)."
    )]
    pub status: Attr<String>,
    #[attr(
        computed,
        describe = "The template revision the build published; pin instances with `template = \"<name>@<revision>\"`."
    )]
    pub revision: Attr<i64>,
    #[attr(
        computed,
        describe = "`sha256:` digest of the image the build published."
    )]
    pub image_digest: Attr<String>,
    #[attr(
        computed,
        describe = "Lowercase hex SHA-256 of the gzipped context (the bytes uploaded). Known at plan time; a new value plans a new build."
    )]
    pub context_sha256: Attr<String>,
    #[attr(computed, describe = "When the build started (epoch seconds).")]
    pub started: Attr<i64>,
    #[attr(computed, describe = "When the build ended (epoch seconds).")]
    pub finished: Attr<i64>,
    #[block]
    pub timeouts: Timeouts,
}

pub fn resource() -> Schema {
    TemplateBuild::schema(RESOURCE)
        .version(VERSION)
        .timeouts_wait_for(Waits {
            create: "the upload and the build to finish (a build may take up to 45 minutes: raise it for large images)",
            update: "nothing (every change is a new build)",
            delete: "nothing (a delete only forgets the build)",
        })
}
