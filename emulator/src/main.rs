//! agent37-emulator: a local emulator of the Agent37 hosting API (see README.md).

mod app;
mod billing;
mod cli;
mod clock;
mod error;
mod exec;
mod faults;
mod model;
mod objects;
mod routes;
mod server;
mod store;
mod traffic;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use app::{App, DefaultWorkspace, Settings};
use cli::{CliError, Options};

fn base_url(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("http://{}:{}", a.ip(), a.port()),
        SocketAddr::V6(a) => format!("http://[{}]:{}", a.ip(), a.port()),
    }
}

/// Where `--exec host` puts each instance's scratch directory.
fn exec_root(o: &Options) -> PathBuf {
    match (&o.exec_dir, &o.db) {
        (Some(d), _) => d.clone(),
        (None, Some(db)) => {
            let mut p = db.clone().into_os_string();
            p.push(".exec");
            PathBuf::from(p)
        }
        (None, None) => {
            std::env::temp_dir().join(format!("agent37-emulator-{}", std::process::id()))
        }
    }
}

fn println_flush(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

async fn run(o: Options) -> Result<(), String> {
    let store = store::Store::open(o.db.as_deref())
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let listener = tokio::net::TcpListener::bind(o.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", o.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let base = base_url(addr);
    let settings = Settings {
        boot_delay: Duration::from_millis(o.boot_delay_ms),
        exec_mode: o.exec,
        exec_root: exec_root(&o),
        default_workspace: DefaultWorkspace {
            api_key: o.api_key.clone(),
            tier: o.tier,
            wallet_micros: o.wallet_micros,
            instance_limit: o.instance_limit,
        },
    };
    let app = Arc::new(
        App::new(store, settings, base.clone(), o.budget_names)
            .map_err(|e| format!("cannot initialise: {e}"))?,
    );
    println_flush(&format!("agent37-emulator listening on {base}"));
    if o.api_key.is_none() {
        println_flush(&format!("agent37-emulator api key {}", app.default_key()));
    }
    server::serve(listener, routes::build(app)).await;
    Ok(())
}

fn main() -> ExitCode {
    let opts = match cli::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(CliError::Help) => {
            print!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(CliError::Usage(msg)) => {
            eprintln!("agent37-emulator: {msg}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("agent37-emulator: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(opts)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("agent37-emulator: {msg}");
            ExitCode::FAILURE
        }
    }
}
