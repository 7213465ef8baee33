//! The models of the instance data sources (`agent37_instance`, `agent37_instances`,
//! `agent37_instance_urls`) and of the list resource's filters: what users read, declared once
//! with their docs, and how an API instance fills them. The resource's own state is
//! `model::Instance`. Pure; unit-tested at the bottom.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use crate::api;
use crate::sdk::Model;
use crate::sdk::model::Attr;

use super::model::{
    self, Metadata, PORTS_DOC, Port, URL_DOC, json_text, metadata_from_api, ports_of, urls_from_api,
};

/// Every field of an instance, computed (the data sources' shape); `id` is left to each.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct InstanceFields {
    #[attr(computed, describe = "The template the instance was built from.")]
    pub template: Attr<String>,
    #[attr(computed, describe = "vCPUs.")]
    pub cpu: Attr<i64>,
    #[attr(computed, describe = "Memory in GB.")]
    pub memory: Attr<i64>,
    #[attr(computed, describe = "Disk in GB.")]
    pub disk: Attr<i64>,
    #[attr(computed, describe = "The label, or null.")]
    pub name: Attr<String>,
    #[attr(computed, describe = "The attribution tag, or null.")]
    pub user: Attr<String>,
    #[attr(computed, describe = "The stored key/value pairs, or null.")]
    pub metadata: Attr<Metadata>,
    #[attr(
        computed,
        describe = "The platform's status (`running`, `stopped`, `failed`, or a transition)."
    )]
    pub status: Attr<String>,
    #[attr(computed, describe = "The image the instance runs now.")]
    pub image_ref: Attr<String>,
    #[attr(computed, describe = URL_DOC)]
    pub url: Attr<String>,
    #[attr(computed, describe = PORTS_DOC)]
    pub ports: Attr<Vec<Port>>,
    #[attr(
        computed,
        describe = "API revision 2026-06-25: when the prepaid compute day ends (epoch seconds); null on 2026-08-21 (per-minute billing)."
    )]
    pub paid_through: Attr<i64>,
    #[attr(
        computed,
        describe = "True when the instance is suspended for lack of funds."
    )]
    pub past_due: Attr<bool>,
    #[attr(computed, describe = "Creation time (epoch seconds).")]
    pub created: Attr<i64>,
}

impl InstanceFields {
    /// Every field as the API has it.
    pub fn from_api(inst: &api::Instance) -> InstanceFields {
        InstanceFields {
            template: inst.template.clone().into(),
            cpu: i64::from(inst.resources.cpu).into(),
            memory: i64::from(inst.resources.memory).into(),
            disk: i64::from(inst.resources.disk).into(),
            name: Attr::from_option(inst.name.clone()),
            user: Attr::from_option(inst.user.clone()),
            metadata: metadata_from_api(inst.metadata.as_ref()),
            status: inst.status.as_str().to_string().into(),
            image_ref: Attr::from_option(inst.image_ref.clone()),
            url: Attr::from_option(inst.default_url().map(str::to_string)),
            ports: ports_of(inst, api::FALLBACK_DEFAULT_PORT).into(),
            paid_through: Attr::from_option(inst.paid_through),
            past_due: inst.past_due.into(),
            created: inst.created.into(),
        }
    }
}

/// `agent37_instance` (data source).
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct InstanceData {
    #[attr(required, describe = "The id of the instance to read.")]
    pub id: Attr<String>,
    #[flatten]
    pub fields: InstanceFields,
}

pub const INSTANCE_DATA: &str = "Reads one instance of the workspace by id.";

/// One instance of `agent37_instances`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct InstanceItem {
    #[attr(computed, describe = "The instance id.")]
    pub id: Attr<String>,
    #[flatten]
    pub fields: InstanceFields,
}

impl InstanceItem {
    pub fn from_api(inst: &api::Instance) -> InstanceItem {
        InstanceItem {
            id: inst.id.clone().into(),
            fields: InstanceFields::from_api(inst),
        }
    }
}

/// The filters of `agent37_instances`, and of the `agent37_instance` list resource.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct InstanceFilters {
    #[attr(optional, describe = "Only instances with exactly this `user`.")]
    pub user: Attr<String>,
    #[attr(optional, describe = "Only instances with exactly this `name`.")]
    pub name: Attr<String>,
    #[attr(optional, describe = "Only instances built from this template.")]
    pub template: Attr<String>,
    #[attr(
        optional,
        describe = "Only instances with this status (`running`, `stopped`, `failed`…)."
    )]
    pub status: Attr<String>,
    #[attr(
        optional,
        describe = "Only instances whose metadata holds every one of these pairs (other keys may be present)."
    )]
    pub metadata: Attr<Metadata>,
}

impl InstanceFilters {
    /// Whether `inst` passes every filter that is set (metadata: a subset match; values that
    /// are not strings compare as their JSON text). Gone instances never do.
    pub fn matches(&self, inst: &api::Instance) -> bool {
        let eq =
            |want: &Attr<String>, got: Option<&str>| want.as_str().is_none_or(|w| Some(w) == got);
        let meta = inst.metadata.as_ref();
        let wanted_meta: BTreeMap<&String, &String> = self
            .metadata
            .known()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
                    .collect()
            })
            .unwrap_or_default();
        !model::is_gone(&inst.status)
            && eq(&self.user, inst.user.as_deref())
            && eq(&self.name, inst.name.as_deref())
            && eq(&self.template, Some(&inst.template))
            && eq(&self.status, Some(inst.status.as_str()))
            && wanted_meta.iter().all(|(k, v)| {
                meta.and_then(|m| m.get(*k))
                    .is_some_and(|got: &Json| json_text(got) == v.as_str())
            })
    }
}

