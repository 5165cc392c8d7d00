//! JSONL corpora, one JSON object per line with `id` (optional: `path:line`
//! otherwise) and `text`, offsets in code points, end exclusive. The spans come
//! from one of:
//!
//! - `entities: [{"start", "end", "label"}]` (ours; an entity's `text`, when
//!   present, must equal the document text at its offsets; `score` is kept);
//! - `spans: [{"start", "end", "label"}]` (Prodigy/spaCy; lines whose `answer`
//!   is `reject` or `ignore` are skipped and counted);
//! - `label` or `labels: [[start, end, "LABEL"], ...]` (doccano);
//! - `entities: [{"start_offset", "end_offset", "label"}]` (doccano).
//!
//! Other keys are ignored; non-empty `relations` are counted as ignored.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

use super::problem::{At, Problem, Sink};
use super::report::Ignored;
use super::rules::Rules;
use super::Corpus;
use crate::document::{char_slice, Document, Entity};
use crate::error::Result;

/// The keys that may hold spans.
const SPAN_KEYS: [&str; 4] = ["entities", "spans", "label", "labels"];

/// Reads a JSONL file (any of the shapes above), stopping at the first problem.
pub fn read_jsonl(path: &Path) -> Result<Vec<Document>> {
    let text = super::read_text(path)?;
    parse_jsonl(&text, path)
}

/// Parses JSONL text already in memory; `path` names it in errors.
pub fn parse_jsonl(content: &str, path: &Path) -> Result<Vec<Document>> {
    let rules = Rules::default();
    let mut sink = Sink::stopping(&rules);
    let mut corpus = Corpus::new(path, super::Format::Jsonl);
    read(content, path, &mut sink, &mut corpus)?;
    Ok(corpus.documents)
}

pub(crate) fn read(content: &str, path: &Path, sink: &mut Sink, corpus: &mut Corpus) -> Result<()> {
    let content = content.strip_prefix('\u{feff}').unwrap_or(content);
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, line) in content.lines().enumerate() {
        let lineno = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        corpus.report.records += 1;
        let at = At::Line(lineno);
        let bad = |doc: &str, m: String| Problem::new(path, at, doc, m);
        let obj = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(o)) => o,
            Ok(other) => {
                sink.report(bad(
                    "",
                    format!("expected a JSON object, found {}", kind(&other)),
                ))?;
                continue;
            }
            Err(e) => {
                sink.report(bad("", format!("invalid JSON: {e}")))?;
                continue;
            }
        };
        match obj.get("answer").and_then(Value::as_str) {
            Some("reject") => {
                corpus.report.ignore(Ignored::RejectedAnswer, 1);
                continue;
            }
            Some("ignore") => {
                corpus.report.ignore(Ignored::IgnoredAnswer, 1);
                continue;
            }
            _ => {}
        }
        let id = match obj.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            None | Some(Value::Null) => format!("{}:{lineno}", path.display()),
            Some(other) => {
                sink.report(bad("", format!("id {other} is not a string or a number")))?;
                continue;
            }
        };
        let Some(text) = obj.get("text").and_then(Value::as_str) else {
            sink.report(bad(&id, "missing string \"text\"".into()))?;
            continue;
        };
        if let Some(first) = seen.get(&id) {
            sink.report(bad(&id, format!("duplicate id (first at line {first})")))?;
            continue;
        }
        seen.insert(id.clone(), lineno);
        let mut entities = Vec::new();
        for m in spans(&obj, text, &mut entities) {
            sink.report(bad(&id, m))?;
        }
        if let Some(Value::Array(r)) = obj.get("relations") {
            corpus.report.ignore(Ignored::Relation, r.len());
        }
        let mut doc = Document {
            id,
            text: text.to_string(),
            entities,
        };
        sink.document(&mut doc, path, at)?;
        corpus.push(doc, path, at);
    }
    Ok(())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Collects the spans of one line into `out`; returns the problems.
