//! `agent37_signed_url`: I/O only; the model lives in `schema`.

use async_trait::async_trait;

use crate::api::{self, SignedUrlRequest};
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_attr_error;
use crate::sdk::{Ctx, Diagnostics, EphemeralResource, Opened, Outcome, Path, Schema};

use super::schema::{self, SignedUrl};

pub struct SignedUrlResource;

/// The result for `config` once the API minted `signed`.
pub fn opened(config: SignedUrl, signed: api::SignedUrl) -> SignedUrl {
    SignedUrl {
        port: i64::from(signed.port).into(),
        url: signed.url.into(),
        expires_at: signed.expires_at.into(),
        ..config
    }
}

#[async_trait]
impl EphemeralResource<Agent37Data> for SignedUrlResource {
    type Model = SignedUrl;
    type Private = ();

    fn type_name(&self) -> &'static str {
        schema::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::schema()
    }

    fn validate(&self, config: &SignedUrl, diags: &mut Diagnostics) {
        schema::validate(config, diags);
    }

    async fn open(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: SignedUrl,
    ) -> Outcome<Option<Opened<SignedUrl>>> {
        let (client, op) = (ctx.client(), ctx.op());
        let id = config.instance_id.as_str().unwrap_or_default();
        let port = match config.port.get() {
            Some(p) => u16::try_from(p).unwrap_or(0),
            None => match client.get_instance(&op, id).await {
                // 2026-06-25: the default entry of the instance's ports; 2026-08-21: the
                // template's `default_port`, else 3737.
                Ok(inst) => match client.default_port(&op, &inst).await {
                    Err(e) => {
                        return api_attr_error(
                            "Unable to read the instance's template",
                            Path::attr(SignedUrl::PORT),
                            &e,
                        )
                        .into();
                    }
                    Ok(Some(p)) => p,
                    Ok(None) => {
                        let mut d = Diagnostics::new();
                        d.attr_error(
                            Path::attr(SignedUrl::PORT),
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
                        Path::attr(SignedUrl::INSTANCE_ID),
                        &e,
                    )
                    .into();
                }
            },
        };
        let body = SignedUrlRequest {
            port,
            ttl_seconds: config.ttl_seconds.get(),
        };
        let err = match client.signed_url(&op, id, &body).await {
            Ok(signed) => {
                return Outcome::ok(Some(Opened {
                    result: opened(config, signed),
                    renew_at: None,
                }));
            }
            Err(e) => e,
        };
        // The API refuses a mint for an instance that is not running with `invalid_request`,
        // like one for a wrong port: one read on this error path tells them apart.
        let instance = match err.code() {
            Some("invalid_request") => client.get_instance(&op, id).await.ok(),
            _ => None,
        };
        match instance {
            Some(inst) if schema::unavailable(&inst, port) => {
                let detail = schema::not_minted_detail(id, inst.status.as_str());
                let mut outcome = Outcome::ok(Some(Opened {
                    result: schema::not_minted(config, port),
                    renew_at: None,
                }));
                outcome.diags.attr_warning(
                    Path::attr(SignedUrl::INSTANCE_ID),
                    "No signed URL: the instance is not running",
                    detail,
                );
                outcome
            }
            Some(_) => api_attr_error(
                "Unable to mint a signed URL",
                Path::attr(SignedUrl::PORT),
                &err,
            )
            .into(),
            None => {
                let path = if err.is_not_found() {
                    SignedUrl::INSTANCE_ID
                } else {
                    SignedUrl::PORT
                };
                api_attr_error("Unable to mint a signed URL", Path::attr(path), &err).into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::model::{Attr, conforms};

    /// What opening produces has exactly the shape of the schema, and keeps what was configured.
    #[test]
    fn the_result_has_exactly_its_schema_shape() {
        let config = SignedUrl {
            instance_id: "abc123defg".into(),
            ttl_seconds: 120.into(),
            ..SignedUrl::default()
        };
        let result = opened(
            config,
            api::SignedUrl {
                url: "https://abc123defg.agent37.app/?a37_token=t".into(),
                port: 3737,
                expires_at: 99,
                domain_urls: Vec::new(),
            },
        );
        conforms(&result.to_value(), &schema::schema().value_type())
            .unwrap_or_else(|e| panic!("agent37_signed_url: {e}"));
        assert_eq!(result.ttl_seconds.get(), Some(120));
        assert_eq!(result.port.get(), Some(3737));
        assert_eq!(result.instance_id, Attr::Known("abc123defg".to_string()));
    }
}
