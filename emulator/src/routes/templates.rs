//! Templates: the read-only system catalog plus the workspace's own templates, under either
//! revision (2026-08-21: `default_port` instead of `ports`, revisions, pins, image checks).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::instances::{registry_digest, system_image, system_release};
use super::{Caller, Capacity, RawBody, TemplateName, json as respond, list_answer, ok};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::model::{self, Port, Revision, SYSTEM_TEMPLATES};
use crate::objects::{
    TemplateRevision, WorkspaceTemplate, ports_for_default, system_template_json,
};
use crate::store::Tx;

/// Largest image a 2026-08-21 registration copies.
const IMAGE_MAX_BYTES: i64 = 8_000_000_000;

fn system_json(tx: &Tx<'_>, t: &model::SystemTemplate, rev: Revision) -> ApiResult<Value> {
    Ok(system_template_json(t, &system_image(tx, t)?, rev))
}

pub async fn list(State(app): State<Arc<App>>, Caller(key): Caller) -> ApiResult<Response> {
    let rev = app.revision();
    list_answer(&app, |tx, _| {
        let mut data = Vec::new();
        for t in &SYSTEM_TEMPLATES {
            data.push(system_json(tx, t, rev)?);
        }
        data.extend(
            tx.templates(&key)?
                .iter()
                .map(|t| t.to_json(rev, &key, None)),
        );
        Ok(data)
    })
}

pub async fn get_one(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    TemplateName(name): TemplateName,
) -> ApiResult<Response> {
    let rev = app.revision();
    let (base, version) = if rev.is_v2() {
        model::split_pin(&name)
    } else {
        (name.as_str(), None)
    };
    let missing = || ApiError::not_found(format_args!("template {name:?}"));
    let body = app.tx(|tx, _| {
        if let Some(sys) = model::system_template(base) {
            return match version {
                None => system_json(tx, sys, rev),
                Some(tag) => {
                    let image = system_release(tx, sys, tag)?.ok_or_else(missing)?;
                    Ok(system_template_json(sys, &image, rev))
                }
            };
        }
        let t = tx.template(&key, base)?.ok_or_else(missing)?;
        if !rev.is_v2() {
            return Ok(t.to_json(rev, &key, None));
        }
        let revisions = tx.template_revisions(&key, base)?;
        let shown = match version {
            None => t.clone(),
            Some(v) => {
                let r = v
                    .parse::<i64>()
                    .ok()
                    .and_then(|n| revisions.iter().find(|r| r.revision == n))
                    .ok_or_else(missing)?;
                t.at_revision(r)
            }
        };
        Ok(shown.to_json(rev, &key, Some(&revisions)))
    })?;
    Ok(ok(&body))
}

fn string_field(b: &Map<String, Value>, key: &str) -> ApiResult<Option<String>> {
    match b.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::invalid(format!("{key} must be a string"))),
    }
}

pub fn description_field(b: &Map<String, Value>) -> ApiResult<Option<Option<String>>> {
    match b.get("description") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(_) => Err(ApiError::invalid("description must be a string or null")),
    }
}

/// `ports` (2026-06-25): an array (null reads as none) validated by the template rules.
fn ports_field(b: &Map<String, Value>) -> ApiResult<Option<Vec<Port>>> {
    match b.get("ports") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(Vec::new())),
        Some(v) => model::parse_template_ports(v)
            .map(Some)
            .map_err(ApiError::InvalidRequest),
    }
}

/// `default_port` (2026-08-21): 1-65535 but 7681, 8080, 6080, 7890, 9119, 22022; null = none.
pub fn default_port_field(b: &Map<String, Value>) -> ApiResult<Option<Option<i64>>> {
    match b.get("default_port") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(v) => match v.as_i64() {
            Some(p)
                if (1..=65_535).contains(&p)
                    && ![7681, 8080, 6080, 7890, 9119, 22022].contains(&p) =>
            {
                Ok(Some(Some(p)))
            }
            _ => Err(ApiError::invalid(
                "default_port must be 1-65535 and not 7681, 8080, 6080, 7890, 9119 or 22022",
            )),
        },
    }
}

