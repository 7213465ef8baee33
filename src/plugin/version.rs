//! Choosing the plugin protocol version from what Terraform offers.

/// Environment variable holding the comma-separated protocol versions the
/// host supports, e.g. `"5,6"`.
pub const PROTOCOL_VERSIONS_KEY: &str = "PLUGIN_PROTOCOL_VERSIONS";

/// The only application protocol version this provider speaks (tfplugin6).
pub const PROTOCOL_VERSION: u32 = 6;

/// Terraform offered nothing we speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The variable was not set at all: too old a Terraform, or not Terraform.
    #[error(
        "{PROTOCOL_VERSIONS_KEY} is not set; this provider needs a Terraform that speaks plugin \
         protocol {PROTOCOL_VERSION} (Terraform 1.0 or later)"
    )]
    Missing,
    /// The host offered only versions we do not speak.
    #[error(
        "Terraform offered plugin protocol version(s) {offered:?}, but this provider speaks only \
         version {PROTOCOL_VERSION}; use Terraform 1.0 or later"
    )]
    Unsupported {
        /// What the host offered, verbatim.
        offered: String,
    },
}

/// Picks [`PROTOCOL_VERSION`] if the host lists it. Entries that are not
/// numbers are ignored, like go-plugin does, rather than rejected.
pub fn negotiate(offered: Option<&str>) -> Result<u32, VersionError> {
    let offered = offered.ok_or(VersionError::Missing)?;
    let speaks_ours = offered
        .split(',')
        .filter_map(|v| v.trim().parse::<u32>().ok())
        .any(|v| v == PROTOCOL_VERSION);
    if speaks_ours {
        Ok(PROTOCOL_VERSION)
    } else {
        Err(VersionError::Unsupported {
            offered: offered.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_six_from_any_list_that_has_it() {
        assert_eq!(negotiate(Some("6")), Ok(6));
        assert_eq!(negotiate(Some("5,6")), Ok(6));
        assert_eq!(negotiate(Some(" 6 , 7")), Ok(6));
        assert_eq!(negotiate(Some("x,6")), Ok(6));
    }

    #[test]
    fn fails_clearly_without_six() {
        assert_eq!(negotiate(None), Err(VersionError::Missing));
        assert!(matches!(
            negotiate(Some("4,5")),
            Err(VersionError::Unsupported { .. })
        ));
        assert!(matches!(
            negotiate(Some("")),
            Err(VersionError::Unsupported { .. })
        ));
        let msg = negotiate(Some("5")).unwrap_err().to_string();
        assert!(msg.contains("version 6"), "{msg}");
    }
}
