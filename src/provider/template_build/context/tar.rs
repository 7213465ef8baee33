//! A deterministic ustar writer: the same entries give the same bytes on every platform.
//! Owner, group and time are zero, modes are fixed per kind, and a path longer than the ustar
//! fields hold travels in a PAX `path`/`linkpath` record (what Docker's tar reader expects).

use std::io::{self, Write};

const BLOCK: usize = 512;
/// Files and folders alike: a build context made on Windows (no executable bit) must equal the
/// one made on Linux, and scripts copied into the image must stay runnable (Docker does the
/// same for contexts sent from Windows).
const MODE: u32 = 0o755;

/// What an entry is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File { size: u64 },
    Symlink { target: String },
}

fn octal(field: &mut [u8], value: u64) {
    // `width - 1` octal digits and a NUL, as every tar reader accepts.
    let width = field.len() - 1;
    let text = format!("{value:0width$o}");
    let bytes = text.as_bytes();
    let start = bytes.len().saturating_sub(width);
    field[..width].copy_from_slice(&bytes[start..]);
    field[width] = 0;
}

/// Splits `path` into ustar's `prefix` (≤ 155 bytes) and `name` (≤ 100 bytes) at a `/`.
fn split_ustar(path: &str) -> Option<(&str, &str)> {
    if path.len() <= 100 {
        return Some(("", path));
    }
    let bytes = path.as_bytes();
    (0..bytes.len())
        .filter(|&i| bytes[i] == b'/')
        .map(|i| (&path[..i], &path[i + 1..]))
        .find(|(prefix, name)| prefix.len() <= 155 && !name.is_empty() && name.len() <= 100)
}

fn header(name: &str, prefix: &str, kind_flag: u8, size: u64, link: &str) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    let n = name.len().min(100);
    h[..n].copy_from_slice(&name.as_bytes()[..n]);
    octal(&mut h[100..108], u64::from(MODE));
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], 0);
    h[156] = kind_flag;
    let l = link.len().min(100);
    h[157..157 + l].copy_from_slice(&link.as_bytes()[..l]);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    let p = prefix.len().min(155);
    h[345..345 + p].copy_from_slice(&prefix.as_bytes()[..p]);
    // The checksum: every byte summed with the checksum field counted as spaces.
    h[148..156].copy_from_slice(b"        ");
    let sum: u64 = h.iter().map(|b| u64::from(*b)).sum();
    octal(&mut h[148..155], sum);
    h[155] = b' ';
    h
}

/// One PAX record `"<len> <key>=<value>\n"`, whose length counts its own digits.
fn pax_record(key: &str, value: &str) -> String {
    let body = key.len() + value.len() + 3; // space, '=', newline
    let mut len = body + 1;
    while len.to_string().len() + body != len {
        len = len.to_string().len() + body;
    }
    format!("{len} {key}={value}\n")
}

fn pad(w: &mut impl Write, written: u64) -> io::Result<()> {
    let rest = (BLOCK as u64 - written % BLOCK as u64) % BLOCK as u64;
    w.write_all(&[0u8; BLOCK][..rest as usize])
}

/// Writes the header(s) of one entry at `path` (relative, `/`-separated, a folder without its
/// trailing `/`); a file's `size` bytes follow, then [`finish_file`].
pub fn write_header(w: &mut impl Write, path: &str, kind: &Kind) -> io::Result<()> {
    let full = match kind {
        Kind::Dir => format!("{path}/"),
        _ => path.to_string(),
    };
    let link = match kind {
        Kind::Symlink { target } => target.as_str(),
        _ => "",
    };
    let split = split_ustar(&full);
    let mut records = String::new();
    if split.is_none() {
        records.push_str(&pax_record("path", &full));
    }
    if link.len() > 100 {
        records.push_str(&pax_record("linkpath", link));
    }
    if !records.is_empty() {
        let base = full.rsplit('/').find(|s| !s.is_empty()).unwrap_or("entry");
        let pax_name: String = format!("PaxHeaders/{base}").chars().take(99).collect();
        let pax_name = truncate_bytes(&pax_name, 100);
        w.write_all(&header(pax_name, "", b'x', records.len() as u64, ""))?;
        w.write_all(records.as_bytes())?;
        pad(w, records.len() as u64)?;
    }
    let (prefix, name) = split.unwrap_or(("", truncate_bytes(&full, 100)));
    let (flag, size) = match kind {
        Kind::Dir => (b'5', 0),
        Kind::File { size } => (b'0', *size),
        Kind::Symlink { .. } => (b'2', 0),
    };
    w.write_all(&header(name, prefix, flag, size, truncate_bytes(link, 100)))
}

