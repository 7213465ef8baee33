//! The fuzzing loop: start from the committed corpus, mutate (or generate) an input, run the
//! target with panics caught, keep inputs whose outcome is new as seeds, save every crashing
//! input, stop after the time budget.
//!
//! Runs are deterministic for a seed (apart from where the clock stops them), so a crash that
//! takes the process down (a stack overflow cannot be caught) is found again with `--seed`.
//! The target runs on a thread with a 2 MiB stack, the size of the provider's runtime threads,
//! so deep nesting that would overflow the provider overflows here too.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::hash::{Hash, Hasher};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::mutate;
use crate::schemas;
use crate::targets::Target;

/// Stack of the thread running the target: tokio's default for worker threads.
pub const TARGET_STACK: usize = 2 * 1024 * 1024;
/// Seeds kept in memory beyond the corpus.
const MAX_POOL: usize = 20_000;

pub struct Options {
    pub duration: Duration,
    /// Mutated inputs run at least, however long they take: with a fixed seed this makes a
    /// run's work, and so its findings, the same on a loaded machine as on a quiet one.
    pub min_executions: u64,
    pub seed: u64,
    /// `fuzz/corpus/<target>`: read at start.
    pub corpus: PathBuf,
    /// Where crashing inputs are written (`crash-<hash>`).
    pub artifacts: PathBuf,
    /// Print a status line this often (None: quiet).
    pub progress: Option<Duration>,
}

#[derive(Debug, Default)]
pub struct Report {
    pub target: String,
    pub executions: u64,
    pub elapsed: Duration,
    pub corpus_files: usize,
    /// Distinct outcomes seen (the driver's stand-in for coverage).
    pub outcomes: usize,
    pub pool: usize,
    /// One entry per distinct panic message: (message, saved input).
    pub crashes: Vec<(String, PathBuf)>,
}

impl Report {
    pub fn execs_per_sec(&self) -> f64 {
        self.executions as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Every file of `dir` (not recursive), sorted by name so runs are repeatable.
pub fn read_corpus(dir: &Path) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files.iter().filter_map(|p| fs::read(p).ok()).collect()
}

/// Runs `target` once on `input`, with the panic caught: `Err(message)` on a panic.
pub fn run_one(target: &Target, input: &[u8]) -> Result<u64, String> {
    panic::catch_unwind(AssertUnwindSafe(|| (target.run)(input))).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic without a message".to_owned())
    })
}

/// Fuzzes `target` for `opts.duration` on a thread with [`TARGET_STACK`].
pub fn fuzz(target: Target, opts: Options) -> Report {
    let handle = std::thread::Builder::new()
        .name(format!("fuzz-{}", target.name))
        .stack_size(TARGET_STACK)
        .spawn(move || fuzz_here(&target, &opts));
    match handle.map(|h| h.join()) {
        Ok(Ok(report)) => report,
        Ok(Err(_)) => panic!("the fuzz loop itself panicked"),
        Err(e) => panic!("cannot start the fuzz thread: {e}"),
    }
}

fn fuzz_here(target: &Target, opts: &Options) -> Report {
    let started = Instant::now();
    let corpus = read_corpus(&opts.corpus);
    let mut report = Report {
        target: target.name.to_owned(),
        corpus_files: corpus.len(),
        ..Report::default()
    };
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut pool: Vec<Vec<u8>> = corpus;
    let mut outcomes: HashSet<u64> = HashSet::new();
    let mut crashes: HashMap<String, PathBuf> = HashMap::new();
    let quiet = Quiet::install();

    // The corpus itself first: it must pass as it is.
    for input in pool.clone() {
        execute(
            target,
            &input,
            opts,
            &mut report,
            &mut outcomes,
            &mut crashes,
        );
    }

    let mut last_progress = Instant::now();
    let mut input = Vec::new();
    let mutated_from = report.executions;
    while started.elapsed() < opts.duration
        || report.executions - mutated_from < opts.min_executions
    {
        // Check the clock every 64 inputs; an execution takes microseconds.
        for _ in 0..64 {
            next_input(target, &mut rng, &pool, &mut input);
            let fresh = execute(
                target,
                &input,
                opts,
                &mut report,
                &mut outcomes,
                &mut crashes,
            );
            if fresh && pool.len() < MAX_POOL {
                pool.push(input.clone());
            }
        }
        if opts
            .progress
            .is_some_and(|every| last_progress.elapsed() >= every)
        {
            last_progress = Instant::now();
            eprintln!(
                "fuzz {}: {} execs ({:.0}/s), {} outcomes, pool {}, {} crashes",
                target.name,
                report.executions,
                report.executions as f64 / started.elapsed().as_secs_f64(),
                outcomes.len(),
                pool.len(),
                crashes.len()
            );
        }
    }
    drop(quiet);
    report.elapsed = started.elapsed();
    report.outcomes = outcomes.len();
    report.pool = pool.len();
    let mut found: Vec<(String, PathBuf)> = crashes.into_iter().collect();
    found.sort();
    report.crashes = found;
    report
}

