//! JSONL spans, the canonical corpus format:
//! `{"id": str, "text": str, "entities": [{"start": int, "end": int, "label": str}]}`,
//! code-point offsets, end exclusive; extra fields ignored.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::document::{Document, Entity};
use crate::error::{Error, Result};

#[derive(Deserialize)]
struct RawDoc {
    id: Option<Value>,
    text: Option<String>,
    #[serde(default)]
    entities: Option<Vec<RawEntity>>,
    /// doccano: `[[start, end, label], ...]`.
    #[serde(default)]
    label: Option<Vec<(i64, i64, String)>>,
}

#[derive(Deserialize)]
struct RawEntity {
    start: i64,
    end: i64,
    label: String,
}

/// Reads a JSONL file. A line with `text` but without `entities` is an
/// unannotated document. Errors name the file and line: invalid JSON, a missing
/// `text`, offsets out of range, reversed or overlapping, duplicate ids.
pub fn read_jsonl(path: &Path) -> Result<Vec<Document>> {
    let text = super::read_text(path)?;
    parse_jsonl(&text, path)
}

/// Parses JSONL text already in memory; `path` is used in error messages.
pub fn parse_jsonl(content: &str, path: &Path) -> Result<Vec<Document>> {
    let mut docs = Vec::new();
    let mut seen = HashSet::new();
    for (i, line) in content.lines().enumerate() {
        let lineno = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let raw: RawDoc = serde_json::from_str(line).map_err(|source| Error::Json {
            path: path.into(),
            line: lineno,
            source,
        })?;
        let text = raw
            .text
            .ok_or_else(|| Error::data(path, lineno, "missing \"text\""))?;
        let id = match raw.id {
            Some(Value::String(s)) => s,
            Some(Value::Number(n)) => n.to_string(),
            Some(other) => {
                return Err(Error::data(
                    path,
                    lineno,
                    format!("id {other} is not a string"),
                ))
            }
            None => format!("{}:{lineno}", path.display()),
        };
        if !seen.insert(id.clone()) {
            return Err(Error::data(path, lineno, format!("duplicate id {id:?}")));
        }
        let mut entities = Vec::new();
        let spans = raw
            .entities
            .into_iter()
            .flatten()
            .map(|e| (e.start, e.end, e.label))
            .chain(raw.label.into_iter().flatten());
        for (start, end, label) in spans {
            if start < 0 || end < 0 {
                return Err(Error::data(
                    path,
                    lineno,
                    format!("span {start}..{end} ({label}) has a negative offset"),
                ));
            }
            entities.push(Entity::new(start as usize, end as usize, label));
        }
        let mut doc = Document { id, text, entities };
        doc.validate()
            .map_err(|m| Error::data(path, lineno, format!("document {:?}: {m}", doc.id)))?;
        docs.push(doc);
    }
    Ok(docs)
}

/// Writes documents as JSONL (one object per line), with each entity's text filled in.
pub fn write_jsonl<W: Write>(out: &mut W, docs: &[Document]) -> std::io::Result<()> {
    for doc in docs {
        let mut doc = doc.clone();
        doc.fill_entity_text();
        serde_json::to_writer(&mut *out, &doc)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<Document>> {
        parse_jsonl(s, Path::new("t.jsonl"))
    }

    #[test]
    fn reads_spans_and_doccano() {
        let docs = parse(
            "{\"id\":\"a\",\"text\":\"Türkiye said\",\"entities\":[{\"start\":0,\"end\":7,\"label\":\"LOC\"}],\"x\":1}\n\n{\"id\":2,\"text\":\"Goma\",\"label\":[[0,4,\"LOC\"]]}\n",
        )
        .unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].slice(0, 7), Some("Türkiye"));
        assert_eq!(docs[1].id, "2");
        assert_eq!(docs[1].entities[0].label, "LOC");
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
    }
}
