//! The schema sections of a page: Required / Optional / Read-Only, and a "Nested Schema for
//! `x`" section per nested attribute or block.

use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;

use super::*;

// ---------------------------------------------------------------------------------------------
// Schema sections.

/// What a "Nested Schema for `x`" section lists.
pub(super) enum Nested<'a> {
    Attributes(&'a [Attribute]),
    Block(&'a Block),
    Object(&'a BTreeMap<String, Type>),
}

pub(super) struct Section<'a> {
    anchor: String,
    path: String,
    content: Nested<'a>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Group {
    Required,
    Optional,
    ReadOnly,
}

impl Group {
    fn of(a: &Attribute) -> Group {
        if a.required {
            Group::Required
        } else if a.optional {
            Group::Optional
        } else {
            Group::ReadOnly
        }
    }
    fn title(self) -> &'static str {
        match self {
            Group::Required => "Required",
            Group::Optional => "Optional",
            Group::ReadOnly => "Read-Only",
        }
    }
}

/// One bullet before grouping: its group, name (for sorting), text, and the nested sections it
/// links to.
pub(super) struct Item<'a> {
    group: Group,
    name: String,
    line: String,
    sections: Vec<Section<'a>>,
}

/// The Required / Optional / Read-Only lists of a block, then one section per nested attribute,
/// block or object type, breadth first, in the order of their bullets.
/// `resource` adds "Changing this forces a new resource." where the schema says so.
pub(super) fn render_schema(block: &Block, resource: bool) -> String {
    let mut out = String::new();
    let mut queue: VecDeque<Section> = VecDeque::new();
    render_items(
        &mut out,
        &block.attributes,
        &block.blocks,
        "",
        resource,
        true,
        &mut queue,
    );
    while let Some(section) = queue.pop_front() {
        let _ = writeln!(
            out,
            "\n<a id=\"{}\"></a>\n### Nested Schema for `{}`\n",
            section.anchor, section.path
        );
        match section.content {
            Nested::Attributes(attrs) => render_items(
                &mut out,
                attrs,
                &[],
                &section.path,
                resource,
                false,
                &mut queue,
            ),
            Nested::Block(b) => render_items(
                &mut out,
                &b.attributes,
                &b.blocks,
                &section.path,
                resource,
                false,
                &mut queue,
            ),
            Nested::Object(attrs) => {
                for (name, ty) in attrs {
                    let mut sections = Vec::new();
                    let (label, see) = plain_label(ty, &section.path, name, &mut sections);
                    queue.extend(sections);
                    let _ = writeln!(out, "{}", bullet(name, &label, "", see.as_deref()));
                }
            }
        }
    }
    out
}

pub(super) fn render_items<'a>(
    out: &mut String,
    attributes: &'a [Attribute],
    blocks: &'a [NestedBlock],
    path: &str,
    resource: bool,
    top: bool,
    queue: &mut VecDeque<Section<'a>>,
) {
    let mut items: Vec<Item> = Vec::new();
    for a in attributes {
        let mut sections = Vec::new();
        let line = attribute_line(a, path, resource, &mut sections);
        items.push(Item {
            group: Group::of(a),
            name: a.name.clone(),
            line,
            sections,
        });
    }
    for b in blocks {
        let mut sections = Vec::new();
        let line = block_line(b, path, &mut sections);
        items.push(Item {
            group: if b.min_items > 0 {
                Group::Required
            } else {
                Group::Optional
            },
            name: b.name.clone(),
            line,
            sections,
        });
    }
    // Sorted by group then name, like the official generator.
    items.sort_by(|a, b| (a.group, &a.name).cmp(&(b.group, &b.name)));
    if items.is_empty() {
        out.push_str("This has no arguments or attributes.\n");
    }
    let mut current = None;
    for item in items {
        if current != Some(item.group) {
            if current.is_some() {
                out.push('\n');
            }
            if top {
                let _ = writeln!(out, "### {}\n", item.group.title());
            } else {
                let _ = writeln!(out, "{}:\n", item.group.title());
            }
            current = Some(item.group);
        }
        out.push_str(&item.line);
        out.push('\n');
        queue.extend(item.sections);
    }
}

pub(super) fn join_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

pub(super) fn anchor(prefix: &str, path: &str) -> String {
    format!("{prefix}--{}", path.replace('.', "--"))
}

