//! The provider's `default_metadata` on `agent37_instance` (like the AWS provider's
//! `default_tags`): merged into every instance's metadata on the server. `metadata` stays what
//! the configuration says (Terraform refuses a planned value that differs from a configured
//! one), and the computed `metadata_all` shows the merged map the plan sends. Pure;
//! unit-tested at the bottom.

use std::collections::BTreeMap;

use crate::sdk::model::Attr;

use super::model::{Instance, Metadata};

/// The provider's default pairs (known, non-null values only).
pub type Defaults = BTreeMap<String, String>;

/// `metadata_all` as planned: the defaults, overridden by the configured `metadata`; unknown
/// while the configured map is; null when neither holds anything and the configuration says
/// nothing.
pub fn plan(defaults: &Defaults, config: &Attr<Metadata>, planned: &mut Instance) {
    planned.metadata_all = merged(defaults, config);
}

fn merged(defaults: &Defaults, config: &Attr<Metadata>) -> Attr<Metadata> {
    match config {
        Attr::Unknown(_) => Attr::unknown(),
        Attr::Null if defaults.is_empty() => Attr::Null,
        Attr::Null => Attr::Known(as_metadata(defaults)),
        Attr::Known(own) => {
            let mut all = as_metadata(defaults);
            all.extend(
                own.iter()
                    .filter(|(_, v)| v.is_some())
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
            Attr::Known(all)
        }
    }
}

fn as_metadata(defaults: &Defaults) -> Metadata {
    defaults
        .iter()
        .map(|(k, v)| (k.clone(), Some(v.clone())))
        .collect()
}

/// An instance's own `metadata` out of what the server holds (`all`): the pairs the defaults
/// put there are left out, unless the configuration (`configured`, the prior or planned
/// `metadata`) names the key itself. A map left empty by that reads as null, unless the
/// configuration wrote the empty map.
pub fn own(
    all: &Attr<Metadata>,
    defaults: &Defaults,
    configured: &Attr<Metadata>,
) -> Attr<Metadata> {
    let Some(all) = all.known() else {
        return all.clone();
    };
    if defaults.is_empty() {
        return Attr::Known(all.clone());
    }
    let named = |k: &str| configured.known().is_some_and(|c| c.contains_key(k));
    let own: Metadata = all
        .iter()
        .filter(|(k, v)| named(k) || defaults.get(*k) != v.as_ref())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if own.is_empty() && configured.known().is_none() {
        Attr::Null
    } else {
        Attr::Known(own)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pairs: &[(&str, &str)]) -> Metadata {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect()
    }

    fn defaults() -> Defaults {
        [("team", "platform"), ("env", "prod")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_plan_merges_the_defaults_under_the_configuration() {
        let mut planned = Instance::default();
        plan(&defaults(), &Attr::Null, &mut planned);
        assert_eq!(
            planned.metadata_all,
            Attr::Known(meta(&[("env", "prod"), ("team", "platform")]))
        );
        plan(
            &defaults(),
            &Attr::Known(meta(&[("team", "ml"), ("k", "v")])),
            &mut planned,
        );
        assert_eq!(
            planned.metadata_all,
            Attr::Known(meta(&[("env", "prod"), ("k", "v"), ("team", "ml")]))
        );
        plan(&defaults(), &Attr::unknown(), &mut planned);
        assert!(planned.metadata_all.is_unknown());
        plan(&Defaults::new(), &Attr::Null, &mut planned);
        assert!(planned.metadata_all.is_null());
        plan(
            &Defaults::new(),
            &Attr::Known(Metadata::new()),
            &mut planned,
        );
        assert_eq!(planned.metadata_all, Attr::Known(Metadata::new()));
    }

    #[test]
    fn the_own_metadata_leaves_the_defaults_out() {
        let all = Attr::Known(meta(&[("env", "prod"), ("k", "v"), ("team", "platform")]));
        // Configured {k}: the defaults' pairs are not its own.
        let configured = Attr::Known(meta(&[("k", "v")]));
        assert_eq!(own(&all, &defaults(), &configured), configured);
        // Configured team = "platform" itself: kept.
        let named = Attr::Known(meta(&[("k", "v"), ("team", "platform")]));
        assert_eq!(own(&all, &defaults(), &named), named);
        // A default overridden on the server is the instance's own.
        let other = Attr::Known(meta(&[("env", "dev"), ("team", "platform")]));
        assert_eq!(
            own(&other, &defaults(), &Attr::Null),
            Attr::Known(meta(&[("env", "dev")]))
        );
        // Only defaults: null, unless the configuration wrote `{}`.
        let only = Attr::Known(meta(&[("env", "prod"), ("team", "platform")]));
        assert_eq!(own(&only, &defaults(), &Attr::Null), Attr::Null);
        assert_eq!(
            own(&only, &defaults(), &Attr::Known(Metadata::new())),
            Attr::Known(Metadata::new())
        );
        // No defaults: everything is its own.
        assert_eq!(own(&only, &Defaults::new(), &Attr::Null), only);
    }
}
