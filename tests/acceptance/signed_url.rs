//! `agent37_signed_url` (ephemeral) through real Terraform against the emulator: the URL opens
//! the instance's port, and it appears in no plan, state or output.

use testkit::hcl::REQUIRED_PROVIDERS;
use testkit::prelude::*;

/// Opens the URL of `$URL` on the emulator's loopback address with the URL's own `Host`
/// (2026-08-21 hands out `http://{id}.localhost:P` names, which system resolvers need not
/// know), and writes the answer to `opened.json`.
const OPEN_PY: &str = r#"
import http.client, os, urllib.parse
u = urllib.parse.urlsplit(os.environ["URL"])
c = http.client.HTTPConnection("127.0.0.1", u.port)
c.request("GET", (u.path or "/") + ("?" + u.query if u.query else ""), headers={"Host": u.netloc})
open("opened.json", "w").write(c.getresponse().read().decode())
"#;

/// Without `port`: the instance's default port on both revisions (2026-08-21: the template's
/// `default_port`, else 3737).
fn signed_url(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = emu.create_instance(&json!({"name": "eph"}));
    let mut case = m.case(&emu);
    let main = format!(
        r#"
terraform {{
  required_providers {{
    agent37 = {{ source = "agent37/agent37" }}
  }}
}}

ephemeral "agent37_signed_url" "chat" {{
  instance_id = "{id}"
  ttl_seconds = 120
}}

resource "terraform_data" "open" {{
  provisioner "local-exec" {{
    # The URL reaches the command only through its environment, never the state.
    command     = "python3 open.py"
    environment = {{ URL = ephemeral.agent37_signed_url.chat.url }}
  }}
}}
"#
    );
    let out = case.step(Step::apply(main).file("open.py", OPEN_PY)).output;
    let tf = case.tf();
    let opened: serde_json::Value =
        serde_json::from_str(&tf.workdir().read("opened.json")).expect("the URL answered JSON");
    assert_eq!(opened["instance"], id.as_str(), "{opened}");
    assert_eq!(opened["port"], 3737, "the default port by default");

    // The token is nowhere Terraform keeps things.
    let state = tf.workdir().read("terraform.tfstate");
    assert!(!state.contains("a37_token"), "state holds the signed URL");
    let shown = tf.show_state_json().to_string();
    assert!(
        !shown.contains("a37_token"),
        "show -json holds the signed URL"
    );
    assert!(
        !out.stdout.contains("a37_token"),
        "apply output shows the URL: {out}"
    );

    // An instance that does not exist gives the API's error.
    case.step(
        Step::apply(
            r#"
terraform {
  required_providers {
    agent37 = { source = "agent37/agent37" }
  }
}

ephemeral "agent37_signed_url" "nope" {
  instance_id = "zzzzzzzzzz"
  port        = 3737
}

resource "terraform_data" "use" {
  provisioner "local-exec" {
    command     = "true"
    environment = { URL = ephemeral.agent37_signed_url.nope.url }
  }
}
"#,
        )
        .expect_error(Diag::error("Unable to mint a signed URL").detail_contains("not_found")),
    );
}

matrix!(signed_url: tf_1_15, tf_1_11; api_2026_06_25, api_2026_08_21);

/// Issue 15, bug 5: a signed URL of an instance that is not running does not block the run
/// (the plan that would repair the instance included): a warning, and `url` null, which the
/// documented pattern (a conditional on null) turns into an empty string for the command to skip.
fn signed_url_of_a_stopped_instance(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = emu.create_instance(&json!({"name": "asleep"}));
    emu.control_ok(
        "PATCH",
        &format!("/instances/{id}"),
        Some(&json!({"status": "stopped"})),
    );
    let mut case = m.case(&emu);
    let out = case
        .apply(format!(
            r#"{REQUIRED_PROVIDERS}
ephemeral "agent37_signed_url" "chat" {{
  instance_id = "{id}"
}}

resource "terraform_data" "open" {{
  provisioner "local-exec" {{
    command     = "python3 -c \"import os; open('url.txt', 'w').write(os.environ['URL'] or 'no url')\""
    environment = {{ URL = ephemeral.agent37_signed_url.chat.url != null ? ephemeral.agent37_signed_url.chat.url : "" }}
  }}
}}
"#
        ))
        .output;
    assert!(
        out.stdout
            .contains("Warning: No signed URL: the instance is not running"),
        "{out}"
    );
    assert_eq!(case.tf().workdir().read("url.txt"), "no url");
    assert_eq!(emu.instance(&id)["status"], "stopped");
}

matrix!(signed_url_of_a_stopped_instance: tf_1_15);
