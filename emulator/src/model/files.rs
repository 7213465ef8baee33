//! Files of an instance's agent plane (2026-08-21, **[decided]**: the contracts describe no
//! file API; this is the emulator's, documented in its README): `PUT`/`GET`/`DELETE
//! {url}/v1/files/{path}`, for seeding configuration and skills. The rules as pure functions.

use base64::Engine;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Largest file, in bytes (decoded).
pub const FILE_MAX_BYTES: usize = 1_048_576;
/// Longest path, in bytes.
pub const FILE_PATH_MAX: usize = 512;
/// The files route under an instance's plane.
pub const FILES_PREFIX: &str = "/v1/files/";

/// A relative path of 1-512 bytes: `/`-separated segments of `[A-Za-z0-9._@+-]`, none empty,
/// `.` or `..`.
pub fn file_path_ok(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= FILE_PATH_MAX
        && p.split('/').all(|s| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"._@+-".contains(&c))
        })
}

/// The stat a `PUT` and a `GET` answer: `{"path", "size", "sha256", "modified"}`.
pub fn file_stat(path: &str, content: &[u8], modified: i64) -> Value {
    json!({
        "path": path,
        "size": content.len(),
        "sha256": hex::encode(Sha256::digest(content)),
        "modified": modified,
    })
}

/// The content of a `PUT` body `{"content_base64"}`, or the flat error code and message.
pub fn file_content(body: &Value) -> Result<Vec<u8>, (u16, &'static str, String)> {
    let Some(text) = body.get("content_base64").and_then(Value::as_str) else {
        return Err((
            400,
            "invalid_request",
            "content_base64 (a base64 string) is required".into(),
        ));
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|e| (400, "invalid_request", format!("content_base64: {e}")))?;
    if bytes.len() > FILE_MAX_BYTES {
        return Err((
            413,
            "file_too_large",
            format!("a file holds at most {FILE_MAX_BYTES} bytes"),
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        for ok in [
            "a",
            "skills/search.md",
            ".hermes/config.yaml",
            "a/b/c-d_e@1+2",
        ] {
            assert!(file_path_ok(ok), "{ok}");
        }
        let long = "a".repeat(FILE_PATH_MAX + 1);
        for bad in [
            "",
            "/etc/passwd",
            "a//b",
            "a/",
            "../x",
            "a/./b",
            "a b",
            "a\\b",
            &long,
        ] {
            assert!(!file_path_ok(bad), "{bad}");
        }
    }

    #[test]
    fn contents_and_stats() {
        assert_eq!(
            file_content(&json!({"content_base64": "aGk="})),
            Ok(b"hi".to_vec())
        );
        assert_eq!(
            file_content(&json!({})).map_err(|e| e.1),
            Err("invalid_request")
        );
        assert_eq!(
            file_content(&json!({"content_base64": "%%"})).map_err(|e| e.1),
            Err("invalid_request")
        );
        let big = base64::engine::general_purpose::STANDARD.encode(vec![0u8; FILE_MAX_BYTES + 1]);
        assert_eq!(
            file_content(&json!({"content_base64": big})).map_err(|e| e.0),
            Err(413)
        );
        assert_eq!(
            file_stat("a", b"hi", 7),
            json!({"path": "a", "size": 2, "modified": 7,
                   "sha256": "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"})
        );
    }
}
