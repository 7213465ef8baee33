//! Where the gRPC server listens: a unix socket (what go-plugin uses on Unix),
//! or TCP on loopback when no socket can be made. On Windows go-plugin always
//! uses TCP on loopback (its client never dials a unix socket there), so the
//! socket code exists only on Unix.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use tokio::net::{TcpListener, TcpStream};
#[cfg(unix)]
use tokio::net::{UnixListener, UnixStream};

use super::error::PluginError;

/// Directory for the socket; Terraform may set it, else the temp dir is used.
pub const UNIX_SOCKET_DIR_KEY: &str = "PLUGIN_UNIX_SOCKET_DIR";
/// Lowest TCP port to try when falling back to TCP.
pub const MIN_PORT_KEY: &str = "PLUGIN_MIN_PORT";
/// Highest TCP port to try when falling back to TCP.
pub const MAX_PORT_KEY: &str = "PLUGIN_MAX_PORT";

/// How to listen, from the environment Terraform gives us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListenConfig {
    /// Directory for the unix socket (unused on Windows).
    #[cfg_attr(not(unix), allow(dead_code))]
    pub(crate) socket_dir: PathBuf,
    /// Inclusive TCP port range for the fallback; `(0, 0)` lets the OS pick.
    pub(crate) ports: (u16, u16),
}

impl ListenConfig {
    /// Reads the `PLUGIN_*` variables through `get`.
    pub(crate) fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Self, PluginError> {
        let socket_dir = get(UNIX_SOCKET_DIR_KEY)
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        let port = |key: &'static str| -> Result<Option<u16>, PluginError> {
            match get(key).filter(|v| !v.trim().is_empty()) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<u16>()
                    .map(Some)
                    .map_err(|e| PluginError::Env {
                        name: key,
                        reason: format!("{v:?} is not a port number: {e}"),
                    }),
            }
        };
        let ports = match (port(MIN_PORT_KEY)?, port(MAX_PORT_KEY)?) {
            (None, None) => (0, 0),
            (min, max) => (min.unwrap_or(1), max.unwrap_or(u16::MAX)),
        };
        if ports.0 > ports.1 {
            return Err(PluginError::Env {
                name: MIN_PORT_KEY,
                reason: format!("{} is above {MAX_PORT_KEY} {}", ports.0, ports.1),
            });
        }
        Ok(Self { socket_dir, ports })
    }
}

/// A bound listener, unix or TCP.
#[derive(Debug)]
pub(crate) enum Listener {
    #[cfg(unix)]
    Unix(UnixListener),
    Tcp(TcpListener),
}

/// An accepted, not yet TLS-wrapped connection.
#[derive(Debug)]
pub(crate) enum RawConn {
    #[cfg(unix)]
    Unix(UnixStream),
    Tcp(TcpStream),
}

/// Deletes the unix socket file when dropped, so every exit path (Shutdown
/// RPC, signal, error) cleans up. Never made on Windows.
#[derive(Debug)]
#[cfg_attr(not(unix), allow(dead_code))]
pub(crate) struct SocketFile {
    path: PathBuf,
}

#[cfg_attr(not(unix), allow(dead_code))]
impl SocketFile {
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        match std::fs::remove_file(&self.path) {
            Ok(()) => tracing::debug!(path = %self.path.display(), "removed plugin socket"),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %self.path.display(), error = %e, "cannot remove plugin socket")
            }
        }
    }
}

/// What the handshake line and the reattach config advertise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address {
    /// `"unix"` or `"tcp"`.
    pub(crate) network: &'static str,
    /// Socket path or `host:port`.
    pub(crate) address: String,
}

/// Binds the listener: a fresh unix socket in `config.socket_dir`, or TCP on
/// 127.0.0.1 if that fails. Must run inside a tokio runtime.
#[cfg(unix)]
pub(crate) fn bind(
    config: &ListenConfig,
) -> Result<(Listener, Address, Option<SocketFile>), PluginError> {
    match bind_unix(&config.socket_dir) {
        Ok((listener, file)) => {
            let address = Address {
                network: "unix",
                address: file.path().display().to_string(),
            };
            Ok((Listener::Unix(listener), address, Some(file)))
        }
        Err(unix_err) => {
            tracing::warn!(
                dir = %config.socket_dir.display(),
                error = %unix_err,
                "cannot create a unix socket; falling back to TCP on loopback"
            );
            bind_loopback(config)
        }
    }
}

/// Binds the listener: TCP on 127.0.0.1 within `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT`,
/// as go-plugin does on Windows. Must run inside a tokio runtime.
#[cfg(not(unix))]
pub(crate) fn bind(
    config: &ListenConfig,
) -> Result<(Listener, Address, Option<SocketFile>), PluginError> {
    bind_loopback(config)
}

