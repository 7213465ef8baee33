use async_trait::async_trait;

use super::schema;
use crate::api::SignedUrlRequest;
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::{api_attr_error, api_error};
use crate::provider::values::{get_i64, get_str};
use crate::sdk::{Ctx, Diagnostics, EphemeralResource, Opened, Outcome, Path, Schema, Value};

pub struct SignedUrl;

#[async_trait]
impl EphemeralResource<Agent37Data> for SignedUrl {
    type Model = Value;
    type Private = ();

    fn type_name(&self) -> &'static str {
        schema::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    async fn open(&self, ctx: &Ctx<Agent37Data>, config: Value) -> Outcome<Option<Opened<Value>>> {
        let (client, op) = (ctx.client(), ctx.op());
        let id = get_str(&config, "instance_id").unwrap_or_default();
        let port = match get_i64(&config, "port") {
            Some(p) => u16::try_from(p).unwrap_or(0),
            None => match client.get_instance(&op, id).await {
                Ok(inst) => match inst.ports.iter().find(|p| p.default) {
                    Some(p) => p.port,
                    None => {
                        let mut d = Diagnostics::new();
                        d.attr_error(
                            Path::attr("port"),
                            "No default port",
                            format!(
                                "Instance {id} has no default port; set port to one of its ports."
                            ),
                        );
                        return d.into();
                    }
                },
                Err(e) => {
                    return api_attr_error(
                        "Unable to read instance",
                        Path::attr("instance_id"),
                        &e,
                    )
                    .into();
                }
            },
        };
        let body = SignedUrlRequest {
            port,
            ttl_seconds: get_i64(&config, "ttl_seconds"),
        };
        match client.signed_url(&op, id, &body).await {
            Ok(signed) => Outcome::ok(Some(Opened {
                result: Value::object([
                    ("instance_id", Value::string(id)),
                    ("port", Value::number(i64::from(signed.port))),
                    (
                        "ttl_seconds",
                        config.attr("ttl_seconds").cloned().unwrap_or(Value::Null),
                    ),
                    ("url", Value::string(signed.url)),
                    ("expires_at", Value::number(signed.expires_at)),
                ]),
                renew_at: None,
            })),
            Err(e) => api_error("Unable to mint a signed URL", &e).into(),
        }
    }
}