pub(super) fn attribute_line<'a>(
    a: &'a Attribute,
    parent: &str,
    resource: bool,
    sections: &mut Vec<Section<'a>>,
) -> String {
    let path = join_path(parent, &a.name);
    let (type_text, see) = match &a.ty {
        AttrType::Plain(ty) => plain_label(ty, parent, &a.name, sections),
        AttrType::Nested {
            nesting,
            attributes,
        } => {
            let id = anchor("nestedatt", &path);
            sections.push(Section {
                anchor: id.clone(),
                path: path.clone(),
                content: Nested::Attributes(attributes),
            });
            let label = match nesting {
                Nesting::Single => "Attributes",
                Nesting::List => "Attributes List",
                Nesting::Set => "Attributes Set",
                Nesting::Map => "Attributes Map",
            };
            (label.to_string(), Some(id))
        }
    };
    let mut flags = vec![type_text];
    if a.required {
        flags.push("Required".into());
    } else if a.optional {
        flags.push("Optional".into());
    }
    if a.computed {
        flags.push("Computed".into());
    }
    if a.sensitive {
        flags.push("Sensitive".into());
    }
    if a.deprecated.is_some() {
        flags.push("Deprecated".into());
    }
    let mut text = a.description.trim().to_string();
    if let Some(msg) = &a.deprecated {
        append_sentence(&mut text, &format!("**Deprecated:** {}", msg.trim()));
    }
    let allowed: Vec<String> = a
        .validators
        .iter()
        .map(|v| v.description().trim().to_string())
        .filter(|d| !d.is_empty() && !text.contains(d.as_str()))
        .collect();
    if !allowed.is_empty() {
        append_sentence(&mut text, &format!("Allowed values: {}", allowed.join(" ")));
    }
    if let Some(default) = &a.default {
        let v = hcl_value(default);
        if !mentions_default(&text, &v) {
            append_sentence(&mut text, &format!("Default: `{v}`."));
        }
    }
    if resource && a.requires_replace {
        append_sentence(&mut text, "Changing this forces a new resource.");
    }
    bullet(&a.name, &flags.join(", "), &text, see.as_deref())
}

pub(super) fn block_line<'a>(
    b: &'a NestedBlock,
    parent: &str,
    sections: &mut Vec<Section<'a>>,
) -> String {
    let path = join_path(parent, &b.name);
    let id = anchor("nestedblock", &path);
    sections.push(Section {
        anchor: id.clone(),
        path,
        content: Nested::Block(&b.block),
    });
    let mut flags = vec![
        match b.nesting {
            Nesting::Single => "Block",
            Nesting::List => "Block List",
            Nesting::Set => "Block Set",
            Nesting::Map => "Block Map",
        }
        .to_string(),
    ];
    flags.push(
        if b.min_items > 0 {
            "Required"
        } else {
            "Optional"
        }
        .into(),
    );
    if b.nesting != Nesting::Single {
        if b.min_items > 0 {
            flags.push(format!("Min: {}", b.min_items));
        }
        if b.max_items > 0 {
            flags.push(format!("Max: {}", b.max_items));
        }
    }
    bullet(
        &b.name,
        &flags.join(", "),
        b.block.description.trim(),
        Some(&id),
    )
}

/// The type label of a plain type; an object type (possibly inside collections) also gets a
/// nested section listing its attributes, whose anchor is returned.
pub(super) fn plain_label<'a>(
    ty: &'a Type,
    parent: &str,
    name: &str,
    sections: &mut Vec<Section<'a>>,
) -> (String, Option<String>) {
    let label = type_label(ty);
    let mut inner = ty;
    while let Type::List(t) | Type::Set(t) | Type::Map(t) = inner {
        inner = t;
    }
    match inner {
        Type::Object { attrs, .. } if !attrs.is_empty() => {
            let path = join_path(parent, name);
            let id = anchor("nestedobjatt", &path);
            sections.push(Section {
                anchor: id.clone(),
                path,
                content: Nested::Object(attrs),
            });
            (label, Some(id))
        }
        _ => (label, None),
    }
}

/// Whether a description already states the default `v` (an HCL literal): "Default `x`",
/// "Defaults to x", "`x` (default)"…, so that the page does not say it twice.
pub(super) fn mentions_default(text: &str, v: &str) -> bool {
    let lower = text.to_lowercase();
    let bare = v.trim_matches('"').to_lowercase();
    let near = |from: usize, to: usize| {
        let window: String = lower[from..]
            .char_indices()
            .take_while(|(i, _)| *i < to)
            .map(|(_, c)| c)
            .collect();
        window.contains(&bare)
    };
    lower.match_indices("default").any(|(i, _)| {
        let after = i + "default".len();
        // "Default `x`", "Defaults to x", "default: x" just after the word…
        near(after, 16)
            // …or "`x` (default)" just before it.
            || lower[..i].trim_end_matches([' ', '(']).ends_with(&bare)
            || lower[..i]
                .trim_end_matches([' ', '('])
                .trim_end_matches(['`', '"'])
                .ends_with(&bare)
    })
}

pub(super) fn bullet(name: &str, flags: &str, text: &str, see: Option<&str>) -> String {
    let mut line = format!("- `{name}` ({flags})");
    if !text.is_empty() {
        line.push(' ');
        line.push_str(&indent_continuation(text, "  "));
    }
    if let Some(id) = see {
        let _ = write!(line, " (see [below for nested schema](#{id}))");
    }
    line
}

/// Continuation lines of a multi-line text indented so they stay inside the list item.
pub(super) fn indent_continuation(text: &str, indent: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 || l.trim().is_empty() {
                l.trim_end().to_string()
            } else {
                format!("{indent}{}", l.trim_end())
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn append_sentence(text: &mut String, sentence: &str) {
    if !text.is_empty() {
        if !text.ends_with(['.', '!', '?', ')', ':']) {
            text.push('.');
        }
        text.push(' ');
    }
    text.push_str(sentence);
}
