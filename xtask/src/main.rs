//! Project tooling, run as `cargo xtask <command>` (the alias lives in `.cargo/config.toml`).
//!
//! Besides the standard library: the provider crate itself for `docs` (which reads the
//! provider's schemas), so building xtask builds the provider library; `testkit` (the emulator
//! launcher, HTTP client and Terraform runner the tests use) for `demo` and `bench`; serde_json.

mod bench;
mod cross;
mod demo;
mod docs;
mod fuzz;
mod macos_sdk;
mod release;
mod setup;
mod sign;
mod terraform;
mod test;
mod util;

use std::process::ExitCode;

use setup::TfVersion;
use util::Paths;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  setup                  create (or reuse) the Terraform venvs under target/terraform/{1.15,1.11}/
                         and their `terraform` launchers; verify them with `terraform version`
  test [-- ARGS]         setup, build the workspace binaries, run every test of the workspace
                         (cargo-nextest when installed, else cargo test; ARGS go to the runner,
                         e.g. a filter), then `cargo fmt --check` and `cargo clippy -D warnings`
  terraform [--version 1.15|1.11] [--] ARGS
                         run that Terraform (default 1.15) with the provider built from this
                         checkout (dev_overrides to target/debug)
  demo [--destroy | --serve] [--scenario NAME] [--api-revision REV]
                         start the emulator on its persistent demo database, apply
                         examples/quickstart/ in target/demo/quickstart/, show the outputs and a
                         no-op plan, then stop the emulator. --destroy destroys the demo objects;
                         --serve runs the demo emulator in the foreground to look around;
                         --scenario NAME does the same with examples/scenarios/NAME/ on its own
                         database in target/demo/scenario-NAME/ (API revision 2026-08-21 unless
                         --api-revision says otherwise; the quickstart's default is 2026-06-25)
  bench [--quick | --callgrind | --scaling N,N,...]
                         the benchmarks of docs/guides/performance.md against release builds: RPC
                         overhead, refresh, apply with API latency, footprint, scaling at
                         N = 100 and 1000, instructions per resource and per RPC (callgrind); a
                         table, and target/bench/results.json. --quick: smaller N, fewer runs,
                         no scaling rows; --callgrind: only the instruction counts (installs
                         valgrind with apt-get when it may, else skips them); --scaling: only
                         the scaling rows, at these N (the docs table: 100,1000,5000)
  release [--all | --platform NAME...] [--from [PLATFORM=]BINARY...] [--out DIR]
                         the Registry's files in target/release-artifacts/ (or DIR): a zip per
                         platform, the manifest, their SHA256SUMS and its signature. Default: a
                         `cargo build --release` for this machine; --all: every platform
                         (linux, darwin, windows; amd64, arm64) cross-built with Zig, installed
                         on demand under target/cross/; --platform: some of them (e.g.
                         linux_arm64); --from: package given binaries as they are (this
                         platform's, or PLATFORM=BINARY). Signs the SHA256SUMS with the GPG key
                         AGENT37_RELEASE_GPG_KEY names (from GNUPGHOME); says so when unsigned
  docs [--check]         generate docs/ (Terraform Registry layout) from the provider's schemas,
                         examples/ and templates/; fails when a schema element has no
                         description. --check writes nothing and fails when docs/ is stale
  fuzz [--seconds N] [--target T]... [--seed S] [--debug]
                         fuzz the decoders (msgpack/JSON values, type specs, configuration,
                         API answers, configuration strings) for N seconds per target (default
                         10) from the committed corpus in fuzz/corpus/, built optimised with
                         overflow checks (--debug: the dev profile); crashing inputs go to
                         fuzz/artifacts/. `cargo run -p agent37-fuzz -- list` lists the targets
  help                   this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("xtask: error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return Ok(ExitCode::from(2));
    };
    let paths = Paths::discover()?;
    match command.as_str() {
        "setup" => {
            no_more_args("setup", rest)?;
            setup::ensure_all(&paths)?;
            Ok(ExitCode::SUCCESS)
        }
        "test" => {
            let extra = match rest.split_first() {
                None => &[][..],
                Some((first, after)) if first == "--" => after,
                Some(_) => rest,
            };
            test::run(&paths, extra)
        }
        "terraform" => {
            let (version, tf_args) = parse_terraform_args(rest)?;
            terraform::run(&paths, version, tf_args)
        }
        "demo" => demo::run(&paths, &demo::Args::parse(rest)?),
        "bench" => {
            let (mode, ns) = match rest {
                [] => (bench::Mode::Full, Vec::new()),
                [flag] if flag == "--quick" => (bench::Mode::Quick, Vec::new()),
                [flag] if flag == "--callgrind" => (bench::Mode::Callgrind, Vec::new()),
                [flag, ns] if flag == "--scaling" => {
                    (bench::Mode::Scaling, bench::parse_scaling_ns(ns)?)
                }
                _ => {
                    return Err(format!(
                        "`bench` takes at most one of --quick, --callgrind or --scaling N,N,…, got: {}",
                        rest.join(" ")
                    ));
                }
            };
            bench::run(&paths, mode, ns)
        }
        "release" => release::run(&paths, &release::Options::parse(rest)?),
        "docs" => {
            let check = match rest {
                [] => false,
                [flag] if flag == "--check" => true,
                _ => {
                    return Err(format!(
                        "`docs` takes at most --check, got: {}",
                        rest.join(" ")
                    ));
                }
            };
            run_docs(&paths, check)
        }
        "fuzz" => fuzz::run(&paths, rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!(
            "unknown command `{other}` (commands: setup, test, terraform, demo, release, docs, fuzz, bench; see `cargo xtask help`)"
        )),
    }
}

fn run_docs(paths: &Paths, check: bool) -> Result<ExitCode, String> {
    let generated =
        docs::generate(&paths.root, &docs::Catalog::agent37()).map_err(|e| format!("docs: {e}"))?;
    for w in &generated.warnings {
        eprintln!("xtask docs: warning: {w}");
    }
    if check {
        let stale = docs::stale(&paths.root, &generated)?;
        if stale.is_empty() {
            println!("docs/ is up to date ({} pages)", generated.files.len());
            return Ok(ExitCode::SUCCESS);
        }
        eprintln!(
            "docs/ is stale; run `{}` and commit the result:",
            docs::FIX_COMMAND
        );
        for s in stale {
            eprintln!("  {s}");
        }
        return Ok(ExitCode::FAILURE);
    }
    let touched = docs::write(&paths.root, &generated)?;
    for t in &touched {
        println!("  {t}");
    }
    println!(
        "docs/: {} pages, {} written or removed",
        generated.files.len(),
        touched.len()
    );
    Ok(ExitCode::SUCCESS)
}

fn no_more_args(command: &str, rest: &[String]) -> Result<(), String> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "`{command}` takes no arguments, got: {}",
            rest.join(" ")
        ))
    }
}

