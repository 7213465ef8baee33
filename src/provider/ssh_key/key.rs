//! OpenSSH public key lines, read as the API reads them (contract 7.3): `TYPE BASE64 [COMMENT]`
//! of one of the accepted types, whose base64 blob is a well-formed key of that type. The
//! fingerprint is what `ssh-keygen -l` prints and what the API reports: `SHA256:` + unpadded
//! base64 of the SHA-256 of the blob. Pure.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use sha2::{Digest, Sha256};

/// The key types the API accepts, in the contract's order.
pub const KEY_TYPES: [&str; 7] = [
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// What is allowed, for docs and diagnostics.
pub const ALLOWED: &str = "One OpenSSH public key line, `TYPE BASE64 [COMMENT]` (the contents of a `.pub` file), of type `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`, `ecdsa-sha2-nistp384`, `ecdsa-sha2-nistp521`, `sk-ssh-ed25519@openssh.com` or `sk-ecdsa-sha2-nistp256@openssh.com`. Surrounding whitespace (the newline `file()` keeps) is ignored.";

/// A public key line that parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub key_type: &'static str,
    pub fingerprint: String,
    /// The text after the key data, trimmed; `None` when there is none.
    pub comment: Option<String>,
    /// The line as the API is sent it: trimmed.
    pub line: String,
}

/// Why a line is not an acceptable public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProblem {
    Empty,
    /// A PEM block or an OpenSSH private key file.
    PrivateKey,
    MultipleLines,
    /// Only one field (no key data).
    MissingData,
    /// A type the API does not take (or authorized_keys options before the type).
    UnsupportedType(String),
    NotBase64,
    /// The blob does not hold a key of the named type.
    Malformed {
        key_type: &'static str,
        why: &'static str,
    },
}

impl KeyProblem {
    /// The sentence a diagnostic shows.
    pub fn text(&self) -> String {
        match self {
            Self::Empty => "it is empty".into(),
            Self::PrivateKey => "it is a private key; give the public key instead (the one line of the `.pub` file, e.g. `file(\"~/.ssh/id_ed25519.pub\")`), and keep the private key out of the configuration".into(),
            Self::MultipleLines => "it holds more than one line; give exactly one key".into(),
            Self::MissingData => "it has no key data after the type".into(),
            Self::UnsupportedType(t) => format!(
                "{t:?} is not a supported key type (authorized_keys options before the type are not accepted either)"
            ),
            Self::NotBase64 => "the key data is not valid base64".into(),
            Self::Malformed { key_type, why } => {
                format!("the key data is not a well-formed {key_type} key: {why}")
            }
        }
    }
}

/// Reads one SSH wire string (a big-endian u32 length, then the bytes) at `*at`.
fn ssh_string<'a>(blob: &'a [u8], at: &mut usize) -> Option<&'a [u8]> {
    let len = blob.get(*at..at.checked_add(4)?)?;
    let len = u32::from_be_bytes([len[0], len[1], len[2], len[3]]) as usize;
    let start = *at + 4;
    let bytes = blob.get(start..start.checked_add(len)?)?;
    *at = start + len;
    Some(bytes)
}

/// The fields a blob of `key_type` holds after its type name, as (name, exact length if fixed).
/// Curve names of ECDSA keys are checked against the type separately.
fn fields(key_type: &str) -> &'static [(&'static str, Option<usize>)] {
    match key_type {
        "ssh-ed25519" => &[("key", Some(32))],
        "ssh-rsa" => &[("exponent", None), ("modulus", None)],
        "sk-ssh-ed25519@openssh.com" => &[("key", Some(32)), ("application", None)],
        "sk-ecdsa-sha2-nistp256@openssh.com" => {
            &[("curve", None), ("point", None), ("application", None)]
        }
        _ => &[("curve", None), ("point", None)],
    }
}

/// The curve an ECDSA type names (`nistp256`…), if it is one.
fn curve_of(key_type: &str) -> Option<&'static str> {
    ["nistp256", "nistp384", "nistp521"]
        .into_iter()
        .find(|c| key_type.contains(c))
}

/// Checks the blob's structure for `key_type`.
fn check_blob(key_type: &'static str, blob: &[u8]) -> Result<(), KeyProblem> {
    let bad = |why| KeyProblem::Malformed { key_type, why };
    let mut at = 0;
    let inner = ssh_string(blob, &mut at).ok_or(bad("it is truncated"))?;
    if inner != key_type.as_bytes() {
        return Err(bad("it names another key type"));
    }
    for (name, len) in fields(key_type) {
        let field = ssh_string(blob, &mut at).ok_or(bad("it is truncated"))?;
        if field.is_empty() {
            return Err(bad("it has an empty field"));
        }
        if len.is_some_and(|n| field.len() != n) {
            return Err(bad("its key has the wrong length"));
        }
        if *name == "curve" && curve_of(key_type).is_some_and(|c| field != c.as_bytes()) {
            return Err(bad("its curve does not match its type"));
        }
    }
    if at != blob.len() {
        return Err(bad("it has trailing bytes"));
    }
    Ok(())
}

