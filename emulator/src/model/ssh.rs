//! SSH public keys: one OpenSSH line parsed for real, and its fingerprint as `ssh-keygen -l`
//! prints it (`SHA256:` + unpadded base64 of the SHA-256 of the key blob).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use sha2::{Digest, Sha256};

/// The key types the API accepts, with the number of SSH strings their blob holds after the
/// type name (ed25519: key; rsa: e, n; ecdsa: curve, point; sk-*: [curve,] key, application).
const TYPES: [(&str, usize); 7] = [
    ("ssh-ed25519", 1),
    ("ssh-rsa", 2),
    ("ecdsa-sha2-nistp256", 2),
    ("ecdsa-sha2-nistp384", 2),
    ("ecdsa-sha2-nistp521", 2),
    ("sk-ssh-ed25519@openssh.com", 2),
    ("sk-ecdsa-sha2-nistp256@openssh.com", 3),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub key_type: String,
    pub fingerprint: String,
    pub comment: Option<String>,
}

/// Reads one SSH wire string (u32 big-endian length + bytes) from `b` at `*at`.
fn ssh_string<'a>(b: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    let len_bytes = b.get(*at..*at + 4)?;
    let len = u32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]) as usize;
    let start = *at + 4;
    let s = b.get(start..start.checked_add(len)?)?;
    *at = start + len;
    Some(s)
}

/// Parses `TYPE BASE64 [COMMENT]`; private keys, other types and malformed lines are errors.
pub fn parse_public_key(line: &str) -> Result<PublicKey, String> {
    let line = line.trim();
    if line.contains("PRIVATE KEY") {
        return Err("public_key is a private key; send the .pub line".into());
    }
    if line.contains('\n') || line.contains('\r') {
        return Err("public_key must be one line".into());
    }
    let mut parts = line.splitn(3, [' ', '\t']);
    let key_type = parts.next().unwrap_or_default();
    let data = parts
        .next()
        .ok_or("public_key must be `TYPE BASE64 [COMMENT]`")?;
    let comment = parts
        .next()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    let (_, strings) = TYPES
        .iter()
        .find(|(t, _)| *t == key_type)
        .ok_or_else(|| format!("public_key type {key_type:?} is not supported"))?;
    let blob = STANDARD
        .decode(data)
        .map_err(|_| "public_key data is not valid base64".to_string())?;
    let mut at = 0;
    let inner_type = ssh_string(&blob, &mut at).ok_or("public_key data is truncated")?;
    if inner_type != key_type.as_bytes() {
        return Err("public_key data does not match its type".into());
    }
    for _ in 0..*strings {
        let s = ssh_string(&blob, &mut at).ok_or("public_key data is truncated")?;
        if s.is_empty() {
            return Err("public_key data holds an empty field".into());
        }
    }
    // sk-* keys end with flags and nothing else may follow; others end exactly here.
    if at != blob.len() {
        return Err("public_key data has trailing bytes".into());
    }
    Ok(PublicKey {
        key_type: key_type.to_string(),
        fingerprint: format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(&blob))),
        comment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made with `ssh-keygen -t ed25519 -C ci-runner`; `ssh-keygen -l` prints this fingerprint.
    pub const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILaLgH/WiNU0UD5AyS9fxdCnoP4C3ZGqU/o7Eoq7Xb/1 ci-runner";

    #[test]
    fn parses_and_fingerprints() {
        let k = parse_public_key(ED25519).unwrap();
        assert_eq!(k.key_type, "ssh-ed25519");
        assert_eq!(k.comment.as_deref(), Some("ci-runner"));
        assert_eq!(
            k.fingerprint,
            "SHA256:kj7Vwa6FyYSaniaTv1lG4m+wDcYYTUsut2saaboqVvY"
        );
        let no_comment = ED25519.rsplit_once(' ').unwrap().0;
        assert_eq!(parse_public_key(no_comment).unwrap().comment, None);
        for bad in [
            "",
            "ssh-ed25519",
            "ssh-dss AAAAB3NzaC1kc3MAAACBAP",
            "ssh-ed25519 !!!notbase64",
            "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAILaLgH/WiNU0UD5AyS9fxdCnoP4C3ZGqU/o7Eoq7Xb/1",
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILaLgH/WiNU0UD5AyS9fxdCn",
            "-----BEGIN OPENSSH PRIVATE KEY-----",
        ] {
            assert!(parse_public_key(bad).is_err(), "{bad}");
        }
    }
}