fn bind_loopback(
    config: &ListenConfig,
) -> Result<(Listener, Address, Option<SocketFile>), PluginError> {
    let (listener, addr) = bind_tcp(config.ports)?;
    let address = Address {
        network: "tcp",
        address: addr.to_string(),
    };
    Ok((Listener::Tcp(listener), address, None))
}

#[cfg(unix)]
fn bind_unix(dir: &Path) -> io::Result<(UnixListener, SocketFile)> {
    let mut last_err = None;
    // A name clash is possible only with a leftover socket; a few fresh
    // random names settle it.
    for _ in 0..8 {
        let path = dir.join(format!("plugin{:016x}", random_u64()));
        match UnixListener::bind(&path) {
            Ok(listener) => {
                let file = SocketFile { path };
                restrict_to_owner(file.path())?;
                return Ok((listener, file));
            }
            Err(e) if e.kind() == io::ErrorKind::AddrInUse => last_err = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last_err.unwrap_or_else(|| io::Error::other("no free socket name")))
}

/// Only our own user (Terraform) may connect.
#[cfg(unix)]
fn restrict_to_owner(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

fn bind_tcp((min, max): (u16, u16)) -> Result<(TcpListener, SocketAddr), PluginError> {
    let mut last_err = None;
    for port in min..=max {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        match std::net::TcpListener::bind(addr).and_then(|l| {
            l.set_nonblocking(true)?;
            let local = l.local_addr()?;
            Ok((TcpListener::from_std(l)?, local))
        }) {
            Ok(bound) => return Ok(bound),
            Err(e) => last_err = Some(e),
        }
    }
    Err(PluginError::Listen {
        what: format!("127.0.0.1 ports {min}..={max}"),
        source: last_err.unwrap_or_else(|| io::Error::other("empty port range")),
    })
}

impl Listener {
    /// Accepts one connection. TCP connections get `TCP_NODELAY`: without it
    /// Nagle's algorithm and delayed ACKs add ~40 ms to every small RPC.
    pub(crate) async fn accept(&self) -> io::Result<RawConn> {
        match self {
            #[cfg(unix)]
            Listener::Unix(l) => Ok(RawConn::Unix(l.accept().await?.0)),
            Listener::Tcp(l) => {
                let (stream, _) = l.accept().await?;
                stream.set_nodelay(true)?;
                Ok(RawConn::Tcp(stream))
            }
        }
    }
}

/// Random bits for socket names, from std's per-process hash keys (no extra
/// dependency needed for something that only has to avoid clashes).
#[cfg(unix)]
fn random_u64() -> u64 {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn port_range_from_env() {
        let c = ListenConfig::from_env(env(&[])).unwrap();
        assert_eq!(c.ports, (0, 0));
        assert_eq!(c.socket_dir, std::env::temp_dir());
        let c = ListenConfig::from_env(env(&[
            (MIN_PORT_KEY, "10000"),
            (MAX_PORT_KEY, "25000"),
            (UNIX_SOCKET_DIR_KEY, "/run/x"),
        ]))
        .unwrap();
        assert_eq!(c.ports, (10000, 25000));
        assert_eq!(c.socket_dir, PathBuf::from("/run/x"));
        assert!(ListenConfig::from_env(env(&[(MIN_PORT_KEY, "abc")])).is_err());
        assert!(ListenConfig::from_env(env(&[(MIN_PORT_KEY, "3"), (MAX_PORT_KEY, "2")])).is_err());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn unix_socket_is_private_and_removed_on_drop() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let config = ListenConfig {
            socket_dir: dir.path().to_owned(),
            ports: (0, 0),
        };
        let (listener, address, file) = bind(&config).unwrap();
        assert_eq!(address.network, "unix");
        let path = PathBuf::from(&address.address);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        drop(listener);
        drop(file);
        assert!(!path.exists());
    }

    /// On Unix when no socket can be made; on Windows always.
    #[tokio::test]
    async fn falls_back_to_loopback_tcp() {
        let config = ListenConfig {
            socket_dir: PathBuf::from("/nonexistent-agent37-dir/sub"),
            ports: (0, 0),
        };
        let (listener, address, file) = bind(&config).unwrap();
        assert_eq!(address.network, "tcp");
        assert!(address.address.starts_with("127.0.0.1:"));
        assert!(file.is_none());
        let client = tokio::spawn({
            let a = address.address.clone();
            async move { TcpStream::connect(a).await }
        });
        let conn = listener.accept().await.unwrap();
        match conn {
            RawConn::Tcp(s) => assert!(s.nodelay().unwrap()),
            #[cfg(unix)]
            RawConn::Unix(_) => panic!("expected TCP"),
        }
        client.await.unwrap().unwrap();
    }
}
