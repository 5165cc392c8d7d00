//! Corpus validation: hard errors, annotation-consistency warnings and statistics.
//! Unlike the readers, which stop at the first problem, `check` reports them all.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::document::{char_byte_starts, Document, Entity};
use crate::error::Result;

/// How serious a finding is: errors fail the check (exit 1), warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, located by file, line (1-based; 0 when corpus-wide) and document.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub path: String,
    pub line: usize,
    pub doc: String,
    pub message: String,
}

/// Counts for one file (one split).
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileStats {
    pub path: String,
    pub documents: usize,
    pub words: usize,
    pub entities: usize,
    pub labels: BTreeMap<String, usize>,
}

/// The whole report: findings, per-file and total statistics, and the most similar pair of documents.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    pub findings: Vec<Finding>,
    pub files: Vec<FileStats>,
    pub total: FileStats,
    /// Highest word-5-gram Jaccard similarity between two documents: (doc, doc, similarity).
    pub most_similar: Option<(String, String, f64)>,
}

impl CheckReport {
    /// Number of error findings.
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }
}

/// Options for [`check_files`].
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The declared label set; `None` accepts any label.
    pub labels: Option<Vec<String>>,
    /// Jaccard similarity (word 5-grams) at or above which two documents are near-duplicates.
    pub near_duplicate: f64,
}

struct Located {
    path: String,
    line: usize,
    doc: Document,
}

/// Checks JSONL corpus files (one document per line).
pub fn check_files(paths: &[&Path], opts: &CheckOptions) -> Result<CheckReport> {
    let mut report = CheckReport::default();
    let mut docs: Vec<Located> = Vec::new();
    let mut ids: HashMap<String, (String, usize)> = HashMap::new();
    for path in paths {
        let content = crate::corpus::read_text(path)?;
        let p = path.display().to_string();
        let mut stats = FileStats {
            path: p.clone(),
            ..Default::default()
        };
        for (i, line) in content.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let mut err = |doc: &str, m: String| {
                report.findings.push(Finding {
                    severity: Severity::Error,
                    path: p.clone(),
                    line: i + 1,
                    doc: doc.into(),
                    message: m,
                })
            };
            let Some(doc) = parse_line(line, &mut err) else {
                continue;
            };
            if let Some((fp, fl)) = ids.get(&doc.id) {
                err(
                    &doc.id,
                    format!("duplicate id {:?} (first at {fp}:{fl})", doc.id),
                );
            } else {
                ids.insert(doc.id.clone(), (p.clone(), i + 1));
            }
            if doc.text.trim().is_empty() {
                err(&doc.id, "empty document".into());
            }
            check_spans(&doc, opts, &mut err);
            stats.documents += 1;
            stats.words += doc.text.split_whitespace().count();
            stats.entities += doc.entities.len();
            for e in &doc.entities {
                *stats.labels.entry(e.label.clone()).or_default() += 1;
            }
            docs.push(Located {
                path: p.clone(),
                line: i + 1,
                doc,
            });
        }
        report.total.documents += stats.documents;
        report.total.words += stats.words;
        report.total.entities += stats.entities;
        for (l, n) in &stats.labels {
            *report.total.labels.entry(l.clone()).or_default() += n;
        }
        report.files.push(stats);
    }
    report.total.path = "total".into();
    consistency(&docs, &mut report.findings);
    report.most_similar = near_duplicates(&docs, opts.near_duplicate, &mut report.findings);
    Ok(report)
}

