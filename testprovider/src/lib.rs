//! A small provider built on the SDK, used only by the test suite: in process, to unit-test the
//! SDK's semantic layer (`sdk::core`, see `tests.rs`), and as the plugin binary
//! `terraform-provider-sdktest`, to show the SDK works through real Terraform (unknowns, nested
//! attributes, sensitive values, replacement, in-place update, private state, import,
//! attribute-path errors).
//!
//! Objects live in a JSON file in the directory named by the provider's `dir`, so tests can
//! inspect and change them out of band. A few names make the provider misbehave on purpose:
//! `fail-apply` (create refused), `stuck` (delete refused), `leave-unknown` (create returns an
//! unknown value); every plan hook call is logged to `plans.log`.

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use agent37_provider::sdk::schema::Nesting;
use agent37_provider::sdk::traits::ConfigureEnv;
use agent37_provider::sdk::validate::{IntRange, check};
use agent37_provider::sdk::{
    Action, Applied, Attribute, Ctx, DataSource, Diagnostics, Identity, ListResource, Listed, Path,
    Plan, Progress, Provider, RawState, ReadOutcome, Resource, Schema, Value, timeouts,
};
use async_trait::async_trait;
use serde_json::{Map, Value as Json};

pub struct Store {
    file: PathBuf,
    /// Terraform applies in parallel: every read-modify-write of the file holds this.
    lock: std::sync::Mutex<()>,
}

impl Store {
    fn load(&self) -> Map<String, Json> {
        std::fs::read(&self.file)
            .ok()
            .and_then(|b| serde_json::from_slice::<Map<String, Json>>(&b).ok())
            .unwrap_or_default()
    }
    /// Appends a line to `name` beside the store file.
    fn log(&self, name: &str, line: &str) {
        let path = self.file.with_file_name(name);
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        text.push_str(line);
        text.push('\n');
        let _ = std::fs::write(&path, text);
    }
    fn save(&self, m: &Map<String, Json>) -> Result<(), Diagnostics> {
        let bytes = serde_json::to_vec_pretty(m).unwrap_or_default();
        std::fs::write(&self.file, bytes).map_err(|e| {
            let mut d = Diagnostics::new();
            d.error("Store write failed", e.to_string());
            d
        })
    }
}

/// The provider: `sdktest_thing` (resource, data source, list resource) and `sdktest_touch`
/// (action).
pub struct TestProvider;

