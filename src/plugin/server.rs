//! Assembles and runs the gRPC server: the provider plus go-plugin's
//! services, over the prepared connection stream, until shutdown.

use std::time::Duration;

use tonic::transport::Server;
use tonic_health::ServingStatus;

use super::error::PluginError;
use super::incoming::incoming;
use super::listener::Listener;
use super::services::{Broker, Controller, Stdio};
use super::shutdown::Shutdown;
use crate::proto::plugin::grpc_broker_server::GrpcBrokerServer;
use crate::proto::plugin::grpc_controller_server::GrpcControllerServer;
use crate::proto::plugin::grpc_stdio_server::GrpcStdioServer;
use crate::proto::tfplugin6::provider_server::{Provider, ProviderServer};

/// Largest message accepted or sent, both ways. Terraform allows 256 MiB;
/// tonic's default of 4 MiB would break big states and plans.
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// How long in-flight RPCs get to finish after shutdown is requested.
/// Terraform kills the process 2 s after asking it to stop.
const DRAIN_DEADLINE: Duration = Duration::from_millis(1000);

/// HTTP/2 flow-control windows: large enough that a multi-MiB plan or state
/// streams without waiting for a window update every 64 KiB.
const STREAM_WINDOW: u32 = 4 << 20;
const CONNECTION_WINDOW: u32 = 8 << 20;

/// Serves until `shutdown` fires, then drains for at most [`DRAIN_DEADLINE`].
pub(crate) async fn serve<P: Provider>(
    provider: P,
    listener: Listener,
    tls: Option<std::sync::Arc<rustls::ServerConfig>>,
    shutdown: Shutdown,
) -> Result<(), PluginError> {
    let (health, health_service) = tonic_health::server::health_reporter();
    // go-plugin hosts check the service named "plugin".
    health
        .set_service_status("plugin", ServingStatus::Serving)
        .await;

    let provider = ProviderServer::new(provider)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    let controller = GrpcControllerServer::new(Controller {
        shutdown: shutdown.clone(),
    });
    let stdio = GrpcStdioServer::new(Stdio {
        shutdown: shutdown.clone(),
    });
    let broker = GrpcBrokerServer::new(Broker {
        shutdown: shutdown.clone(),
    });

    let router = Server::builder()
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        // Terraform runs many RPCs at once (-parallelism); don't cap them.
        .max_concurrent_streams(None)
        .add_service(health_service)
        .add_service(controller)
        .add_service(stdio)
        .add_service(broker)
        .add_service(provider);

    let conns = incoming(listener, tls, shutdown.clone());
    let serving = router.serve_with_incoming_shutdown(conns, shutdown.clone().wait_owned());
    tokio::pin!(serving);

    let deadline = async {
        shutdown.wait().await;
        tokio::time::sleep(DRAIN_DEADLINE).await;
    };
    tokio::select! {
        result = &mut serving => result.map_err(PluginError::Serve)?,
        () = deadline => {
            tracing::warn!("in-flight RPCs did not finish in time after shutdown; exiting anyway");
        }
    }
    tracing::debug!("plugin server stopped");
    Ok(())
}
