//! Templates: the read-only system catalog plus the workspace's own templates.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::instances::system_image;
use super::{Caller, RawBody, TemplateName, json as respond, ok};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::model::{self, Port, SYSTEM_TEMPLATES};
use crate::objects::{WorkspaceTemplate, system_template_json};
use crate::store::Tx;

fn system_json(tx: &Tx<'_>, t: &model::SystemTemplate) -> ApiResult<Value> {
    Ok(system_template_json(t, &system_image(tx, t)?))
}

pub async fn list(State(app): State<Arc<App>>, Caller(key): Caller) -> ApiResult<Response> {
    let data = app.tx(|tx, _| {
        let mut data = Vec::new();
        for t in &SYSTEM_TEMPLATES {
            data.push(system_json(tx, t)?);
        }
        data.extend(tx.templates(&key)?.iter().map(WorkspaceTemplate::to_json));
        Ok(data)
    })?;
    Ok(ok(&json!({ "data": data })))
}

pub async fn get_one(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    TemplateName(name): TemplateName,
) -> ApiResult<Response> {
    let name = name.as_str();
    let body = app.tx(|tx, _| {
        if let Some(sys) = model::system_template(name) {
            return system_json(tx, sys);
        }
        tx.template(&key, name)?
            .map(|t| t.to_json())
            .ok_or_else(|| ApiError::not_found(format_args!("template {name:?}")))
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

fn description_field(b: &Map<String, Value>) -> ApiResult<Option<Option<String>>> {
    match b.get("description") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(_) => Err(ApiError::invalid("description must be a string or null")),
    }
}

/// `ports`: an array (null reads as none) validated by the template rules.
fn ports_field(b: &Map<String, Value>) -> ApiResult<Option<Vec<Port>>> {
    match b.get("ports") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(Vec::new())),
        Some(v) => model::parse_template_ports(v)
            .map(Some)
            .map_err(ApiError::InvalidRequest),
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

pub async fn create(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    body: RawBody,
) -> ApiResult<Response> {
    let t = app.tx(|tx, now| {
        let b = body.object()?;
        let name =
            string_field(&b, "name")?.ok_or_else(|| ApiError::invalid("name is required"))?;
        let name = checked_name(name)?;
        let image = string_field(&b, "image_ref")?
            .ok_or_else(|| ApiError::invalid("image_ref is required"))?;
        let image_ref = checked_image(image)?;
        let description = description_field(&b)?.flatten();
        let ports = ports_field(&b)?.unwrap_or_default();
        if tx.template(&key, &name)?.is_some() {
            return Err(ApiError::TemplateConflict(format!(
                "a template named {name:?} already exists"
            )));
        }
        let t = WorkspaceTemplate {
            name,
            image_ref,
            description,
            ports,
            created: now,
            updated: now,
        };
        tx.insert_template(&key, &t)?;
        Ok(t)
    })?;
    Ok(respond(StatusCode::CREATED, &t.to_json()))
}

fn forbidden(name: &str) -> ApiError {
    ApiError::Forbidden(format!(
        "{name:?} is a system template and cannot be changed"
    ))
}

pub async fn patch(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    TemplateName(name): TemplateName,
    body: RawBody,
) -> ApiResult<Response> {
    let name = name.as_str();
    let t = app.tx(|tx, now| {
        if model::system_template(name).is_some() {
            return Err(forbidden(name));
        }
        let current = tx
            .template(&key, name)?
            .ok_or_else(|| ApiError::not_found(format_args!("template {name:?}")))?;
        let b = body.object()?;
        if !["name", "image_ref", "description", "ports"]
            .iter()
            .any(|k| b.contains_key(*k))
        {
            return Err(ApiError::invalid(
                "send at least one of name, image_ref, description, ports",
            ));
        }
        let mut next = current.clone();
        if let Some(n) = string_field(&b, "name")? {
            next.name = checked_name(n)?;
        }
        if let Some(i) = string_field(&b, "image_ref")? {
            next.image_ref = checked_image(i)?;
        }
        if let Some(d) = description_field(&b)? {
            next.description = d;
        }
        if let Some(ports) = ports_field(&b)? {
            next.ports = ports;
        }
        if next.name != current.name && tx.template(&key, &next.name)?.is_some() {
            return Err(ApiError::TemplateConflict(format!(
                "a template named {:?} already exists",
                next.name
            )));
        }
        let changed = next.name != current.name
            || next.image_ref != current.image_ref
            || next.description != current.description
            || next.ports != current.ports;
        if changed {
            next.updated = now;
            tx.delete_template(&key, &current.name)?;
            tx.insert_template(&key, &next)?;
        }
        Ok(next)
    })?;
    Ok(ok(&t.to_json()))
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
