//! The go-plugin handshake line: the single line a plugin prints on stdout to
//! tell Terraform how to reach it.

use std::io::{self, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use super::listener::Address;

/// go-plugin's own protocol version (the first field).
pub(crate) const CORE_PROTOCOL_VERSION: u32 = 1;

/// `1|<app version>|<network>|<address>|grpc|<server cert>`; the certificate
/// is standard base64 without padding, empty when TLS is off.
pub(crate) fn line(app_version: u32, address: &Address, server_cert_der: Option<&[u8]>) -> String {
    let cert = server_cert_der
        .map(|der| STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!(
        "{CORE_PROTOCOL_VERSION}|{app_version}|{}|{}|grpc|{cert}",
        address.network, address.address
    )
}

/// Writes `line` and a newline to stdout and flushes. Nothing else may ever
/// be written to stdout: Terraform reads it as protocol.
pub(crate) fn announce(line: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(line.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_go_plugin() {
        let unix = Address {
            network: "unix",
            address: "/tmp/plugin123".into(),
        };
        assert_eq!(line(6, &unix, None), "1|6|unix|/tmp/plugin123|grpc|");
        // 4 bytes -> 6 base64 chars, no '=' padding.
        assert_eq!(
            line(6, &unix, Some(&[0xde, 0xad, 0xbe, 0xef])),
            "1|6|unix|/tmp/plugin123|grpc|3q2+7w"
        );
        let tcp = Address {
            network: "tcp",
            address: "127.0.0.1:1234".into(),
        };
        assert_eq!(line(6, &tcp, None), "1|6|tcp|127.0.0.1:1234|grpc|");
    }
}
