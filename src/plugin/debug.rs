//! `--debug`: the provider runs on its own (e.g. under a debugger) and prints
//! the `TF_REATTACH_PROVIDERS` value that points Terraform at it.

use super::host::Host;
use super::listener::Address;
use super::version::PROTOCOL_VERSION;

/// The JSON value of `TF_REATTACH_PROVIDERS` for this process (keyed by the provider's source
/// address).
pub(crate) fn reattach_json(host: &Host, pid: u32, address: &Address) -> String {
    let mut providers = serde_json::Map::new();
    providers.insert(
        host.address.to_string(),
        serde_json::json!({
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": address.network, "String": address.address },
        }),
    );
    serde_json::Value::Object(providers).to_string()
}

/// What `--debug` prints on stdout: a human line, the provider's environment variables and
/// whether this process has each (`is_set`; never their values), then a line ready to paste
/// into a shell.
pub(crate) fn instructions(
    host: &Host,
    pid: u32,
    address: &Address,
    is_set: &dyn Fn(&str) -> bool,
) -> String {
    let mut text = format!(
        "{} provider running in debug mode (pid {pid}); stop it with Ctrl-C.\n",
        host.name
    );
    if !host.env.is_empty() {
        text.push_str(
            "It reads these variables from its own environment (the shell that started it), \
             not from Terraform's; to change one, stop it, set it here and start it again:\n",
        );
        for (name, what) in host.env {
            let state = if is_set(name) { "set" } else { "not set" };
            text.push_str(&format!("  {name} ({state}): {what}\n"));
        }
    }
    text.push_str(&format!(
        "To use it, run Terraform in a shell with:\nTF_REATTACH_PROVIDERS='{}'\n",
        reattach_json(host, pid, address)
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::host::TEST_HOST;

    #[test]
    fn reattach_config_has_the_fields_terraform_reads() {
        let addr = Address {
            network: "unix",
            address: "/tmp/plugin1".into(),
        };
        let json: serde_json::Value =
            serde_json::from_str(&reattach_json(&TEST_HOST, 42, &addr)).unwrap();
        let entry = &json[TEST_HOST.address];
        assert_eq!(entry["Protocol"], "grpc");
        assert_eq!(entry["ProtocolVersion"], 6);
        assert_eq!(entry["Pid"], 42);
        assert_eq!(entry["Test"], true);
        assert_eq!(entry["Addr"]["Network"], "unix");
        assert_eq!(entry["Addr"]["String"], "/tmp/plugin1");
        let text = instructions(&TEST_HOST, 42, &addr, &|name| name == "EXAMPLE_URL");
        assert!(
            text.starts_with("example provider running in debug mode"),
            "{text}"
        );
        assert!(
            text.contains("  EXAMPLE_TOKEN (not set): the token\n  EXAMPLE_URL (set): the URL\n"),
            "{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with("TF_REATTACH_PROVIDERS='{"))
        );
    }
}
