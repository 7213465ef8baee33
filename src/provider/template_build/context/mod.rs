//! The build context of `agent37_template_build`: a folder with a root `Dockerfile`, as a
//! deterministic gzipped tar and its SHA-256. Deterministic so that the same files hash the same
//! on every platform and every run: entries sorted by path, zero owner and time, fixed modes
//! (`tar`), and a gzip header with neither time nor name. The hash is computed at plan (a new
//! hash plans a new build), and again at apply, where the bytes are uploaded.
//!
//! - `glob`: the `excludes` patterns (pure).
//! - `tar`: the tar writer (pure).

pub mod glob;
pub mod tar;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};

pub use glob::Excludes;
use tar::Kind;

/// The largest gzipped context the API takes (`size_bytes` ≤ 100,000,000).
pub const MAX_BYTES: usize = 100_000_000;
/// The file every context needs at its root.
pub const DOCKERFILE: &str = "Dockerfile";

/// A packed context.
#[derive(Clone, PartialEq, Eq)]
pub struct Context {
    /// The gzipped tar, as uploaded.
    pub bytes: Vec<u8>,
    /// Lowercase hex SHA-256 of `bytes`.
    pub sha256: String,
    /// Entries in the tar (folders, files, links).
    pub entries: usize,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("size", &self.bytes.len())
            .field("sha256", &self.sha256)
            .field("entries", &self.entries)
            .finish()
    }
}

/// Why a folder cannot be packed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ContextError {
    #[error("{dir} does not exist")]
    Missing { dir: String },
    #[error("{dir} is not a folder")]
    NotAFolder { dir: String },
    #[error("{dir} has no `Dockerfile` at its root (a regular file named exactly `Dockerfile`)")]
    NoDockerfile { dir: String },
    #[error("cannot read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{path} is not valid UTF-8; rename it or exclude it")]
    NotUtf8 { path: String },
    #[error(
        "the gzipped context is larger than the API's limit of {MAX_BYTES} bytes; exclude what the build does not need"
    )]
    TooLarge,
}

/// One entry found in the folder.
struct Found {
    rel: String,
    abs: PathBuf,
    kind: Kind,
}