fn spans(obj: &Map<String, Value>, text: &str, out: &mut Vec<Entity>) -> Vec<String> {
    let mut problems = Vec::new();
    let present: Vec<&str> = SPAN_KEYS
        .iter()
        .copied()
        .filter(|k| match obj.get(*k) {
            Some(Value::Array(a)) => !a.is_empty(),
            // Prodigy's binary recipes put one label name at the top level.
            Some(Value::Null | Value::String(_)) | None => false,
            Some(_) => true,
        })
        .collect();
    if present.len() > 1 {
        problems.push(format!(
            "spans under both {:?} and {:?}: keep one",
            present[0], present[1]
        ));
        return problems;
    }
    let Some(key) = present.first() else {
        return problems;
    };
    let Some(items) = obj.get(*key).and_then(Value::as_array) else {
        problems.push(format!("{key:?} must be a list of spans"));
        return problems;
    };
    for (n, item) in items.iter().enumerate() {
        match entity(item) {
            Ok((e, stored)) => {
                if let (Some(stored), Some(actual)) = (stored, char_slice(text, e.start, e.end)) {
                    if stored != actual {
                        problems.push(format!(
                            "span {}..{} ({}): stored text {stored:?} differs from the document's {actual:?}",
                            e.start, e.end, e.label
                        ));
                        continue;
                    }
                }
                out.push(e);
            }
            Err(m) => problems.push(format!("{key}[{n}] {item}: {m}")),
        }
    }
    problems
}

/// One span: `{"start", "end", "label"}`, `{"start_offset", "end_offset", "label"}`
/// or `[start, end, "label"]`, with the stored text when there is one.
fn entity(item: &Value) -> std::result::Result<(Entity, Option<&str>), String> {
    let need = "needs integer \"start\" and \"end\" (or \"start_offset\" and \"end_offset\") and a string \"label\"";
    let (start, end, label, stored, score) = match item {
        Value::Object(o) => {
            let get = |a: &str, b: &str| o.get(a).or_else(|| o.get(b));
            (
                get("start", "start_offset"),
                get("end", "end_offset"),
                o.get("label"),
                o.get("text").and_then(Value::as_str),
                o.get("score").and_then(Value::as_f64),
            )
        }
        Value::Array(a) if a.len() == 3 => (a.first(), a.get(1), a.get(2), None, None),
        Value::String(_) => return Err(
            "is a class name, not a span [start, end, \"LABEL\"] (a text-classification export?)"
                .into(),
        ),
        _ => return Err(need.into()),
    };
    let (Some(start), Some(end), Some(Value::String(label))) = (
        start.and_then(Value::as_i64),
        end.and_then(Value::as_i64),
        label,
    ) else {
        return Err(need.into());
    };
    if start < 0 || end < 0 {
        return Err(format!(
            "span {start}..{end} ({label}) has a negative offset"
        ));
    }
    let mut e = Entity::new(start as usize, end as usize, label.clone());
    e.score = score.map(|s| s as f32);
    Ok((e, stored))
}

