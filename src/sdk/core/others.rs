//! Data sources, ephemeral resources, actions, list resources and functions, on values.

use std::time::SystemTime;

use tokio::sync::mpsc::UnboundedSender;

use super::super::diag::Diagnostics;
use super::super::timeouts;
use super::super::traits::{FunctionError, Progress, Provider};
use super::super::value::Value;
use super::{Core, ensure_known};

/// What OpenEphemeralResource hands back.
#[derive(Debug)]
pub struct OpenedResult {
    pub result: Value,
    pub private: Option<Vec<u8>>,
    pub renew_at: Option<SystemTime>,
    pub diags: Diagnostics,
}

/// One object a list resource found: its display name, its state and identity.
#[derive(Debug)]
pub struct Listing {
    pub display_name: String,
    pub state: Value,
    pub identity: Option<Value>,
}

/// An action run: the progress messages go to `progress` while it runs; the diagnostics are
/// its completion.
pub struct ActionRun {
    pub progress: UnboundedSender<String>,
}

impl<P: Provider> Core<P> {
    pub fn validate_data_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.data_source(type_name) {
            Ok(e) => e.validate(config, |v, d| e.imp.validate(v, d)),
            Err(d) => d,
        }
    }

    /// ReadDataSource: the result, or only diagnostics when the read failed.
    pub async fn read_data_source(
        &self,
        type_name: &str,
        config: &Value,
    ) -> Result<(Value, Diagnostics), Diagnostics> {
        let e = self.data_source(type_name)?;
        let ctx = self.ctx(timeouts::DEFAULT)?;
        let out = e.imp.read(&ctx, config).await;
        let mut diags = out.diags;
        let state = match out.value {
            Some(state) if !diags.has_errors() => state,
            _ => return Err(diags),
        };
        ensure_known(&state, &mut diags, "data source result");
        if diags.has_errors() {
            return Err(diags);
        }
        Ok((state, diags))
    }

    pub fn validate_ephemeral_resource_config(
        &self,
        type_name: &str,
        config: &Value,
    ) -> Diagnostics {
        match self.ephemeral(type_name) {
            Ok(e) => e.validate(config, |v, d| e.imp.validate(v, d)),
            Err(d) => d,
        }
    }

    /// OpenEphemeralResource: a result for this run only; errors leave no result.
    pub async fn open_ephemeral_resource(
        &self,
        type_name: &str,
        config: &Value,
    ) -> Result<OpenedResult, Diagnostics> {
        let e = self.ephemeral(type_name)?;
        let ctx = self.ctx(timeouts::DEFAULT)?;
        let out = e.imp.open(&ctx, config).await;
        let mut diags = out.diags;
        let opened = match out.value {
            Some(o) if !diags.has_errors() => o,
            _ => return Err(diags),
        };
        ensure_known(&opened.result, &mut diags, "ephemeral result");
        if diags.has_errors() {
            return Err(diags);
        }
        Ok(OpenedResult {
            result: opened.result,
            private: (!out.private.is_empty()).then_some(out.private),
            renew_at: opened.renew_at,
            diags,
        })
    }

    /// RenewEphemeralResource: the next renewal time and private state.
    pub async fn renew_ephemeral_resource(
        &self,
        type_name: &str,
        private: Option<&[u8]>,
    ) -> Result<(Option<SystemTime>, Option<Vec<u8>>, Diagnostics), Diagnostics> {
        let e = self.ephemeral(type_name)?;
        let ctx = self.ctx(timeouts::DEFAULT)?;
        let out = e.imp.renew(&ctx, private.unwrap_or_default()).await;
        let private = (!out.private.is_empty()).then_some(out.private);
        Ok((out.value, private, out.diags))
    }

    /// CloseEphemeralResource.
    pub async fn close_ephemeral_resource(
        &self,
        type_name: &str,
        private: Option<&[u8]>,
    ) -> Diagnostics {
        let run = async {
            let e = self.ephemeral(type_name)?;
            let ctx = self.ctx(timeouts::DEFAULT)?;
            Ok::<_, Diagnostics>(e.imp.close(&ctx, private.unwrap_or_default()).await)
        };
        run.await.unwrap_or_else(|d| d)
    }

    /// ValidateActionConfig, and PlanAction: actions change nothing Terraform tracks, so
    /// planning one only checks its configuration.
    pub fn validate_action_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.action(type_name) {
            Ok(e) => e.validate(config, |v, d| e.imp.validate(v, d)),
            Err(d) => d,
        }
    }

    /// InvokeAction: runs the action, forwarding its progress messages while it runs.
    pub async fn invoke_action(
        &self,
        type_name: &str,
        config: &Value,
        run: ActionRun,
    ) -> Diagnostics {
        let e = match self.action(type_name) {
            Ok(e) => e,
            Err(d) => return d,
        };
        let (ptx, mut prx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let progress = Progress::new(ptx);
        let forward = async move {
            while let Some(message) = prx.recv().await {
                let _ = run.progress.send(message);
            }
        };
        let ctx = match self.ctx(e.imp.timeout(config)) {
            Ok(c) => c,
            Err(d) => return d,
        };
        let invoke = async move { e.imp.invoke(&ctx, config, &progress).await };
        // Progress is forwarded while the action runs; the channel closes with it.
        let (diags, ()) = tokio::join!(invoke, forward);
        diags
    }

    pub fn validate_list_resource_config(&self, type_name: &str, config: &Value) -> Diagnostics {
        match self.list(type_name) {
            Ok(e) => e.validate(config, |v, d| e.imp.validate(v, d)),
            Err(d) => d,
        }
    }

    /// ListResource: at most `limit` objects (0: no limit), each with its identity.
    pub async fn list_resource(
        &self,
        type_name: &str,
        config: &Value,
        limit: i64,
    ) -> Result<Vec<Listing>, Diagnostics> {
        let e = self.list(type_name)?;
        let res = self.resource(type_name)?;
        let ctx = self.ctx(timeouts::DEFAULT)?;
        let out = e.imp.list(&ctx, config).await;
        if out.diags.has_errors() {
            return Err(out.diags);
        }
        let found = out.value;
        let limit = usize::try_from(limit)
            .ok()
            .filter(|l| *l > 0)
            .unwrap_or(usize::MAX);
        Ok(found
            .into_iter()
            .take(limit)
            .map(|item| Listing {
                identity: res.identity_of(&item.state),
                display_name: item.display_name,
                state: item.state,
            })
            .collect())
    }

    /// CallFunction: the arguments are decoded already; the count is checked here.
    pub fn call_function(&self, name: &str, args: &[Value]) -> Result<Value, FunctionError> {
        let Some(f) = self.function(name) else {
            return Err(FunctionError {
                // No full stop: Terraform adds one after a function's error.
                text: format!("This provider has no function {name:?}"),
                argument: None,
            });
        };
        let sig = f.signature();
        if args.len() != sig.parameters.len() {
            return Err(FunctionError {
                text: format!(
                    "{name} takes {} argument(s), got {}",
                    sig.parameters.len(),
                    args.len()
                ),
                argument: None,
            });
        }
        f.call(args)
    }
}
