//! A directory for one test's Terraform: removed after success, kept (and its path printed)
//! after a failure, so what Terraform left can be looked at.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::paths;

pub struct Workdir {
    path: PathBuf,
    /// Removed when dropped after success (a test's directory), or kept (the demo's).
    temporary: bool,
}

impl Workdir {
    /// A fresh `<target>/tmp/tf/<thread name>-<pid>-<n>` (the thread is named after the test).
    #[track_caller]
    pub fn new() -> Workdir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let thread = std::thread::current();
        let label: String = thread
            .name()
            .unwrap_or("test")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        // Long test paths make long directory names; the counter keeps them apart.
        let label: String = label
            .chars()
            .rev()
            .take(80)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let path = paths::target_dir().join("tmp").join("tf").join(format!(
            "{label}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        Workdir {
            path,
            temporary: true,
        }
    }

    /// An existing directory that outlives this value (the demo's working directory).
    pub fn persistent(path: impl Into<PathBuf>) -> Workdir {
        Workdir {
            path: path.into(),
            temporary: false,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `name` (relative to the directory; parents are created).
    #[track_caller]
    pub fn write(&self, name: &str, contents: &str) {
        let path = self.path.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
        }
        std::fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    #[track_caller]
    pub fn read(&self, name: &str) -> String {
        let path = self.path.join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }

    /// Removes `name`; panics unless it existed.
    #[track_caller]
    pub fn remove(&self, name: &str) {
        let path = self.path.join(name);
        std::fs::remove_file(&path)
            .unwrap_or_else(|e| panic!("cannot remove {}: {e}", path.display()));
    }

    /// The configuration files (`*.tf`, `*.tfquery.hcl`, `*.tfvars`) and their contents, sorted.
    pub fn config_files(&self) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = std::fs::read_dir(&self.path)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().to_string_lossy().into_owned();
                let config = name.ends_with(".tf")
                    || name.ends_with(".tfquery.hcl")
                    || name.ends_with(".tfvars");
                let text = std::fs::read_to_string(entry.path()).ok()?;
                config.then_some((name, text))
            })
            .collect();
        files.sort();
        files
    }
}

impl Default for Workdir {
    fn default() -> Self {
        Workdir::new()
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        if !self.temporary {
            return;
        }
        if std::thread::panicking() {
            eprintln!("kept the test directory {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}