/// `agent37_instances`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct InstancesData {
    #[flatten]
    pub filters: InstanceFilters,
    #[attr(computed, describe = "The matching instances, with every field.")]
    pub instances: Attr<Vec<InstanceItem>>,
    #[attr(
        computed,
        describe = "The ids of the matching instances, in the same order."
    )]
    pub ids: Attr<Vec<String>>,
}

pub const INSTANCES_DATA: &str = "Lists the workspace's instances (newest first), optionally filtered; every filter given must match.";

impl InstancesData {
    /// The result for the configured filters out of every instance of the workspace.
    pub fn found(filters: InstanceFilters, all: &[api::Instance]) -> InstancesData {
        let found: Vec<&api::Instance> = all.iter().filter(|i| filters.matches(i)).collect();
        InstancesData {
            instances: found
                .iter()
                .map(|i| InstanceItem::from_api(i))
                .collect::<Vec<_>>()
                .into(),
            ids: found
                .iter()
                .map(|i| i.id.clone())
                .collect::<Vec<_>>()
                .into(),
            filters,
        }
    }
}

/// `agent37_instance_urls`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct InstanceUrlsData {
    #[attr(required, describe = "The id of the instance.")]
    pub instance_id: Attr<String>,
    #[attr(computed, describe = URL_DOC)]
    pub url: Attr<String>,
    #[attr(computed, describe = PORTS_DOC)]
    pub ports: Attr<Vec<Port>>,
    #[attr(
        computed,
        describe = "Port number (as a string, e.g. `\"3737\"`) → URL."
    )]
    pub urls: Attr<BTreeMap<String, Option<String>>>,
}

pub const INSTANCE_URLS_DATA: &str =
    "The URLs an instance serves: its default port's URL, and one per port.";

impl InstanceUrlsData {
    /// `default_port`: the port a 2026-08-21 instance serves at `url` (its template's
    /// `default_port`); 2026-06-25 instances name their ports themselves.
    pub fn from_api(inst: &api::Instance, default_port: u16) -> InstanceUrlsData {
        let ports = ports_of(inst, default_port);
        InstanceUrlsData {
            instance_id: inst.id.clone().into(),
            url: Attr::from_option(inst.default_url().map(str::to_string)),
            urls: urls_from_api(&ports).into(),
            ports: ports.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::model::conforms;

    fn inst() -> api::Instance {
        super::super::model::tests::inst()
    }

    #[test]
    fn filters_match_subsets() {
        let i = inst();
        assert!(InstanceFilters::default().matches(&i));
        let meta = |pairs: &[(&str, &str)]| {
            Attr::Known(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), Some(v.to_string())))
                    .collect(),
            )
        };
        let mut f = InstanceFilters {
            user: "cust_1".into(),
            status: "running".into(),
            metadata: meta(&[("team", "a")]),
            ..InstanceFilters::default()
        };
        assert!(f.matches(&i));
        f.metadata = meta(&[("team", "a"), ("n", "3")]);
        assert!(f.matches(&i));
        f.metadata = meta(&[("team", "a"), ("n", "3"), ("missing", "x")]);
        assert!(!f.matches(&i));
        let by_name = InstanceFilters {
            name: "bot".into(),
            ..InstanceFilters::default()
        };
        assert!(!by_name.matches(&i));
        let mut gone = inst();
        gone.status = api::InstanceStatus::Deleting;
        assert!(!InstanceFilters::default().matches(&gone));
        assert_eq!(
            InstanceUrlsData::from_api(&i, 1).urls,
            Attr::Known(BTreeMap::from([
                (
                    "3737".to_string(),
                    Some("https://abc123defg.agent37.app".to_string())
                ),
                (
                    "9119".to_string(),
                    Some("https://abc123defg-9119.agent37.app".to_string())
                ),
            ]))
        );
    }

    /// Each data source's result has exactly the shape of its schema.
    #[test]
    fn every_data_source_result_has_exactly_its_schema_shape() {
        let i = inst();
        let one = InstanceData {
            id: i.id.clone().into(),
            fields: InstanceFields::from_api(&i),
        };
        let ty = InstanceData::schema(INSTANCE_DATA).value_type();
        conforms(&one.to_value(), &ty).unwrap_or_else(|e| panic!("agent37_instance: {e}"));

        let all = InstancesData::found(InstanceFilters::default(), &[i.clone(), inst()]);
        let ty = InstancesData::schema(INSTANCES_DATA).value_type();
        conforms(&all.to_value(), &ty).unwrap_or_else(|e| panic!("agent37_instances: {e}"));
        assert_eq!(all.ids.known().map(Vec::len), Some(2));

        let urls = InstanceUrlsData::from_api(&i, 1);
        let ty = InstanceUrlsData::schema(INSTANCE_URLS_DATA).value_type();
        conforms(&urls.to_value(), &ty).unwrap_or_else(|e| panic!("agent37_instance_urls: {e}"));
    }
}