fn checked_name(name: String) -> ApiResult<String> {
    model::validate_template_name(&name).map_err(ApiError::InvalidRequest)?;
    Ok(name)
}

fn checked_image(image: String) -> ApiResult<String> {
    model::validate_image_ref(&image).map_err(ApiError::InvalidRequest)?;
    Ok(image)
}

/// 2026-08-21 registration: the image must be public, linux/amd64 and at most 8 GB; an
/// injected ingest failure changes nothing. Returns the private snapshot's digest.
fn ingest(tx: &Tx<'_>, image: &str, cap: &Capacity) -> ApiResult<String> {
    if let Some(info) = tx.image(image)? {
        if !info.public {
            return Err(ApiError::invalid(format!(
                "image {image:?} is not publicly pullable"
            )));
        }
        if info.platform != "linux/amd64" {
            return Err(ApiError::invalid(format!(
                "image {image:?} is {}, not linux/amd64",
                info.platform
            )));
        }
        if info.size_bytes > IMAGE_MAX_BYTES {
            return Err(ApiError::ImageTooLarge(format!(
                "image {image:?} is {} bytes; at most {IMAGE_MAX_BYTES} are copied",
                info.size_bytes
            )));
        }
    }
    if cap.ingest_fails() {
        return Err(ApiError::ImageIngestFailed(
            "copying the image into private storage failed (injected); nothing changed".into(),
        ));
    }
    registry_digest(tx, image)
}

