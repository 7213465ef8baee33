//! agent37-emulator as a library: the hosting API of `docs/contract/hosting-api.md` (and its
//! 2026-08-21 delta) as a tower service over an SQLite store. The binary (`main.rs`) binds a
//! socket and serves it; tests drive the same service in process with `oneshot`.

pub mod app;
pub mod billing;
pub mod cli;
pub mod clock;
pub mod error;
pub mod exec;
pub mod faults;
pub mod model;
pub mod objects;
pub mod routes;
pub mod server;
pub mod store;
pub mod traffic;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use app::App;
use app::{DefaultWorkspace, Settings};
use cli::Options;

/// `http://HOST:PORT` of a bound address; every URL the emulator hands out hangs off it.
pub fn base_url(addr: SocketAddr) -> String {
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

/// Opens the store (`--db` or in memory) and builds the shared state for `base_url`, exactly
/// as the binary does after binding.
pub fn open(o: &Options, base_url: String) -> Result<Arc<App>, String> {
    let store = store::Store::open(o.db.as_deref())
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let settings = Settings {
        api_revision: o.api_revision,
        budget_names: o.budget_names,
        plane_host: o.plane_host.clone(),
        boot_delay: Duration::from_millis(o.boot_delay_ms),
        exec_mode: o.exec,
        exec_root: exec_root(o),
        default_workspace: DefaultWorkspace {
            api_key: o.api_key.clone(),
            tier: o.tier,
            wallet_micros: o.wallet_micros,
            topups_micros: o.topups_micros,
            instance_limit: o.instance_limit,
        },
    };
    App::new(store, settings, base_url)
        .map(Arc::new)
        .map_err(|e| format!("cannot initialise: {e}"))
}

/// The whole HTTP surface (API, instance plane, control routes) as one cloneable service.
pub fn service(app: Arc<App>) -> routes::Service {
    routes::service(app)
}
