//! A scripted HTTP/1.1 server on 127.0.0.1 for the client's tests. One request per connection
//! (`Connection: close`), which makes "drop the connection after reading the request" and
//! "never answer" easy to script and the request log exact.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path and query, e.g. `/v1/instances?cursor=c2`.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn is(&self, method: &str, target: &str) -> bool {
        self.method == method && self.target == target
    }
}

/// What the server does with a request.
pub enum Reply {
    /// JSON answer with a `Date` header of the local clock.
    Json(u16, Value),
    /// Any answer; `Content-Length` and `Connection` are added.
    Raw {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Close the connection without answering (after the request was read).
    Drop,
    /// Answer after a delay.
    After(Duration, Box<Reply>),
    /// Never answer (the connection stays open until the client gives up).
    Hang,
}

impl Reply {
    pub fn error(status: u16, code: &str) -> Self {
        Self::Json(
            status,
            serde_json::json!({"error": {"code": code, "message": format!("scripted {code}")}}),
        )
    }
}

type Handler = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

pub struct FakeServer {
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeServer {
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let log2 = log.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = handler.clone();
                let log = log2.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, handler, log).await;
                });
            }
        });
        Self { addr, log }
    }

    /// The same server behind TLS (`acceptor` holds its certificate).
    pub async fn start_tls(
        handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
        acceptor: tokio_rustls::TlsAcceptor,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let log2 = log.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, log, acceptor) = (handler.clone(), log2.clone(), acceptor.clone());
                tokio::spawn(async move {
                    if let Ok(tls) = acceptor.accept(stream).await {
                        let _ = serve(tls, handler, log).await;
                    }
                });
            }
        });
        Self { addr, log }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn count(&self, method: &str, target: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.is(method, target))
            .count()
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    handler: Handler,
    log: Arc<Mutex<Vec<Recorded>>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos;
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_string();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[header_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    let recorded = Recorded {
        method,
        target,
        headers,
        body,
    };
    if let Ok(mut l) = log.lock() {
        l.push(recorded.clone());
    }
    let mut reply = handler(&recorded);
    loop {
        match reply {
            Reply::After(delay, next) => {
                tokio::time::sleep(delay).await;
                reply = *next;
            }
            Reply::Drop => return Ok(()),
            Reply::Hang => {
                tokio::time::sleep(Duration::from_secs(120)).await;
                return Ok(());
            }
            Reply::Json(status, value) => {
                let date = httpdate::fmt_http_date(SystemTime::now());
                reply = Reply::Raw {
                    status,
                    headers: vec![
                        ("Content-Type".into(), "application/json".into()),
                        ("Date".into(), date),
                    ],
                    body: value.to_string().into_bytes(),
                };
            }
            Reply::Raw {
                status,
                headers,
                body,
            } => {
                let mut out = format!("HTTP/1.1 {status} Scripted\r\n");
                for (n, v) in headers {
                    out.push_str(&format!("{n}: {v}\r\n"));
                }
                out.push_str(&format!(
                    "Content-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                ));
                stream.write_all(out.as_bytes()).await?;
                stream.write_all(&body).await?;
                stream.shutdown().await?;
                return Ok(());
            }
        }
    }
}
