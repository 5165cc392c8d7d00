//! The corpus source markup (`data/source/*.md`, see its README) and the build
//! of the canonical JSONL splits from it.
//!
//! A file opens with `%% conflict: NAME | ...`; each `@@ doc ID | style: STYLE`
//! line opens a document; `[surface](LABEL)` marks an entity.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::document::{Document, Entity};
use crate::error::{Error, Result};

/// A document from the markup, with its provenance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceDoc {
    #[serde(flatten)]
    pub doc: Document,
    pub conflict: String,
    pub style: String,
}

/// How documents are split: whole conflicts held out of `train`, and the share
/// of every other conflict's documents that goes to dev and to test.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SplitPlan {
    /// Conflicts that appear only in dev and test (alternating by id).
    pub held_out: Vec<String>,
    /// Share of each other conflict's documents in dev (at least one).
    pub dev_ratio: f64,
    /// Share of each other conflict's documents in test (at least one).
    pub test_ratio: f64,
}

/// Parses one markup file; `path` names it in errors.
pub fn parse_markup(content: &str, path: &Path) -> Result<Vec<SourceDoc>> {
    let mut lines = content.lines().enumerate();
    let conflict = match lines.next() {
        Some((_, l)) if l.starts_with("%% conflict:") => l["%% conflict:".len()..]
            .split('|')
            .next()
            .unwrap_or("")
            .trim()
            .to_string(),
        _ => {
            return Err(Error::data(
                path,
                1,
                "the first line must be `%% conflict: NAME | ...`",
            ))
        }
    };
    let mut docs: Vec<(usize, String, String, Vec<&str>)> = Vec::new();
    for (i, line) in lines {
        if let Some(rest) = line.strip_prefix("@@ doc ") {
            let mut parts = rest.split('|');
            let id = parts.next().unwrap_or("").trim().to_string();
            let style = parts
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("style:")
                        .map(|s| s.trim().to_string())
                })
                .ok_or_else(|| {
                    Error::data(path, i + 1, format!("document {id:?} has no `style:`"))
                })?;
            if id.is_empty() {
                return Err(Error::data(path, i + 1, "document line without an id"));
            }
            docs.push((i + 1, id, style, Vec::new()));
        } else if let Some(d) = docs.last_mut() {
            d.3.push(line);
        } else if !line.trim().is_empty() {
            return Err(Error::data(
                path,
                i + 1,
                "text before the first `@@ doc` line",
            ));
        }
    }
    docs.into_iter()
        .map(|(line, id, style, body)| {
            let raw = body.join("\n");
            let raw = raw.trim_matches('\n');
            let (text, entities) = strip_spans(raw)
                .map_err(|m| Error::data(path, line, format!("document {id:?}: {m}")))?;
            let mut doc = Document { id, text, entities };
            doc.validate()
                .map_err(|m| Error::data(path, line, format!("document {:?}: {m}", doc.id)))?;
            Ok(SourceDoc {
                doc,
                conflict: conflict.clone(),
                style,
            })
        })
        .collect()
}

/// Removes `[surface](LABEL)` markup, returning the plain text and code-point spans.
/// A `[` that does not open such a pattern is kept as text.
pub fn strip_spans(raw: &str) -> std::result::Result<(String, Vec<Entity>), String> {
    let mut text = String::with_capacity(raw.len());
    let mut chars = 0usize;
    let mut entities = Vec::new();
    let mut rest = raw;
    while let Some(open) = rest.find('[') {
        let (before, after) = rest.split_at(open);
        text.push_str(before);
        chars += before.chars().count();
        match parse_span(&after[1..]) {
            Some((surface, label, used)) => {
                let n = surface.chars().count();
                entities.push(Entity::new(chars, chars + n, label));
                text.push_str(surface);
                chars += n;
                rest = &after[1 + used..];
            }
            None => {
                text.push('[');
                chars += 1;
                rest = &after[1..];
            }
        }
    }
    text.push_str(rest);
    // A label-like `](LABEL)` left in the text means a span that did not parse
    // (a bracket or newline inside it); `](lowercase)` is ordinary prose.
    let leftover = text.match_indices("](").find(|(i, _)| {
        let rest = &text[i + 2..];
        rest.find(')').is_some_and(|e| {
            e > 0
                && rest[..e]
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_')
        })
    });
    if let Some((bad, _)) = leftover {
        let ctx: String = text[..bad]
            .chars()
            .rev()
            .take(30)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return Err(format!("unmatched span markup after {ctx:?}"));
    }
    Ok((text, entities))
}

