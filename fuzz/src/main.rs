//! `agent37-fuzz`: the fuzz driver (usually started by `cargo xtask fuzz`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use agent37_fuzz::driver::{self, Options};
use agent37_fuzz::{artifacts_root, corpus_root, targets};

const USAGE: &str = "\
usage: agent37-fuzz [--seconds N] [--target NAME]... [--seed S] [--corpus DIR] [--artifacts DIR]
       agent37-fuzz run TARGET FILE...     run files once (reproduce a crash)
       agent37-fuzz list                   the targets
       agent37-fuzz seed-corpus [DIR]      write generated seeds (values of every schema, type
                                           specs, strings) into DIR/<target>/ (default
                                           fuzz/corpus), keeping files that exist

Fuzzes each target (all by default) for N seconds (default 10), starting from DIR/<target>
(default fuzz/corpus/<target>). Crashing inputs go to ARTIFACTS/<target>/ (default
fuzz/artifacts/). Exit code 1 when anything crashed.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("agent37-fuzz: {e}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    match args.first().map(String::as_str) {
        Some("list") => {
            for t in targets::all() {
                println!("{:<10} {}", t.name, t.about);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some("run") => reproduce(&args[1..]),
        Some("seed-corpus") => {
            let dir = args.get(1).map(PathBuf::from).unwrap_or_else(corpus_root);
            let written = agent37_fuzz::seeds::write(&dir).map_err(|e| e.to_string())?;
            println!("wrote {written} new seed files under {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => fuzz(args),
    }
}

fn fuzz(args: &[String]) -> Result<ExitCode, String> {
    let mut seconds = 10u64;
    let mut names: Vec<String> = Vec::new();
    let mut seed: Option<u64> = None;
    let mut corpus = corpus_root();
    let mut artifacts = artifacts_root();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match arg.as_str() {
            "--seconds" => {
                seconds = value("--seconds")?
                    .parse()
                    .map_err(|_| "--seconds takes a whole number".to_owned())?
            }
            "--target" => names.push(value("--target")?),
            "--seed" => {
                seed = Some(
                    value("--seed")?
                        .parse()
                        .map_err(|_| "--seed takes a whole number".to_owned())?,
                )
            }
            "--corpus" => corpus = PathBuf::from(value("--corpus")?),
            "--artifacts" => artifacts = PathBuf::from(value("--artifacts")?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    let chosen: Vec<targets::Target> = if names.is_empty() {
        targets::all()
    } else {
        names
            .iter()
            .map(|n| targets::by_name(n).ok_or_else(|| format!("no target {n:?}")))
            .collect::<Result<_, _>>()?
    };
    let seed = seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    });

    println!("agent37-fuzz: seed {seed}, {seconds} s per target");
    let mut crashed = 0usize;
    let mut rows = Vec::new();
    for target in chosen {
        let name = target.name;
        let report = driver::fuzz(
            target,
            Options {
                duration: Duration::from_secs(seconds),
                min_executions: 0,
                seed,
                corpus: corpus.join(name),
                artifacts: artifacts.join(name),
                progress: Some(Duration::from_secs(30)),
            },
        );
        crashed += report.crashes.len();
        for (message, path) in &report.crashes {
            println!("CRASH in {name}: {message}\n  input: {}", path.display());
        }
        rows.push(report);
    }
    println!(
        "\n{:<10} {:>12} {:>10} {:>8} {:>9} {:>7} {:>8}",
        "target", "executions", "execs/s", "corpus", "outcomes", "pool", "crashes"
    );
    for r in &rows {
        println!(
            "{:<10} {:>12} {:>10.0} {:>8} {:>9} {:>7} {:>8}",
            r.target,
            r.executions,
            r.execs_per_sec(),
            r.corpus_files,
            r.outcomes,
            r.pool,
            r.crashes.len()
        );
    }
    if crashed > 0 {
        println!("\n{crashed} crash(es); rerun one with `agent37-fuzz run TARGET FILE`");
        Ok(ExitCode::FAILURE)
    } else {
        println!("\nno crash (seed {seed})");
        Ok(ExitCode::SUCCESS)
    }
}

fn reproduce(args: &[String]) -> Result<ExitCode, String> {
    let (name, files) = args.split_first().ok_or("`run` needs a target and files")?;
    let target = targets::by_name(name).ok_or_else(|| format!("no target {name:?}"))?;
    let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    // Same stack as the fuzz loop, so an overflow reproduces.
    let handle = std::thread::Builder::new()
        .stack_size(driver::TARGET_STACK)
        .spawn(move || {
            let mut failed = 0;
            for file in &files {
                let input = std::fs::read(file)
                    .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
                match driver::run_one(&target, &input) {
                    Ok(_) => println!("{}: ok", file.display()),
                    Err(message) => {
                        failed += 1;
                        println!("{}: PANIC: {message}", file.display());
                    }
                }
            }
            Ok::<_, String>(failed)
        })
        .map_err(|e| e.to_string())?;
    let failed = handle
        .join()
        .map_err(|_| "the run thread panicked".to_owned())??;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