/// Parses a public key line; the problem says what is wrong.
pub fn parse(text: &str) -> Result<PublicKey, KeyProblem> {
    let line = text.trim();
    if line.is_empty() {
        return Err(KeyProblem::Empty);
    }
    if line.contains("PRIVATE KEY") {
        return Err(KeyProblem::PrivateKey);
    }
    if line.contains(['\n', '\r']) {
        return Err(KeyProblem::MultipleLines);
    }
    let mut parts = line.splitn(3, [' ', '\t']);
    let given_type = parts.next().unwrap_or_default();
    let key_type = KEY_TYPES
        .into_iter()
        .find(|t| *t == given_type)
        .ok_or_else(|| KeyProblem::UnsupportedType(given_type.to_string()))?;
    let data = parts
        .next()
        .filter(|d| !d.is_empty())
        .ok_or(KeyProblem::MissingData)?;
    let blob = STANDARD.decode(data).map_err(|_| KeyProblem::NotBase64)?;
    check_blob(key_type, &blob)?;
    let comment = parts
        .next()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    Ok(PublicKey {
        key_type,
        fingerprint: format!("SHA256:{}", STANDARD_NO_PAD.encode(Sha256::digest(&blob))),
        comment,
        line: line.to_string(),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A blob of SSH strings.
    fn blob(parts: &[&[u8]]) -> String {
        let mut b = Vec::new();
        for p in parts {
            b.extend_from_slice(&u32::try_from(p.len()).unwrap_or(0).to_be_bytes());
            b.extend_from_slice(p);
        }
        STANDARD.encode(b)
    }

    /// An ed25519 public key line (key bytes `seed`, repeated), with a comment.
    pub fn ed25519(seed: u8, comment: &str) -> String {
        let data = blob(&[b"ssh-ed25519", &[seed; 32]]);
        format!("ssh-ed25519 {data} {comment}").trim().to_string()
    }

    /// Made with `ssh-keygen -t ed25519 -C ci-runner`; `ssh-keygen -l` prints this fingerprint.
    const REAL: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILaLgH/WiNU0UD5AyS9fxdCnoP4C3ZGqU/o7Eoq7Xb/1 ci-runner";

    #[test]
    fn fingerprints_as_ssh_keygen_prints_them() {
        let k = parse(&format!("{REAL}\n")).expect("parses");
        assert_eq!(k.key_type, "ssh-ed25519");
        assert_eq!(
            k.fingerprint,
            "SHA256:kj7Vwa6FyYSaniaTv1lG4m+wDcYYTUsut2saaboqVvY"
        );
        assert_eq!(k.comment.as_deref(), Some("ci-runner"));
        assert_eq!(k.line, REAL);
        // The comment is not part of the key.
        let bare = parse(REAL.trim_end_matches(" ci-runner")).expect("parses");
        assert_eq!((bare.fingerprint, bare.comment), (k.fingerprint, None));
        // A comment may hold spaces.
        let spaced = parse(&format!("{REAL} laptop 2")).expect("parses");
        assert_eq!(spaced.comment.as_deref(), Some("ci-runner laptop 2"));
    }

    #[test]
    fn every_accepted_type_parses() {
        let pt = [4u8; 65];
        let lines = [
            format!("ssh-rsa {}", blob(&[b"ssh-rsa", &[1, 0, 1], &[7; 257]])),
            format!(
                "ecdsa-sha2-nistp384 {}",
                blob(&[b"ecdsa-sha2-nistp384", b"nistp384", &[4; 97]])
            ),
            format!(
                "sk-ssh-ed25519@openssh.com {}",
                blob(&[b"sk-ssh-ed25519@openssh.com", &[1; 32], b"ssh:"])
            ),
            format!(
                "sk-ecdsa-sha2-nistp256@openssh.com {}",
                blob(&[
                    b"sk-ecdsa-sha2-nistp256@openssh.com",
                    b"nistp256",
                    &pt,
                    b"ssh:"
                ])
            ),
            ed25519(9, ""),
        ];
        for l in lines {
            assert!(parse(&l).is_ok(), "{l}");
        }
    }

    #[test]
    fn refusals_say_why() {
        let cases: Vec<(String, KeyProblem)> = vec![
            ("  \n".into(), KeyProblem::Empty),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----"
                    .into(),
                KeyProblem::PrivateKey,
            ),
            (format!("{REAL}\n{REAL}"), KeyProblem::MultipleLines),
            ("ssh-ed25519".into(), KeyProblem::MissingData),
            (
                "ssh-dss AAAAB3NzaC1kc3M=".into(),
                KeyProblem::UnsupportedType("ssh-dss".into()),
            ),
            (
                format!("from=\"10.0.0.1\" {REAL}"),
                KeyProblem::UnsupportedType("from=\"10.0.0.1\"".into()),
            ),
            ("ssh-ed25519 !!!".into(), KeyProblem::NotBase64),
            (
                format!("ssh-rsa {}", REAL.split(' ').nth(1).unwrap_or_default()),
                KeyProblem::Malformed {
                    key_type: "ssh-rsa",
                    why: "it names another key type",
                },
            ),
            (
                format!("ssh-ed25519 {}", blob(&[b"ssh-ed25519", &[1; 31]])),
                KeyProblem::Malformed {
                    key_type: "ssh-ed25519",
                    why: "its key has the wrong length",
                },
            ),
            (
                format!("ssh-ed25519 {}", blob(&[b"ssh-ed25519", &[1; 32], b"x"])),
                KeyProblem::Malformed {
                    key_type: "ssh-ed25519",
                    why: "it has trailing bytes",
                },
            ),
            (
                format!(
                    "ecdsa-sha2-nistp256 {}",
                    blob(&[b"ecdsa-sha2-nistp256", b"nistp384", &[4; 65]])
                ),
                KeyProblem::Malformed {
                    key_type: "ecdsa-sha2-nistp256",
                    why: "its curve does not match its type",
                },
            ),
            (
                format!("ssh-ed25519 {}", &STANDARD.encode([0u8, 0, 0, 99, 1])),
                KeyProblem::Malformed {
                    key_type: "ssh-ed25519",
                    why: "it is truncated",
                },
            ),
        ];
        for (line, want) in cases {
            assert_eq!(parse(&line), Err(want.clone()), "{line}");
            assert!(!want.text().is_empty());
        }
        assert!(KeyProblem::PrivateKey.text().contains(".pub"));
    }
}