/// Writes documents as JSONL (one object per line: `id`, `text`, `entities` with
/// each entity's `text` filled in, and `score` where there is one).
pub fn write_jsonl<W: Write>(out: &mut W, docs: &[Document]) -> std::io::Result<()> {
    for doc in docs {
        let mut doc = doc.clone();
        doc.fill_entity_text();
        serde_json::to_writer(&mut *out, &doc)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes one document as a JSONL line like [`write_jsonl`], followed by the
/// fields of `extra` (a struct or map; readers ignore them).
pub fn write_jsonl_line<W: Write, X: Serialize>(
    out: &mut W,
    doc: &Document,
    extra: &X,
) -> std::io::Result<()> {
    #[derive(Serialize)]
    struct Line<'a, X> {
        #[serde(flatten)]
        doc: &'a Document,
        #[serde(flatten)]
        extra: &'a X,
    }
    let mut doc = doc.clone();
    doc.fill_entity_text();
    serde_json::to_writer(&mut *out, &Line { doc: &doc, extra })?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<Document>> {
        parse_jsonl(s, Path::new("t.jsonl"))
    }

    fn scan(s: &str) -> (Corpus, Vec<Problem>) {
        let rules = Rules::default();
        let mut sink = Sink::collecting(&rules);
        let mut corpus = Corpus::new(Path::new("t.jsonl"), super::super::Format::Jsonl);
        read(s, Path::new("t.jsonl"), &mut sink, &mut corpus).unwrap();
        (corpus, sink.problems)
    }

    fn spans_of(d: &Document) -> Vec<(usize, usize, &str)> {
        d.entities
            .iter()
            .map(|e| (e.start, e.end, e.label.as_str()))
            .collect()
    }

    #[test]
    fn reads_ours_prodigy_and_both_doccano_shapes() {
        let docs = parse(concat!(
            "{\"id\":\"a\",\"text\":\"Türkiye said\",\"entities\":[{\"start\":0,\"end\":7,\"label\":\"LOC\",\"text\":\"Türkiye\",\"score\":0.5}],\"x\":1}\n\n",
            "{\"id\":2,\"text\":\"Goma\",\"label\":[[0,4,\"LOC\"]]}\n",
            "{\"id\":3,\"text\":\"Goma, Kivu\",\"labels\":[[6,10,\"LOC\"],[0,4,\"LOC\"]]}\n",
            "{\"id\":4,\"text\":\"𝐀 Goma\",\"entities\":[{\"id\":9,\"start_offset\":2,\"end_offset\":6,\"label\":\"LOC\"}],\"relations\":[]}\n",
            "{\"text\":\"M23 took Goma\",\"spans\":[{\"start\":9,\"end\":13,\"label\":\"LOC\",\"token_start\":2,\"token_end\":2}],\"answer\":\"accept\",\"_input_hash\":1}\n",
        ))
        .unwrap();
        assert_eq!(docs.len(), 5);
        assert_eq!(docs[0].slice(0, 7), Some("Türkiye"));
        assert_eq!(docs[0].entities[0].score, Some(0.5));
        assert_eq!(docs[1].id, "2");
        assert_eq!(spans_of(&docs[1]), vec![(0, 4, "LOC")]);
        assert_eq!(spans_of(&docs[2]), vec![(0, 4, "LOC"), (6, 10, "LOC")]);
        assert_eq!(docs[3].slice(2, 6), Some("Goma"));
        assert_eq!(spans_of(&docs[3]), vec![(2, 6, "LOC")]);
        assert_eq!(docs[4].id, "t.jsonl:6");
        assert_eq!(spans_of(&docs[4]), vec![(9, 13, "LOC")]);
    }

    #[test]
    fn prodigy_rejects_and_relations_are_counted() {
        let (c, p) = scan(concat!(
            "\u{feff}{\"text\":\"a\",\"answer\":\"reject\"}\r\n",
            "{\"text\":\"b\",\"answer\":\"ignore\"}\r\n",
            "{\"text\":\"c d\",\"spans\":[{\"start\":0,\"end\":1,\"label\":\"X\"}],\"relations\":[{\"head\":0,\"child\":2}],\"answer\":\"accept\"}\r\n",
        ));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.documents.len(), 1);
        assert_eq!(c.report.records, 3);
        assert_eq!(
            c.report.to_string(),
            "t.jsonl: 3 documents read (jsonl); ignored 1 rejected answer, 1 ignored answer, 1 relation"
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = parse("{\"id\":\"a\",\"text\":\"abc\"}\n{\"id\":\"b\",\"text\":\"abc\",\"entities\":[{\"start\":3,\"end\":1,\"label\":\"X\"}]}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.jsonl:2: document \"b\": span 3..1 (X) is reversed"
        );
        let err = parse("{\"id\":\"a\",\"text\":\"abc\"}\n{oops").unwrap_err();
        assert!(
            err.to_string().starts_with("t.jsonl:2: invalid JSON"),
            "{err}"
        );
        let err =
            parse("{\"id\":\"a\",\"text\":\"abc\"}\n{\"id\":\"a\",\"text\":\"abc\"}").unwrap_err();
        assert!(err.to_string().contains("duplicate id"), "{err}");
        let err = parse("{\"id\":\"a\",\"text\":\"Goma\",\"entities\":[{\"start\":0,\"end\":3,\"label\":\"L\",\"text\":\"Goma\"}]}").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.jsonl:1: document \"a\": span 0..3 (L): stored text \"Goma\" differs from the document's \"Gom\""
        );
        let err = parse("{\"id\":\"a\",\"text\":\"Goma\",\"label\":[\"positive\"]}").unwrap_err();
        assert!(err.to_string().contains("class name"), "{err}");
        let err = parse("{\"id\":\"a\",\"text\":\"Goma\",\"label\":[[0,4,\"L\"]],\"entities\":[{\"start\":0,\"end\":4,\"label\":\"L\"}]}").unwrap_err();
        assert!(err.to_string().contains("keep one"), "{err}");
    }

    #[test]
    fn a_bom_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.jsonl");
        std::fs::write(&p, "\u{feff}{\"id\":\"a\",\"text\":\"x\"}\n").unwrap();
        assert_eq!(read_jsonl(&p).unwrap()[0].id, "a");
    }

    #[test]
    fn collecting_goes_on_past_problems() {
        let (c, p) = scan("{oops\n{\"id\":\"a\",\"text\":\"ab\",\"entities\":[{\"start\":1,\"end\":9,\"label\":\"X\"},{\"start\":0,\"end\":1,\"label\":\"X\"}]}\n[1]\n");
        assert_eq!(p.len(), 3, "{p:?}");
        assert_eq!(p[1].at, At::Line(2));
        assert_eq!(c.documents[0].entities.len(), 1, "usable spans are kept");
    }
}
