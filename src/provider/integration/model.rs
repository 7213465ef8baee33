//! Pure parts of `agent37_instance_integration`: API connections → state, the connect body,
//! import ids, what a wait does with a status, and which connection an ambiguous connect made.

use crate::api::{self, Connect, ConnectionStatus};
use crate::sdk::model::Attr;

use super::schema::Integration;

/// The import id (and list display name) of a connection: `<instance_id>/<connected_account_id>`.
pub fn import_id(instance_id: &str, id: &str) -> String {
    format!("{instance_id}/{id}")
}

/// Composio's epoch milliseconds as the provider's epoch seconds.
pub fn seconds(ms: i64) -> i64 {
    ms.div_euclid(1000)
}

/// The state of connection `c` of `instance_id`. `form` (the planned or prior state) supplies
/// what the API does not return: `callback_url`, `wait_for_active`, `redirect_url` (only the
/// connect answers it), `timeouts`.
pub fn state(c: &api::Connection, instance_id: &str, form: &Integration) -> Integration {
    Integration {
        instance_id: instance_id.into(),
        toolkit: c.toolkit_slug.clone().into(),
        callback_url: form.callback_url.clone(),
        wait_for_active: form.wait_for_active.get().unwrap_or(false).into(),
        connected_account_id: c.id.clone().into(),
        status: c.status.as_str().to_string().into(),
        redirect_url: known_or_null(&form.redirect_url),
        toolkit_name: Attr::from_option(c.toolkit_name.clone()),
        auth_scheme: Attr::from_option(c.auth_scheme.clone()),
        created: Attr::from_option(c.created_at.map(seconds)),
        timeouts: form.timeouts.clone(),
    }
}

/// A state value with an unknown turned into null (no unknown leaves an apply).
fn known_or_null(a: &Attr<String>) -> Attr<String> {
    match a {
        Attr::Known(s) => Attr::Known(s.clone()),
        _ => Attr::Null,
    }
}

/// The state right after a connect whose connection could not be read back (the list failed
/// or did not show it yet): what the connect answered, the rest null.
pub fn connected_only(c: &api::Connected, instance_id: &str, planned: &Integration) -> Integration {
    Integration {
        instance_id: instance_id.into(),
        toolkit: planned.toolkit.clone(),
        callback_url: planned.callback_url.clone(),
        wait_for_active: planned.wait_for_active.get().unwrap_or(false).into(),
        connected_account_id: c.connected_account_id.clone().into(),
        status: Attr::Null,
        redirect_url: Attr::from_option(c.redirect_url.clone()),
        toolkit_name: Attr::Null,
        auth_scheme: Attr::Null,
        created: Attr::Null,
        timeouts: planned.timeouts.clone(),
    }
}

/// `POST …/integrations/connect` from the planned state: the instance id and the body.
pub fn connect_body(planned: &Integration) -> Result<(String, Connect), String> {
    let instance_id = planned
        .instance_id
        .as_str()
        .ok_or("instance_id is not a known string")?
        .to_string();
    let toolkit = planned
        .toolkit
        .as_str()
        .ok_or("toolkit is not a known string")?
        .to_string();
    Ok((
        instance_id,
        Connect {
            toolkit,
            callback_url: planned.callback_url.as_str().map(str::to_string),
        },
    ))
}

/// Where a wait for `ACTIVE` stands after one look at the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitStep {
    Active,
    /// The person has not finished yet (or Composio is still working): look again.
    Waiting,
    /// `FAILED` or `EXPIRED`: no wait helps, the connection must be made again.
    Dead(String),
    /// The connection disappeared while waited for.
    Gone,
}

pub fn wait_step(found: Option<&api::Connection>) -> WaitStep {
    match found.map(|c| &c.status) {
        None => WaitStep::Gone,
        Some(ConnectionStatus::Active) => WaitStep::Active,
        Some(s) if s.is_dead() => WaitStep::Dead(s.to_string()),
        Some(_) => WaitStep::Waiting,
    }
}

/// Whether a state's connection is dead (`FAILED`/`EXPIRED`): the plan replaces it.
pub fn is_dead(s: &Integration) -> bool {
    s.status
        .as_str()
        .is_some_and(|st| ConnectionStatus::from(st).is_dead())
}

/// After a connect whose outcome is unknown: the connection it made, when exactly one
/// connection of `toolkit` is in `after` but not in `before`.
pub fn made_by_connect<'a>(
    before: &[api::Connection],
    after: &'a [api::Connection],
    toolkit: &str,
) -> Option<&'a api::Connection> {
    let mut new = after
        .iter()
        .filter(|c| c.toolkit_slug == toolkit && !before.iter().any(|b| b.id == c.id));
    match (new.next(), new.next()) {
        (Some(c), None) => Some(c),
        _ => None,
    }
}

/// The detail of a wait that did not end `ACTIVE` in time.
pub fn still_waiting(toolkit: &str, id: &str, waited_secs: u64) -> String {
    format!(
        "The {toolkit} connection {id} is still waiting for a person after {waited_secs}s: someone must open `redirect_url` (a sensitive attribute: `terraform output` or `nonsensitive()` shows it) and finish signing in. The connection is kept, tainted: the next apply replaces it, unless it turned ACTIVE meanwhile and you run `terraform untaint`. Raise `timeouts.create`, or set `wait_for_active = false` to finish it later."
    )
}

