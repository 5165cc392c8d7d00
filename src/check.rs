//! Corpus checks: every problem the readers and the shared validator find (all
//! of them, not only the first), plus what is `check`'s own: annotation
//! consistency warnings, near-duplicate documents and statistics.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Serialize;

use crate::corpus::{scan_corpus, At, Origin, Problem, ReadOptions, ReadReport, Rules};
use crate::document::{char_byte_starts, Document};
use crate::error::Result;

/// How serious a finding is: errors fail the check (exit 1), warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem, located by file, line (1-based; 0 when corpus-wide or when the
/// format has no lines), task (Label Studio) and document.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub path: String,
    pub line: usize,
    /// The 1-based task of a Label Studio export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<usize>,
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
    /// What each reader read and ignored, one per path.
    #[serde(skip)]
    pub reads: Vec<ReadReport>,
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
    /// How to read the files (format, scheme...).
    pub read: ReadOptions,
}

impl Default for CheckOptions {
    /// Any label, near-duplicates at 0.5, formats from the paths.
    fn default() -> Self {
        CheckOptions {
            labels: None,
            near_duplicate: 0.5,
            read: ReadOptions::default(),
        }
    }
}

struct Located {
    origin: Origin,
    doc: Document,
}

fn place(origin: &Origin) -> (usize, Option<usize>) {
    match origin.at {
        At::Line(l) => (l, None),
        At::Task(t) => (0, Some(t)),
        At::File => (0, None),
    }
}

fn error_finding(p: Problem) -> Finding {
    let (line, task) = place(&Origin {
        path: p.path.clone(),
        at: p.at,
    });
    Finding {
        severity: Severity::Error,
        path: p.path.display().to_string(),
        line,
        task,
        doc: p.doc,
        message: p.message,
    }
}

/// Checks corpus files (or BRAT folders) of any readable format together.
/// Fails only when a path cannot be read at all (I/O, unknown format).
pub fn check_files(paths: &[&Path], opts: &CheckOptions) -> Result<CheckReport> {
    let mut report = CheckReport::default();
    let mut docs: Vec<Located> = Vec::new();
    let rules = Rules {
        word_boundaries: true,
        labels: opts.labels.clone(),
        non_empty_text: true,
    };
    // First place of each id, with the path it was read under.
    let mut ids: HashMap<String, (&Path, String)> = HashMap::new();
    for path in paths {
        let (corpus, problems) = scan_corpus(path, &opts.read, &rules)?;
        report
            .findings
            .extend(problems.into_iter().map(error_finding));
        let mut stats = FileStats {
            path: path.display().to_string(),
            ..Default::default()
        };
        for (doc, origin) in corpus.documents.into_iter().zip(corpus.origins) {
            let (line, task) = place(&origin);
            let here = match task {
                Some(t) => format!("{}: task {t}", origin.path.display()),
                None => format!("{}:{line}", origin.path.display()),
            };
            match ids.get(&doc.id) {
                // Duplicates within one file are the reader's to report.
                Some((first_path, first)) if first_path != path => report.findings.push(Finding {
                    severity: Severity::Error,
                    path: origin.path.display().to_string(),
                    line,
                    task,
                    doc: doc.id.clone(),
                    message: format!("duplicate id {:?} (first at {first})", doc.id),
                }),
                Some(_) => {}
                None => {
                    ids.insert(doc.id.clone(), (*path, here));
                }
            }
            stats.documents += 1;
            stats.words += doc.text.split_whitespace().count();
            stats.entities += doc.entities.len();
            for e in &doc.entities {
                *stats.labels.entry(e.label.clone()).or_default() += 1;
            }
            docs.push(Located { origin, doc });
        }
        report.reads.push(corpus.report);
        report.total.documents += stats.documents;
        report.total.words += stats.words;
        report.total.entities += stats.entities;
        for (l, n) in &stats.labels {
            *report.total.labels.entry(l.clone()).or_default() += n;
        }
        report.files.push(stats);
    }
    report.total.path = "total".into();
    in_word(&docs, &mut report.findings);
    consistency(&docs, &mut report.findings);
    report.most_similar = near_duplicates(&docs, opts.near_duplicate, &mut report.findings);
    Ok(report)
}

fn warning(m: String, at: Option<&Located>) -> Finding {
    let (line, task) = at.map_or((0, None), |d| place(&d.origin));
    Finding {
        severity: Severity::Warning,
        path: at.map_or(String::new(), |d| d.origin.path.display().to_string()),
        line,
        task,
        doc: at.map_or(String::new(), |d| d.doc.id.clone()),
        message: m,
    }
}

/// Entities that start or end inside a word as BERT's pre-tokenizer splits
/// words (letters and digits on both sides of the boundary; punctuation and
/// whitespace split): training widens such an entity to its whole words and
/// strict scoring can never match it.
fn in_word(docs: &[Located], findings: &mut Vec<Finding>) {
    for d in docs {
        let chars: Vec<char> = d.doc.text.chars().collect();
        let joined = |i: usize| {
            i > 0 && i < chars.len() && chars[i - 1].is_alphanumeric() && chars[i].is_alphanumeric()
        };
        for e in &d.doc.entities {
            if e.start >= e.end || e.end > chars.len() {
                continue; // reported as an error by the readers
            }
            let (cut_start, cut_end) = (joined(e.start), joined(e.end));
            if !cut_start && !cut_end {
                continue;
            }
            let mut w0 = e.start;
            while w0 > 0 && chars[w0 - 1].is_alphanumeric() {
                w0 -= 1;
            }
            let mut w1 = e.end;
            while w1 < chars.len() && chars[w1].is_alphanumeric() {
                w1 += 1;
            }
            let surface: String = chars[e.start..e.end].iter().collect();
            let word: String = chars[w0..w1].iter().collect();
            let side = match (cut_start, cut_end) {
                (true, true) => "starts and ends",
                (true, false) => "starts",
                _ => "ends",
            };
            findings.push(warning(
                format!(
                    "span {}..{} ({}) {surface:?} {side} inside the word {word:?}: training tags the whole word, and strict scoring can never match the span",
                    e.start, e.end, e.label
                ),
                Some(d),
            ));
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
    for (text, labels) in &by_text {
        if labels.len() > 1 {
            let parts: Vec<String> = labels
                .iter()
                .map(|(l, ids)| format!("{l} ×{} (e.g. {})", ids.len(), ids[0]))
                .collect();
            findings.push(warning(
                format!("{text:?} carries different labels: {}", parts.join(", ")),
                None,
            ));
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
            findings.push(warning(
                format!("{text:?} is tagged elsewhere ({}) but appears {count} time(s) untagged (at {}{more})", l.join(", "), where_.join(", ")),
                first,
            ));
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
                findings.push(warning(
                    format!(
                        "near-duplicate of {:?} (word 5-gram Jaccard {jac:.2})",
                        docs[i].doc.id
                    ),
                    Some(&docs[j]),
                ));
            }
        }
    }
    best
}