/// Pads a file's content of `size` bytes to the block size.
pub fn finish_file(w: &mut impl Write, size: u64) -> io::Result<()> {
    pad(w, size)
}

/// The end-of-archive marker: two zero blocks.
pub fn finish(w: &mut impl Write) -> io::Result<()> {
    w.write_all(&[0u8; 2 * BLOCK])
}

/// The longest prefix of `s` of at most `max` bytes ending on a character boundary.
fn truncate_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checksum_ok(h: &[u8]) -> bool {
        let stored = std::str::from_utf8(&h[148..155])
            .ok()
            .and_then(|s| u64::from_str_radix(s.trim_end_matches('\0'), 8).ok());
        let sum: u64 = h
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u64::from(*b)
                }
            })
            .sum();
        stored == Some(sum)
    }

    #[test]
    fn a_file_header_is_ustar_with_fixed_owner_time_and_mode() {
        let mut out = Vec::new();
        write_header(&mut out, "Dockerfile", &Kind::File { size: 12 }).expect("writes");
        assert_eq!(out.len(), 512);
        assert_eq!(&out[..11], b"Dockerfile\0");
        assert_eq!(&out[100..108], b"0000755\0");
        assert_eq!(&out[108..116], b"0000000\0");
        assert_eq!(&out[124..136], b"00000000014\0");
        assert_eq!(&out[136..148], b"00000000000\0");
        assert_eq!(out[156], b'0');
        assert_eq!(&out[257..265], b"ustar\x0000");
        assert!(checksum_ok(&out));
    }

    #[test]
    fn folders_and_links() {
        let mut out = Vec::new();
        write_header(&mut out, "src", &Kind::Dir).expect("writes");
        assert_eq!(&out[..5], b"src/\0");
        assert_eq!(out[156], b'5');
        let mut link = Vec::new();
        write_header(
            &mut link,
            "latest",
            &Kind::Symlink {
                target: "v1/app".into(),
            },
        )
        .expect("writes");
        assert_eq!(link[156], b'2');
        assert_eq!(&link[157..164], b"v1/app\0");
        assert!(checksum_ok(&link));
    }

    #[test]
    fn long_paths_use_the_prefix_field_then_pax() {
        let deep = format!("{}/{}", "d".repeat(120), "f".repeat(50));
        let mut out = Vec::new();
        write_header(&mut out, &deep, &Kind::File { size: 0 }).expect("writes");
        assert_eq!(out.len(), 512, "fits prefix + name");
        assert_eq!(&out[345..350], b"ddddd");
        assert_eq!(&out[..5], b"fffff");

        let long = "x".repeat(300);
        let mut out = Vec::new();
        write_header(&mut out, &long, &Kind::File { size: 0 }).expect("writes");
        assert_eq!(out[156], b'x', "a PAX header first");
        let record = pax_record("path", &long);
        assert_eq!(&out[512..512 + record.len()], record.as_bytes());
        assert_eq!(out.len(), 512 * 3);
        assert_eq!(out[1024 + 156], b'0');
        assert!(checksum_ok(&out[..512]) && checksum_ok(&out[1024..]));
    }

    #[test]
    fn pax_records_count_their_own_length() {
        assert_eq!(pax_record("path", "a"), "9 path=a\n");
        let r = pax_record("path", &"y".repeat(95));
        assert_eq!(r.len().to_string(), r.split(' ').next().unwrap_or_default());
        assert_eq!(r.len(), 105, "3 digits + 102");
    }

    #[test]
    fn padding_and_end() {
        let mut out = Vec::new();
        finish_file(&mut out, 513).expect("pads");
        assert_eq!(out.len(), 511);
        let mut none = Vec::new();
        finish_file(&mut none, 1024).expect("pads");
        assert!(none.is_empty());
        let mut end = Vec::new();
        finish(&mut end).expect("ends");
        assert_eq!(end, vec![0u8; 1024]);
    }
}
