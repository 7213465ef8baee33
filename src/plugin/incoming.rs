//! The stream of ready connections handed to the gRPC server: accepted by
//! [`Listener`], wrapped in TLS when AutoMTLS is on, handshaken concurrently so
//! one slow client never blocks the next.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::Connected;

use super::listener::{Listener, RawConn};
use super::shutdown::Shutdown;

/// Upper bound for a client to finish the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// One server-side connection, plaintext or TLS, unix or TCP.
pub(crate) struct Conn(Pin<Box<dyn Io>>);

impl Conn {
    fn new(io: impl Io + 'static) -> Self {
        Self(Box::pin(io))
    }
}

impl Connected for Conn {
    // Peer addresses carry nothing useful here (always Terraform, local).
    type ConnectInfo = ();

    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.0.as_mut().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.0.as_mut().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.as_mut().poll_shutdown(cx)
    }
}

/// Starts the accept loop; the returned stream ends when `shutdown` fires.
pub(crate) fn incoming(
    listener: Listener,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: Shutdown,
) -> ReceiverStream<io::Result<Conn>> {
    let (tx, rx) = mpsc::channel(16);
    let acceptor = tls.map(TlsAcceptor::from);
    tokio::spawn(async move {
        loop {
            let raw = tokio::select! {
                () = shutdown.wait() => break,
                accepted = listener.accept() => accepted,
            };
            match raw {
                Ok(raw) => {
                    let tx = tx.clone();
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        if let Some(conn) = prepare(raw, acceptor).await {
                            // The server may already be gone; nothing to do then.
                            let _ = tx.send(Ok(conn)).await;
                        }
                    });
                }
                Err(e) => {
                    // Typically out of file descriptors: back off briefly
                    // instead of spinning.
                    tracing::warn!(error = %e, "accepting a plugin connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
        tracing::debug!("plugin listener closed");
    });
    ReceiverStream::new(rx)
}

/// Wraps one raw connection, doing the TLS handshake if needed. Failures are
/// logged and the connection dropped: a bad client must not stop the server.
async fn prepare(raw: RawConn, acceptor: Option<TlsAcceptor>) -> Option<Conn> {
    let Some(acceptor) = acceptor else {
        return Some(match raw {
            #[cfg(unix)]
            RawConn::Unix(s) => Conn::new(s),
            RawConn::Tcp(s) => Conn::new(s),
        });
    };
    let handshake = async {
        match raw {
            #[cfg(unix)]
            RawConn::Unix(s) => acceptor.accept(s).await.map(Conn::new),
            RawConn::Tcp(s) => acceptor.accept(s).await.map(Conn::new),
        }
    };
    match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, handshake).await {
        Ok(Ok(conn)) => Some(conn),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "TLS handshake with a plugin client failed");
            None
        }
        Err(_) => {
            tracing::warn!("TLS handshake with a plugin client timed out");
            None
        }
    }
}
