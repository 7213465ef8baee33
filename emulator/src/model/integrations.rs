//! The canned managed-Composio catalogue of the emulator (7.6, 8.5): about 30 toolkits,
//! `salesforce` without managed OAuth.

use serde_json::{Value, json};

/// `(slug, name, auth scheme)`; `NO_AUTH` toolkits need no connection flow.
pub const TOOLKITS: [(&str, &str, &str); 30] = [
    ("airtable", "Airtable", "OAUTH2"),
    ("asana", "Asana", "OAUTH2"),
    ("bitbucket", "Bitbucket", "OAUTH2"),
    ("calendly", "Calendly", "OAUTH2"),
    ("clickup", "ClickUp", "OAUTH2"),
    ("confluence", "Confluence", "OAUTH2"),
    ("discord", "Discord", "OAUTH2"),
    ("dropbox", "Dropbox", "OAUTH2"),
    ("figma", "Figma", "OAUTH2"),
    ("github", "GitHub", "OAUTH2"),
    ("gitlab", "GitLab", "OAUTH2"),
    ("gmail", "Gmail", "OAUTH2"),
    ("googlecalendar", "Google Calendar", "OAUTH2"),
    ("googledocs", "Google Docs", "OAUTH2"),
    ("googledrive", "Google Drive", "OAUTH2"),
    ("googlesheets", "Google Sheets", "OAUTH2"),
    ("hackernews", "Hacker News", "NO_AUTH"),
    ("hubspot", "HubSpot", "OAUTH2"),
    ("jira", "Jira", "OAUTH2"),
    ("linear", "Linear", "OAUTH2"),
    ("mailchimp", "Mailchimp", "OAUTH2"),
    ("notion", "Notion", "OAUTH2"),
    ("outlook", "Outlook", "OAUTH2"),
    ("salesforce", "Salesforce", "OAUTH2"),
    ("shopify", "Shopify", "API_KEY"),
    ("slack", "Slack", "OAUTH2"),
    ("stripe", "Stripe", "API_KEY"),
    ("trello", "Trello", "OAUTH1"),
    ("twitter", "X (Twitter)", "OAUTH2"),
    ("zoom", "Zoom", "OAUTH2"),
];

/// Toolkits that need the customer's own OAuth app (the connect answers 422).
pub const CUSTOM_AUTH: [&str; 1] = ["salesforce"];

pub fn toolkit(slug: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    TOOLKITS.iter().find(|t| t.0 == slug)
}

pub fn toolkit_json(t: &(&str, &str, &str)) -> Value {
    let (slug, name, scheme) = *t;
    json!({
        "slug": slug,
        "name": name,
        "description": format!("{name} tools for the agent (managed by the platform)"),
        "logo": format!("https://logos.emulator.invalid/{slug}.svg"),
        "enabled": true,
        "isNoAuth": scheme == "NO_AUTH",
        "authSchemes": if scheme == "NO_AUTH" { json!([]) } else { json!([scheme]) },
    })
}

/// Case-insensitive match on slug or name.
pub fn search(q: Option<&str>) -> Vec<&'static (&'static str, &'static str, &'static str)> {
    let q = q.map(str::to_lowercase);
    TOOLKITS
        .iter()
        .filter(|t| {
            q.as_deref()
                .is_none_or(|q| t.0.contains(q) || t.1.to_lowercase().contains(q))
        })
        .collect()
}

/// Opaque cursor for an offset into a search result.
pub fn cursor(offset: usize) -> String {
    format!("tk{:x}", offset * 7919 + 13)
}

pub fn parse_cursor(c: &str) -> Option<usize> {
    let n = usize::from_str_radix(c.strip_prefix("tk")?, 16).ok()?;
    (n >= 13 && (n - 13) % 7919 == 0).then(|| (n - 13) / 7919)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_and_cursors() {
        assert_eq!(search(None).len(), 30);
        assert_eq!(search(Some("GOOGLE")).len(), 4);
        assert_eq!(search(Some("twit")).len(), 1);
        for o in [0, 12, 24] {
            assert_eq!(parse_cursor(&cursor(o)), Some(o));
        }
        assert_eq!(parse_cursor("tk1"), None);
        assert_eq!(parse_cursor("zz"), None);
    }
}