/// The detail of a connection that became `FAILED` or `EXPIRED`.
pub fn dead(toolkit: &str, id: &str, status: &str) -> String {
    format!(
        "The {toolkit} connection {id} is {status}: the sign-in did not complete or its grant expired. It is kept, tainted: the next apply replaces it with a new connection, to be finished at its `redirect_url`."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::model::conforms;

    use super::super::schema;

    fn conn(id: &str, toolkit: &str, status: &str) -> api::Connection {
        api::Connection {
            id: id.into(),
            toolkit_slug: toolkit.into(),
            toolkit_name: Some("Gmail".into()),
            status: status.into(),
            auth_scheme: Some("OAUTH2".into()),
            is_disabled: false,
            created_at: Some(1_786_001_000_999),
            updated_at: Some(1_786_001_042_000),
        }
    }

    #[test]
    fn state_converts_milliseconds_and_keeps_what_the_api_does_not_return() {
        let form = Integration {
            callback_url: "https://app.example/cb".into(),
            wait_for_active: true.into(),
            redirect_url: "https://connect.example/flow".into(),
            ..Integration::default()
        };
        let s = state(&conn("ca_1", "gmail", "ACTIVE"), "abc123defg", &form);
        assert_eq!(s.created.get(), Some(1_786_001_000));
        assert_eq!(s.status.as_str(), Some("ACTIVE"));
        assert_eq!(s.toolkit.as_str(), Some("gmail"));
        assert_eq!(s.callback_url.as_str(), Some("https://app.example/cb"));
        assert_eq!(s.wait_for_active.get(), Some(true));
        assert_eq!(
            s.redirect_url.as_str(),
            Some("https://connect.example/flow")
        );
        // An import's seed: nothing but the identity.
        let s = state(
            &conn("ca_1", "gmail", "ACTIVE"),
            "abc123defg",
            &Integration::default(),
        );
        assert_eq!(s.wait_for_active.get(), Some(false));
        assert!(s.redirect_url.is_null() && s.callback_url.is_null());
        let planned = Integration {
            redirect_url: Attr::unknown(),
            ..Integration::default()
        };
        assert!(
            state(&conn("ca_1", "gmail", "ACTIVE"), "a", &planned)
                .redirect_url
                .is_null()
        );
        assert_eq!(seconds(-1), -1);
    }

    #[test]
    fn waits_and_dead_connections() {
        assert_eq!(wait_step(None), WaitStep::Gone);
        assert_eq!(wait_step(Some(&conn("c", "g", "ACTIVE"))), WaitStep::Active);
        assert_eq!(
            wait_step(Some(&conn("c", "g", "INITIATED"))),
            WaitStep::Waiting
        );
        assert_eq!(
            wait_step(Some(&conn("c", "g", "INITIALIZING"))),
            WaitStep::Waiting
        );
        assert_eq!(
            wait_step(Some(&conn("c", "g", "EXPIRED"))),
            WaitStep::Dead("EXPIRED".into())
        );
        let s = |st: &str| Integration {
            status: st.into(),
            ..Integration::default()
        };
        assert!(is_dead(&s("FAILED")) && is_dead(&s("EXPIRED")));
        assert!(!is_dead(&s("ACTIVE")) && !is_dead(&Integration::default()));
    }

    #[test]
    fn an_ambiguous_connect_adopts_only_one_new_connection() {
        let before = [conn("ca_1", "gmail", "ACTIVE")];
        let after = [
            conn("ca_1", "gmail", "ACTIVE"),
            conn("ca_2", "gmail", "INITIATED"),
            conn("ca_3", "slack", "INITIATED"),
        ];
        assert_eq!(
            made_by_connect(&before, &after, "gmail").map(|c| c.id.as_str()),
            Some("ca_2")
        );
        assert!(made_by_connect(&before, &before, "gmail").is_none());
        let two = [
            conn("ca_2", "gmail", "INITIATED"),
            conn("ca_4", "gmail", "INITIATED"),
        ];
        assert!(made_by_connect(&[], &two, "gmail").is_none());
    }

    #[test]
    fn connect_bodies() {
        let planned = Integration {
            instance_id: "abc123defg".into(),
            toolkit: "gmail".into(),
            ..Integration::default()
        };
        let (id, body) = connect_body(&planned).expect("body");
        assert_eq!(
            (id.as_str(), body.toolkit.as_str(), body.callback_url),
            ("abc123defg", "gmail", None)
        );
        assert!(connect_body(&Integration::default()).is_err());
    }

    #[test]
    fn every_model_output_has_exactly_its_schema_shape() {
        let ty = schema::resource().value_type();
        let planned = Integration {
            instance_id: "abc123defg".into(),
            toolkit: "gmail".into(),
            wait_for_active: false.into(),
            ..Integration::default()
        };
        conforms(
            &state(&conn("ca_1", "gmail", "ACTIVE"), "abc123defg", &planned).to_value(),
            &ty,
        )
        .unwrap_or_else(|e| panic!("agent37_instance_integration: {e}"));
        let c = api::Connected {
            toolkit: Some("gmail".into()),
            connected_account_id: "ca_1".into(),
            redirect_url: Some("https://x.example/f".into()),
        };
        conforms(&connected_only(&c, "abc123defg", &planned).to_value(), &ty)
            .unwrap_or_else(|e| panic!("agent37_instance_integration (connected only): {e}"));
    }
}
