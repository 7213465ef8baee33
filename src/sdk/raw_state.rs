//! Stored state on its way through `UpgradeResourceState`: the JSON document Terraform kept,
//! read with the SDK's own JSON reader so that every number stays an exact decimal (a number
//! beyond 2^53 or a long decimal comes out as it went in), handed to the resource's
//! `upgrade_state` to be rewritten into the current schema's shape.

use super::json::{Json, SyntaxError};
use super::value::Number;

/// A stored state object: its members in document order, numbers exact.
#[derive(Clone, Debug, PartialEq)]
pub struct RawState {
    members: Vec<(String, Json)>,
}

/// Why stored state could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RawStateError {
    #[error("the stored state is not valid JSON: {0}")]
    Syntax(#[from] SyntaxError),
    #[error("the stored state is not a JSON object")]
    NotAnObject,
}

impl RawState {
    /// Reads a stored state document, which must be a JSON object.
    pub fn parse(bytes: &[u8]) -> Result<RawState, RawStateError> {
        match Json::parse(bytes)? {
            Json::Object(members) => Ok(RawState { members }),
            _ => Err(RawStateError::NotAnObject),
        }
    }

    /// A state from `(name, value)` pairs (test fixtures, rewrites).
    pub fn from_members(members: impl IntoIterator<Item = (impl Into<String>, Json)>) -> Self {
        RawState {
            members: members.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        }
    }

    /// The value of member `name`.
    pub fn get(&self, name: &str) -> Option<&Json> {
        self.members.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The exact number held by member `name`.
    pub fn number(&self, name: &str) -> Option<Number> {
        self.get(name).and_then(Json::as_number)
    }

    /// Sets member `name` (replacing it, or adding it at the end).
    pub fn set(&mut self, name: &str, value: Json) {
        match self.members.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = value,
            None => self.members.push((name.to_string(), value)),
        }
    }

    /// Removes member `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<Json> {
        let i = self.members.iter().position(|(k, _)| k == name)?;
        Some(self.members.remove(i).1)
    }

    /// Renames member `from` to `to` (an attribute renamed by a schema version), keeping its
    /// value; nothing happens when `from` is absent.
    pub fn rename(&mut self, from: &str, to: &str) {
        if let Some(v) = self.remove(from) {
            self.set(to, v);
        }
    }

    /// Keeps only the members `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.members.retain(|(k, _)| keep(k));
    }

    /// The member names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|(k, _)| k.as_str())
    }

    /// The state as a JSON document.
    pub fn into_json(self) -> Json {
        Json::Object(self.members)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_order_survive_a_rewrite() {
        let mut s = RawState::parse(
            br#"{"b": 9007199254740993, "a": 0.1000000000000000000000000000001, "old": "x"}"#,
        )
        .expect("object");
        s.rename("old", "new");
        s.set(
            "b",
            Json::number(&Number::parse("18446744073709551617").expect("n")),
        );
        assert_eq!(s.names().collect::<Vec<_>>(), ["b", "a", "new"]);
        assert_eq!(
            s.into_json().to_text(),
            r#"{"b":18446744073709551617,"a":0.1000000000000000000000000000001,"new":"x"}"#
        );
        assert_eq!(RawState::parse(b"[1]"), Err(RawStateError::NotAnObject));
        assert!(matches!(
            RawState::parse(b"{"),
            Err(RawStateError::Syntax(_))
        ));
    }
}
