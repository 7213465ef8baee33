//! go-plugin's host-side services that every plugin serves next to the
//! provider: controller (Shutdown), stdio (optional mirroring) and broker.

use futures::StreamExt as _;
use tonic::codegen::BoxStream;
use tonic::{Request, Response, Status, Streaming};

use super::shutdown::Shutdown;
use crate::proto::plugin::{
    ConnInfo, Empty, StdioData, grpc_broker_server::GrpcBroker,
    grpc_controller_server::GrpcController, grpc_stdio_server::GrpcStdio,
};

/// `plugin.GRPCController`: Terraform's request to stop the process.
#[derive(Debug, Clone)]
pub(crate) struct Controller {
    pub(crate) shutdown: Shutdown,
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        // Answer first; the server then drains and the process exits.
        self.shutdown.trigger("GRPCController.Shutdown");
        Ok(Response::new(Empty {}))
    }
}

/// A stream that sends nothing and ends when the plugin shuts down (so it
/// never holds up the graceful stop).
fn silent_until(shutdown: Shutdown) -> impl futures::Stream<Item = ()> + Send + 'static {
    futures::stream::once(shutdown.wait_owned()).filter(|_| futures::future::ready(false))
}

/// `plugin.GRPCStdio`: we never write to stdout/stderr outside logging
/// (which Terraform reads from stderr directly), so there is nothing to
/// mirror; the stream stays open and empty until shutdown, like an idle
/// go-plugin.
#[derive(Debug, Clone)]
pub(crate) struct Stdio {
    pub(crate) shutdown: Shutdown,
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<BoxStream<StdioData>>, Status> {
        let stream = silent_until(self.shutdown.clone()).map(|()| Ok(StdioData::default()));
        Ok(Response::new(Box::pin(stream)))
    }
}

/// `plugin.GRPCBroker`: Terraform opens the stream on connect but providers
/// never broker extra connections. Incoming messages are drained and ignored;
/// the stream ends when either side is done.
#[derive(Debug, Clone)]
pub(crate) struct Broker {
    pub(crate) shutdown: Shutdown,
}

#[tonic::async_trait]
impl GrpcBroker for Broker {
    async fn start_stream(
        &self,
        request: Request<Streaming<ConnInfo>>,
    ) -> Result<Response<BoxStream<ConnInfo>>, Status> {
        let mut inbound = request.into_inner();
        let shutdown = self.shutdown.clone();
        let done = async move {
            tokio::select! {
                () = shutdown.wait() => {}
                () = async { while let Ok(Some(_)) = inbound.message().await {} } => {}
            }
        };
        let stream = futures::stream::once(done)
            .filter(|_| futures::future::ready(false))
            .map(|()| Ok(ConnInfo::default()));
        Ok(Response::new(Box::pin(stream)))
    }
}