fn parse_line(line: &str, err: &mut impl FnMut(&str, String)) -> Option<Document> {
    let v: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => {
            err("", format!("invalid JSON: {e}"));
            return None;
        }
    };
    let id = match v.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            err("", "missing string \"id\"".into());
            return None;
        }
    };
    let Some(text) = v.get("text").and_then(Value::as_str) else {
        err(&id, "missing string \"text\"".into());
        return None;
    };
    let mut entities = Vec::new();
    for e in v
        .get("entities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (s, t, l) = (
            e.get("start").and_then(Value::as_i64),
            e.get("end").and_then(Value::as_i64),
            e.get("label").and_then(Value::as_str),
        );
        match (s, t, l) {
            (Some(s), Some(t), Some(l)) if s >= 0 && t >= 0 => {
                entities.push(Entity::new(s as usize, t as usize, l))
            }
            _ => err(
                &id,
                format!("entity {e} needs non-negative integer start, end and a string label"),
            ),
        }
    }
    Some(Document {
        id,
        text: text.to_string(),
        entities,
    })
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '$' | '€' | '£' | '%')
}

fn check_spans(doc: &Document, opts: &CheckOptions, err: &mut impl FnMut(&str, String)) {
    let chars: Vec<char> = doc.text.chars().collect();
    let mut spans: Vec<&Entity> = Vec::new();
    for e in &doc.entities {
        let at = format!("span {}..{} ({})", e.start, e.end, e.label);
        if e.start > e.end {
            err(&doc.id, format!("{at} is reversed"));
            continue;
        }
        if e.start == e.end {
            err(&doc.id, format!("{at} is empty"));
            continue;
        }
        if e.end > chars.len() {
            err(
                &doc.id,
                format!(
                    "{at} is out of range: the text has {} code points",
                    chars.len()
                ),
            );
            continue;
        }
        let surface: String = chars[e.start..e.end].iter().collect();
        let (first, last) = (chars[e.start], chars[e.end - 1]);
        // An abbreviation's trailing period belongs to the span (`U.S.`).
        let abbrev = last == '.' && surface.chars().filter(|&c| c == '.').count() >= 2;
        if !is_word_char(first) || !(is_word_char(last) || abbrev) {
            err(
                &doc.id,
                format!("{at} {surface:?} starts or ends on whitespace or punctuation"),
            );
        }
        if let Some(labels) = &opts.labels {
            if !labels.contains(&e.label) {
                err(
                    &doc.id,
                    format!(
                        "{at} {surface:?}: label {:?} is not in the declared set ({})",
                        e.label,
                        labels.join(", ")
                    ),
                );
            }
        }
        spans.push(e);
    }
    spans.sort_by_key(|e| (e.start, e.end));
    for w in spans.windows(2) {
        if w[1].start < w[0].end {
            err(
                &doc.id,
                format!(
                    "span {}..{} ({}) overlaps span {}..{} ({})",
                    w[1].start, w[1].end, w[1].label, w[0].start, w[0].end, w[0].label
                ),
            );
        }
    }
}