#[async_trait]
impl Provider for TestProvider {
    type Data = Store;
    fn type_name(&self) -> &'static str {
        "sdktest"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            "SDK test provider",
            vec![
                Attribute::string("dir")
                    .required()
                    .describe("Directory of the store file."),
            ],
        )
    }
    fn resources(&self) -> Vec<Arc<dyn Resource<Store>>> {
        vec![Arc::new(Thing)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Store>>> {
        vec![Arc::new(ThingData)]
    }
    fn actions(&self) -> Vec<Arc<dyn Action<Store>>> {
        vec![Arc::new(Touch)]
    }
    fn list_resources(&self) -> Vec<Arc<dyn ListResource<Store>>> {
        vec![Arc::new(ThingList)]
    }
    async fn configure(
        &self,
        config: &Value,
        _env: &ConfigureEnv,
        diags: &mut Diagnostics,
    ) -> Option<Store> {
        match config.attr("dir").and_then(Value::as_str) {
            Some(dir) => Some(Store {
                file: PathBuf::from(dir).join("things.json"),
                lock: std::sync::Mutex::new(()),
            }),
            None => {
                diags.attr_error(Path::attr("dir"), "Missing dir", "dir must be set.");
                None
            }
        }
    }
}

fn thing_schema() -> Schema {
    Schema::new(
        "A thing",
        vec![
            Attribute::string("id").computed().describe("id"),
            Attribute::string("name")
                .required()
                .describe("in place")
                .validate(check("no 'bad'", |v| match v.as_str() {
                    Some(s) if s.contains("bad") => Err("must not contain \"bad\"".into()),
                    _ => Ok(()),
                })),
            Attribute::string("kind")
                .default(Value::string("plain"))
                .requires_replace()
                .describe("replace"),
            Attribute::number("size")
                .optional()
                .computed()
                .describe("optional computed")
                .validate(IntRange::between(1, 100)),
            Attribute::string("secret")
                .optional()
                .sensitive()
                .describe("sensitive"),
            Attribute::typed(
                "tags",
                agent37_provider::sdk::Type::map(agent37_provider::sdk::Type::String),
            )
            .optional()
            .describe("map"),
            Attribute::nested(
                "items",
                Nesting::List,
                vec![
                    Attribute::string("key").required().describe("k"),
                    Attribute::number("weight")
                        .default(Value::number(1))
                        .describe("w"),
                ],
            )
            .optional()
            .describe("nested list"),
            Attribute::number("writes")
                .computed()
                .unknown_on_update()
                .describe("from private state"),
            Attribute::string("created")
                .computed()
                .describe("quiet computed"),
        ],
    )
    .version(THING_VERSION)
    .with_block(timeouts::block())
}

/// Version 0 called `name` `title`; version 1 renamed it.
pub const THING_VERSION: i64 = 1;

struct Thing;

fn to_json(v: &Value) -> Json {
    match v {
        Value::Null | Value::Unknown(_) => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => n.as_i64().map(Json::from).unwrap_or(Json::Null),
        Value::String(s) => Json::String(s.clone()),
        Value::List(xs) | Value::Set(xs) | Value::Tuple(xs) => {
            Json::Array(xs.iter().map(to_json).collect())
        }
        Value::Map(m) | Value::Object(m) => {
            Json::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
        }
        Value::Dynamic { value, .. } => to_json(value),
    }
}

fn from_json_obj(id: &str, j: &Json, timeouts: Value) -> Value {
    let s = |k: &str| {
        j.get(k)
            .and_then(Json::as_str)
            .map(Value::string)
            .unwrap_or(Value::Null)
    };
    let n = |k: &str| {
        j.get(k)
            .and_then(Json::as_i64)
            .map(Value::number)
            .unwrap_or(Value::Null)
    };
    let tags = match j.get("tags") {
        Some(Json::Object(m)) => Value::Map(
            m.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map(Value::string).unwrap_or(Value::Null),
                    )
                })
                .collect(),
        ),
        _ => Value::Null,
    };
    let items = match j.get("items") {
        Some(Json::Array(xs)) => Value::List(
            xs.iter()
                .map(|x| {
                    let mut m = BTreeMap::new();
                    m.insert(
                        "key".to_string(),
                        x.get("key")
                            .and_then(Json::as_str)
                            .map(Value::string)
                            .unwrap_or(Value::Null),
                    );
                    m.insert(
                        "weight".to_string(),
                        x.get("weight")
                            .and_then(Json::as_i64)
                            .map(Value::number)
                            .unwrap_or(Value::Null),
                    );
                    Value::Object(m)
                })
                .collect(),
        ),
        _ => Value::Null,
    };
    let mut m = BTreeMap::new();
    m.insert("id".into(), Value::string(id));
    m.insert("name".into(), s("name"));
    m.insert("kind".into(), s("kind"));
    m.insert("size".into(), n("size"));
    m.insert("secret".into(), s("secret"));
    m.insert("tags".into(), tags);
    m.insert("items".into(), items);
    m.insert("writes".into(), n("writes"));
    m.insert("created".into(), s("created"));
    m.insert("timeouts".into(), timeouts);
    Value::Object(m)
}

