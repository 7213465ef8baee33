//! Processes: peak memory of the provider processes a Terraform run starts, the time from
//! spawn to the go-plugin handshake line, and finding a Go provider to compare with.

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::util;

/// The magic cookie go-plugin hosts (Terraform) set for their plugins.
const COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
const COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// A self-signed P-521 client certificate of the kind Terraform generates for AutoMTLS: only
/// parsed by the plugin (never used to connect), so its private key was thrown away.
const CLIENT_CERT: &str = "-----BEGIN CERTIFICATE-----
MIICdjCCAdegAwIBAgIUTCJ95smLu9tNM4D3/h0w86X6DgcwCgYIKoZIzj0EAwIw
KDESMBAGA1UECgwJSGFzaGlDb3JwMRIwEAYDVQQDDAlsb2NhbGhvc3QwIBcNMjYx
MTI4MTgwOTQyWhgPMjEyNjExMDQxODA5NDJaMCgxEjAQBgNVBAoMCUhhc2hpQ29y
cDESMBAGA1UEAwwJbG9jYWxob3N0MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQA
iRK101uPPlyC3TWzJZlarbpSLO0v6yriXHfFIdolWEypH4iZ0bZyGZy1lQLozAwf
NEDVwLuxmWkqfn15pn6JCfgBq6MXBR4/82B7m/qBCz7CAqCspL+PSzkncQrs+VPw
ND6s3PLaE19Y3iVHnA5qEDMzlDrtZjuqt0A8hmKKQrBnsp+jgZkwgZYwHQYDVR0O
BBYEFCS6mdrR5kb+CZQmMxGvQU1b0iklMB8GA1UdIwQYMBaAFCS6mdrR5kb+CZQm
MxGvQU1b0iklMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgKkMB0GA1Ud
JQQWMBQGCCsGAQUFBwMCBggrBgEFBQcDATAUBgNVHREEDTALgglsb2NhbGhvc3Qw
CgYIKoZIzj0EAwIDgYwAMIGIAkIBoOzhP3Z3LRvrGjRyLAuV1i/m/CiU4Lj4qsBm
g4sgiUf6hxKJNzPsrAvSdboVImFYLEIol2yU1CjhqjKIgD13lYACQgHh2spfPg1C
5timf7gpyH6uT3wPmsT31AfrQP6kxRFaza218asm8Xb359tVSLuCuAy/rilzH+em
SeqrSlUmii8i7g==
-----END CERTIFICATE-----
";

/// Samples one process (Terraform) and those of its descendants whose executable is `exe`,
/// every 2 ms in a background thread, until stopped: the CPU time of both, and the peak resident
/// memory (VmHWM) of the latter. Short-lived plugins are caught because only the process tree is
/// read, not all of `/proc`.
pub struct RssProbe {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Sample>,
}

/// What a probe saw.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    /// The highest VmHWM of any one process, in KiB (0 if none was seen).
    pub peak_kib: u64,
    /// CPU time of all of them, in seconds (the last reading of each; it may miss the final
    /// 2 ms of a process): their threads' exact run times where the kernel shows them, else
    /// user + system ticks.
    pub cpu_secs: f64,
    /// The same for the root process itself (Terraform).
    pub root_cpu_secs: f64,
}

/// Linux reports CPU times in USER_HZ ticks, 100 a second on every mainstream architecture.
const TICKS_PER_SECOND: f64 = 100.0;

