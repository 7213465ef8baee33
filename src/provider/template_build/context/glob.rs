//! `excludes`: `.dockerignore`-style patterns over the context's relative paths (pure).
//!
//! A pattern is matched segment by segment against a path with `/` separators: `*` matches any
//! run of characters inside one segment, `?` one character, a whole `**` segment any number of
//! segments (none included). A leading `!` re-includes what an earlier pattern excluded; the
//! last pattern that matches decides. A pattern that matches a folder excludes everything in it.

/// One pattern of `excludes`, normalised.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Rule {
    negate: bool,
    segments: Vec<String>,
}

/// The compiled `excludes` list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Excludes {
    rules: Vec<Rule>,
}

/// Why a pattern cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    #[error("the pattern is empty")]
    Empty,
    #[error("a pattern cannot leave the folder (`..`)")]
    Parent,
}

/// The segments of `pattern` (`./`, leading and trailing `/` and `\` separators removed).
fn segments(pattern: &str) -> Result<Vec<String>, PatternError> {
    let unified = pattern.trim().replace('\\', "/");
    let segs: Vec<String> = unified
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .map(str::to_string)
        .collect();
    if segs.iter().any(|s| s == "..") {
        return Err(PatternError::Parent);
    }
    if segs.is_empty() {
        return Err(PatternError::Empty);
    }
    Ok(segs)
}

/// Checks one pattern (the attribute's validator uses this).
pub fn check(pattern: &str) -> Result<(), PatternError> {
    let body = pattern.trim().strip_prefix('!').unwrap_or(pattern.trim());
    segments(body).map(|_| ())
}

impl Excludes {
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, (usize, PatternError)> {
        let mut rules = Vec::with_capacity(patterns.len());
        for (i, p) in patterns.iter().enumerate() {
            let p = p.as_ref().trim();
            let (negate, body) = match p.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, p),
            };
            let segments = segments(body).map_err(|e| (i, e))?;
            rules.push(Rule { negate, segments });
        }
        Ok(Self { rules })
    }

    /// Whether some pattern re-includes: then an excluded folder must still be walked.
    pub fn has_negations(&self) -> bool {
        self.rules.iter().any(|r| r.negate)
    }

    /// Whether the relative path `path` (segments joined by `/`) is left out of the context.
    pub fn excluded(&self, path: &str) -> bool {
        let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut out = false;
        for rule in &self.rules {
            // The path itself or one of its folders.
            let hit = (1..=segs.len()).any(|n| match_segments(&rule.segments, &segs[..n]));
            if hit {
                out = !rule.negate;
            }
        }
        out
    }
}

fn match_segments(pattern: &[String], path: &[&str]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|skip| match_segments(rest, &path[skip..]))
        }
        Some((first, rest)) => match path.split_first() {
            Some((seg, path_rest)) => {
                let p: Vec<char> = first.chars().collect();
                let s: Vec<char> = seg.chars().collect();
                wildcard(&p, &s) && match_segments(rest, path_rest)
            }
            None => false,
        },
    }
}

/// `*` and `?` inside one segment (iterative, with backtracking to the last `*`).
fn wildcard(p: &[char], s: &[char]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, si));
            pi += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(patterns: &[&str]) -> Excludes {
        Excludes::new(patterns).expect("valid patterns")
    }

    #[test]
    fn names_stars_and_folders() {
        let e = ex(&["node_modules", "*.log", "build/"]);
        assert!(e.excluded("node_modules"));
        assert!(
            e.excluded("node_modules/a/b.js"),
            "inside an excluded folder"
        );
        assert!(e.excluded("debug.log"));
        assert!(!e.excluded("logs/debug.log"), "`*` does not cross folders");
        assert!(e.excluded("build/out.bin"));
        assert!(!e.excluded("src/node_modules_x"));
        assert!(!e.excluded("Dockerfile"));
    }

    #[test]
    fn double_star_spans_any_number_of_folders() {
        let e = ex(&["**/*.tmp", "docs/**/draft?.md"]);
        assert!(e.excluded("a.tmp"));
        assert!(e.excluded("x/y/z.tmp"));
        assert!(e.excluded("docs/draft1.md"));
        assert!(e.excluded("docs/a/b/draft2.md"));
        assert!(!e.excluded("docs/a/draft10.md"));
    }

    #[test]
    fn the_last_matching_pattern_wins() {
        let e = ex(&["*.md", "!README.md"]);
        assert!(e.excluded("CHANGES.md"));
        assert!(!e.excluded("README.md"));
        assert!(e.has_negations());
        assert!(!ex(&["a"]).has_negations());
    }

    #[test]
    fn separators_and_dots_are_normalised() {
        let e = ex(&["./dist/", "/cache", "win\\tmp"]);
        assert!(e.excluded("dist/x"));
        assert!(e.excluded("cache"));
        assert!(e.excluded("win/tmp/a"));
    }

    #[test]
    fn unusable_patterns_are_refused_with_their_index() {
        assert_eq!(Excludes::new(&["ok", " "]), Err((1, PatternError::Empty)));
        assert_eq!(Excludes::new(&["../x"]), Err((0, PatternError::Parent)));
        assert_eq!(check("!"), Err(PatternError::Empty));
        assert_eq!(check("!a/*"), Ok(()));
    }

    #[test]
    fn wildcards() {
        let w = |p: &str, s: &str| {
            wildcard(
                &p.chars().collect::<Vec<_>>(),
                &s.chars().collect::<Vec<_>>(),
            )
        };
        assert!(w("*", ""));
        assert!(w("a*b*c", "axxbyyc"));
        assert!(!w("a*b*c", "axxbyy"));
        assert!(w("?é", "xé"));
        assert!(!w("?", ""));
    }
}