fn io_error(path: &Path, e: &std::io::Error) -> ContextError {
    ContextError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Every entry under `dir` that `excludes` keeps (the root `Dockerfile` always), sorted by
/// relative path.
fn walk(dir: &Path, excludes: &Excludes) -> Result<Vec<Found>, ContextError> {
    let mut out = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    let descend_excluded = excludes.has_negations();
    while let Some((abs_dir, rel_dir)) = pending.pop() {
        let items = fs::read_dir(&abs_dir).map_err(|e| io_error(&abs_dir, &e))?;
        for item in items {
            let item = item.map_err(|e| io_error(&abs_dir, &e))?;
            let abs = item.path();
            let name = item
                .file_name()
                .into_string()
                .map_err(|_| ContextError::NotUtf8 {
                    path: abs.display().to_string(),
                })?;
            let rel = if rel_dir.is_empty() {
                name
            } else {
                format!("{rel_dir}/{name}")
            };
            let meta = fs::symlink_metadata(&abs).map_err(|e| io_error(&abs, &e))?;
            let excluded = rel != DOCKERFILE && excludes.excluded(&rel);
            let kind = if meta.file_type().is_symlink() {
                let target = fs::read_link(&abs).map_err(|e| io_error(&abs, &e))?;
                let target = target
                    .to_str()
                    .ok_or_else(|| ContextError::NotUtf8 {
                        path: abs.display().to_string(),
                    })?
                    .replace('\\', "/");
                Kind::Symlink { target }
            } else if meta.is_dir() {
                if !excluded || descend_excluded {
                    pending.push((abs.clone(), rel.clone()));
                }
                Kind::Dir
            } else if meta.is_file() {
                Kind::File { size: meta.len() }
            } else {
                continue; // sockets, fifos, devices: nothing a build can copy
            };
            if !excluded {
                out.push(Found { rel, abs, kind });
            }
        }
    }
    out.sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    Ok(out)
}

/// A writer that refuses to grow past `limit` bytes, so a huge folder stops early.
struct Bounded {
    buf: Vec<u8>,
    limit: usize,
}

impl Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + buf.len() > self.limit {
            return Err(std::io::Error::other("context too large"));
        }
        self.buf.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Packs `dir` without what `excludes` leaves out. Reads the folder (blocking I/O).
pub fn pack(dir: &Path, excludes: &Excludes) -> Result<Context, ContextError> {
    let shown = dir.display().to_string();
    match fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ContextError::Missing { dir: shown });
        }
        Err(e) => return Err(io_error(dir, &e)),
        Ok(m) if !m.is_dir() => return Err(ContextError::NotAFolder { dir: shown }),
        Ok(_) => {}
    }
    let dockerfile = fs::symlink_metadata(dir.join(DOCKERFILE));
    if !dockerfile.is_ok_and(|m| m.is_file()) {
        return Err(ContextError::NoDockerfile { dir: shown });
    }
    let found = walk(dir, excludes)?;
    let too_large = |_: std::io::Error| ContextError::TooLarge;
    let mut gz = GzBuilder::new().mtime(0).operating_system(255).write(
        Bounded {
            buf: Vec::new(),
            limit: MAX_BYTES,
        },
        Compression::new(6),
    );
    for f in &found {
        match &f.kind {
            Kind::File { .. } => {
                // The length read now, not the one listed: a file may change in between.
                let data = fs::read(&f.abs).map_err(|e| io_error(&f.abs, &e))?;
                let size = data.len() as u64;
                tar::write_header(&mut gz, &f.rel, &Kind::File { size }).map_err(too_large)?;
                gz.write_all(&data).map_err(too_large)?;
                tar::finish_file(&mut gz, size).map_err(too_large)?;
            }
            kind => tar::write_header(&mut gz, &f.rel, kind).map_err(too_large)?,
        }
    }
    tar::finish(&mut gz).map_err(too_large)?;
    let bytes = gz.finish().map_err(too_large)?.buf;
    let sha256 = hex::encode(Sha256::digest(&bytes));
    Ok(Context {
        bytes,
        sha256,
        entries: found.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            let p = dir.path().join(path);
            if let Some(parent) = p.parent() {
                fs::create_dir_all(parent).expect("mkdir");
            }
            fs::write(p, text).expect("write");
        }
        dir
    }

    /// The names in the tar, in order (a reading independent of the writer's code).
    fn names(ctx: &Context) -> Vec<String> {
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(&ctx.bytes[..])
            .read_to_end(&mut tar)
            .expect("gunzips");
        let mut at = 0;
        let mut out = Vec::new();
        while at + 512 <= tar.len() && tar[at..at + 512].iter().any(|b| *b != 0) {
            let h = &tar[at..at + 512];
            let end = h[..100].iter().position(|b| *b == 0).unwrap_or(100);
            out.push(String::from_utf8_lossy(&h[..end]).into_owned());
            let size_text = String::from_utf8_lossy(&h[124..135]).into_owned();
            let size = usize::from_str_radix(&size_text, 8).expect("octal size");
            at += 512 + size.div_ceil(512) * 512;
        }
        out
    }

    const FILES: &[(&str, &str)] = &[
        ("Dockerfile", "FROM alpine\nCOPY . /app\n"),
        ("src/main.py", "print('hi')\n"),
        ("src/util/a.py", "A = 1\n"),
        ("notes.log", "debug\n"),
        (".git/HEAD", "ref: main\n"),
    ];

    #[test]
    fn the_same_files_give_the_same_bytes_and_a_sorted_tar() {
        let a = folder(FILES);
        let ctx = pack(a.path(), &Excludes::default()).expect("packs");
        // Written in another order, at another time: the same bytes.
        let mut reversed: Vec<_> = FILES.to_vec();
        reversed.reverse();
        let b = folder(&reversed);
        let again = pack(b.path(), &Excludes::default()).expect("packs");
        assert_eq!(ctx, again);
        assert_eq!(ctx.sha256, hex::encode(Sha256::digest(&ctx.bytes)));
        assert_eq!(
            names(&ctx),
            [
                ".git/",
                ".git/HEAD",
                "Dockerfile",
                "notes.log",
                "src/",
                "src/main.py",
                "src/util/",
                "src/util/a.py"
            ]
        );
        assert_eq!(ctx.entries, 8);
        // The gzip header carries neither time nor name, and OS "unknown".
        assert_eq!(&ctx.bytes[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    }

    #[test]
    fn a_changed_file_changes_the_hash() {
        let a = folder(FILES);
        let before = pack(a.path(), &Excludes::default()).expect("packs");
        fs::write(a.path().join("src/main.py"), "print('bye')\n").expect("write");
        let after = pack(a.path(), &Excludes::default()).expect("packs");
        assert_ne!(before.sha256, after.sha256);
    }

    #[test]
    fn excludes_leave_files_out_but_never_the_dockerfile() {
        let a = folder(FILES);
        let ex = Excludes::new(&[".git", "*.log", "Dockerfile"]).expect("patterns");
        let ctx = pack(a.path(), &ex).expect("packs");
        assert_eq!(
            names(&ctx),
            [
                "Dockerfile",
                "src/",
                "src/main.py",
                "src/util/",
                "src/util/a.py"
            ]
        );
        let plain = pack(a.path(), &Excludes::default()).expect("packs");
        assert_ne!(ctx.sha256, plain.sha256);
        // Re-including a file under an excluded folder walks into it.
        let ex = Excludes::new(&["src", "!src/util/a.py"]).expect("patterns");
        let ctx = pack(a.path(), &ex).expect("packs");
        assert!(names(&ctx).contains(&"src/util/a.py".to_string()));
        assert!(!names(&ctx).contains(&"src/main.py".to_string()));
    }

    #[test]
    fn a_folder_without_a_dockerfile_or_missing_is_refused() {
        let a = folder(&[("dockerfile", "FROM alpine\n")]);
        assert!(matches!(
            pack(a.path(), &Excludes::default()),
            Err(ContextError::NoDockerfile { .. })
        ));
        let missing = a.path().join("nope");
        assert!(matches!(
            pack(&missing, &Excludes::default()),
            Err(ContextError::Missing { .. })
        ));
        let file = a.path().join("dockerfile");
        assert!(matches!(
            pack(&file, &Excludes::default()),
            Err(ContextError::NotAFolder { .. })
        ));
    }

    #[test]
    fn the_bounded_writer_stops_at_the_limit() {
        let mut w = Bounded {
            buf: Vec::new(),
            limit: 10,
        };
        assert!(w.write_all(&[0u8; 10]).is_ok());
        assert!(w.write_all(&[0u8]).is_err());
        assert_eq!(w.buf.len(), 10);
    }
}
