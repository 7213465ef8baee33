//! agent37-emulator: a local emulator of the Agent37 hosting API (see README.md). The binary
//! only parses the command line, binds, prints the startup lines and serves the library.

use std::io::Write;
use std::process::ExitCode;

use agent37_emulator::cli::{self, CliError, Options};
use agent37_emulator::{base_url, open, server, service};

fn println_flush(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

async fn run(o: Options) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(o.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", o.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let base = base_url(addr);
    let app = open(&o, base.clone())?;
    println_flush(&format!("agent37-emulator listening on {base}"));
    if o.api_key.is_none() {
        println_flush(&format!("agent37-emulator api key {}", app.default_key()));
    }
    server::serve(listener, service(app)).await;
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