impl RssProbe {
    pub fn start(exe: Option<&Path>, root_pid: u32) -> RssProbe {
        let exe = exe.map(|e| fs::canonicalize(e).unwrap_or_else(|_| e.to_path_buf()));
        let root_dir = PathBuf::from(format!("/proc/{root_pid}"));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::spawn(move || {
            let mut peak = 0;
            // Per process: its ticks, and per thread its exact run time when the kernel shows it.
            let mut cpu_ticks: HashMap<u32, u64> = HashMap::new();
            let mut thread_secs: HashMap<(u32, u32), f64> = HashMap::new();
            let mut root_ticks = 0;
            loop {
                let done = flag.load(Ordering::Relaxed);
                root_ticks = cpu_ticks_of(&root_dir).unwrap_or(root_ticks);
                for pid in descendants(root_pid) {
                    let dir = PathBuf::from(format!("/proc/{pid}"));
                    if exe
                        .as_ref()
                        .is_some_and(|exe| fs::read_link(dir.join("exe")).is_ok_and(|p| p == *exe))
                    {
                        peak = peak.max(peak_rss_kib(&dir).unwrap_or(0));
                        if let Some(ticks) = cpu_ticks_of(&dir) {
                            cpu_ticks.insert(pid, ticks);
                        }
                        for (tid, secs) in thread_run_secs(&dir) {
                            thread_secs.insert((pid, tid), secs);
                        }
                    }
                }
                if done {
                    // Exact run times where every process showed them; ticks (10 ms, rounded
                    // down per process) made a plan of 100 resources read a third low.
                    let exact = cpu_ticks
                        .keys()
                        .all(|pid| thread_secs.keys().any(|(p, _)| p == pid));
                    let cpu_secs = if exact && !thread_secs.is_empty() {
                        thread_secs.values().sum::<f64>()
                    } else {
                        cpu_ticks.values().sum::<u64>() as f64 / TICKS_PER_SECOND
                    };
                    return Sample {
                        peak_kib: peak,
                        cpu_secs,
                        root_cpu_secs: root_ticks as f64 / TICKS_PER_SECOND,
                    };
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        });
        RssProbe { stop, handle }
    }

    pub fn finish(self) -> Sample {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or_default()
    }
}

/// Children, grandchildren… of `pid` (from every thread's `children` list), at most 4 deep.
fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut level = vec![pid];
    for _ in 0..4 {
        let mut next = Vec::new();
        for p in &level {
            let Ok(tasks) = fs::read_dir(format!("/proc/{p}/task")) else {
                continue;
            };
            for task in tasks.flatten() {
                let text = fs::read_to_string(task.path().join("children")).unwrap_or_default();
                next.extend(
                    text.split_whitespace()
                        .filter_map(|c| c.parse::<u32>().ok()),
                );
            }
        }
        if next.is_empty() {
            break;
        }
        out.extend(&next);
        level = next;
    }
    out
}

/// utime + stime of `/proc/<pid>`, in ticks (fields 14 and 15 of `stat`, counted after the
/// parenthesised command name, which may itself hold spaces).
fn cpu_ticks_of(proc_dir: &Path) -> Option<u64> {
    let stat = fs::read_to_string(proc_dir.join("stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Each thread's run time so far, in seconds: `se.sum_exec_runtime` (milliseconds, to the
/// nanosecond) of `/proc/<pid>/task/<tid>/sched`; nothing where the kernel does not show it.
/// Threads are kept by id, so one that ends keeps its last reading.
fn thread_run_secs(proc_dir: &Path) -> Vec<(u32, f64)> {
    let Ok(tasks) = fs::read_dir(proc_dir.join("task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| {
            let tid = task.file_name().to_str()?.parse::<u32>().ok()?;
            let sched = fs::read_to_string(task.path().join("sched")).ok()?;
            let ms = sched
                .lines()
                .find_map(|l| l.strip_prefix("se.sum_exec_runtime"))?
                .trim_start_matches([' ', ':'])
                .trim()
                .parse::<f64>()
                .ok()?;
            Some((tid, ms / 1000.0))
        })
        .collect()
}

/// VmHWM of `/proc/<pid>`, in KiB.
fn peak_rss_kib(proc_dir: &Path) -> Option<u64> {
    let status = fs::read_to_string(proc_dir.join("status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// One start of a plugin binary the way Terraform starts it (cookie, protocol versions, a
/// client certificate so it sets up TLS): the time until its handshake line, and its peak
/// memory at that point.
pub struct Handshake {
    pub elapsed: Duration,
    pub rss_kib: u64,
}

pub fn handshake(bin: &Path, socket_dir: &Path) -> Result<Handshake, String> {
    let mut cmd = Command::new(bin);
    as_terraform_starts(&mut cmd, socket_dir)?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let result = read_handshake(&mut child, started);
    let rss_kib = peak_rss_kib(&PathBuf::from(format!("/proc/{}", child.id()))).unwrap_or(0);
    stop(child);
    let elapsed = result?;
    Ok(Handshake { elapsed, rss_kib })
}

/// The environment Terraform gives a plugin it starts (cookie, protocol versions, a client
/// certificate, so that the plugin sets up AutoMTLS; its socket in `socket_dir`), no logging.
pub fn as_terraform_starts(cmd: &mut Command, socket_dir: &Path) -> Result<(), String> {
    util::create_dir_all(socket_dir)?;
    cmd.env(COOKIE_KEY, COOKIE_VALUE)
        .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
        .env("PLUGIN_CLIENT_CERT", CLIENT_CERT)
        .env("PLUGIN_UNIX_SOCKET_DIR", socket_dir)
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .env_remove("TF_LOG")
        .env_remove("TF_LOG_PROVIDER");
    Ok(())
}

fn read_handshake(child: &mut Child, started: Instant) -> Result<Duration, String> {
    let stdout = child.stdout.take().ok_or("stdout not captured")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("reading the handshake: {e}"))?;
    let elapsed = started.elapsed();
    // core version | app version | network | address | protocol [| cert]
    if line.trim().split('|').count() < 5 {
        return Err(format!("not a handshake line: {line:?}"));
    }
    Ok(elapsed)
}

/// SIGTERM (the provider removes its socket), then SIGKILL after 2 s.
fn stop(mut child: Child) {
    testkit::process::terminate(&mut child, Duration::from_secs(2));
}

/// The Go providers to compare with: the paths in `AGENT37_BENCH_GO_PROVIDER` (a list, like
/// `PATH`), else every Go `terraform-provider-*` binary (not ours) under the usual plugin
/// directories, `TF_PLUGIN_CACHE_DIR` and the CLI configuration's mirrors and cache. Several peers give several rows: a small provider and
/// a large one bracket what users run.
pub fn find_go_providers() -> Vec<PathBuf> {
    if let Some(list) = std::env::var_os("AGENT37_BENCH_GO_PROVIDER").filter(|p| !p.is_empty()) {
        return std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
    }
    let mut dirs = Vec::new();
    if let Some(home) = std::env::var_os("HOME").map(PathBuf::from) {
        dirs.push(home.join(".terraform.d/plugins"));
        dirs.push(home.join(".local/share/terraform/plugins"));
    }
    dirs.push(PathBuf::from("/usr/local/share/terraform/plugins"));
    dirs.push(PathBuf::from("/usr/share/terraform/plugins"));
    if let Some(cache) = std::env::var_os("TF_PLUGIN_CACHE_DIR").filter(|p| !p.is_empty()) {
        dirs.push(PathBuf::from(cache));
    }
    // The CLI configuration's filesystem mirrors and plugin cache, as Terraform would use them.
    let cli_config = std::env::var_os("TF_CLI_CONFIG_FILE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".terraformrc")));
    if let Some(text) = cli_config.and_then(|p| fs::read_to_string(p).ok()) {
        dirs.extend(cli_config_plugin_dirs(&text).into_iter().map(PathBuf::from));
    }
    let mut found = Vec::new();
    for dir in dirs {
        walk(&dir, 0, &mut found);
    }
    found.sort();
    found.dedup();
    found.retain(|p| is_go_binary(p));
    found
}

/// The `path` of every `filesystem_mirror` block and the `plugin_cache_dir` of a Terraform CLI
/// configuration. Only the plain forms (`key = "string"`, at most one per line) are read: enough
/// to find plugins, not an HCL parser.
fn cli_config_plugin_dirs(text: &str) -> Vec<String> {
    let mut dirs = Vec::new();
    // Brace depth at which the current `filesystem_mirror` block opened.
    let mut mirror_at: Option<usize> = None;
    let mut depth = 0usize;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        // `filesystem_mirror {` opens a block; its body may follow on the same line.
        let opened = line
            .strip_prefix("filesystem_mirror")
            .and_then(|rest| rest.trim_start().strip_prefix('{'));
        let body = opened.unwrap_or(line).trim();
        let body = body.strip_suffix('}').unwrap_or(body);
        if let Some((key, value)) = body.split_once('=') {
            let string = value
                .trim()
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .filter(|v| !v.is_empty() && !v.contains('"'));
            let in_mirror = opened.is_some() || mirror_at.is_some();
            match (key.trim(), string) {
                ("path", Some(v)) if in_mirror => dirs.push(v.to_string()),
                ("plugin_cache_dir", Some(v)) if depth == 0 => dirs.push(v.to_string()),
                _ => {}
            }
        }
        if opened.is_some() {
            mirror_at = Some(depth);
        }
        depth += line.matches('{').count();
        depth = depth.saturating_sub(line.matches('}').count());
        if mirror_at.is_some_and(|at| depth <= at) {
            mirror_at = None;
        }
    }
    dirs
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) {
    if depth > 8 {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            walk(&path, depth + 1, found);
        } else if name.starts_with("terraform-provider-")
            && !name.starts_with("terraform-provider-agent37")
        {
            found.push(path);
        }
    }
}

/// Go binaries carry a build-info blob starting with this magic. Read in chunks: the largest
/// providers are several hundred MiB.
fn is_go_binary(path: &Path) -> bool {
    const MAGIC: &[u8] = b"\xff Go buildinf:";
    let Ok(file) = fs::File::open(path) else {
        return false;
    };
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let chunk = match reader.fill_buf() {
            Ok([]) | Err(_) => return false,
            Ok(chunk) => chunk,
        };
        // Keep the last bytes of the previous chunk so a magic split across two is found.
        tail.extend_from_slice(chunk);
        if tail.windows(MAGIC.len()).any(|w| w == MAGIC) {
            return true;
        }
        let len = chunk.len();
        reader.consume(len);
        let keep = tail.len().min(MAGIC.len() - 1);
        tail.drain(..tail.len() - keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This test's own process: its threads' run times are read, and no more than its CPU.
    #[test]
    fn thread_run_times_are_read_from_proc() {
        let dir = Path::new("/proc/self");
        if !dir.join("task").exists() {
            return; // not Linux
        }
        let spin = Instant::now();
        while spin.elapsed() < Duration::from_millis(20) {}
        let threads = thread_run_secs(dir);
        if threads.is_empty() {
            return; // a kernel without per-task sched files
        }
        let total: f64 = threads.iter().map(|(_, s)| s).sum();
        assert!(total >= 0.015, "{threads:?}");
    }

    #[test]
    fn cli_config_names_its_mirrors_and_cache() {
        let text = r#"
plugin_cache_dir = "/cache/plugins"
provider_installation {
  filesystem_mirror {
    path    = "/mirror/one" # comment
    include = ["hashicorp/*"]
  }
  network_mirror {
    url = "https://example.invalid/"
  }
  filesystem_mirror { path = "/mirror/two" }
  dev_overrides {
    "a/b" = "/not/a/mirror"
  }
  direct {}
}
"#;
        assert_eq!(
            cli_config_plugin_dirs(text),
            ["/cache/plugins", "/mirror/one", "/mirror/two"]
        );
        let text = "provider_installation {\n  filesystem_mirror {\n    path = \"/m\"\n  }\n  direct { }\n}\npath = \"/top\"\n";
        assert_eq!(cli_config_plugin_dirs(text), ["/m"]);
    }

    #[test]
    fn go_binaries_are_found_by_their_build_info_magic_even_across_chunks() {
        let dir = std::env::temp_dir().join(format!("xtask-go-magic-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let magic = b"\xff Go buildinf:";
        // The magic straddles the first 1 MiB read.
        let mut bytes = vec![0u8; (1 << 20) - 5];
        bytes.extend_from_slice(magic);
        bytes.extend_from_slice(&[0u8; 100]);
        let go = dir.join("go");
        fs::write(&go, &bytes).unwrap();
        let other = dir.join("other");
        fs::write(&other, vec![0u8; 3 << 20]).unwrap();
        let found = (is_go_binary(&go), is_go_binary(&other));
        let missing = is_go_binary(&dir.join("missing"));
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found, (true, false));
        assert!(!missing);
    }
}
