//! Schemas of `agent37_instance` (resource and data source), `agent37_instances` and
//! `agent37_instance_urls`. Every attribute is described: the docs are generated from here.

use crate::sdk::schema::Nesting;
use crate::sdk::timeouts;
use crate::sdk::validate::{OneOf, StrLen, check};
use crate::sdk::{Attribute, Schema, Type, Value};

use super::model::{self, DEFAULT_TEMPLATE, NAME_MAX_CHARS, RUNNING, STOPPED, USER_MAX_CHARS};

/// The first released schema.
pub const VERSION: i64 = 0;

const SHAPES_DOC: &str = "Shapes (vCPU / memory GB / disk GB range): 1 / 3 / 6–20 (template `agent37-hermes-small` only), 2 / 4 / 6–20, 4 / 8 / 20–40, 8 / 16 / 40–80. 4 / 8 and 8 / 16 need a paid workspace.";

fn ports(desc: &str) -> Attribute {
    Attribute::nested(
        "ports",
        Nesting::List,
        vec![
            Attribute::number("port")
                .computed()
                .describe("The port number inside the instance."),
            Attribute::bool("default")
                .computed()
                .describe("Whether this is the template's default port (served at `url`)."),
            Attribute::string("url")
                .computed()
                .describe("The URL that serves this port."),
        ],
    )
    .computed()
    .describe(desc)
}

const PORTS_DOC: &str = "The template's ports, as snapshotted when the instance was created, each with the URL that serves it. Empty for a template without ports.";
const URL_DOC: &str = "The URL of the default port (the agent gateway of system templates), or null when the template has no default port.";

pub fn resource() -> Schema {
    Schema::new(
        "An Agent37 instance: an always-on computer, built from a template, with its own URLs. Creating one charges a day of compute; growing `cpu`, `memory` or `disk` resizes it in place, shrinking any of them replaces it.",
        vec![
            Attribute::string("id")
                .computed()
                .describe("The instance id (10 lowercase letters and digits), also the DNS label of its URLs. Import with it: `terraform import agent37_instance.example <id>`."),
            Attribute::string("template")
                .default(Value::string(DEFAULT_TEMPLATE))
                .requires_replace()
                .describe("The template the instance is built from: a system template (`agent37-hermes`, `agent37-hermes-small`, `agent37-openclaw`) or the name of a workspace template (`agent37_template`). Default `\"agent37-hermes\"`. Changing it replaces the instance.")
                .validate(check("A system template, or a workspace template name: a lowercase letter then 1–62 lowercase letters, digits or hyphens, not starting with `agent37-`.", model::check_template)),
            Attribute::number("cpu")
                .optional()
                .computed()
                .describe(&format!("vCPUs: 1, 2, 4 or 8. With `memory`, it must form a shape; set alone, `memory` follows from the shape. Default: the template's smallest shape (1 for `agent37-hermes-small`, else 2). Growing resizes in place; shrinking replaces the instance. {SHAPES_DOC}"))
                .validate(check("One of 1, 2, 4, 8, forming a shape with `memory`.", model::check_cpu)),
            Attribute::number("memory")
                .optional()
                .computed()
                .describe("Memory in GB: 3, 4, 8 or 16, paired with `cpu` (1/3, 2/4, 4/8, 8/16); set alone, `cpu` follows from the shape. Default: the template's smallest shape. Growing resizes in place; shrinking replaces the instance.")
                .validate(check("One of 3, 4, 8, 16, forming a shape with `cpu`.", model::check_memory)),
            Attribute::number("disk")
                .optional()
                .computed()
                .describe("Disk in GB, within the shape's range (6–20 for 1/3 and 2/4, 20–40 for 4/8, 40–80 for 8/16). Default: the range's minimum. Growing resizes in place (growing the shape raises the disk to the new shape's minimum); shrinking replaces the instance.")
                .validate(check("A whole number of GB within the shape's range (6–80 overall).", |v| {
                    match v.as_i64() {
                        Some(d) if (6..=80).contains(&d) => Ok(()),
                        _ => Err("must be a whole number of GB from 6 to 80, within the shape's range (6–20 for 1/3 and 2/4, 20–40 for 4/8, 40–80 for 8/16)".to_string()),
                    }
                })),
            Attribute::string("name")
                .optional()
                .describe("A label, at most 60 characters. Changed in place; removing it clears it.")
                .validate(StrLen { min: 0, max: NAME_MAX_CHARS }),
            Attribute::string("user")
                .optional()
                .describe("Your attribution tag for the instance (for example your customer's id), at most 200 characters; never interpreted. Changed in place; removing it clears it.")
                .validate(StrLen { min: 0, max: USER_MAX_CHARS }),
            Attribute::typed("metadata", Type::map(Type::String))
                .optional()
                .describe("Key/value pairs stored with the instance, at most 4096 bytes as compact JSON. Replaced whole in place.")
                .validate(check("At most 4096 bytes as compact JSON.", model::check_metadata)),
            Attribute::string("state")
                .default(Value::string(RUNNING))
                .describe("The desired power state: `\"running\"` (default) or `\"stopped\"`; changed in place with start/stop. A stopped instance is billed like a running one. Left out of the configuration, it keeps the instance's current state (an instance stopped outside Terraform stays stopped); set it to have Terraform start or stop the instance. A `failed` instance always shows a change that an apply repairs (with `update`); a past-due one reads as `\"stopped\"`, and starting it needs funds (the API's error is shown).")
                .validate(OneOf(&[RUNNING, STOPPED])),
            Attribute::bool("auto_update")
                .default(Value::bool(false))
                .describe("When true, a plan whose template's current `image_ref` differs from the instance's shows an in-place update that pulls the new image (keeping the data). Default false."),
            Attribute::bool("wait_for_healthy")
                .default(Value::bool(true))
                .describe("After create and start, wait (within the timeout) until the agent gateway's `/v1/health` answers `ok`. Applies only to templates with agents and a default port. Default true."),
            Attribute::string("status")
                .computed()
                .unknown_on_update()
                .describe("The platform's status: `running`, `stopped`, `failed`, or a transition (`provisioning`, `starting`, `stopping`, `restarting`, `updating`, `deleting`)."),
            Attribute::string("image_ref")
                .computed()
                .unknown_on_update()
                .describe("The image the instance runs now (changes when it is updated to the template's current image)."),
            Attribute::string("url").computed().describe(URL_DOC),
            ports(PORTS_DOC),
            Attribute::number("paid_through")
                .computed()
                .unknown_on_update()
                .describe("When the prepaid compute day ends (epoch seconds); renewals move it a day at a time."),
            Attribute::bool("past_due")
                .computed()
                .unknown_on_update()
                .describe("True when a renewal could not be paid and the instance was stopped; a funded start clears it."),
            Attribute::number("created")
                .computed()
                .describe("Creation time (epoch seconds)."),
        ],
    )
    .version(VERSION)
    .with_block(timeouts::block())
}

