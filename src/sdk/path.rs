//! Attribute paths: where in a configuration or state a diagnostic points.

use std::fmt;

/// One step of an attribute path, as tfplugin6's `AttributePath.Step` has them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// An object attribute or a nested block.
    Attr(String),
    /// A map element.
    Key(String),
    /// A list or tuple element.
    Index(i64),
}

/// A path from the root of a schema's object to one value inside it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Path(pub Vec<Step>);

impl Path {
    /// The empty path (the whole object).
    pub fn root() -> Path {
        Path(Vec::new())
    }

    /// A path of one top-level attribute.
    pub fn attr(name: impl Into<String>) -> Path {
        Path(vec![Step::Attr(name.into())])
    }

    /// This path followed by an attribute.
    pub fn join_attr(&self, name: impl Into<String>) -> Path {
        let mut steps = self.0.clone();
        steps.push(Step::Attr(name.into()));
        Path(steps)
    }

    /// This path followed by a list index.
    pub fn join_index(&self, index: usize) -> Path {
        let mut steps = self.0.clone();
        steps.push(Step::Index(i64::try_from(index).unwrap_or(i64::MAX)));
        Path(steps)
    }

    /// This path followed by a map key.
    pub fn join_key(&self, key: impl Into<String>) -> Path {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key.into()));
        Path(steps)
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Path {
    /// HCL-like rendering (`ports[0].port`, `metadata["team"]`), used in messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Attr(name) if i == 0 => write!(f, "{name}")?,
                Step::Attr(name) => write!(f, ".{name}")?,
                Step::Key(key) => write!(f, "[{key:?}]")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_hcl() {
        let p = Path::attr("ports").join_index(2).join_attr("port");
        assert_eq!(p.to_string(), "ports[2].port");
        let m = Path::attr("metadata").join_key("team");
        assert_eq!(m.to_string(), "metadata[\"team\"]");
        assert!(Path::root().is_root());
    }
}
