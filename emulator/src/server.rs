//! The accept loop. It is ours rather than `axum::serve` so that a fault can close a
//! connection without answering (`drop_before` / `drop_after`), which needs the connection
//! task to drop the socket when a response carries the `DropConnection` marker.

use std::convert::Infallible;
use std::sync::Arc;

use axum::body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;

use crate::routes::{ClientAddr, DropConnection, Service};

pub async fn serve(listener: TcpListener, service: Service) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                eprintln!("agent37-emulator: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        // Small JSON answers: without NODELAY each one waits on Nagle/delayed-ACK (~40 ms).
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let signal = kill.clone();
            let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let service = service.clone();
                let signal = signal.clone();
                let mut req = req.map(Body::new);
                req.extensions_mut().insert(ClientAddr(peer.ip()));
                async move {
                    let resp = match service.oneshot(req).await {
                        Ok(r) => r,
                        Err(never) => match never {},
                    };
                    if resp.extensions().get::<DropConnection>().is_some() {
                        // Park this response forever; the connection task drops the socket.
                        signal.notify_one();
                        std::future::pending::<()>().await;
                    }
                    Ok::<_, Infallible>(resp)
                }
            });
            // No header-read timer: closing idle keep-alive connections would race clients'
            // connection pools (a request sent as the server hangs up) on a loopback dev tool.
            let conn = http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {}
                _ = kill.notified() => {}
            }
        });
    }
}
