//! The generic part of PlanResourceChange, driven by the schema: defaults, unknown computed
//! values on create, replacement, and quiet plans. Pure functions, unit-tested below.

use super::model::attr_hinted;
use super::path::Path;
use super::schema::{AttrType, Attribute, Block, Nesting, OnUpdate};
use super::value::{Value, ValueMap};

/// Plans `proposed` (Terraform's merge of config and prior state) for `block`. Returns the
/// planned object and the attribute paths whose change forces a replacement. `proposed` is
/// taken by value: the plan is made in its place (each attribute's value moved out and back),
/// not in a copy.
pub fn plan_block(
    block: &Block,
    prior: &Value,
    proposed: Value,
    config: &Value,
) -> (Value, Vec<Path>) {
    let create = prior.is_null();
    let mut replace = Vec::new();
    let mut out = match proposed {
        Value::Object(m) => m,
        _ => ValueMap::new(),
    };
    // The schema's attributes are sorted by name, as the members are: each lookup finds its
    // member right after the previous one.
    let (config_members, prior_members) = (config.as_object(), prior.as_object());
    let (mut at_config, mut at_prior, mut at_out) = (0, 0, 0);
    for attr in &block.attributes {
        let name = attr.name.as_str();
        let cfg = attr_hinted(config_members, name, &mut at_config);
        let old = attr_hinted(prior_members, name, &mut at_prior);
        let slot = out.position_hinted(name, &mut at_out);
        let prop = match slot {
            Ok(i) => std::mem::take(out.at_mut(i)),
            Err(_) => Value::Null,
        };
        let planned = plan_attr(attr, cfg, prop, old, create);
        if !create && attr.requires_replace && planned != *old {
            replace.push(Path::attr(name));
        }
        match slot {
            Ok(i) => *out.at_mut(i) = planned,
            Err(i) => {
                out.insert_at(i, attr.name.clone(), planned);
                at_out = i + 1;
            }
        }
    }
    (Value::Object(out), replace)
}

fn plan_attr(attr: &Attribute, cfg: &Value, prop: Value, old: &Value, create: bool) -> Value {
    if attr.computed && cfg.is_null() {
        if create {
            return match &attr.default {
                Some(d) => d.clone(),
                None if prop.is_null() => Value::unknown(),
                None => prop,
            };
        }
        // Quiet plans: an optional + computed value left out of the configuration, or a purely
        // computed one, keeps its prior value (volatile ones are handled by `mark_volatile`).
        // A prior null is a value too (an instance without a default port has no `url`): only
        // an attribute with a default fills it in.
        return match (&attr.default, old.is_null()) {
            (Some(d), true) => d.clone(),
            _ => old.clone(),
        };
    }
    match &attr.ty {
        AttrType::Nested {
            nesting,
            attributes,
        } if prop.is_known() && !prop.is_null() => {
            plan_nested(*nesting, attributes, cfg, &prop, old, create)
        }
        _ => prop,
    }
}

/// Fills defaults and unknowns inside the objects of a nested attribute.
fn plan_nested(
    nesting: Nesting,
    attributes: &[Attribute],
    cfg: &Value,
    prop: &Value,
    old: &Value,
    create: bool,
) -> Value {
    let plan_obj = |c: &Value, p: &Value, o: &Value| -> Value {
        if !p.is_known() || p.is_null() {
            return p.clone();
        }
        let mut m = match p {
            Value::Object(m) => m.clone(),
            _ => return p.clone(),
        };
        for a in attributes {
            let cv = c.attr(&a.name).unwrap_or(&Value::Null);
            let pv = p.attr(&a.name).unwrap_or(&Value::Null);
            let ov = o.attr(&a.name).unwrap_or(&Value::Null);
            let elem_create = create || o.is_null();
            let v = if a.computed && cv.is_null() {
                match &a.default {
                    Some(d) => d.clone(),
                    None if !elem_create && !ov.is_null() => ov.clone(),
                    None if pv.is_null() => Value::unknown(),
                    None => pv.clone(),
                }
            } else {
                plan_attr(a, cv, pv.clone(), ov, elem_create)
            };
            m.insert(a.name.clone(), v);
        }
        Value::Object(m)
    };
    match (nesting, prop) {
        (Nesting::Single, p) => plan_obj(cfg, p, old),
        (Nesting::List, Value::List(items)) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, p)| plan_obj(nth(cfg, i), p, nth(old, i)))
                .collect(),
        ),
        (Nesting::Set, Value::Set(items)) => Value::Set(
            items
                .iter()
                .enumerate()
                .map(|(i, p)| plan_obj(nth(cfg, i), p, &Value::Null))
                .collect(),
        ),
        (Nesting::Map, Value::Map(items)) => Value::Map(
            items
                .iter()
                .map(|(k, p)| (k.clone(), plan_obj(key(cfg, k), p, key(old, k))))
                .collect(),
        ),
        (_, p) => p.clone(),
    }
}

fn nth(v: &Value, i: usize) -> &Value {
    match v {
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            items.get(i).unwrap_or(&Value::Null)
        }
        _ => &Value::Null,
    }
}

fn key<'a>(v: &'a Value, k: &str) -> &'a Value {
    match v {
        Value::Map(m) => m.get(k).unwrap_or(&Value::Null),
        _ => &Value::Null,
    }
}

