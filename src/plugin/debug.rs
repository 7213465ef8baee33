//! `--debug`: the provider runs on its own (e.g. under a debugger) and prints
//! the `TF_REATTACH_PROVIDERS` value that points Terraform at it.

use super::listener::Address;
use super::version::PROTOCOL_VERSION;

/// Provider source address Terraform uses as the reattach key.
pub const PROVIDER_ADDRESS: &str = "registry.terraform.io/agent37/agent37";

/// The JSON value of `TF_REATTACH_PROVIDERS` for this process.
pub(crate) fn reattach_json(pid: u32, address: &Address) -> String {
    serde_json::json!({
        PROVIDER_ADDRESS: {
            "Protocol": "grpc",
            "ProtocolVersion": PROTOCOL_VERSION,
            "Pid": pid,
            "Test": true,
            "Addr": { "Network": address.network, "String": address.address },
        }
    })
    .to_string()
}

/// What `--debug` prints on stdout: a human line, then a line ready to paste
/// into a shell.
pub(crate) fn instructions(pid: u32, address: &Address) -> String {
    format!(
        "agent37 provider running in debug mode (pid {pid}); stop it with Ctrl-C. \
         To use it, run Terraform in a shell with:\n\
         TF_REATTACH_PROVIDERS='{}'\n",
        reattach_json(pid, address)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reattach_config_has_the_fields_terraform_reads() {
        let addr = Address {
            network: "unix",
            address: "/tmp/plugin1".into(),
        };
        let json: serde_json::Value = serde_json::from_str(&reattach_json(42, &addr)).unwrap();
        let entry = &json[PROVIDER_ADDRESS];
        assert_eq!(entry["Protocol"], "grpc");
        assert_eq!(entry["ProtocolVersion"], 6);
        assert_eq!(entry["Pid"], 42);
        assert_eq!(entry["Test"], true);
        assert_eq!(entry["Addr"]["Network"], "unix");
        assert_eq!(entry["Addr"]["String"], "/tmp/plugin1");
        let text = instructions(42, &addr);
        assert!(
            text.lines()
                .any(|l| l.starts_with("TF_REATTACH_PROVIDERS='{"))
        );
    }
}
