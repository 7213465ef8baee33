//! Signing a release's SHA256SUMS with GnuPG, as the Terraform Registry requires: a detached,
//! binary signature (`_SHA256SUMS.sig`) by a key whose public half the Registry knows.
//!
//! The key is named by `AGENT37_RELEASE_GPG_KEY` (an id or fingerprint) and taken from the
//! caller's keyring (`GNUPGHOME`, or gpg's default). A key kept in the repository would be a key
//! anyone with the source can sign with, so a GNUPGHOME inside the checkout (outside its
//! `target/` scratch space) is refused. gpg runs with `--batch`: a passphrase must already be in
//! the agent (CI imports the key that way), never typed here.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{self, Paths};

pub const KEY_VAR: &str = "AGENT37_RELEASE_GPG_KEY";

/// What a release without a key says.
pub const UNSIGNED: &str = "SHA256SUMS is UNSIGNED: set AGENT37_RELEASE_GPG_KEY to the id or \
    fingerprint of a secret key in your GnuPG keyring (GNUPGHOME) to sign it; the Terraform \
    Registry does not accept an unsigned release";

/// A configured signing key.
pub struct Signer {
    key: String,
}

impl Signer {
    /// The signer `AGENT37_RELEASE_GPG_KEY` asks for, checked now (its secret key is in the
    /// keyring, gpg runs), so that a release does not fail after minutes of building. `None`
    /// when the variable is unset or empty.
    pub fn from_env(paths: &Paths) -> Result<Option<Signer>, String> {
        let key = match std::env::var(KEY_VAR) {
            Ok(key) if !key.trim().is_empty() => key.trim().to_string(),
            Ok(_) | Err(std::env::VarError::NotPresent) => return Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(format!("{KEY_VAR} is not valid UTF-8"));
            }
        };
        if let Some(home) = std::env::var_os("GNUPGHOME").filter(|h| !h.is_empty()) {
            check_keyring_location(paths, &PathBuf::from(home))?;
        }
        let out = gpg()
            .args(["--list-secret-keys", "--with-colons", "--"])
            .arg(&key)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("cannot run gpg to sign the release: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "{KEY_VAR}={key}: no such secret key in the GnuPG keyring{} ({}):\n{}",
                std::env::var("GNUPGHOME")
                    .map(|h| format!(" of GNUPGHOME={h}"))
                    .unwrap_or_default(),
                util::exit_text(out.status),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(Some(Signer { key }))
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// Writes the detached binary signature of `file` to `signature`, then verifies it.
    pub fn detach_sign(&self, file: &Path, signature: &Path) -> Result<(), String> {
        let mut sign = gpg();
        sign.args([
            "--yes",
            "--local-user",
            &self.key,
            "--detach-sign",
            "--output",
        ])
        .arg(signature)
        .arg(file);
        util::run(&mut sign)?;
        let mut verify = gpg();
        verify.arg("--verify").arg(signature).arg(file);
        let out = verify
            .output()
            .map_err(|e| format!("cannot run `{}`: {e}", util::describe(&verify)))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "the new signature {} does not verify:\n{}",
                signature.display(),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }
}

fn gpg() -> Command {
    let mut cmd = Command::new("gpg");
    cmd.args(["--batch", "--no-tty", "--quiet"])
        .stdin(Stdio::null());
    cmd
}

/// A keyring inside the checkout may be committed by mistake; one under `target/` (tests'
/// throwaway keys) cannot be.
fn check_keyring_location(paths: &Paths, home: &Path) -> Result<(), String> {
    let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
    let home = cwd.join(home);
    if keyring_in_checkout(&paths.root, &paths.target, &home) {
        return Err(format!(
            "GNUPGHOME={} is inside the repository: release keys live outside it",
            home.display()
        ));
    }
    Ok(())
}

fn keyring_in_checkout(root: &Path, target: &Path, home: &Path) -> bool {
    home.starts_with(root) && !home.starts_with(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyring_may_not_live_in_the_checkout() {
        let root = Path::new("/src/provider");
        let target = Path::new("/src/provider/target");
        assert!(keyring_in_checkout(
            root,
            target,
            Path::new("/src/provider/.gnupg")
        ));
        assert!(!keyring_in_checkout(
            root,
            target,
            Path::new("/src/provider/target/tmp/gpg")
        ));
        assert!(!keyring_in_checkout(
            root,
            target,
            Path::new("/home/me/.gnupg")
        ));
    }
}