/// When an update is planned, computed attributes that can move because of it (or on their
/// own) become unknown; a plan with no change keeps them, so a no-op plan says "No changes".
pub fn mark_volatile(block: &Block, prior: &Value, planned: &mut Value) {
    if prior.is_null() || planned.is_null() {
        return;
    }
    let volatile = |a: &Attribute| a.computed && !a.optional && a.on_update == OnUpdate::Unknown;
    let (planned_members, prior_members) = (planned.as_object(), prior.as_object());
    let (mut at_planned, mut at_prior) = (0, 0);
    let changed = block.attributes.iter().filter(|a| !volatile(a)).any(|a| {
        attr_hinted(planned_members, &a.name, &mut at_planned)
            != attr_hinted(prior_members, &a.name, &mut at_prior)
    }) || block
        .blocks
        .iter()
        .any(|b| planned.attr(&b.name) != prior.attr(&b.name));
    if !changed {
        return;
    }
    if let Value::Object(m) = planned {
        for a in block.attributes.iter().filter(|a| volatile(a)) {
            m.insert(a.name.clone(), Value::unknown());
        }
    }
}

/// The configuration a user would write for `state`: attributes that can be configured and
/// hold a value other than their default; computed-only attributes and blocks are left null.
pub fn config_from_state(block: &Block, state: &Value) -> Value {
    let mut out = ValueMap::new();
    for attr in &block.attributes {
        let v = state.attr(&attr.name).unwrap_or(&Value::Null);
        let configurable = attr.required || attr.optional;
        let is_default = attr.default.as_ref() == Some(v);
        let keep = configurable && !v.is_null() && (attr.required || !is_default);
        out.insert(
            attr.name.clone(),
            if keep { v.clone() } else { Value::Null },
        );
    }
    for b in &block.blocks {
        out.insert(b.name.clone(), Value::Null);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::schema::Schema;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        )
    }

    fn schema() -> Schema {
        Schema::new(
            "t",
            vec![
                Attribute::string("id").computed(),
                Attribute::string("template")
                    .default(Value::string("base"))
                    .requires_replace(),
                Attribute::string("name").optional(),
                Attribute::string("status").computed().unknown_on_update(),
            ],
        )
    }

    #[test]
    fn generated_config_keeps_only_what_a_user_writes() {
        let s = schema();
        let state = obj(&[
            ("id", Value::string("x1")),
            ("template", Value::string("base")),
            ("name", Value::string("a")),
            ("status", Value::string("running")),
        ]);
        let cfg = config_from_state(&s.block, &state);
        assert_eq!(
            cfg,
            obj(&[
                ("id", Value::Null),
                ("template", Value::Null),
                ("name", Value::string("a")),
                ("status", Value::Null),
            ])
        );
    }

    #[test]
    fn create_fills_defaults_and_unknowns() {
        let s = schema();
        let config = obj(&[
            ("id", Value::Null),
            ("template", Value::Null),
            ("name", Value::string("a")),
            ("status", Value::Null),
        ]);
        let (planned, replace) = plan_block(&s.block, &Value::Null, config.clone(), &config);
        assert!(replace.is_empty());
        assert_eq!(planned.attr("template"), Some(&Value::string("base")));
        assert_eq!(planned.attr("id").map(Value::is_known), Some(false));
        assert_eq!(planned.attr("name"), Some(&Value::string("a")));
    }

    #[test]
    fn quiet_update_and_replace() {
        let s = schema();
        let prior = obj(&[
            ("id", Value::string("x1")),
            ("template", Value::string("base")),
            ("name", Value::string("a")),
            ("status", Value::string("running")),
        ]);
        // No change: everything keeps its prior value.
        let config = obj(&[
            ("id", Value::Null),
            ("template", Value::Null),
            ("name", Value::string("a")),
            ("status", Value::Null),
        ]);
        let (mut planned, replace) = plan_block(&s.block, &prior, prior.clone(), &config);
        mark_volatile(&s.block, &prior, &mut planned);
        assert!(replace.is_empty());
        assert_eq!(planned, prior);

        // A name change: an update, so status becomes unknown; id stays.
        let config2 = obj(&[
            ("id", Value::Null),
            ("template", Value::Null),
            ("name", Value::string("b")),
            ("status", Value::Null),
        ]);
        let proposed = obj(&[
            ("id", Value::string("x1")),
            ("template", Value::string("base")),
            ("name", Value::string("b")),
            ("status", Value::string("running")),
        ]);
        let (mut planned, replace) = plan_block(&s.block, &prior, proposed.clone(), &config2);
        mark_volatile(&s.block, &prior, &mut planned);
        assert!(replace.is_empty());
        assert_eq!(planned.attr("id"), Some(&Value::string("x1")));
        assert_eq!(planned.attr("status").map(Value::is_known), Some(false));

        // A template change replaces.
        let config3 = obj(&[
            ("id", Value::Null),
            ("template", Value::string("other")),
            ("name", Value::string("a")),
            ("status", Value::Null),
        ]);
        let proposed3 = obj(&[
            ("id", Value::string("x1")),
            ("template", Value::string("other")),
            ("name", Value::string("a")),
            ("status", Value::string("running")),
        ]);
        let (_, replace) = plan_block(&s.block, &prior, proposed3.clone(), &config3);
        assert_eq!(replace, vec![Path::attr("template")]);
    }

    #[test]
    fn a_computed_null_stays_null_in_a_quiet_plan() {
        let s = Schema::new(
            "t",
            vec![
                Attribute::string("id").computed(),
                Attribute::string("url").computed(),
                Attribute::string("status").computed().unknown_on_update(),
            ],
        );
        let prior = obj(&[
            ("id", Value::string("x1")),
            ("url", Value::Null),
            ("status", Value::string("running")),
        ]);
        let config = obj(&[
            ("id", Value::Null),
            ("url", Value::Null),
            ("status", Value::Null),
        ]);
        let (mut planned, _) = plan_block(&s.block, &prior, prior.clone(), &config);
        mark_volatile(&s.block, &prior, &mut planned);
        assert_eq!(planned, prior);
    }
}
