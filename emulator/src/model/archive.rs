//! Build contexts: the uploaded bytes must be a gzipped tar with a `Dockerfile` at its root.
//! Read for real (gzip, then 512-byte tar headers), bounded by the upload limit.

use std::io::Read;

use flate2::read::GzDecoder;

/// Why a context cannot be built (the build fails with `invalid_request`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContextError {
    #[error("the build context is not gzip data")]
    NotGzip,
    #[error("the build context is not a tar archive")]
    NotTar,
    #[error("the build context has no Dockerfile at its root")]
    NoDockerfile,
}

/// The largest unpacked context read (a gzip bomb stops here and counts as not a tar).
const MAX_UNPACKED: u64 = 512 * 1024 * 1024;

/// The root `Dockerfile`'s instructions (one per logical line, continuations joined).
pub fn dockerfile_instructions(gz: &[u8]) -> Result<Vec<String>, ContextError> {
    if gz.len() < 2 || gz[0] != 0x1f || gz[1] != 0x8b {
        return Err(ContextError::NotGzip);
    }
    let mut tar = Vec::new();
    GzDecoder::new(gz)
        .take(MAX_UNPACKED)
        .read_to_end(&mut tar)
        .map_err(|_| ContextError::NotGzip)?;
    let text = find_dockerfile(&tar)?;
    Ok(instructions(&text))
}

fn octal(field: &[u8]) -> Option<usize> {
    let s: String = field
        .iter()
        .take_while(|b| **b != 0)
        .map(|b| *b as char)
        .collect();
    let s = s.trim();
    if s.is_empty() {
        return Some(0);
    }
    usize::from_str_radix(s, 8).ok()
}

fn find_dockerfile(tar: &[u8]) -> Result<String, ContextError> {
    let mut at = 0;
    let mut headers = 0;
    while at + 512 <= tar.len() {
        let h = &tar[at..at + 512];
        if h.iter().all(|b| *b == 0) {
            break; // end-of-archive marker
        }
        // Checksum: the header's bytes summed with the checksum field read as spaces.
        let stored = octal(&h[148..156]).ok_or(ContextError::NotTar)?;
        let sum: usize = h
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    *b as usize
                }
            })
            .sum();
        if stored != sum {
            return Err(ContextError::NotTar);
        }
        headers += 1;
        let name_end = h[..100].iter().position(|b| *b == 0).unwrap_or(100);
        let prefix_end = h[345..500].iter().position(|b| *b == 0).unwrap_or(155);
        let mut name = String::from_utf8_lossy(&h[..name_end]).into_owned();
        if &h[257..262] == b"ustar" && prefix_end > 0 {
            name = format!(
                "{}/{name}",
                String::from_utf8_lossy(&h[345..345 + prefix_end])
            );
        }
        let size = octal(&h[124..136]).ok_or(ContextError::NotTar)?;
        let typeflag = h[156];
        let data_start = at + 512;
        let data_end = data_start.checked_add(size).ok_or(ContextError::NotTar)?;
        let root = name.strip_prefix("./").unwrap_or(&name);
        if root == "Dockerfile" && (typeflag == b'0' || typeflag == 0) {
            let data = tar.get(data_start..data_end).ok_or(ContextError::NotTar)?;
            return Ok(String::from_utf8_lossy(data).into_owned());
        }
        at = data_start + size.div_ceil(512) * 512;
    }
    if headers == 0 {
        Err(ContextError::NotTar)
    } else {
        Err(ContextError::NoDockerfile)
    }
}

/// Dockerfile instructions: comments and blank lines dropped, `\` continuations joined.
fn instructions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        let t = line.trim();
        if cur.is_empty() && (t.is_empty() || t.starts_with('#')) {
            continue;
        }
        if let Some(body) = t.strip_suffix('\\') {
            cur.push_str(body.trim_end());
            cur.push(' ');
            continue;
        }
        cur.push_str(t);
        out.push(std::mem::take(&mut cur).trim().to_string());
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// A gzipped tar of `(name, content)` files: what a client uploads (tests and fuzz seeds).
pub fn make_context(files: &[(&str, &[u8])]) -> Vec<u8> {
    use std::io::Write;
    let mut tar = Vec::new();
    for (name, data) in files {
        let mut h = [0u8; 512];
        h[..name.len().min(100)].copy_from_slice(&name.as_bytes()[..name.len().min(100)]);
        h[100..107].copy_from_slice(b"0000644");
        h[108..115].copy_from_slice(b"0000000");
        h[116..123].copy_from_slice(b"0000000");
        h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
        h[136..147].copy_from_slice(b"00000000000");
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: usize = h.iter().map(|b| *b as usize).sum();
        h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        tar.extend_from_slice(&h);
        tar.extend_from_slice(data);
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }
    tar.extend_from_slice(&[0u8; 1024]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = gz.write_all(&tar);
    gz.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_root_dockerfile() {
        let ctx = make_context(&[
            ("app/server.js", b"console.log(1)\n"),
            (
                "Dockerfile",
                b"# base\nFROM node:22\n\nRUN npm ci \\\n  --omit=dev\nCOPY . /app\nCMD [\"node\", \"app/server.js\"]\n",
            ),
        ]);
        assert_eq!(
            dockerfile_instructions(&ctx),
            Ok(vec![
                "FROM node:22".to_string(),
                "RUN npm ci --omit=dev".to_string(),
                "COPY . /app".to_string(),
                "CMD [\"node\", \"app/server.js\"]".to_string(),
            ])
        );
    }

    #[test]
    fn refuses_what_is_not_a_context() {
        assert_eq!(
            dockerfile_instructions(b"plain text"),
            Err(ContextError::NotGzip)
        );
        assert_eq!(
            dockerfile_instructions(&[0x1f, 0x8b, 1, 2]),
            Err(ContextError::NotGzip)
        );
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, b"not a tar at all, just text").unwrap();
        assert_eq!(
            dockerfile_instructions(&gz.finish().unwrap()),
            Err(ContextError::NotTar)
        );
        let nested = make_context(&[("sub/Dockerfile", b"FROM x\n")]);
        assert_eq!(
            dockerfile_instructions(&nested),
            Err(ContextError::NoDockerfile)
        );
        assert!(dockerfile_instructions(&make_context(&[("./Dockerfile", b"FROM x\n")])).is_ok());
    }
}
