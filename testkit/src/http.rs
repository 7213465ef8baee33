//! A blocking HTTP/1.1 client over `std::net::TcpStream`, one connection per request, for the
//! emulator (and test servers) on loopback. Independent of the provider's API client on purpose:
//! tests should not share code with what they test. A hand-rolled client also sees a dropped
//! connection exactly as it happens (an error, not a retry).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

/// How long one request may take before the client gives up.
pub const TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    /// Header names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON; panics (with the body) when it is not JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        self.try_json().unwrap_or_else(|e| panic!("{e}"))
    }

    /// The body as JSON (`null` for an empty body).
    pub fn try_json(&self) -> Result<Value, String> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            format!(
                "HTTP {} body is not JSON ({e}): {}",
                self.status,
                snippet(&self.text())
            )
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The error envelope's `code` (`{"error": {"code": ...}}`), if the body has one.
    pub fn error_code(&self) -> Option<String> {
        let json: Value = serde_json::from_slice(&self.body).ok()?;
        json["error"]["code"].as_str().map(str::to_string)
    }

    /// The contract's error envelope, strictly: exactly `{"error": {"code", "message"}}`, both
    /// non-empty strings. Returns (code, message).
    pub fn envelope(&self) -> Result<(String, String), String> {
        let json = self.try_json()?;
        let top = json.as_object().ok_or(format!("not an object: {json}"))?;
        let error = top
            .get("error")
            .and_then(Value::as_object)
            .filter(|_| top.len() == 1)
            .ok_or(format!("not an error envelope: {json}"))?;
        let mut keys: Vec<&str> = error.keys().map(String::as_str).collect();
        keys.sort_unstable();
        if keys != ["code", "message"] {
            return Err(format!("envelope keys {keys:?}: {json}"));
        }
        let text = |k: &str| {
            error[k]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        match (text("code"), text("message")) {
            (Some(code), Some(message)) => Ok((code, message)),
            _ => Err(format!("empty or non-string code or message: {json}")),
        }
    }
}

/// Why a request did not give the answer wanted.
#[derive(Debug)]
pub enum HttpError {
    /// No answer: refused, reset, closed before a response, timed out.
    Io { request: String, source: io::Error },
    /// An answer outside 2xx.
    Status {
        request: String,
        status: u16,
        body: String,
    },
    /// A 2xx answer whose body is not JSON.
    NotJson { request: String, problem: String },
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpError::Io { request, source } => write!(f, "{request}: {source}"),
            HttpError::Status {
                request,
                status,
                body,
            } => write!(f, "{request}: HTTP {status}: {}", snippet(body)),
            HttpError::NotJson { request, problem } => write!(f, "{request}: {problem}"),
        }
    }
}

impl std::error::Error for HttpError {}

/// One request: `url` is `http://HOST:PORT/PATH`; a body is sent as `application/json` (bytes
/// as given, so a test can send what is not JSON).
pub fn request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> io::Result<Response> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("only http:// URLs: {url}"),
        )
    })?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut stream = TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let _ = stream.set_nodelay(true);
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nAccept: application/json\r\nUser-Agent: agent37-testkit\r\n"
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match body {
        Some(bytes) => head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            bytes.len()
        )),
        None if !matches!(method, "GET" | "HEAD" | "DELETE") => {
            head.push_str("Content-Length: 0\r\n")
        }
        None => {}
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    if let Some(bytes) = body {
        stream.write_all(bytes)?;
    }
    stream.flush()?;

    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw)
}

/// `request` with a bearer key (if any) and a JSON body; a 2xx answer's JSON (`null` when
/// empty), or why not.
pub fn json(
    method: &str,
    url: &str,
    key: Option<&str>,
    body: Option<&Value>,
) -> Result<Value, HttpError> {
    let name = || format!("{method} {url}");
    let auth = key.map(|k| format!("Bearer {k}"));
    let headers: Vec<(&str, &str)> = auth
        .as_deref()
        .map(|a| vec![("Authorization", a)])
        .unwrap_or_default();
    let bytes = body.map(|b| b.to_string().into_bytes());
    let response =
        request(method, url, &headers, bytes.as_deref()).map_err(|source| HttpError::Io {
            request: name(),
            source,
        })?;
    if !response.is_success() {
        return Err(HttpError::Status {
            request: name(),
            status: response.status,
            body: response.text(),
        });
    }
    response.try_json().map_err(|problem| HttpError::NotJson {
        request: name(),
        problem,
    })
}

fn bad(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

fn snippet(s: &str) -> &str {
    let end = s.char_indices().nth(400).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// Parses a whole HTTP/1.1 response (as read until the server closed the connection).
/// A connection closed before the end of the headers is `UnexpectedEof`.
pub fn parse_response(raw: &[u8]) -> io::Result<Response> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "connection closed without a complete response ({} bytes)",
                    raw.len()
                ),
            )
        })?;
    let head = std::str::from_utf8(&raw[..split]).map_err(|_| bad("headers are not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or_else(|| bad(format!("bad status line: {status_line}")))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        body = decode_chunked(&body)?;
    } else if let Some(len) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.truncate(len);
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn decode_chunked(mut data: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| bad("truncated chunk size"))?;
        let size_text = std::str::from_utf8(&data[..line_end]).map_err(|_| bad("chunk size"))?;
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| bad(format!("bad chunk size {size_text:?}")))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = data.get(..size).ok_or_else(|| bad("truncated chunk"))?;
        out.extend_from_slice(chunk);
        data = data.get(size + 2..).unwrap_or_default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked_responses() {
        let raw = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-A: b\r\n\r\n{}";
        let r = parse_response(raw).unwrap();
        assert_eq!((r.status, r.text().as_str()), (201, "{}"));
        assert_eq!(r.header("X-A"), Some("b"));

        let raw = b"HTTP/1.1 429 Too Many Requests\r\nTransfer-Encoding: chunked\r\nRetry-After: 1\r\n\r\n\
                13\r\n{\"error\":{\"code\":\"r\r\ne\r\nate_limited\"}}\r\n0\r\n\r\n";
        let r = parse_response(raw).unwrap();
        assert_eq!(r.error_code().as_deref(), Some("rate_limited"));
        assert_eq!(r.header("retry-after"), Some("1"));
    }

    #[test]
    fn a_connection_closed_early_is_unexpected_eof() {
        let err = parse_response(b"HTTP/1.1 200 OK\r\nContent-Le").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        assert!(parse_response(b"HTTP/1.1 2x0 OK\r\n\r\n").is_err());
    }

    #[test]
    fn the_strict_envelope_has_exactly_code_and_message() {
        let answer = |body: &str| Response {
            status: 400,
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
        };
        let ok = answer(r#"{"error":{"code":"invalid_request","message":"no"}}"#);
        assert_eq!(
            ok.envelope().unwrap(),
            ("invalid_request".into(), "no".into())
        );
        for bad in [
            r#"{"error":{"code":"x","message":"no","extra":1}}"#,
            r#"{"error":{"code":"x","message":""}}"#,
            r#"{"error":{"code":"x","message":"m"},"more":1}"#,
            r#"not json"#,
        ] {
            assert!(answer(bad).envelope().is_err(), "{bad}");
        }
    }
}
