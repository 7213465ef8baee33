//! Command line: a small hand-written parser (the option set is fixed and tiny).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use crate::exec::ExecMode;
use crate::model::{self, BudgetNames, Revision, Tier};

pub const USAGE: &str = "\
usage: agent37-emulator [--listen HOST:PORT] [--allow-remote] [--db PATH] [--api-key KEY]
                        [--tier free|paid] [--wallet-micros N] [--topups-micros N]
                        [--instance-limit N]
                        [--boot-delay-ms N] [--exec echo|host] [--exec-dir DIR]
                        [--budget-names topup|credit] [--api-revision 2026-06-25|2026-08-21]
                        [--plane-host HOST]

  --listen HOST:PORT     address to bind (default 127.0.0.1:0); non-loopback needs --allow-remote
  --db PATH              SQLite file that keeps every object across restarts (default: in memory)
  --api-key KEY          key of the default workspace (created if missing); else one is made
  --tier free|paid       default workspace tier (default paid)
  --wallet-micros N      default workspace wallet (default 1000000000 = 1000 USD)
  --topups-micros N      default workspace's top-ups in total, which unlock custom domains at
                         100000000 (default: the tier's, free 0, paid 5000000); N > 0 is paid
  --instance-limit N     default workspace instance limit (default: the tier's, free 1, paid 10)
  --boot-delay-ms N      health answers 503 for N ms after create/start/restart/update/resize
  --exec echo|host       exec runs the built-in echo language (default) or `sh -c` on this host
  --exec-dir DIR         parent of the per-instance scratch directories of --exec host
  --budget-names NAMES   serve budget fields as topup_* or credit_* (default: the revision's)
  --api-revision REV     serve API revision 2026-06-25 (alias v1) or 2026-08-21 (alias v2);
                         default: the one stored in --db, else 2026-06-25
  --plane-host HOST      host suffix of 2026-08-21 instance URLs (default localhost)
";

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub listen: SocketAddr,
    pub allow_remote: bool,
    pub db: Option<PathBuf>,
    pub api_key: Option<String>,
    pub tier: Tier,
    pub wallet_micros: i64,
    /// The default workspace's lifetime top-ups (else the tier's).
    pub topups_micros: Option<i64>,
    pub instance_limit: Option<i64>,
    pub boot_delay_ms: u64,
    pub exec: ExecMode,
    pub exec_dir: Option<PathBuf>,
    /// An explicit choice (else the revision's names).
    pub budget_names: Option<BudgetNames>,
    pub api_revision: Option<Revision>,
    pub plane_host: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            allow_remote: false,
            db: None,
            api_key: None,
            tier: Tier::Paid,
            wallet_micros: 1_000_000_000,
            topups_micros: None,
            instance_limit: None,
            boot_delay_ms: 0,
            exec: ExecMode::Echo,
            exec_dir: None,
            budget_names: None,
            api_revision: None,
            plane_host: "localhost".into(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("help requested")]
    Help,
}

fn parse_listen(v: &str) -> Result<SocketAddr, CliError> {
    // `localhost` is accepted as the loopback address without a resolver round-trip.
    let v = v
        .strip_prefix("localhost:")
        .map(|p| format!("127.0.0.1:{p}"))
        .unwrap_or_else(|| v.to_string());
    v.parse()
        .map_err(|_| CliError::Usage(format!("--listen: {v:?} is not HOST:PORT")))
}

fn parse_num<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, CliError> {
    v.parse()
        .map_err(|_| CliError::Usage(format!("{flag}: {v:?} is not a valid number")))
}

pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Result<Options, CliError> {
    let mut o = Options::default();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, CliError> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it
                    .next()
                    .ok_or_else(|| CliError::Usage(format!("{name} needs a value"))),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Err(CliError::Help),
            "--allow-remote" => o.allow_remote = true,
            "--listen" => o.listen = parse_listen(&value("--listen")?)?,
            "--db" => o.db = Some(PathBuf::from(value("--db")?)),
            "--api-key" => {
                let k = value("--api-key")?;
                if !model::is_valid_api_key(&k) {
                    return Err(CliError::Usage(
                        "--api-key must be sk_live_ and 24+ alphanumerics".into(),
                    ));
                }
                o.api_key = Some(k);
            }
            "--tier" => {
                let v = value("--tier")?;
                o.tier = Tier::parse(&v)
                    .ok_or_else(|| CliError::Usage(format!("--tier: {v:?} is not free|paid")))?;
            }
            "--wallet-micros" => {
                let n: i64 = parse_num("--wallet-micros", &value("--wallet-micros")?)?;
                if n < 0 {
                    return Err(CliError::Usage("--wallet-micros must be ≥ 0".into()));
                }
                o.wallet_micros = n;
            }
            "--topups-micros" => {
                let n: i64 = parse_num("--topups-micros", &value("--topups-micros")?)?;
                if n < 0 {
                    return Err(CliError::Usage("--topups-micros must be ≥ 0".into()));
                }
                o.topups_micros = Some(n);
            }
            "--instance-limit" => {
                let n: i64 = parse_num("--instance-limit", &value("--instance-limit")?)?;
                if n < 0 {
                    return Err(CliError::Usage("--instance-limit must be ≥ 0".into()));
                }
                o.instance_limit = Some(n);
            }
            "--boot-delay-ms" => {
                o.boot_delay_ms = parse_num("--boot-delay-ms", &value("--boot-delay-ms")?)?
            }
            "--exec" => {
                o.exec = match value("--exec")?.as_str() {
                    "echo" => ExecMode::Echo,
                    "host" => ExecMode::Host,
                    v => return Err(CliError::Usage(format!("--exec: {v:?} is not echo|host"))),
                }
            }
            "--exec-dir" => o.exec_dir = Some(PathBuf::from(value("--exec-dir")?)),
            "--budget-names" => {
                let v = value("--budget-names")?;
                o.budget_names = Some(BudgetNames::parse(&v).ok_or_else(|| {
                    CliError::Usage(format!("--budget-names: {v:?} is not topup|credit"))
                })?);
            }
            "--api-revision" => {
                let v = value("--api-revision")?;
                o.api_revision = Some(Revision::parse(&v).ok_or_else(|| {
                    CliError::Usage(format!(
                        "--api-revision: {v:?} is not 2026-06-25|2026-08-21 (or v1|v2)"
                    ))
                })?);
            }
            "--plane-host" => {
                let v = value("--plane-host")?;
                if !model::is_plane_host(&v) {
                    return Err(CliError::Usage(format!(
                        "--plane-host: {v:?} is not a host name"
                    )));
                }
                o.plane_host = v.to_ascii_lowercase();
            }
            other => return Err(CliError::Usage(format!("unknown argument {other:?}"))),
        }
    }
    if !o.listen.ip().is_loopback() && !o.allow_remote {
        return Err(CliError::Usage(format!(
            "--listen {}: not a loopback address; pass --allow-remote to bind it anyway",
            o.listen
        )));
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Options, CliError> {
        parse(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn defaults() {
        let o = p(&[]).unwrap();
        assert_eq!(o, Options::default());
        assert_eq!(o.listen.to_string(), "127.0.0.1:0");
    }

    #[test]
    fn every_option() {
        let o = p(&[
            "--listen",
            "127.0.0.1:8080",
            "--db=x.db",
            "--api-key",
            "sk_live_abcdefghijklmnopqrstuvwx",
            "--tier",
            "free",
            "--wallet-micros",
            "5",
            "--topups-micros",
            "100000000",
            "--instance-limit",
            "150",
            "--boot-delay-ms",
            "300",
            "--exec",
            "host",
            "--budget-names",
            "credit",
            "--api-revision",
            "v2",
            "--plane-host",
            "emu.test",
        ])
        .unwrap();
        assert_eq!(o.listen.port(), 8080);
        assert_eq!(o.db, Some(PathBuf::from("x.db")));
        assert_eq!(o.tier, Tier::Free);
        assert_eq!(o.topups_micros, Some(100_000_000));
        assert_eq!(
            (o.wallet_micros, o.instance_limit, o.boot_delay_ms),
            (5, Some(150), 300)
        );
        assert_eq!(
            (o.exec, o.budget_names),
            (ExecMode::Host, Some(BudgetNames::Credit))
        );
        assert_eq!(o.api_revision, Some(Revision::R20260821));
        assert_eq!(o.plane_host, "emu.test");
    }

    #[test]
    fn refusals() {
        assert!(p(&["--listen", "0.0.0.0:0"]).is_err());
        assert!(p(&["--listen", "0.0.0.0:0", "--allow-remote"]).is_ok());
        assert!(p(&["--listen", "[::1]:0"]).is_ok());
        assert!(p(&["--listen", "localhost:0"]).is_ok());
        assert!(p(&["--tier", "gold"]).is_err());
        assert!(p(&["--api-key", "nope"]).is_err());
        assert!(p(&["--wallet-micros"]).is_err());
        assert!(p(&["--topups-micros", "-1"]).is_err());
        assert!(p(&["--frobnicate"]).is_err());
        assert!(p(&["--api-revision", "2027-01-01"]).is_err());
        assert!(p(&["--plane-host", "bad host"]).is_err());
        assert_eq!(
            p(&["--api-revision=2026-06-25"]).unwrap().api_revision,
            Some(Revision::R20260625)
        );
        assert_eq!(p(&["--help"]), Err(CliError::Help));
    }
}
