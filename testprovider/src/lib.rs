//! A small provider built on the SDK, used only by the test suite: in process, to unit-test the
//! SDK's semantic layer (`sdk::core`, see `tests.rs`), and as the plugin binary
//! `terraform-provider-sdktest`, to show the SDK works through real Terraform (unknowns, nested
//! attributes, sensitive values, replacement, in-place update, private state, import,
//! attribute-path errors).
//!
//! Objects live in a JSON file in the directory named by the provider's `dir`, so tests can
//! inspect and change them out of band. A few names make the provider misbehave on purpose:
//! `fail-apply` (create refused), `stuck` (delete refused), `leave-unknown` (create returns an
//! unknown value); every plan hook call is logged to `plans.log`, and every create, update and
//! delete to `ops.log` with the deadline the SDK gave it.

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use agent37_provider::sdk::timeouts::Timeouts;
use agent37_provider::sdk::traits::{
    ConfigureEnv, DynAction, DynDataSource, DynListResource, DynResource,
};
use agent37_provider::sdk::validate::{IntRange, check};
use agent37_provider::sdk::{
    Action, Attr, Attribute, Create, Ctx, DataSource, Delete, Diagnostics, Identity, ListResource,
    Listed, Model, Outcome, Path, Plan, PrivateState, Progress, Provider, RawState, Read, Resource,
    Schema, Update, Value,
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
    fn resources(&self) -> Vec<Arc<dyn DynResource<Store>>> {
        vec![Arc::new(ThingResource)]
    }
    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource<Store>>> {
        vec![Arc::new(ThingData)]
    }
    fn actions(&self) -> Vec<Arc<dyn DynAction<Store>>> {
        vec![Arc::new(Touch)]
    }
    fn list_resources(&self) -> Vec<Arc<dyn DynListResource<Store>>> {
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

fn no_bad(v: &Value) -> Result<(), String> {
    match v.as_str() {
        Some(s) if s.contains("bad") => Err("must not contain \"bad\"".into()),
        _ => Ok(()),
    }
}

/// One entry of `items`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Item {
    #[attr(required, describe = "k")]
    pub key: Attr<String>,
    #[attr(default = Value::number(1), describe = "w")]
    pub weight: Attr<i64>,
}

/// The state of `sdktest_thing`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Thing {
    #[attr(computed, describe = "id")]
    pub id: Attr<String>,
    #[attr(required, describe = "in place", validate = check("no 'bad'", no_bad))]
    pub name: Attr<String>,
    #[attr(default = Value::string("plain"), requires_replace, describe = "replace")]
    pub kind: Attr<String>,
    #[attr(
        optional,
        computed,
        describe = "optional computed",
        validate = IntRange::between(1, 100)
    )]
    pub size: Attr<i64>,
    #[attr(optional, sensitive, describe = "sensitive")]
    pub secret: Attr<String>,
    /// Never in plan or state: the store keeps only its length (`token_wo_length`).
    #[attr(optional, write_only, describe = "write-only")]
    pub token_wo: Attr<String>,
    #[attr(optional, describe = "map")]
    pub tags: Attr<BTreeMap<String, Option<String>>>,
    #[attr(optional, describe = "nested list")]
    pub items: Attr<Vec<Item>>,
    #[attr(computed, unknown_on_update, describe = "from private state")]
    pub writes: Attr<i64>,
    #[attr(computed, describe = "quiet computed")]
    pub created: Attr<String>,
    #[block]
    pub timeouts: Timeouts,
}

/// Version 0 called `name` `title`; version 1 renamed it.
pub const THING_VERSION: i64 = 1;

fn thing_schema() -> Schema {
    Thing::schema("A thing").version(THING_VERSION)
}

/// The private state of a thing: how many times it was written (`writes=N`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Writes(pub i64);

impl PrivateState for Writes {
    fn decode(bytes: &[u8]) -> Self {
        Writes(
            std::str::from_utf8(bytes)
                .ok()
                .and_then(|s| s.strip_prefix("writes="))
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
        )
    }
    fn encode(&self) -> Vec<u8> {
        format!("writes={}", self.0).into_bytes()
    }
}

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

/// A stored thing as its state.
fn from_store(id: &str, j: &Json, timeouts: Timeouts) -> Thing {
    let s = |k: &str| Attr::from_option(j.get(k).and_then(Json::as_str).map(str::to_string));
    let n = |k: &str| Attr::from_option(j.get(k).and_then(Json::as_i64));
    let tags = match j.get("tags") {
        Some(Json::Object(m)) => Attr::Known(
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string)))
                .collect(),
        ),
        _ => Attr::Null,
    };
    let items = match j.get("items") {
        Some(Json::Array(xs)) => Attr::Known(
            xs.iter()
                .map(|x| Item {
                    key: Attr::from_option(x.get("key").and_then(Json::as_str).map(str::to_string)),
                    weight: Attr::from_option(x.get("weight").and_then(Json::as_i64)),
                })
                .collect(),
        ),
        _ => Attr::Null,
    };
    Thing {
        id: id.into(),
        name: s("name"),
        kind: s("kind"),
        size: n("size"),
        secret: s("secret"),
        token_wo: Attr::Null,
        tags,
        items,
        writes: n("writes"),
        created: s("created"),
        timeouts,
    }
}

