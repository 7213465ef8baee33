//! What the objects of API revision 2026-08-21 share: refused with one diagnostic naming the
//! revision against an API serving 2026-06-25; the list resources of `terraform query` and the
//! configuration they generate; the `preview_url` function; and Terraform 1.11 (no identity,
//! actions or lists) applying SSH keys and public ports.

use std::collections::{BTreeMap, BTreeSet};

use testkit::prelude::*;

use crate::domain::allow_domains;
use crate::public_port::public_ports;
use crate::ssh_key::{OTHER, REAL, REAL_FP, keys};

// ---------------------------------------------------------------------------------------------
// Against 2026-06-25: one clear error per object, nothing sent
// ---------------------------------------------------------------------------------------------

fn refused_on_the_older_revision(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = emu.create_instance(&json!({"name": "old"}));
    let mut case = m.case(&emu);
    let needs = |what: &str| {
        Diag::error("Not available in this API revision")
            .detail_contains(&format!("{what} needs API revision 2026-08-21"))
            .detail_contains(&format!("the API at {} serves 2026-06-25", emu.base_url()))
    };
    case.step(
        Step::plan(config(&format!(
            r#"
resource "agent37_ssh_key" "k" {{
  public_key = "{REAL}"
}}

resource "agent37_domain" "d" {{
  domain = "bots-example.net"
}}

resource "agent37_domain_verification" "v" {{
  domain = "bots-example.net"
}}

resource "agent37_instance_public_port" "p" {{
  instance_id = "{id}"
  port        = 9100
}}

data "agent37_ssh_keys" "all" {{}}
"#
        )))
        .expect_errors([
            needs("agent37_ssh_key"),
            needs("agent37_domain"),
            needs("agent37_domain_verification"),
            needs("agent37_instance_public_port"),
            needs("agent37_ssh_keys"),
        ]),
    );
    // Nothing was sent to create anything.
    for route in [
        "POST /v1/ssh-keys",
        "POST /v1/domains",
        "POST /v1/instances/{id}/public-ports",
    ] {
        assert_eq!(emu.count(route), 0, "{route}");
    }
}

matrix!(refused_on_the_older_revision: tf_1_15; api_2026_06_25);

/// Objects made under 2026-08-21 stay in state when the API moves back to 2026-06-25: each
/// read is refused naming the revision, none is dropped (and so none planned again).
fn kept_when_the_api_moves_back(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = emu.create_instance(&json!({"name": "back"}));
    let revision = |r: &str| {
        emu.control_ok("POST", "config", Some(&json!({"api_revision": r})));
    };
    revision("2026-08-21");
    allow_domains(&emu);
    let mut case = m.case(&emu);
    case.check_destroy(|| assert_eq!(keys(&emu), Vec::<Value>::new()));
    let hcl = config(&format!(
        r#"
resource "agent37_ssh_key" "k" {{
  public_key = "{REAL}"
}}

resource "agent37_domain" "d" {{
  domain = "bots-example.net"
}}

resource "agent37_instance_public_port" "p" {{
  instance_id = "{id}"
  port        = 9100
}}
"#
    ));
    case.apply(hcl);
    revision("2026-06-25");
    let needs = |what: &str| {
        Diag::error("Not available in this API revision")
            .detail_contains(&format!("{what} needs API revision 2026-08-21"))
    };
    // A refresh that dropped them would write that to the state: it fails instead.
    case.step(Step::refresh_only().expect_errors([
        needs("agent37_ssh_key"),
        needs("agent37_domain"),
        needs("agent37_instance_public_port"),
    ]));
    for kept in [
        "agent37_ssh_key.k",
        "agent37_domain.d",
        "agent37_instance_public_port.p",
    ] {
        assert!(
            case.tf().state_values(kept).is_object(),
            "{kept} left the state"
        );
    }
    revision("2026-08-21");
    case.destroy();
    assert_eq!(public_ports(&emu, &id), Vec::<Value>::new());
}

matrix!(kept_when_the_api_moves_back: tf_1_15; api_2026_06_25);

// ---------------------------------------------------------------------------------------------
// terraform query and -generate-config-out
// ---------------------------------------------------------------------------------------------