fn writes_from_private(private: &[u8]) -> i64 {
    std::str::from_utf8(private)
        .ok()
        .and_then(|s| s.strip_prefix("writes="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

impl Thing {
    fn write(
        &self,
        store: &Store,
        id: &str,
        planned: &Value,
        writes: i64,
    ) -> Result<Value, Diagnostics> {
        let _guard = store.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut all = store.load();
        let mut j = to_json(planned);
        if let Json::Object(o) = &mut j {
            o.remove("id");
            o.remove("timeouts");
            if o.get("size").is_none_or(Json::is_null) {
                o.insert("size".into(), Json::from(3));
            }
            o.insert("writes".into(), Json::from(writes));
            let created = all
                .get(id)
                .and_then(|p| p.get("created"))
                .cloned()
                .unwrap_or(Json::String("2026-01-01".into()));
            o.insert("created".into(), created);
        }
        all.insert(id.to_string(), j.clone());
        store.save(&all)?;
        Ok(from_json_obj(
            id,
            &j,
            planned.attr("timeouts").cloned().unwrap_or(Value::Null),
        ))
    }
}

#[async_trait]
impl Resource<Store> for Thing {
    fn type_name(&self) -> &'static str {
        "sdktest_thing"
    }
    fn identity(&self) -> Option<Identity> {
        Some(Identity::single("id", "The thing's id."))
    }
    fn schema(&self) -> Schema {
        thing_schema()
    }
    fn upgrade_state(&self, version: i64, mut state: RawState) -> Result<RawState, String> {
        match version {
            0 => {
                state.rename("title", "name");
                Ok(state)
            }
            THING_VERSION => Ok(state),
            v => Err(format!("unknown schema version {v}")),
        }
    }
    async fn plan(&self, ctx: &Ctx<Store>, plan: &mut Plan<'_>) {
        if let Ok(store) = ctx.configured() {
            let name = plan.planned_attr("name").as_str().unwrap_or("(unknown)");
            store.log("plans.log", &format!("plan {name}"));
        }
        // `size` may only grow in place; shrinking replaces (a rule like agent37's disk).
        if let (Some(old), Some(new)) = (
            plan.prior_attr("size").as_i64(),
            plan.planned_attr("size").as_i64(),
        ) && new < old
        {
            plan.replace_on("size");
        }
    }
    async fn create(&self, ctx: &Ctx<Store>, planned: &Value, _config: &Value) -> Applied {
        let mut diags = Diagnostics::new();
        let store = match ctx.configured() {
            Ok(s) => s,
            Err(d) => {
                return Applied {
                    state: Value::Null,
                    private: Vec::new(),
                    diags: d,
                };
            }
        };
        if planned.attr("name").and_then(Value::as_str) == Some("fail-apply") {
            diags.attr_error(
                Path::attr("name"),
                "Create refused",
                "the name fail-apply is refused at apply time",
            );
            return Applied {
                state: Value::Null,
                private: Vec::new(),
                diags,
            };
        }
        if planned.attr("name").and_then(Value::as_str) == Some("leave-unknown") {
            return Applied {
                state: Value::object([("id", Value::unknown())]),
                private: Vec::new(),
                diags,
            };
        }
        // Unique without coordination: creates run in parallel.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let id = format!("t{nanos:x}");
        match self.write(store, &id, planned, 1) {
            Ok(state) => Applied {
                state,
                private: b"writes=1".to_vec(),
                diags,
            },
            Err(d) => Applied {
                state: Value::Null,
                private: Vec::new(),
                diags: d,
            },
        }
    }
    async fn read(&self, ctx: &Ctx<Store>, state: &Value, private: &[u8]) -> ReadOutcome {
        let store = match ctx.configured() {
            Ok(s) => s,
            Err(d) => {
                return ReadOutcome {
                    state: Some(state.clone()),
                    private: private.to_vec(),
                    diags: d,
                };
            }
        };
        let id = state.attr("id").and_then(Value::as_str).unwrap_or_default();
        let all = store.load();
        let timeouts = state.attr("timeouts").cloned().unwrap_or(Value::Null);
        ReadOutcome {
            state: all.get(id).map(|j| from_json_obj(id, j, timeouts)),
            private: private.to_vec(),
            diags: Diagnostics::new(),
        }
    }
    async fn update(
        &self,
        ctx: &Ctx<Store>,
        prior: &Value,
        planned: &Value,
        _config: &Value,
        private: &[u8],
    ) -> Applied {
        let store = match ctx.configured() {
            Ok(s) => s,
            Err(d) => {
                return Applied {
                    state: prior.clone(),
                    private: private.to_vec(),
                    diags: d,
                };
            }
        };
        let id = prior
            .attr("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let writes = writes_from_private(private) + 1;
        match self.write(store, &id, planned, writes) {
            Ok(state) => Applied {
                state,
                private: format!("writes={writes}").into_bytes(),
                diags: Diagnostics::new(),
            },
            Err(d) => Applied {
                state: prior.clone(),
                private: private.to_vec(),
                diags: d,
            },
        }
    }
    async fn delete(&self, ctx: &Ctx<Store>, prior: &Value, _private: &[u8]) -> Diagnostics {
        let store = match ctx.configured() {
            Ok(s) => s,
            Err(d) => return d,
        };
        if prior.attr("name").and_then(Value::as_str) == Some("stuck") {
            let mut d = Diagnostics::new();
            d.error("Delete refused", "things named stuck cannot be deleted");
            return d;
        }
        let _guard = store.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut all = store.load();
        if let Some(id) = prior.attr("id").and_then(Value::as_str) {
            all.remove(id);
        }
        store.save(&all).err().unwrap_or_default()
    }
    async fn import(&self, ctx: &Ctx<Store>, id: &str) -> Result<(Value, Vec<u8>), Diagnostics> {
        let store = ctx.configured()?;
        let all = store.load();
        match all.get(id) {
            Some(j) => {
                let writes = j.get("writes").and_then(Json::as_i64).unwrap_or(0);
                Ok((
                    from_json_obj(id, j, Value::Null),
                    format!("writes={writes}").into_bytes(),
                ))
            }
            None => {
                let mut d = Diagnostics::new();
                d.error("Cannot import", format!("no thing with id {id:?}"));
                Err(d)
            }
        }
    }
}

struct ThingData;

#[async_trait]
impl DataSource<Store> for ThingData {
    fn type_name(&self) -> &'static str {
        "sdktest_thing"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            "Reads a thing",
            vec![
                Attribute::string("id").required().describe("id"),
                Attribute::string("name").computed().describe("name"),
                Attribute::number("size").computed().describe("size"),
            ],
        )
    }
    async fn read(&self, ctx: &Ctx<Store>, config: &Value) -> (Value, Diagnostics) {
        let mut diags = Diagnostics::new();
        let store = match ctx.configured() {
            Ok(s) => s,
            Err(d) => return (Value::Null, d),
        };
        let id = config
            .attr("id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let all = store.load();
        let Some(j) = all.get(id) else {
            diags.attr_error(
                Path::attr("id"),
                "Not found",
                format!("no thing with id {id:?}"),
            );
            return (Value::Null, diags);
        };
        let mut m = BTreeMap::new();
        m.insert("id".into(), Value::string(id));
        m.insert(
            "name".into(),
            j.get("name")
                .and_then(Json::as_str)
                .map(Value::string)
                .unwrap_or(Value::Null),
        );
        m.insert(
            "size".into(),
            j.get("size")
                .and_then(Json::as_i64)
                .map(Value::number)
                .unwrap_or(Value::Null),
        );
        (Value::Object(m), diags)
    }
}

/// An action that reports progress, records that it ran, and fails on request.
struct Touch;

#[async_trait]
impl Action<Store> for Touch {
    fn type_name(&self) -> &'static str {
        "sdktest_touch"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            "Touches the store",
            vec![
                Attribute::string("message").required().describe("message"),
                Attribute::bool("fail")
                    .optional()
                    .describe("fail at the end"),
            ],
        )
    }
    async fn invoke(&self, ctx: &Ctx<Store>, config: &Value, progress: &Progress) -> Diagnostics {
        let mut diags = Diagnostics::new();
        let store = match ctx.configured() {
            Ok(s) => s,
            Err(d) => return d,
        };
        let message = config
            .attr("message")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for step in 1..=3 {
            progress.send(format!("step {step}: {message}"));
        }
        let log = store.file.with_file_name("touched.log");
        let _guard = store.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut text = std::fs::read_to_string(&log).unwrap_or_default();
        text.push_str(message);
        text.push('\n');
        if let Err(e) = std::fs::write(&log, text) {
            diags.error("Touch failed", e.to_string());
        }
        if config.attr("fail").and_then(Value::as_bool) == Some(true) {
            diags.error("Touch asked to fail", "fail = true");
        }
        diags
    }
}

/// Lists the things of the store whose name starts with `prefix`.
struct ThingList;

#[async_trait]
impl ListResource<Store> for ThingList {
    fn type_name(&self) -> &'static str {
        "sdktest_thing"
    }
    fn schema(&self) -> Schema {
        Schema::new(
            "Lists things",
            vec![
                Attribute::string("prefix")
                    .optional()
                    .describe("name prefix"),
            ],
        )
    }
    async fn list(&self, ctx: &Ctx<Store>, config: &Value) -> Result<Vec<Listed>, Diagnostics> {
        let store = ctx.configured()?;
        let prefix = config
            .attr("prefix")
            .and_then(Value::as_str)
            .unwrap_or_default();
        Ok(store
            .load()
            .iter()
            .filter(|(_, j)| {
                j.get("name")
                    .and_then(Json::as_str)
                    .is_some_and(|n| n.starts_with(prefix))
            })
            .map(|(id, j)| Listed {
                display_name: j
                    .get("name")
                    .and_then(Json::as_str)
                    .unwrap_or(id)
                    .to_string(),
                state: from_json_obj(id, j, Value::Null),
            })
            .collect())
    }
}