struct ThingResource;

impl ThingResource {
    /// Stores `planned` (with what only the configuration holds: the write-only value's length).
    fn write(
        &self,
        store: &Store,
        id: &str,
        planned: &Thing,
        config: &Thing,
        writes: i64,
    ) -> Result<Thing, Diagnostics> {
        let _guard = store.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut all = store.load();
        let mut j = to_json(&planned.to_value());
        if let Json::Object(o) = &mut j {
            o.remove(Thing::ID);
            o.remove(Thing::TIMEOUTS);
            if o.get(Thing::SIZE).is_none_or(Json::is_null) {
                o.insert(Thing::SIZE.into(), Json::from(3));
            }
            o.insert(Thing::WRITES.into(), Json::from(writes));
            o.remove(Thing::TOKEN_WO);
            if let Some(wo) = config.token_wo.as_str() {
                o.insert("token_wo_length".into(), Json::from(wo.len()));
            }
            let created = all
                .get(id)
                .and_then(|p| p.get(Thing::CREATED))
                .cloned()
                .unwrap_or(Json::String("2026-01-01".into()));
            o.insert(Thing::CREATED.into(), created);
        }
        all.insert(id.to_string(), j.clone());
        store.save(&all)?;
        Ok(from_store(id, &j, planned.timeouts.clone()))
    }
}

#[async_trait]
impl Resource<Store> for ThingResource {
    type State = Thing;
    type Private = Writes;

    fn type_name(&self) -> &'static str {
        "sdktest_thing"
    }
    fn identity(&self) -> Option<Identity> {
        Some(Identity::single(Thing::ID, "The thing's id."))
    }
    fn schema(&self) -> Schema {
        thing_schema()
    }
    fn upgrade_state(&self, version: i64, mut state: RawState) -> Result<RawState, String> {
        match version {
            0 => {
                state.rename("title", Thing::NAME);
                Ok(state)
            }
            THING_VERSION => Ok(state),
            v => Err(format!("unknown schema version {v}")),
        }
    }
    async fn plan(&self, ctx: &Ctx<Store>, plan: &mut Plan<'_, Thing, Writes>) {
        let name = plan.planned.name.as_str().unwrap_or("(unknown)");
        ctx.data().log("plans.log", &format!("plan {name}"));
        // `size` may only grow in place; shrinking replaces (a rule like agent37's disk).
        if let (Some(old), Some(new)) = (
            plan.prior.and_then(|p| p.size.get()),
            plan.planned.size.get(),
        ) && new < old
        {
            plan.replace_on(Thing::SIZE);
        }
    }
    async fn create(
        &self,
        ctx: &Ctx<Store>,
        req: Create<Thing, Writes>,
    ) -> Outcome<Option<Thing>, Writes> {
        let planned = &req.planned;
        match planned.name.as_str() {
            Some("fail-apply") => {
                let mut d = Diagnostics::new();
                d.attr_error(
                    Path::attr(Thing::NAME),
                    "Create refused",
                    "the name fail-apply is refused at apply time",
                );
                return d.into();
            }
            Some("leave-unknown") => {
                return Outcome::ok(Some(Thing {
                    id: Attr::unknown(),
                    ..Thing::default()
                }));
            }
            _ => {}
        }
        ctx.data()
            .log("ops.log", &format!("create {}s", ctx.deadline().as_secs()));
        // Unique without coordination: creates run in parallel.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let id = format!("t{nanos:x}");
        match self.write(ctx.data(), &id, planned, &req.config, 1) {
            Ok(state) => Outcome::ok(Some(state)).with_private(Writes(1)),
            Err(d) => d.into(),
        }
    }
    async fn read(
        &self,
        ctx: &Ctx<Store>,
        req: Read<Thing, Writes>,
    ) -> Outcome<Option<Thing>, Writes> {
        let id = req.state.id.as_str().unwrap_or_default();
        let all = ctx.data().load();
        Outcome::ok(
            all.get(id)
                .map(|j| from_store(id, j, req.state.timeouts.clone())),
        )
        .with_private(req.private)
    }
    async fn update(
        &self,
        ctx: &Ctx<Store>,
        req: Update<Thing, Writes>,
    ) -> Outcome<Option<Thing>, Writes> {
        ctx.data()
            .log("ops.log", &format!("update {}s", ctx.deadline().as_secs()));
        let id = req.prior.id.as_str().unwrap_or_default();
        let writes = req.private.0 + 1;
        match self.write(ctx.data(), id, &req.planned, &req.config, writes) {
            Ok(state) => Outcome::ok(Some(state)).with_private(Writes(writes)),
            Err(d) => d.into(),
        }
    }
    async fn delete(&self, ctx: &Ctx<Store>, req: Delete<Thing, Writes>) -> Outcome<()> {
        if req.prior.name.as_str() == Some("stuck") {
            let mut d = Diagnostics::new();
            d.error("Delete refused", "things named stuck cannot be deleted");
            return d.into();
        }
        let store = ctx.data();
        store.log("ops.log", &format!("delete {}s", ctx.deadline().as_secs()));
        let _guard = store.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut all = store.load();
        if let Some(id) = req.prior.id.as_str() {
            all.remove(id);
        }
        Outcome::ok(()).with_diags(store.save(&all).err().unwrap_or_default())
    }
    async fn import(&self, ctx: &Ctx<Store>, id: &str) -> Outcome<Option<Thing>, Writes> {
        match ctx.data().load().get(id) {
            Some(j) => {
                let writes = j.get(Thing::WRITES).and_then(Json::as_i64).unwrap_or(0);
                Outcome::ok(Some(from_store(id, j, Timeouts::default())))
                    .with_private(Writes(writes))
            }
            None => {
                let mut d = Diagnostics::new();
                d.error("Cannot import", format!("no thing with id {id:?}"));
                d.into()
            }
        }
    }
}

