//! Logs as hclog JSON lines on stderr, the format go-plugin hosts parse: with
//! `TF_LOG=debug` Terraform shows each line at its own level, attributed to
//! the provider. The rest of the code just uses `tracing::debug!` and friends.
//!
//! Level: `TF_LOG_PROVIDER`, else `TF_LOG` (`trace`, `debug`, `info`, `warn`,
//! `error`, `off`; `json` and unrecognised values mean `trace`, as in
//! Terraform). Unset: warnings and errors only. Events from dependencies (h2,
//! hyper, rustls…) are capped at `info` so `trace` stays readable.

use std::fmt;
use std::io::Write as _;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

use super::host::Host;

/// Per-provider log level variable (wins over [`GLOBAL_LEVEL_KEY`]).
pub const PROVIDER_LEVEL_KEY: &str = "TF_LOG_PROVIDER";
/// Terraform-wide log level variable.
pub const GLOBAL_LEVEL_KEY: &str = "TF_LOG";

/// The crate of this host and the SDK, whose events follow the configured level in full (as do
/// the provider binary's own, see [`Host::crate_target`]).
const OWN_TARGET: &str = env!("CARGO_CRATE_NAME");

/// Installs the global subscriber from the environment, writing as `host`. Safe to call more
/// than once; only the first call has an effect.
pub fn init(host: &Host) {
    let level = level_from(
        std::env::var(PROVIDER_LEVEL_KEY).ok().as_deref(),
        std::env::var(GLOBAL_LEVEL_KEY).ok().as_deref(),
    );
    let sink: Sink = Arc::new(|line: &str| {
        // One write per line keeps lines whole when threads log concurrently.
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(line.as_bytes());
    });
    let subscriber = tracing_subscriber::registry().with(layer(host, level, sink));
    // Another subscriber may already be installed (tests); that one wins.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Maps Terraform's level variables to a filter.
pub(crate) fn level_from(provider: Option<&str>, global: Option<&str>) -> LevelFilter {
    let chosen = provider
        .filter(|v| !v.trim().is_empty())
        .or(global.filter(|v| !v.trim().is_empty()));
    let Some(value) = chosen else {
        return LevelFilter::WARN;
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "off" => LevelFilter::OFF,
        "error" => LevelFilter::ERROR,
        "warn" => LevelFilter::WARN,
        "info" => LevelFilter::INFO,
        "debug" => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// Where finished lines go (stderr in production, a buffer in tests).
pub(crate) type Sink = Arc<dyn Fn(&str) + Send + Sync>;

/// The hclog layer with its filter applied.
pub(crate) fn layer<S>(host: &Host, level: LevelFilter, sink: Sink) -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    let dependency_level = level.min(LevelFilter::INFO);
    let own_targets = [OWN_TARGET.to_string(), host.crate_target()];
    let layer = HclogLayer {
        sink,
        module: host.module(),
    };
    layer.with_filter(tracing_subscriber::filter::filter_fn(move |meta| {
        let own = own_targets
            .iter()
            .any(|t| meta.target().starts_with(t.as_str()));
        let limit = if own { level } else { dependency_level };
        limit >= *meta.level()
    }))
}

struct HclogLayer {
    sink: Sink,
    /// hclog's `@module` of every line.
    module: String,
}

/// Fields recorded on a span, kept in its extensions so events inside the
/// span carry them (e.g. `tf_rpc`, `tf_resource_type`).
#[derive(Default)]
struct SpanFields(Map<String, Value>);

impl<S> Layer<S> for HclogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = SpanFields::default();
        attrs.record(&mut JsonVisitor(&mut fields.0));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut ext = span.extensions_mut();
            if let Some(fields) = ext.get_mut::<SpanFields>() {
                values.record(&mut JsonVisitor(&mut fields.0));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(f) = span.extensions().get::<SpanFields>() {
                    fields.extend(f.0.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
            }
        }
        event.record(&mut JsonVisitor(&mut fields));
        let line = render(
            &self.module,
            *event.metadata().level(),
            SystemTime::now(),
            fields,
        );
        (self.sink)(&line);
    }
}

/// One hclog JSON line (with trailing newline). `message` becomes `@message`;
/// the other fields keep their names and follow the `@` keys, as in hclog's
/// own output (whether or not serde_json preserves insertion order).
pub(crate) fn render(
    module: &str,
    level: Level,
    at: SystemTime,
    mut fields: Map<String, Value>,
) -> String {
    let message = match fields.remove("message") {
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let mut line = Map::new();
    line.insert("@level".into(), Value::from(level_name(level)));
    line.insert("@message".into(), Value::from(message));
    line.insert("@module".into(), Value::from(module));
    line.insert("@timestamp".into(), Value::from(timestamp(at)));
    for (key, value) in fields {
        // A field may not replace one of hclog's own keys.
        line.entry(key).or_insert(value);
    }
    let mut text = Value::Object(line).to_string();
    text.push('\n');
    text
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// `2026-11-28T17:00:00.000000Z`: UTC, microseconds, as hclog writes it.
pub(crate) fn timestamp(at: SystemTime) -> String {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        since.subsec_micros()
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// well-known algorithm), to avoid a date-time dependency for one format.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

struct JsonVisitor<'a>(&'a mut Map<String, Value>);

impl Visit for JsonVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        // NaN/inf are not JSON numbers; keep them readable as strings.
        let v = serde_json::Number::from_f64(value)
            .map(Value::Number)
            .unwrap_or_else(|| Value::from(value.to_string()));
        self.0.insert(field.name().into(), v);
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0
            .insert(field.name().into(), Value::from(value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), Value::from(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::host::TEST_HOST;
    use std::sync::Mutex;
    use std::time::Duration;

    #[test]
    fn level_follows_terraform_variables() {
        assert_eq!(level_from(None, None), LevelFilter::WARN);
        assert_eq!(level_from(None, Some("debug")), LevelFilter::DEBUG);
        assert_eq!(level_from(Some("error"), Some("trace")), LevelFilter::ERROR);
        assert_eq!(level_from(Some(""), Some("INFO")), LevelFilter::INFO);
        assert_eq!(level_from(None, Some("JSON")), LevelFilter::TRACE);
        assert_eq!(level_from(None, Some("bogus")), LevelFilter::TRACE);
        assert_eq!(level_from(Some("off"), Some("trace")), LevelFilter::OFF);
    }

    #[test]
    fn timestamps_are_utc_with_microseconds() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        // 2026-11-28T17:00:00.000123Z
        let t = UNIX_EPOCH + Duration::from_secs(1_795_885_200) + Duration::from_micros(123);
        assert_eq!(timestamp(t), "2026-11-28T17:00:00.000123Z");
        // Leap day.
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(timestamp(t), "2000-02-29T00:00:00.000000Z");
    }

    #[test]
    fn render_puts_hclog_keys_first() {
        let mut fields = Map::new();
        fields.insert("message".into(), Value::from("hello \"x\""));
        fields.insert("tf_rpc".into(), Value::from("PlanResourceChange"));
        let line = render(
            "provider.terraform-provider-agent37",
            Level::DEBUG,
            UNIX_EPOCH,
            fields,
        );
        assert_eq!(
            line,
            "{\"@level\":\"debug\",\"@message\":\"hello \\\"x\\\"\",\
             \"@module\":\"provider.terraform-provider-agent37\",\
             \"@timestamp\":\"1970-01-01T00:00:00.000000Z\",\"tf_rpc\":\"PlanResourceChange\"}\n"
        );
    }

    #[test]
    fn layer_writes_one_line_per_event_with_span_fields() {
        let lines = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink: Sink = {
            let lines = Arc::clone(&lines);
            Arc::new(move |l: &str| lines.lock().unwrap().push(l.to_owned()))
        };
        let subscriber =
            tracing_subscriber::registry().with(layer(&TEST_HOST, LevelFilter::DEBUG, sink));
        tracing::subscriber::with_default(subscriber, || {
            let span =
                tracing::info_span!(target: "agent37_provider::x", "rpc", tf_rpc = "ReadResource");
            let _g = span.enter();
            tracing::debug!(target: "agent37_provider::x", count = 3, "reading");
            tracing::trace!(target: "agent37_provider::x", "too verbose");
            // The provider binary's own crate is followed in full too.
            tracing::debug!(target: "terraform_provider_example", "the provider's own");
            tracing::debug!(target: "h2::codec", "dependency noise");
            tracing::info!(target: "h2::codec", "dependency info");
        });
        let lines = lines.lock().unwrap();
        assert_eq!(lines.len(), 3, "{lines:?}");
        let first: Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(first["@level"], "debug");
        assert_eq!(first["@message"], "reading");
        assert_eq!(first["@module"], "provider.terraform-provider-example");
        assert_eq!(first["count"], 3);
        assert_eq!(first["tf_rpc"], "ReadResource");
        let second: Value = serde_json::from_str(&lines[1]).unwrap();
        assert_eq!(second["@message"], "the provider's own");
        let third: Value = serde_json::from_str(&lines[2]).unwrap();
        assert_eq!(third["@message"], "dependency info");
    }
}
