//! `Patch<T>`: a field of a PATCH body that is absent, cleared (null) or set.

use serde::Serialize;
use serde::ser::Serializer;

/// A field of a PATCH body: left out, sent as `null` (clear), or sent with a value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Patch<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Self::Absent)
    }

    /// `Some(v)` → value, `None` → null: the usual way a desired optional value becomes a patch.
    pub fn set(value: Option<T>) -> Self {
        match value {
            Some(v) => Self::Value(v),
            None => Self::Null,
        }
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            // Only reached when a caller forgets `skip_serializing_if`; null is the safe reading.
            Self::Absent | Self::Null => s.serialize_none(),
            Self::Value(v) => v.serialize(s),
        }
    }
}