/// The `sdktest_thing` data source.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct ThingQuery {
    #[attr(required, describe = "id")]
    pub id: Attr<String>,
    #[attr(computed, describe = "name")]
    pub name: Attr<String>,
    #[attr(computed, describe = "size")]
    pub size: Attr<i64>,
}

struct ThingData;

#[async_trait]
impl DataSource<Store> for ThingData {
    type Model = ThingQuery;

    fn type_name(&self) -> &'static str {
        "sdktest_thing"
    }
    fn schema(&self) -> Schema {
        ThingQuery::schema("Reads a thing")
    }
    async fn read(&self, ctx: &Ctx<Store>, config: ThingQuery) -> Outcome<Option<ThingQuery>> {
        let id = config.id.as_str().unwrap_or_default();
        let all = ctx.data().load();
        let Some(j) = all.get(id) else {
            let mut d = Diagnostics::new();
            d.attr_error(
                Path::attr(ThingQuery::ID),
                "Not found",
                format!("no thing with id {id:?}"),
            );
            return d.into();
        };
        let thing = from_store(id, j, Timeouts::default());
        Outcome::ok(Some(ThingQuery {
            name: thing.name,
            size: thing.size,
            ..config
        }))
    }
}

/// The configuration of `sdktest_touch`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct TouchConfig {
    #[attr(required, describe = "message")]
    pub message: Attr<String>,
    #[attr(optional, describe = "fail at the end")]
    pub fail: Attr<bool>,
}

/// An action that reports progress, records that it ran, and fails on request.
struct Touch;

#[async_trait]
impl Action<Store> for Touch {
    type Config = TouchConfig;

    fn type_name(&self) -> &'static str {
        "sdktest_touch"
    }
    fn schema(&self) -> Schema {
        TouchConfig::schema("Touches the store")
    }
    async fn invoke(
        &self,
        ctx: &Ctx<Store>,
        config: TouchConfig,
        progress: &Progress,
    ) -> Outcome<()> {
        let mut diags = Diagnostics::new();
        let message = config.message.as_str().unwrap_or_default();
        for step in 1..=3 {
            progress.send(format!("step {step}: {message}"));
        }
        let store = ctx.data();
        let log = store.file.with_file_name("touched.log");
        let _guard = store.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut text = std::fs::read_to_string(&log).unwrap_or_default();
        text.push_str(message);
        text.push('\n');
        if let Err(e) = std::fs::write(&log, text) {
            diags.error("Touch failed", e.to_string());
        }
        if config.fail.get() == Some(true) {
            diags.error("Touch asked to fail", "fail = true");
        }
        Outcome::ok(()).with_diags(diags)
    }
}

/// The filters of the `sdktest_thing` list resource.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct ThingFilter {
    #[attr(optional, describe = "name prefix")]
    pub prefix: Attr<String>,
}

/// Lists the things of the store whose name starts with `prefix`.
struct ThingList;

#[async_trait]
impl ListResource<Store> for ThingList {
    type Config = ThingFilter;
    type State = Thing;

    fn type_name(&self) -> &'static str {
        "sdktest_thing"
    }
    fn schema(&self) -> Schema {
        ThingFilter::schema("Lists things")
    }
    async fn list(&self, ctx: &Ctx<Store>, config: ThingFilter) -> Outcome<Vec<Listed<Thing>>> {
        let prefix = config.prefix.as_str().unwrap_or_default();
        Outcome::ok(
            ctx.data()
                .load()
                .iter()
                .filter(|(_, j)| {
                    j.get(Thing::NAME)
                        .and_then(Json::as_str)
                        .is_some_and(|n| n.starts_with(prefix))
                })
                .map(|(id, j)| Listed {
                    display_name: j
                        .get(Thing::NAME)
                        .and_then(Json::as_str)
                        .unwrap_or(id)
                        .to_string(),
                    state: from_store(id, j, Timeouts::default()),
                })
                .collect(),
        )
    }
}