/// `terraform query -json`: list address → the import ids found (identity values joined by
/// `/`, in the identity's order).
#[track_caller]
fn query(tf: &Terraform) -> BTreeMap<String, BTreeSet<String>> {
    let (out, lines) = tf.run_json_lines(&["query", "-json"]);
    out.assert_success();
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for l in lines.iter().filter(|l| l["type"] == "list_resource_found") {
        let f = &l["list_resource_found"];
        let identity = f["identity"].as_object().cloned().unwrap_or_default();
        // The identity's attributes in the order of the import id.
        let id = ["id", "domain", "instance_id", "port"]
            .iter()
            .filter_map(|k| identity.get(*k))
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("/");
        found
            .entry(f["address"].as_str().unwrap_or_default().to_string())
            .or_default()
            .insert(id);
    }
    found
}

fn query_and_generated_config(m: Matrix) {
    let emu = m.emulator(&[]);
    allow_domains(&emu);
    let key = emu.api_ok("POST", "/ssh-keys", Some(&json!({"public_key": REAL})));
    let key_id = key["id"].as_str().expect("id").to_string();
    emu.api_ok(
        "POST",
        "/domains",
        Some(&json!({"domain": "bots-example.net"})),
    );
    emu.api_ok(
        "POST",
        "/domains",
        Some(&json!({"domain": "other-example.org"})),
    );
    emu.control_ok(
        "POST",
        "domains/bots-example.net/activate",
        Some(&json!({})),
    );
    let a = emu.create_instance(&json!({"name": "qa"}));
    let b = emu.create_instance(&json!({"name": "qb"}));
    emu.api_ok(
        "POST",
        &format!("/instances/{a}/public-ports"),
        Some(&json!({"port": 9100, "prefix": "hooks"})),
    );
    emu.api_ok(
        "POST",
        &format!("/instances/{b}/public-ports"),
        Some(&json!({"port": 9200})),
    );

    let mut case = m.case(&emu);
    let tf = case.tf();
    tf.write_main(&config(""));
    tf.write_file(
        "surface.tfquery.hcl",
        &format!(
            r#"
list "agent37_ssh_key" "all" {{
  provider = agent37
}}

list "agent37_domain" "active" {{
  provider = agent37
  config {{
    status = "active"
  }}
}}

list "agent37_instance_public_port" "of_a" {{
  provider = agent37
  config {{
    instance_id = "{a}"
  }}
}}

list "agent37_instance_public_port" "all" {{
  provider = agent37
}}
"#
        ),
    );
    let set = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    let expected: BTreeMap<String, BTreeSet<String>> = [
        ("list.agent37_ssh_key.all", set(&[&key_id])),
        ("list.agent37_domain.active", set(&["bots-example.net"])),
        (
            "list.agent37_instance_public_port.of_a",
            set(&[&format!("{a}/9100")]),
        ),
        (
            "list.agent37_instance_public_port.all",
            set(&[&format!("{a}/9100"), &format!("{b}/9200")]),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(query(tf), expected);

    // Generated configuration for the domains and public ports imports with no changes (an SSH
    // key's generated configuration lacks the key text, which the API never returns).
    tf.workdir().remove("surface.tfquery.hcl");
    tf.write_file(
        "gen.tfquery.hcl",
        "list \"agent37_domain\" \"all\" {\n  provider = agent37\n}\n\nlist \"agent37_instance_public_port\" \"all\" {\n  provider = agent37\n}\n",
    );
    tf.run_ok(&["query", "-generate-config-out=generated.tf"]);
    let generated = tf.workdir().read("generated.tf");
    for absent in ["status", "created", "nameservers", "timeouts", "url"] {
        assert!(!generated.contains(absent), "{absent} in:\n{generated}");
    }
    let plan = case.replan();
    assert!(
        plan.actions().is_empty(),
        "import only: {:?}",
        plan.actions()
    );
    assert_eq!(plan.imported().len(), 4, "{:?}", plan.imported());
    case.reapply();
}

matrix!(query_and_generated_config: tf_1_15; api_2026_08_21);

// ---------------------------------------------------------------------------------------------
// Terraform 1.11: SSH keys (write-only key), public ports and preview_url
// ---------------------------------------------------------------------------------------------

fn older_terraform(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = emu.create_instance(&json!({"name": "old-tf"}));
    let mut case = m.case(&emu);
    case.check_destroy(|| {
        assert_eq!(keys(&emu), Vec::<Value>::new());
        assert_eq!(public_ports(&emu, &id), Vec::<Value>::new());
    });
    let url = format!("http://{id}.localhost:{}", emu.port());
    case.apply(config(&format!(
        r#"
resource "agent37_ssh_key" "k" {{
  public_key = "{REAL}"
}}

resource "agent37_ssh_key" "other" {{
  public_key = "{OTHER}"
  name       = "other"
}}

resource "agent37_instance_public_port" "p" {{
  instance_id = "{id}"
  port        = 9100
  prefix      = "app"
}}

output "fingerprint" {{
  value = agent37_ssh_key.k.fingerprint
}}

output "preview" {{
  value = provider::agent37::preview_url("{url}", 9000)
}}
"#
    )));
    let all = keys(&emu);
    assert_eq!(all.len(), 2, "{all:#?}");
    assert_eq!(case.tf().output_json()["fingerprint"]["value"], REAL_FP);
    assert_eq!(
        case.tf().output_json()["preview"]["value"],
        format!("http://{id}-9000.localhost:{}", emu.port()).as_str()
    );
    assert_eq!(public_ports(&emu, &id)[0]["prefix"], "app");
    case.verify_import(
        "agent37_ssh_key.k",
        case.tf().id_of("agent37_ssh_key.k").as_str(),
        &[],
    );
    case.destroy();
}

matrix!(older_terraform: tf_1_11; api_2026_08_21);

// ---------------------------------------------------------------------------------------------
// Static rules at `terraform validate`, each on its attribute
// ---------------------------------------------------------------------------------------------

fn validation(m: Matrix) {
    let tf = Terraform::new(m.tf);
    tf.write_main(&config(&format!(
        r#"
resource "agent37_ssh_key" "dss" {{
  public_key = "ssh-dss AAAAB3NzaC1kc3M="
}}

resource "agent37_ssh_key" "private" {{
  public_key = "-----BEGIN OPENSSH PRIVATE KEY-----"
}}

resource "agent37_ssh_key" "unnamed" {{
  public_key = "{REAL}"
  name       = ""
}}

resource "agent37_domain" "upper" {{
  domain = "Bots-Example.net"
}}

resource "agent37_domain" "platform" {{
  domain = "mine.agent37.app"
}}

resource "agent37_domain_verification" "dot" {{
  domain = "bots-example.net."
}}

resource "agent37_instance_public_port" "gateway" {{
  instance_id = "k3x9q2m7pa"
  port        = 3737
}}

resource "agent37_instance_public_port" "prefix" {{
  instance_id = "k3x9q2m7pa"
  port        = 9100
  prefix      = "-hooks"
  label       = "{long}"
}}

data "agent37_ssh_key" "both" {{
  id   = "703eda28a72967dcfa7ba935"
  name = "ci"
}}

resource "agent37_ssh_key" "fine" {{
  public_key = "{OTHER}"
  name       = "ok"
}}

resource "agent37_instance_public_port" "fine" {{
  instance_id = "k3x9q2m7pa"
  port        = 65535
  prefix      = "a-1"
}}
"#,
        long = "l".repeat(65)
    )));
    let v = tf.validate_json();
    assert!(!v.valid, "{v:?}");
    let expected: [(Option<&str>, &str, &str); 9] = [
        (
            Some("public_key"),
            "Invalid SSH public key",
            "\"ssh-dss\" is not a supported key type",
        ),
        (
            Some("public_key"),
            "Invalid SSH public key",
            "it is a private key",
        ),
        (Some("name"), "Invalid length", "from 1 to 64 characters"),
        (Some("domain"), "Invalid domain", "it has uppercase letters"),
        (Some("domain"), "Invalid domain", "which the platform owns"),
        (Some("domain"), "Invalid domain", "it ends with a dot"),
        (Some("port"), "Reserved port", "3737"),
        (Some("prefix"), "Invalid prefix", "\"-hooks\""),
        (Some("label"), "Invalid length", "from 0 to 64 characters"),
    ];
    let errors = v.errors();
    let mut unmatched: Vec<String> = Vec::new();
    for (attr, summary, piece) in expected {
        let n = errors
            .iter()
            .filter(|d| {
                d.attribute().as_deref() == attr && d.summary == summary && d.detail.contains(piece)
            })
            .count();
        if n != 1 {
            unmatched.push(format!("{attr:?} {summary} ({piece}): found {n}"));
        }
    }
    let lookup = errors
        .iter()
        .filter(|d| d.summary == "Invalid SSH key lookup")
        .count();
    assert_eq!(lookup, 1, "the data source's two lookups: {errors:#?}");
    assert!(unmatched.is_empty(), "{unmatched:#?}\nall: {errors:#?}");
    assert_eq!(errors.len(), expected.len() + 1, "{errors:#?}");
}

matrix!(validation: tf_1_15);
