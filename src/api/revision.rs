//! The API revisions this client speaks, and how it knows which one a server serves.
//!
//! One client serves both revisions (`docs/contract/provider-spec-2026-08.md` §1): every answer
//! of either revision decodes, and most decisions are made per object from the object itself
//! (an instance with `url` is of 2026-08-21, one with `ports` of 2026-06-25). A few decisions
//! come before any answer (which shape table applies, whether a template change replaces): for
//! those the client knows the revision from the last object it decoded, or else from one lazy
//! `GET /templates` (the system templates are always there), unless the configuration named the
//! revision. The detection rules are pure and unit-tested here; the probe is the client's.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU8, Ordering};

/// A revision of the hosting API (the project's names: the dates of the docs they describe).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ApiRevision {
    /// `docs/contract/hosting-api.md`: instance `ports[]`, daily prepay, `topup_*`.
    R2026_06_25,
    /// `docs/contract/hosting-api-2026-08.md`: instance `url`, pins, per-minute meter.
    R2026_08_21,
}

impl ApiRevision {
    pub const ALL: [ApiRevision; 2] = [ApiRevision::R2026_06_25, ApiRevision::R2026_08_21];

    pub fn as_str(self) -> &'static str {
        match self {
            ApiRevision::R2026_06_25 => "2026-06-25",
            ApiRevision::R2026_08_21 => "2026-08-21",
        }
    }

    fn code(self) -> u8 {
        match self {
            ApiRevision::R2026_06_25 => 1,
            ApiRevision::R2026_08_21 => 2,
        }
    }

    fn from_code(code: u8) -> Option<ApiRevision> {
        match code {
            1 => Some(ApiRevision::R2026_06_25),
            2 => Some(ApiRevision::R2026_08_21),
            _ => None,
        }
    }
}

impl fmt::Display for ApiRevision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A revision name this client does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not an API revision this provider knows; use \"auto\", \"2026-06-25\" or \"2026-08-21\""
)]
pub struct UnknownRevision(pub String);

impl FromStr for ApiRevision {
    type Err = UnknownRevision;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ApiRevision::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRevision(s.to_owned()))
    }
}

/// The provider setting `api_revision`: detect (the default), or a fixed revision (no probe).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RevisionSetting {
    #[default]
    Auto,
    Fixed(ApiRevision),
}

impl RevisionSetting {
    pub const AUTO: &'static str = "auto";

    /// `"auto"`, `"2026-06-25"` or `"2026-08-21"`.
    pub fn parse(s: &str) -> Result<RevisionSetting, UnknownRevision> {
        if s.trim() == Self::AUTO {
            return Ok(RevisionSetting::Auto);
        }
        s.parse().map(RevisionSetting::Fixed)
    }
}

/// What an object of an answer says about the revision that made it, when it says anything.
pub trait RevisionHint {
    fn revision_hint(&self) -> Option<ApiRevision>;
}

/// The revision known to a client: the setting, and the revision of the last object decoded.
/// The last one wins, so a service that moves to another revision while this process runs is
/// followed from its next answer.
#[derive(Debug, Default)]
pub struct Detected {
    setting: RevisionSetting,
    last_seen: AtomicU8,
}

impl Detected {
    pub fn new(setting: RevisionSetting) -> Self {
        Detected {
            setting,
            last_seen: AtomicU8::new(0),
        }
    }

    pub fn setting(&self) -> RevisionSetting {
        self.setting
    }

    /// Records what an object says (nothing when it says nothing).
    pub fn observe(&self, hint: Option<ApiRevision>) {
        if let Some(r) = hint {
            self.last_seen.store(r.code(), Ordering::Relaxed);
        }
    }

    /// The revision decisions use: the configured one, else the last one seen.
    pub fn known(&self) -> Option<ApiRevision> {
        match self.setting {
            RevisionSetting::Fixed(r) => Some(r),
            RevisionSetting::Auto => ApiRevision::from_code(self.last_seen.load(Ordering::Relaxed)),
        }
    }

    /// The revision the last decoded object showed, whatever the setting.
    pub fn seen(&self) -> Option<ApiRevision> {
        ApiRevision::from_code(self.last_seen.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_settings_parse() {
        for r in ApiRevision::ALL {
            assert_eq!(r.as_str().parse::<ApiRevision>(), Ok(r));
            assert_eq!(r.to_string(), r.as_str());
        }
        assert_eq!(RevisionSetting::parse("auto"), Ok(RevisionSetting::Auto));
        assert_eq!(
            RevisionSetting::parse("2026-08-21"),
            Ok(RevisionSetting::Fixed(ApiRevision::R2026_08_21))
        );
        let e = RevisionSetting::parse("v2").expect_err("aliases are the emulator's");
        assert!(
            e.to_string()
                .contains("\"auto\", \"2026-06-25\" or \"2026-08-21\"")
        );
    }

    #[test]
    fn the_last_object_seen_wins_unless_the_setting_is_fixed() {
        let d = Detected::default();
        assert_eq!(d.known(), None);
        d.observe(None);
        assert_eq!(d.known(), None);
        d.observe(Some(ApiRevision::R2026_06_25));
        assert_eq!(d.known(), Some(ApiRevision::R2026_06_25));
        d.observe(Some(ApiRevision::R2026_08_21));
        assert_eq!(d.known(), Some(ApiRevision::R2026_08_21));
        d.observe(None);
        assert_eq!(d.known(), Some(ApiRevision::R2026_08_21));

        let fixed = Detected::new(RevisionSetting::Fixed(ApiRevision::R2026_06_25));
        assert_eq!(fixed.known(), Some(ApiRevision::R2026_06_25));
        fixed.observe(Some(ApiRevision::R2026_08_21));
        assert_eq!(fixed.known(), Some(ApiRevision::R2026_06_25));
        assert_eq!(fixed.seen(), Some(ApiRevision::R2026_08_21));
    }
}