/// The real delay of an ingest (`ingest_delay_ms`), outside the store lock.
async fn ingest_delay(app: &App, rev: Revision) {
    let ms = app.config().ingest_delay_ms;
    if rev.is_v2() && ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

pub async fn create(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    cap: Capacity,
    body: RawBody,
) -> ApiResult<Response> {
    let rev = app.revision();
    if body.object().is_ok_and(|b| b.contains_key("image_ref")) {
        ingest_delay(&app, rev).await;
    }
    let t = app.tx(|tx, now| {
        let b = body.object()?;
        if rev.is_v2() && b.contains_key("ports") {
            return Err(ApiError::invalid("ports is not accepted; use default_port"));
        }
        let name =
            string_field(&b, "name")?.ok_or_else(|| ApiError::invalid("name is required"))?;
        let name = checked_name(name)?;
        let image = string_field(&b, "image_ref")?
            .ok_or_else(|| ApiError::invalid("image_ref is required"))?;
        let image_ref = checked_image(image)?;
        let description = description_field(&b)?.flatten();
        let (ports, default_port) = if rev.is_v2() {
            let d = default_port_field(&b)?.flatten();
            (ports_for_default(d), d)
        } else {
            let ports = ports_field(&b)?.unwrap_or_default();
            let d = ports.iter().find(|p| p.default).map(|p| p.port);
            (ports, d)
        };
        if tx.template(&key, &name)?.is_some() {
            return Err(ApiError::TemplateConflict(format!(
                "a template named {name:?} already exists"
            )));
        }
        let digest = if rev.is_v2() {
            ingest(tx, &image_ref, &cap)?
        } else {
            registry_digest(tx, &image_ref)?
        };
        let t = WorkspaceTemplate {
            name,
            image_ref: Some(image_ref.clone()),
            description,
            ports,
            default_port,
            revision: 1,
            image_digest: Some(digest.clone()),
            created: now,
            updated: now,
        };
        tx.insert_template(&key, &t)?;
        let r = TemplateRevision {
            revision: 1,
            image_digest: digest,
            image_ref: Some(image_ref),
            created: now,
        };
        tx.add_template_revision(&key, &t.name, &r)?;
        Ok((t, vec![r]))
    })?;
    let revisions = rev.is_v2().then_some(t.1.as_slice());
    Ok(respond(
        StatusCode::CREATED,
        &t.0.to_json(rev, &key, revisions),
    ))
}

fn forbidden(name: &str) -> ApiError {
    ApiError::Forbidden(format!(
        "{name:?} is a system template and cannot be changed"
    ))
}

pub async fn patch(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    cap: Capacity,
    TemplateName(name): TemplateName,
    body: RawBody,
) -> ApiResult<Response> {
    let rev = app.revision();
    let name = name.as_str();
    let new_image = body.object().ok().and_then(|b| {
        b.get("image_ref")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    if let Some(image) = &new_image {
        let current = app.tx(|tx, _| tx.template(&key, name))?;
        if current.is_some_and(|t| t.image_ref.as_deref() != Some(image)) {
            ingest_delay(&app, rev).await;
        }
    }
    let t = app.tx(|tx, now| {
        if model::system_template(name).is_some() {
            return Err(forbidden(name));
        }
        let current = tx
            .template(&key, name)?
            .ok_or_else(|| ApiError::not_found(format_args!("template {name:?}")))?;
        let b = body.object()?;
        let fields: &[&str] = if rev.is_v2() {
            if b.contains_key("ports") {
                return Err(ApiError::invalid("ports is not accepted; use default_port"));
            }
            &["name", "image_ref", "description", "default_port"]
        } else {
            &["name", "image_ref", "description", "ports"]
        };
        if !fields.iter().any(|k| b.contains_key(*k)) {
            return Err(ApiError::invalid(format!(
                "send at least one of {}",
                fields.join(", ")
            )));
        }
        let mut next = current.clone();
        if let Some(n) = string_field(&b, "name")? {
            next.name = checked_name(n)?;
        }
        if let Some(i) = string_field(&b, "image_ref")? {
            next.image_ref = Some(checked_image(i)?);
        }
        if let Some(d) = description_field(&b)? {
            next.description = d;
        }
        if rev.is_v2() {
            if let Some(d) = default_port_field(&b)? {
                next.default_port = d;
                next.ports = ports_for_default(d);
            }
        } else if let Some(ports) = ports_field(&b)? {
            next.default_port = ports.iter().find(|p| p.default).map(|p| p.port);
            next.ports = ports;
        }
        if next.name != current.name && tx.template(&key, &next.name)?.is_some() {
            return Err(ApiError::TemplateConflict(format!(
                "a template named {:?} already exists",
                next.name
            )));
        }
        // A new image string is a new revision (the same string: no copy, no revision).
        let image_changed = next.image_ref != current.image_ref;
        let mut new_revision = None;
        if image_changed && let Some(image) = next.image_ref.clone() {
            let digest = if rev.is_v2() {
                ingest(tx, &image, &cap)?
            } else {
                registry_digest(tx, &image)?
            };
            next.revision = current.revision + 1;
            next.image_digest = Some(digest.clone());
            new_revision = Some(TemplateRevision {
                revision: next.revision,
                image_digest: digest,
                image_ref: Some(image),
                created: now,
            });
        }
        if next != current {
            next.updated = now;
            tx.replace_template(&key, &current.name, &next)?;
            if let Some(r) = &new_revision {
                tx.add_template_revision(&key, &next.name, r)?;
            }
        }
        let revisions = if rev.is_v2() {
            Some(tx.template_revisions(&key, &next.name)?)
        } else {
            None
        };
        Ok(next.to_json(rev, &key, revisions.as_deref()))
    })?;
    Ok(ok(&t))
}

pub async fn delete(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    TemplateName(name): TemplateName,
) -> ApiResult<Response> {
    app.tx(|tx, _| {
        if model::system_template(&name).is_some() {
            return Err(forbidden(&name));
        }
        if tx.delete_template(&key, &name)? {
            Ok(())
        } else {
            Err(ApiError::not_found(format_args!("template {name:?}")))
        }
    })?;
    Ok(ok(&json!({"name": name, "deleted": true})))
}