/// Runs one input; true when its outcome was new.
fn execute(
    target: &Target,
    input: &[u8],
    opts: &Options,
    report: &mut Report,
    outcomes: &mut HashSet<u64>,
    crashes: &mut HashMap<String, PathBuf>,
) -> bool {
    report.executions += 1;
    match run_one(target, input) {
        Ok(signature) => outcomes.insert(signature),
        Err(message) => {
            let key = first_line(&message);
            if let std::collections::hash_map::Entry::Vacant(slot) = crashes.entry(key) {
                let path = save_crash(&opts.artifacts, input);
                eprintln!(
                    "fuzz {}: CRASH: {message}\n  input saved to {}",
                    target.name,
                    path.display()
                );
                slot.insert(path);
            }
            false
        }
    }
}

fn first_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().to_owned()
}

fn save_crash(dir: &Path, input: &[u8]) -> PathBuf {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    input.hash(&mut h);
    let path = dir.join(format!("crash-{:016x}", h.finish()));
    if let Err(e) = fs::create_dir_all(dir).and_then(|()| fs::write(&path, input)) {
        eprintln!("cannot save {}: {e}", path.display());
    }
    path
}

/// The next input: mostly a mutated seed, sometimes a freshly generated structured one.
fn next_input(target: &Target, rng: &mut StdRng, pool: &[Vec<u8>], out: &mut Vec<u8>) {
    if pool.is_empty() || rng.random_bool(0.05) {
        *out = (target.generate)(rng);
        return;
    }
    let base = &pool[rng.random_range(0..pool.len())];
    let other = &pool[rng.random_range(0..pool.len())];
    if target.framed {
        let (name, payload) = split_frame(base);
        let (_, other_payload) = split_frame(other);
        let name = if rng.random_bool(0.03) {
            let entries = schemas::all();
            entries[rng.random_range(0..entries.len())].name.as_bytes()
        } else {
            name
        };
        let mut payload = payload.to_vec();
        mutate::mutate(rng, &mut payload, other_payload, target.dict);
        out.clear();
        out.extend_from_slice(name);
        out.push(b'\n');
        out.extend_from_slice(&payload);
    } else {
        out.clear();
        out.extend_from_slice(base);
        mutate::mutate(rng, out, other, target.dict);
    }
}

fn split_frame(input: &[u8]) -> (&[u8], &[u8]) {
    match input.iter().position(|b| *b == b'\n') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (&[], input),
    }
}

/// Silences the default panic message of fuzz threads while any fuzz loop runs (caught panics
/// are reported once each by the loop).
struct Quiet;

static FUZZ_LOOPS: AtomicUsize = AtomicUsize::new(0);

impl Quiet {
    fn install() -> Quiet {
        static INSTALLED: std::sync::Once = std::sync::Once::new();
        INSTALLED.call_once(|| {
            let previous = panic::take_hook();
            panic::set_hook(Box::new(move |info| {
                let fuzzing = std::thread::current()
                    .name()
                    .is_some_and(|n| n.starts_with("fuzz-"));
                if !(fuzzing && FUZZ_LOOPS.load(Ordering::SeqCst) > 0) {
                    previous(info);
                }
            }));
        });
        FUZZ_LOOPS.fetch_add(1, Ordering::SeqCst);
        Quiet
    }
}

impl Drop for Quiet {
    fn drop(&mut self) {
        FUZZ_LOOPS.fetch_sub(1, Ordering::SeqCst);
    }
}