/// `[--version V | --version=V] [--] ARGS...`; the first argument that is not ours starts ARGS.
fn parse_terraform_args(rest: &[String]) -> Result<(TfVersion, &[String]), String> {
    let mut version = TfVersion::V1_15;
    let mut i = 0;
    while i < rest.len() {
        let arg = rest[i].as_str();
        if arg == "--" {
            return Ok((version, &rest[i + 1..]));
        } else if arg == "--version" {
            let value = rest
                .get(i + 1)
                .ok_or("`--version` needs a value: 1.15 or 1.11")?;
            version = TfVersion::parse(value)?;
            i += 2;
        } else if let Some(value) = arg.strip_prefix("--version=") {
            version = TfVersion::parse(value)?;
            i += 1;
        } else {
            break;
        }
    }
    Ok((version, &rest[i..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn terraform_args_default_to_1_15() {
        let args = strings(&["--", "-chdir=x", "plan"]);
        let (version, rest) = parse_terraform_args(&args).unwrap();
        assert_eq!(version, TfVersion::V1_15);
        assert_eq!(rest, &strings(&["-chdir=x", "plan"])[..]);
    }

    #[test]
    fn terraform_args_take_a_version() {
        let args = strings(&["--version", "1.11", "--", "version"]);
        let (version, rest) = parse_terraform_args(&args).unwrap();
        assert_eq!(version, TfVersion::V1_11);
        assert_eq!(rest, &strings(&["version"])[..]);

        let args = strings(&["--version=1.15", "plan", "--", "x"]);
        let (version, rest) = parse_terraform_args(&args).unwrap();
        assert_eq!(version, TfVersion::V1_15);
        assert_eq!(rest, &strings(&["plan", "--", "x"])[..]);
    }

    #[test]
    fn terraform_args_refuse_unknown_versions() {
        let err = parse_terraform_args(&strings(&["--version", "1.9"])).unwrap_err();
        assert!(err.contains("1.15 or 1.11"), "{err}");
        assert!(parse_terraform_args(&strings(&["--version"])).is_err());
    }
}
