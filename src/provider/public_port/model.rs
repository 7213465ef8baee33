//! Pure parts of the public-port surface: API entries → models, the create body, import ids.

use crate::api::{self, CreatePublicPort};
use crate::provider::values::keep_empty_form;
use crate::sdk::model::Attr;

use super::schema::{PublicPort, PublicPortItem};

/// The import id (and list display name) of an entry: `<instance_id>/<port>`.
pub fn import_id(instance_id: &str, port: u16) -> String {
    format!("{instance_id}/{port}")
}

/// The resource's state from the API's entry of `instance_id`; `form` (the planned or prior
/// state) keeps the written empty label (`""` vs null) and `timeouts`.
pub fn state(p: &api::PublicPort, instance_id: &str, form: &PublicPort) -> PublicPort {
    PublicPort {
        instance_id: instance_id.into(),
        port: i64::from(p.port).into(),
        prefix: Attr::from_option(p.prefix.clone()),
        label: keep_empty_form(Attr::from_option(p.label.clone()), &form.label),
        url: p.url.clone().into(),
        domain_urls: p.domain_urls.clone().into(),
        created: p.created.into(),
        timeouts: form.timeouts.clone(),
    }
}

pub fn item(p: &api::PublicPort) -> PublicPortItem {
    PublicPortItem {
        port: i64::from(p.port).into(),
        url: p.url.clone().into(),
        domain_urls: p.domain_urls.clone().into(),
        prefix: Attr::from_option(p.prefix.clone()),
        label: Attr::from_option(p.label.clone()),
        created: p.created.into(),
    }
}

/// A known port number of a state (validation refused the rest).
pub fn port_of(s: &PublicPort) -> Option<u16> {
    s.port
        .get()
        .and_then(|p| u16::try_from(p).ok())
        .filter(|p| *p > 0)
}

/// `POST /instances/{id}/public-ports` from the planned state: the instance id and the body.
pub fn create_body(planned: &PublicPort) -> Result<(String, CreatePublicPort), String> {
    let instance_id = planned
        .instance_id
        .as_str()
        .ok_or("instance_id is not a known string")?
        .to_string();
    let port = port_of(planned).ok_or("port is not a port number from 1 to 65535")?;
    Ok((
        instance_id,
        CreatePublicPort {
            port,
            prefix: planned.prefix.as_str().map(str::to_string),
            label: planned.label.as_str().map(str::to_string),
        },
    ))
}

/// What to tell a user whose create met `409 public_port_exists`, from the instance's entries:
/// the entry for this port (import it), or the one holding this prefix (choose another).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    SamePort(String),
    SamePrefix { port: u16, import_id: String },
    Unknown,
}

pub fn conflict(instance_id: &str, body: &CreatePublicPort, ports: &[api::PublicPort]) -> Conflict {
    if ports.iter().any(|p| p.port == body.port) {
        return Conflict::SamePort(import_id(instance_id, body.port));
    }
    match ports
        .iter()
        .find(|p| body.prefix.is_some() && p.prefix == body.prefix)
    {
        Some(p) => Conflict::SamePrefix {
            port: p.port,
            import_id: import_id(instance_id, p.port),
        },
        None => Conflict::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::model::conforms;

    use super::super::schema::{self, PublicPortsData};

    fn entry(port: u16, prefix: Option<&str>, label: Option<&str>) -> api::PublicPort {
        api::PublicPort {
            port,
            url: "http://k2j4h6g8f0d1s3a5p7o9.localhost:4000".into(),
            domain_urls: vec![],
            prefix: prefix.map(str::to_string),
            label: label.map(str::to_string),
            created: 1786001200,
        }
    }

    #[test]
    fn state_keeps_the_written_empty_label() {
        let form = PublicPort {
            label: "".into(),
            ..PublicPort::default()
        };
        let s = state(&entry(9100, None, None), "abc", &form);
        assert_eq!(s.label.as_str(), Some(""));
        assert_eq!(s.port.get(), Some(9100));
        assert_eq!(s.instance_id.as_str(), Some("abc"));
        let s = state(&entry(9100, None, Some("x")), "abc", &PublicPort::default());
        assert_eq!(s.label.as_str(), Some("x"));
    }

    #[test]
    fn bodies_and_conflicts() {
        let planned = PublicPort {
            instance_id: "abc".into(),
            port: 9100.into(),
            prefix: "hooks".into(),
            ..PublicPort::default()
        };
        let (id, body) = create_body(&planned).expect("body");
        assert_eq!(id, "abc");
        assert_eq!((body.port, body.prefix.as_deref()), (9100, Some("hooks")));
        assert!(
            create_body(&PublicPort {
                port: 70_000.into(),
                ..planned.clone()
            })
            .is_err()
        );

        let ports = [entry(9100, None, None), entry(9200, Some("hooks"), None)];
        assert_eq!(
            conflict("abc", &body, &ports),
            Conflict::SamePort("abc/9100".into())
        );
        let other = CreatePublicPort { port: 9300, ..body };
        assert_eq!(
            conflict("abc", &other, &ports),
            Conflict::SamePrefix {
                port: 9200,
                import_id: "abc/9200".into()
            }
        );
        assert_eq!(conflict("abc", &other, &[]), Conflict::Unknown);
    }

    #[test]
    fn every_model_output_has_exactly_its_schema_shape() {
        let e = entry(9100, Some("hooks"), Some("inbound"));
        conforms(
            &state(&e, "abc", &PublicPort::default()).to_value(),
            &schema::resource().value_type(),
        )
        .unwrap_or_else(|e| panic!("agent37_instance_public_port: {e}"));
        let all = PublicPortsData {
            instance_id: "abc".into(),
            public_ports: Attr::Known(vec![item(&e), item(&entry(9200, None, None))]),
        };
        conforms(&all.to_value(), &schema::data_source().value_type())
            .unwrap_or_else(|e| panic!("agent37_instance_public_ports: {e}"));
    }
}
