//! `provider::agent37::preview_url(url, port)`: the preview URL of any port of an instance,
//! derived from its `url` as the contract says (section 6): `-{port}` appended to the first
//! label of the host, with the scheme, the host's port and the rest of the URL kept (the local
//! emulator serves `http://{id}.localhost:P`). Pure.

use crate::sdk::traits::{FunctionError, Parameter, Signature};
use crate::sdk::{Function, Type, Value};

/// The SSH tunnel: no preview or public URL reaches it.
pub const SSH_PORT: i64 = 22022;

/// Why a preview URL cannot be derived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewError {
    Url(String),
    Port(String),
}

impl PreviewError {
    fn into_function_error(self) -> FunctionError {
        let (text, argument) = match self {
            Self::Url(t) => (t, 0),
            Self::Port(t) => (t, 1),
        };
        FunctionError {
            text,
            argument: Some(argument),
        }
    }
}

/// The preview URL of `port` for the instance URL `url`.
pub fn preview_url(url: &str, port: i64) -> Result<String, PreviewError> {
    if !(1..=65_535).contains(&port) {
        return Err(PreviewError::Port(format!(
            "port is {port}; it must be a whole number from 1 to 65535."
        )));
    }
    if port == SSH_PORT {
        return Err(PreviewError::Port(
            "port 22022 is the SSH tunnel, which no preview URL reaches.".into(),
        ));
    }
    let bad = |why: &str| {
        PreviewError::Url(format!(
            "{url:?} is not an instance URL ({why}); pass the `url` of an agent37_instance or of the agent37_instance data source, such as \"https://q7w2e9r4t1.agent37.app\"."
        ))
    };
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("it has no scheme"))?;
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return Err(bad("its scheme is not http or https"));
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    if authority.contains('@') {
        return Err(bad("it carries credentials"));
    }
    let (host, host_port) = match authority.rsplit_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()) => (h, Some(p)),
        Some(_) => return Err(bad("its port is not a number")),
        None => (authority, None),
    };
    let (label, domain) = host
        .split_once('.')
        .ok_or_else(|| bad("its host has no domain after the instance id"))?;
    let label_ok = !label.is_empty()
        && label
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !label_ok {
        return Err(bad(
            "the first label of its host is not an instance id (a preview or public-port URL already has a hyphen)",
        ));
    }
    if domain.is_empty()
        || domain
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.bytes().all(|c| c.is_ascii_digit()))
    {
        return Err(bad("its host is an address, not a name"));
    }
    let host_port = host_port.map(|p| format!(":{p}")).unwrap_or_default();
    Ok(format!(
        "{scheme}://{label}-{port}.{domain}{host_port}{tail}"
    ))
}

pub struct PreviewUrl;

impl Function for PreviewUrl {
    fn name(&self) -> &'static str {
        "preview_url"
    }

    fn signature(&self) -> Signature {
        Signature {
            parameters: vec![
                Parameter {
                    name: "url",
                    ty: Type::String,
                    description: "An instance's `url` (API revision 2026-08-21), such as `agent37_instance.example.url`.",
                },
                Parameter {
                    name: "port",
                    ty: Type::Number,
                    description: "The port inside the instance, 1–65535 except 22022 (the SSH tunnel).",
                },
            ],
            return_type: Type::String,
            summary: "Derives the preview URL of any port of an instance from its URL.",
            description: "Returns the URL that reaches `port` of an instance: the instance URL with `-{port}` appended to the first label of its host (`https://q7w2e9r4t1.agent37.app` and 9000 give `https://q7w2e9r4t1-9000.agent37.app`), keeping the scheme and any port of the URL (the local emulator's `http://q7w2e9r4t1.localhost:4000` gives `http://q7w2e9r4t1-9000.localhost:4000`). The URL needs the workspace key like the instance URL; for a browser link use the `agent37_signed_url` ephemeral resource, and for a keyless one `agent37_instance_public_port`. Needs no API call.",
        }
    }

    fn call(&self, args: &[Value]) -> Result<Value, FunctionError> {
        let url = args.first().and_then(Value::as_str).ok_or(FunctionError {
            text: "url must be a string.".into(),
            argument: Some(0),
        })?;
        let port = args.get(1).and_then(Value::as_i64).ok_or(FunctionError {
            text: "port must be a whole number from 1 to 65535.".into(),
            argument: Some(1),
        })?;
        preview_url(url, port)
            .map(Value::string)
            .map_err(PreviewError::into_function_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_the_port_to_the_first_label_and_keeps_the_rest() {
        let cases = [
            (
                "https://q7w2e9r4t1.agent37.app",
                9000,
                "https://q7w2e9r4t1-9000.agent37.app",
            ),
            (
                "http://q7w2e9r4t1.localhost:4000",
                3737,
                "http://q7w2e9r4t1-3737.localhost:4000",
            ),
            (
                "https://q7w2e9r4t1.agent37.app/",
                8080,
                "https://q7w2e9r4t1-8080.agent37.app/",
            ),
            (
                "https://abc.bots-example.net/path?q=1",
                1,
                "https://abc-1.bots-example.net/path?q=1",
            ),
        ];
        for (url, port, want) in cases {
            assert_eq!(preview_url(url, port).as_deref(), Ok(want), "{url}");
        }
    }

    #[test]
    fn refusals_name_the_argument() {
        for port in [0, 65_536, SSH_PORT] {
            assert!(matches!(
                preview_url("https://a.agent37.app", port),
                Err(PreviewError::Port(_))
            ));
        }
        for url in [
            "q7w2e9r4t1.agent37.app",
            "ftp://q7w2e9r4t1.agent37.app",
            "https://user:pw@q7w2e9r4t1.agent37.app",
            "https://localhost",
            "https://q7w2e9r4t1-9000.agent37.app",
            "https://hooks-q7w2e9r4t1.agent37.app",
            "http://127.0.0.1:4000/_instances/q7w2e9r4t1/3737/",
            "https://q7w2e9r4t1.agent37.app:x",
            "https://Q7W2.agent37.app",
        ] {
            assert!(
                matches!(preview_url(url, 9000), Err(PreviewError::Url(_))),
                "{url}"
            );
        }
        let e = PreviewUrl
            .call(&[Value::string("https://a.agent37.app"), Value::number(22022)])
            .expect_err("ssh");
        assert_eq!(e.argument, Some(1));
        assert!(e.text.contains("SSH tunnel"), "{}", e.text);
        assert_eq!(
            PreviewUrl.call(&[Value::string("https://a.agent37.app"), Value::number(8000)]),
            Ok(Value::string("https://a-8000.agent37.app"))
        );
    }
}
