//! Files on an instance's agent plane (revision 2026-08-21). The contract describes no file API;
//! this is the one the emulator serves, **[decided]** (emulator README, "Instance plane"):
//! `PUT {url}/v1/files/{path}` `{"content_base64"}`, `GET` (a stat, no content), `DELETE`.

use serde::{Deserialize, Serialize};

/// What the plane says about a file: no content, only what tells a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStat {
    pub path: String,
    pub size: u64,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
    /// Last modification, epoch seconds.
    pub modified: i64,
}

/// Body of `PUT {url}/v1/files/{path}`.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct PutFile {
    pub content_base64: String,
}

/// The flat code of a missing file (the instance's own 404 is `not_found`).
pub const FILE_NOT_FOUND: &str = "file_not_found";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_a_stat() {
        let s: FileStat = serde_json::from_value(json!({
            "path": "skills/a.md", "size": 2, "modified": 1786001000,
            "sha256": "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4", "x": 1
        }))
        .expect("decodes");
        assert_eq!((s.size, s.modified), (2, 1_786_001_000));
    }
}