/// After a `[`: `surface](LABEL)` with no brackets or newline in the surface and
/// an upper-case label; returns the surface, label and bytes consumed.
fn parse_span(s: &str) -> Option<(&str, &str, usize)> {
    let close = s.find(']')?;
    let surface = &s[..close];
    if surface.is_empty() || surface.contains(['[', '\n']) || !s[close..].starts_with("](") {
        return None;
    }
    let after = &s[close + 2..];
    let end = after.find(')')?;
    let label = &after[..end];
    if label.is_empty() || !label.chars().all(|c| c.is_ascii_uppercase() || c == '_') {
        return None;
    }
    Some((surface, label, close + 2 + end + 1))
}

/// Reads every `*.md` file in `dir` except `README.md`, sorted by name.
pub fn read_markup_dir(dir: &Path) -> Result<Vec<SourceDoc>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "md")
                && p.file_name().is_some_and(|n| n != "README.md")
        })
        .collect();
    files.sort();
    let mut docs = Vec::new();
    for f in files {
        let content = super::read_text(&f)?;
        docs.extend(parse_markup(&content, &f)?);
    }
    Ok(docs)
}

/// Assigns each document to `train`, `dev` or `test` by the plan: deterministic,
/// stratified by conflict (documents ordered by id within a conflict).
pub fn split(docs: Vec<SourceDoc>, plan: &SplitPlan) -> BTreeMap<&'static str, Vec<SourceDoc>> {
    let mut by_conflict: BTreeMap<String, Vec<SourceDoc>> = BTreeMap::new();
    for d in docs {
        by_conflict.entry(d.conflict.clone()).or_default().push(d);
    }
    let mut out: BTreeMap<&'static str, Vec<SourceDoc>> = BTreeMap::new();
    for (conflict, mut docs) in by_conflict {
        docs.sort_by(|a, b| a.doc.id.cmp(&b.doc.id));
        let n = docs.len();
        let held = plan.held_out.contains(&conflict);
        let picks = |ratio: f64, phase: f64| -> Vec<usize> {
            let k = ((n as f64 * ratio).round() as usize).max(1).min(n);
            (0..k)
                .map(|j| (((j as f64 + phase) * n as f64) / k as f64) as usize)
                .collect()
        };
        let dev = picks(plan.dev_ratio, 0.25);
        let test = picks(plan.test_ratio, 0.75);
        for (i, d) in docs.into_iter().enumerate() {
            let split = if held {
                if i % 2 == 0 {
                    "test"
                } else {
                    "dev"
                }
            } else if dev.contains(&i) {
                "dev"
            } else if test.contains(&i) {
                "test"
            } else {
                "train"
            };
            out.entry(split).or_default().push(d);
        }
    }
    out
}

/// Serialises source documents as JSONL lines through the JSONL writer (entity
/// text filled in; `conflict` and `style` kept as extra fields, which readers ignore).
pub fn to_jsonl(docs: &[SourceDoc]) -> String {
    #[derive(Serialize)]
    struct Provenance<'a> {
        conflict: &'a str,
        style: &'a str,
    }
    let mut out = Vec::new();
    for d in docs {
        let extra = Provenance {
            conflict: &d.conflict,
            style: &d.style,
        };
        // Writing into memory cannot fail: every value here serialises.
        if super::write_jsonl_line(&mut out, &d.doc, &extra).is_err() {
            break;
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_markup_to_code_point_spans() {
        let (text, ents) =
            strip_spans("[RSF](ARMED_GROUP) hit [Türkiye](LOCATION) [sic] x").unwrap();
        assert_eq!(text, "RSF hit Türkiye [sic] x");
        assert_eq!((ents[1].start, ents[1].end), (8, 15));
        assert!(strip_spans("a [b](lower) c").unwrap().1.is_empty());
        assert!(strip_spans("a b](LOCATION) c").is_err());
    }

    #[test]
    fn parses_files_and_splits_by_conflict() {
        let src = "%% conflict: x | countries: A\n\n@@ doc x-001 | style: log\n[A](LOCATION) burned.\n\n@@ doc x-002 | style: wire\nB\n";
        let docs = parse_markup(src, Path::new("x.md")).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].doc.text, "A burned.");
        assert_eq!(docs[1].style, "wire");
        let plan = SplitPlan {
            held_out: vec!["x".into()],
            dev_ratio: 0.1,
            test_ratio: 0.1,
        };
        let s = split(docs, &plan);
        assert!(!s.contains_key("train"));
        assert_eq!(s["test"].len() + s["dev"].len(), 2);
        assert!(parse_markup("@@ doc a | style: log\n", Path::new("y.md")).is_err());
    }
}
