//! The generated part of the committed corpus: a few values of every schema (msgpack for
//! `msgpack` and `config`, JSON for `json`), type specs and configuration strings. The other
//! seeds (real API answers of the emulator, hand-written edge cases) are committed as files.

use std::fs;
use std::io;
use std::path::Path;

use agent37_provider::sdk::{json, msgpack};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::generate;
use crate::schemas;

/// Values per schema entry.
const PER_ENTRY: usize = 3;

/// Writes the seeds that do not exist yet; returns how many files were written.
pub fn write(root: &Path) -> io::Result<usize> {
    let mut rng = StdRng::seed_from_u64(37);
    let mut written = 0;
    for entry in schemas::all() {
        for n in 0..PER_ENTRY {
            // Deep enough to reach nested blocks, shallow enough to stay readable.
            let value = generate::random_value(&mut rng, &entry.ty, 4);
            let file = format!("{}-{n}", entry.name);
            if let Ok(bytes) = msgpack::encode(&value, &entry.ty) {
                let framed = schemas::frame(&entry.name, &bytes);
                written += save(&root.join("msgpack"), &file, &framed)?;
                written += save(&root.join("config"), &file, &framed)?;
            }
            let known = crate::targets::known_only(value);
            if let Ok(bytes) = json::encode(&known, &entry.ty) {
                let framed = schemas::frame(&entry.name, &bytes);
                written += save(&root.join("json"), &file, &framed)?;
            }
        }
    }
    for n in 0..24 {
        let ty = generate::random_type(&mut rng, 1 + n % 5);
        written += save(
            &root.join("type_spec"),
            &format!("generated-{n}"),
            &ty.to_json(),
        )?;
    }
    for n in 0..16 {
        let s = generate::random_string(&mut rng);
        written += save(
            &root.join("strings"),
            &format!("generated-{n}"),
            s.as_bytes(),
        )?;
    }
    Ok(written)
}

fn save(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<usize> {
    fs::create_dir_all(dir)?;
    let path = dir.join(name);
    if path.exists() {
        return Ok(0);
    }
    fs::write(path, bytes)?;
    Ok(1)
}