/// Every field of an instance, computed (the data sources' shape). `id` is left to the caller.
fn instance_fields() -> Vec<Attribute> {
    vec![
        Attribute::string("template")
            .computed()
            .describe("The template the instance was built from."),
        Attribute::number("cpu").computed().describe("vCPUs."),
        Attribute::number("memory")
            .computed()
            .describe("Memory in GB."),
        Attribute::number("disk").computed().describe("Disk in GB."),
        Attribute::string("name")
            .computed()
            .describe("The label, or null."),
        Attribute::string("user")
            .computed()
            .describe("The attribution tag, or null."),
        Attribute::typed("metadata", Type::map(Type::String))
            .computed()
            .describe("The stored key/value pairs, or null."),
        Attribute::string("status")
            .computed()
            .describe("The platform's status (`running`, `stopped`, `failed`, or a transition)."),
        Attribute::string("image_ref")
            .computed()
            .describe("The image the instance runs now."),
        Attribute::string("url").computed().describe(URL_DOC),
        ports(PORTS_DOC),
        Attribute::number("paid_through")
            .computed()
            .describe("When the prepaid compute day ends (epoch seconds), or null."),
        Attribute::bool("past_due")
            .computed()
            .describe("True when a renewal could not be paid and the instance was stopped."),
        Attribute::number("created")
            .computed()
            .describe("Creation time (epoch seconds)."),
    ]
}

pub fn data_instance() -> Schema {
    let mut attrs = vec![
        Attribute::string("id")
            .required()
            .describe("The id of the instance to read."),
    ];
    attrs.extend(instance_fields());
    Schema::new("Reads one instance of the workspace by id.", attrs)
}

pub fn data_instances() -> Schema {
    let mut item = vec![
        Attribute::string("id")
            .computed()
            .describe("The instance id."),
    ];
    item.extend(instance_fields());
    Schema::new(
        "Lists the workspace's instances (newest first), optionally filtered; every filter given must match.",
        vec![
            Attribute::string("user")
                .optional()
                .describe("Only instances with exactly this `user`."),
            Attribute::string("name")
                .optional()
                .describe("Only instances with exactly this `name`."),
            Attribute::string("template")
                .optional()
                .describe("Only instances built from this template."),
            Attribute::string("status")
                .optional()
                .describe("Only instances with this status (`running`, `stopped`, `failed`…)."),
            Attribute::typed("metadata", Type::map(Type::String))
                .optional()
                .describe("Only instances whose metadata holds every one of these pairs (other keys may be present)."),
            Attribute::nested("instances", Nesting::List, item)
                .computed()
                .describe("The matching instances, with every field."),
            Attribute::typed("ids", Type::list(Type::String))
                .computed()
                .describe("The ids of the matching instances, in the same order."),
        ],
    )
}

pub fn data_instance_urls() -> Schema {
    Schema::new(
        "The URLs an instance serves: its default port's URL, and one per port.",
        vec![
            Attribute::string("instance_id")
                .required()
                .describe("The id of the instance."),
            Attribute::string("url").computed().describe(URL_DOC),
            ports(PORTS_DOC),
            Attribute::typed("urls", Type::map(Type::String))
                .computed()
                .describe("Port number (as a string, e.g. `\"3737\"`) → URL."),
        ],
    )
}