/// Same string with different labels; untagged occurrences of tagged strings.
fn consistency(docs: &[Located], findings: &mut Vec<Finding>) {
    // Each document's entity spans as byte ranges, computed once for both passes.
    // (Reversed and out-of-range spans are errors reported elsewhere; they cover nothing.)
    let covered: Vec<Vec<(usize, usize, &str)>> = docs
        .iter()
        .map(|d| {
            let starts = char_byte_starts(&d.doc.text);
            d.doc
                .entities
                .iter()
                .filter(|e| e.start < e.end && e.end < starts.len())
                .map(|e| (starts[e.start], starts[e.end], e.label.as_str()))
                .collect()
        })
        .collect();
    let mut by_text: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (d, spans) in docs.iter().zip(&covered) {
        for &(b0, b1, label) in spans {
            let s = d.doc.text[b0..b1].to_string();
            by_text
                .entry(s)
                .or_default()
                .entry(label.to_string())
                .or_default()
                .push(d.doc.id.clone());
        }
    }
    let warn = |findings: &mut Vec<Finding>, m: String, at: Option<&Located>| {
        findings.push(Finding {
            severity: Severity::Warning,
            path: at.map_or(String::new(), |d| d.path.clone()),
            line: at.map_or(0, |d| d.line),
            doc: at.map_or(String::new(), |d| d.doc.id.clone()),
            message: m,
        })
    };
    for (text, labels) in &by_text {
        if labels.len() > 1 {
            let parts: Vec<String> = labels
                .iter()
                .map(|(l, ids)| format!("{l} ×{} (e.g. {})", ids.len(), ids[0]))
                .collect();
            warn(
                findings,
                format!("{text:?} carries different labels: {}", parts.join(", ")),
                None,
            );
        }
    }
    // Untagged occurrences, at word boundaries, outside every entity.
    for (text, labels) in &by_text {
        if text.chars().count() < 3 || !text.chars().any(char::is_alphabetic) {
            continue;
        }
        let mut count = 0;
        let mut first: Option<&Located> = None;
        let mut where_: Vec<String> = Vec::new();
        for (d, covered) in docs.iter().zip(&covered) {
            let t = &d.doc.text;
            for (b, _) in t.match_indices(text.as_str()) {
                let e = b + text.len();
                let before = t[..b]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric);
                let after = t[e..].chars().next().is_some_and(char::is_alphanumeric);
                if before || after || covered.iter().any(|&(s, x, _)| s <= b && e <= x) {
                    continue;
                }
                count += 1;
                first.get_or_insert(d);
                if where_.len() < 5 {
                    where_.push(format!("{}@{}", d.doc.id, t[..b].chars().count()));
                }
            }
        }
        if count > 0 {
            let l: Vec<String> = labels
                .iter()
                .map(|(l, ids)| format!("{l} ×{}", ids.len()))
                .collect();
            let more = if count > where_.len() { ", ..." } else { "" };
            warn(
                findings,
                format!("{text:?} is tagged elsewhere ({}) but appears {count} time(s) untagged (at {}{more})", l.join(", "), where_.join(", ")),
                first,
            );
        }
    }
}

/// Word 5-gram shingles → Jaccard; warns on pairs at or above `threshold`. Returns the most similar pair.
fn near_duplicates(
    docs: &[Located],
    threshold: f64,
    findings: &mut Vec<Finding>,
) -> Option<(String, String, f64)> {
    let shingles: Vec<Vec<u64>> = docs
        .iter()
        .map(|d| {
            let words: Vec<String> = d
                .doc
                .text
                .split_whitespace()
                .map(|w| w.to_lowercase())
                .collect();
            let mut set: Vec<u64> = words
                .windows(5)
                .map(|w| {
                    use std::hash::{Hash, Hasher};
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    w.hash(&mut h);
                    h.finish()
                })
                .collect::<HashSet<_>>()
                .into_iter()
                .collect();
            set.sort_unstable();
            set
        })
        .collect();
    let mut best: Option<(String, String, f64)> = None;
    for i in 0..docs.len() {
        for j in i + 1..docs.len() {
            let (a, b) = (&shingles[i], &shingles[j]);
            if a.is_empty() || b.is_empty() {
                continue;
            }
            let (mut x, mut y, mut inter) = (0, 0, 0);
            while x < a.len() && y < b.len() {
                match a[x].cmp(&b[y]) {
                    std::cmp::Ordering::Less => x += 1,
                    std::cmp::Ordering::Greater => y += 1,
                    std::cmp::Ordering::Equal => {
                        inter += 1;
                        x += 1;
                        y += 1;
                    }
                }
            }
            let jac = inter as f64 / (a.len() + b.len() - inter) as f64;
            if best.as_ref().is_none_or(|(_, _, s)| jac > *s) {
                best = Some((docs[i].doc.id.clone(), docs[j].doc.id.clone(), jac));
            }
            if jac >= threshold {
                findings.push(Finding {
                    severity: Severity::Warning,
                    path: docs[j].path.clone(),
                    line: docs[j].line,
                    doc: docs[j].doc.id.clone(),
                    message: format!(
                        "near-duplicate of {:?} (word 5-gram Jaccard {jac:.2})",
                        docs[i].doc.id
                    ),
                });
            }
        }
    }
    best
}
