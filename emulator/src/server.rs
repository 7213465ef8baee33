//! The accept loop. It is ours rather than `axum::serve` so that a fault can close a
//! connection without answering (`drop_before` / `drop_after`), which needs the connection
//! task to drop the socket when a response carries the `DropConnection` marker.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tower::ServiceExt;

use crate::routes::DropConnection;

pub async fn serve(listener: TcpListener, router: Router) {
    loop {
        let stream = match listener.accept().await {
            Ok((s, _)) => s,
            Err(e) => {
                // EMFILE and friends: back off instead of spinning.
                eprintln!("agent37-emulator: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        // Small JSON answers: without NODELAY each one waits on Nagle/delayed-ACK (~40 ms).
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        tokio::spawn(async move {
            let kill = Arc::new(Notify::new());
            let signal = kill.clone();
            let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                let router = router.clone();
                let signal = signal.clone();
                async move {
                    let resp = match router.oneshot(req.map(Body::new)).await {
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
