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

/// What `--debug` prints on stdout: a human line, then a line ready to paste
/// into a shell.
pub(crate) fn instructions(host: &Host, pid: u32, address: &Address) -> String {
    format!(
        "{} provider running in debug mode (pid {pid}); stop it with Ctrl-C. \
         To use it, run Terraform in a shell with:\n\
         TF_REATTACH_PROVIDERS='{}'\n",
        host.name,
        reattach_json(host, pid, address)
    )
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
        let text = instructions(&TEST_HOST, 42, &addr);
        assert!(
            text.starts_with("example provider running in debug mode"),
            "{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with("TF_REATTACH_PROVIDERS='{"))
        );
    }
}
