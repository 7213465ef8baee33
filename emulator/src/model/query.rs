//! Query strings: parameters read the way browsers and HTTP clients write them
//! (`application/x-www-form-urlencoded`: `+` is a space, `%XX` a byte).

/// Percent-decodes one query component; `None` when the bytes are not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex_val(b[i + 1]), hex_val(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The decoded value of parameter `name` (the last one wins; `?name` alone is `""`).
/// A value that does not decode to UTF-8 reads as itself, undecoded.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .filter(|(k, _)| percent_decode(k).as_deref() == Some(name))
        .map(|(_, v)| percent_decode(v).unwrap_or_else(|| v.to_string()))
        .next_back()
}

/// The query without parameter `name` (what the plane forwards after stripping `a37_token`).
pub fn query_without(query: Option<&str>, name: &str) -> String {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            let k = pair.split_once('=').map_or(*pair, |(k, _)| k);
            percent_decode(k).as_deref() != Some(name)
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_picks_the_last() {
        assert_eq!(query_param(None, "a"), None);
        assert_eq!(query_param(Some("a=1&b=2&a=3"), "a"), Some("3".into()));
        assert_eq!(query_param(Some("a"), "a"), Some(String::new()));
        assert_eq!(
            query_param(Some("search=google+drive%21"), "search"),
            Some("google drive!".into())
        );
        assert_eq!(query_param(Some("x=%zz%4"), "x"), Some("%zz%4".into()));
        assert_eq!(query_param(Some("x=%ff"), "x"), Some("%ff".into()));
        assert_eq!(query_param(Some("%61=1"), "a"), Some("1".into()));
        assert_eq!(query_param(Some("&&"), "a"), None);
    }

    #[test]
    fn strips_one_parameter() {
        assert_eq!(
            query_without(Some("a37_token=t&x=1&a37_token=u&y"), "a37_token"),
            "x=1&y"
        );
        assert_eq!(query_without(None, "a"), "");
    }
}
