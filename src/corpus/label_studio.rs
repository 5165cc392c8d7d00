//! Label Studio's JSON export: an array of tasks, each with `data.text` and
//! `annotations[].result[]`; results of type `labels` hold `value.start`,
//! `value.end` (UTF-16 code units), `value.labels` and `value.text`.
//!
//! Of a task's annotations, cancelled ones (`was_cancelled`) are never read;
//! the one read is the chosen annotator's (`completed_by` id or email) or else
//! the latest (`updated_at`, then `created_at`, then the last listed). Other
//! annotations, predictions, relations and results of other types are counted
//! as ignored; a task without a usable annotation is skipped and counted.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde_json::{json, Map, Value};

use super::problem::{At, Problem, Sink};
use super::report::Ignored;
use super::utf16::Utf16Offsets;
use super::Corpus;
use crate::document::{char_slice, Document, Entity};
use crate::error::Result;

pub(crate) fn read(
    content: &str,
    path: &Path,
    annotator: Option<&str>,
    sink: &mut Sink,
    corpus: &mut Corpus,
) -> Result<()> {
    let content = content.strip_prefix('\u{feff}').unwrap_or(content);
    let tasks = match serde_json::from_str::<Value>(content) {
        Ok(Value::Array(tasks)) => tasks,
        Ok(_) => {
            let p = Problem::new(
                path,
                At::File,
                "",
                "expected a JSON array of tasks (a Label Studio JSON export)",
            );
            return sink.report(p);
        }
        Err(e) => {
            let p = Problem::new(path, At::Line(e.line()), "", format!("invalid JSON: {e}"));
            return sink.report(p);
        }
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, task) in tasks.iter().enumerate() {
        let at = At::Task(i + 1);
        corpus.report.records += 1;
        let bad = |doc: &str, m: String| Problem::new(path, at, doc, m);
        let Some(task) = task.as_object() else {
            sink.report(bad("", "is not a JSON object".into()))?;
            continue;
        };
        let data = task.get("data").and_then(Value::as_object);
        let id = match data.and_then(|d| d.get("id")).or_else(|| task.get("id")) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => format!("task {}", i + 1),
        };
        let Some(text) = data.and_then(|d| d.get("text")).and_then(Value::as_str) else {
            sink.report(bad(&id, "has no string \"data.text\"".into()))?;
            continue;
        };
        if let Some(first) = seen.get(&id) {
            sink.report(bad(&id, format!("duplicate id (first at task {first})")))?;
            continue;
        }
        seen.insert(id.clone(), i + 1);
        if let Some(Value::Array(p)) = task.get("predictions") {
            corpus.report.ignore(Ignored::Prediction, p.len());
        }
        let Some(annotation) = choose(task, annotator, &mut corpus.report) else {
            continue;
        };
        let offsets = Utf16Offsets::new(text);
        let mut entities = Vec::new();
        let results = annotation.get("result").and_then(Value::as_array);
        for (n, r) in results.into_iter().flatten().enumerate() {
            match r.get("type").and_then(Value::as_str) {
                Some("labels") => match labelled_span(r, text, &offsets) {
                    Ok(e) => entities.push(e),
                    Err(m) => sink.report(bad(&id, format!("result {n}: {m}")))?,
                },
                Some("relation") => corpus.report.ignore(Ignored::Relation, 1),
                Some(other) => corpus
                    .report
                    .ignore(Ignored::OtherResult(other.to_string()), 1),
                None => sink.report(bad(&id, format!("result {n} {r} has no \"type\"")))?,
            }
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

/// The annotation to read: not cancelled, by `annotator` when given, else the latest.
fn choose<'t>(
    task: &'t Map<String, Value>,
    annotator: Option<&str>,
    report: &mut super::ReadReport,
) -> Option<&'t Map<String, Value>> {
    let all: Vec<&Map<String, Value>> = task
        .get("annotations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .collect();
    let live: Vec<&Map<String, Value>> = all
        .iter()
        .copied()
        .filter(|a| a.get("was_cancelled").and_then(Value::as_bool) != Some(true))
        .collect();
    report.ignore(Ignored::CancelledAnnotation, all.len() - live.len());
    let candidates: Vec<&Map<String, Value>> = match annotator {
        Some(who) => live
            .iter()
            .copied()
            .filter(|a| completed_by(a, who))
            .collect(),
        None => live.clone(),
    };
    let chosen = candidates
        .iter()
        .enumerate()
        .max_by_key(|(i, a)| {
            let ts = a
                .get("updated_at")
                .or_else(|| a.get("created_at"))
                .and_then(Value::as_str)
                .unwrap_or("");
            (ts, *i)
        })
        .map(|(_, a)| *a);
    match chosen {
        Some(_) => report.ignore(Ignored::OtherAnnotation, live.len() - 1),
        None if annotator.is_some() && !live.is_empty() => {
            report.ignore(Ignored::OtherAnnotation, live.len());
            report.ignore(Ignored::TaskWithoutAnnotator, 1);
        }
        None => report.ignore(Ignored::UnannotatedTask, 1),
    }
    chosen
}

/// Whether `completed_by` (an id, or an object with `id` and `email`) is `who`.
fn completed_by(annotation: &Map<String, Value>, who: &str) -> bool {
    let matches = |v: &Value| match v {
        Value::Number(n) => n.to_string() == who,
        Value::String(s) => s.eq_ignore_ascii_case(who),
        _ => false,
    };
    match annotation.get("completed_by") {
        Some(Value::Object(o)) => ["id", "email"]
            .iter()
            .any(|k| o.get(*k).is_some_and(matches)),
        Some(v) => matches(v),
        None => false,
    }
}

/// A `labels` result as a code-point entity, its `value.text` checked.
fn labelled_span(
    r: &Value,
    text: &str,
    offsets: &Utf16Offsets,
) -> std::result::Result<Entity, String> {
    let v = r.get("value");
    let unit = |k: &str| v.and_then(|v| v.get(k)).and_then(Value::as_u64);
    let labels: Vec<&str> = v
        .and_then(|v| v.get("labels"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let (Some(s16), Some(e16)) = (unit("start"), unit("end")) else {
        return Err(format!("{r} needs integer value.start and value.end"));
    };
    let label = match labels.as_slice() {
        [one] => one.to_string(),
        [] => return Err(format!("{r} has no value.labels")),
        many => {
            return Err(format!(
                "span {s16}..{e16} (UTF-16) carries {} labels ({}); a span holds one",
                many.len(),
                many.join(", ")
            ))
        }
    };
    let (s16, e16) = (s16 as usize, e16 as usize);
    let conv = |u: usize| {
        offsets.to_char(u).ok_or_else(|| {
            if u > offsets.utf16_len() {
                format!(
                    "span {s16}..{e16} ({label}) is out of range: the text has {} UTF-16 code units",
                    offsets.utf16_len()
                )
            } else {
                format!("span {s16}..{e16} ({label}): UTF-16 offset {u} falls inside a surrogate pair")
            }
        })
    };
    let (start, end) = (conv(s16)?, conv(e16)?);
    if let (Some(stored), Some(actual)) = (
        v.and_then(|v| v.get("text")).and_then(Value::as_str),
        char_slice(text, start, end),
    ) {
        if stored != actual {
            return Err(format!(
                "span {start}..{end} ({label}; UTF-16 {s16}..{e16}): stored text {stored:?} differs from the document's {actual:?}"
            ));
        }
    }
    Ok(Entity::new(start, end, label))
}

/// Writes documents as a Label Studio task array (`data.id`, `data.text`) for the
/// default NER template (`from_name` "label", `to_name` "text"), offsets in
/// UTF-16 code units. Entities go under `annotations`, or, when
/// `model_version` is given, under `predictions` with each entity's `score`
/// (pre-annotations to correct) and the task's mean score.
pub fn write_label_studio<W: Write>(
    out: &mut W,
    docs: &[Document],
    model_version: Option<&str>,
) -> std::io::Result<()> {
    out.write_all(b"[")?;
    for (i, doc) in docs.iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *out, &label_studio_task(doc, model_version)?)?;
    }
    out.write_all(b"\n]\n")
}

/// One document as a Label Studio task (see [`write_label_studio`]).
pub fn label_studio_task(
    doc: &Document,
    model_version: Option<&str>,
) -> std::io::Result<serde_json::Value> {
    let offsets = Utf16Offsets::new(&doc.text);
    let mut result = Vec::new();
    for (n, e) in doc.entities.iter().enumerate() {
        let bad = || {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "document {:?}: span {}..{} ({}) is out of range",
                    doc.id, e.start, e.end, e.label
                ),
            )
        };
        let (s, t) = (
            offsets.to_utf16(e.start).ok_or_else(bad)?,
            offsets.to_utf16(e.end).ok_or_else(bad)?,
        );
        let mut r = json!({
            "id": format!("e{}", n + 1),
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "value": {
                "start": s,
                "end": t,
                "text": doc.slice(e.start, e.end).unwrap_or(""),
                "labels": [e.label],
            },
        });
        if let (Some(score), Some(_)) = (e.score, model_version) {
            r["score"] = json!(score);
        }
        result.push(r);
    }
    let mut task = json!({"data": {"id": doc.id, "text": doc.text}});
    match model_version {
        Some(version) => {
            let scores: Vec<f64> = doc
                .entities
                .iter()
                .filter_map(|e| e.score.map(f64::from))
                .collect();
            let mut p = json!({"model_version": version, "result": result});
            if !scores.is_empty() {
                p["score"] = json!(scores.iter().sum::<f64>() / scores.len() as f64);
            }
            task["predictions"] = json!([p]);
        }
        None => task["annotations"] = json!([{ "result": result }]),
    }
    Ok(task)
}

#[cfg(test)]
mod tests {
    use super::super::{Format, Rules};
    use super::*;

    fn scan(s: &str, annotator: Option<&str>) -> (Corpus, Vec<Problem>) {
        let rules = Rules::default();
        let mut sink = Sink::collecting(&rules);
        let mut corpus = Corpus::new(Path::new("t.json"), Format::LabelStudio);
        read(s, Path::new("t.json"), annotator, &mut sink, &mut corpus).unwrap();
        (corpus, sink.problems)
    }

    fn result(s: usize, e: usize, text: &str, label: &str) -> Value {
        json!({"type": "labels", "from_name": "label", "to_name": "text",
               "value": {"start": s, "end": e, "text": text, "labels": [label]}})
    }

    #[test]
    fn utf16_offsets_become_code_points() {
        let tasks = json!([{"id": 7, "data": {"text": "🇺🇦 Kyiv and 𝐀 Goma"},
            "annotations": [{"result": [result(5, 9, "Kyiv", "LOC"), result(17, 21, "Goma", "LOC"),
                {"type": "relation", "from_id": "a", "to_id": "b"},
                {"type": "choices", "value": {"choices": ["x"]}}]}],
            "predictions": [{"result": []}]}]);
        let (c, p) = scan(&tasks.to_string(), None);
        assert!(p.is_empty(), "{p:?}");
        let d = &c.documents[0];
        assert_eq!(d.id, "7");
        let got: Vec<&str> = d
            .entities
            .iter()
            .map(|e| d.slice(e.start, e.end).unwrap())
            .collect();
        assert_eq!(got, ["Kyiv", "Goma"]);
        assert_eq!((d.entities[0].start, d.entities[1].start), (3, 14));
        assert_eq!(
            c.report.to_string(),
            "t.json: 1 task read (label-studio); ignored 1 prediction, 1 relation, 1 choices result"
        );
    }

    #[test]
    fn latest_uncancelled_annotation_or_the_chosen_annotator() {
        let ann = |who: Value, at: &str, cancelled: bool, r: Value| json!({"completed_by": who, "updated_at": at, "was_cancelled": cancelled, "result": [r]});
        let tasks = json!([{"data": {"text": "Goma Kivu"}, "annotations": [
            ann(json!(1), "2024-01-02T00:00:00Z", false, result(0, 4, "Goma", "OLD")),
            ann(json!({"id": 2, "email": "b@x.org"}), "2024-01-03T00:00:00Z", false, result(0, 4, "Goma", "NEW")),
            ann(json!(3), "2024-01-09T00:00:00Z", true, result(0, 4, "Goma", "CANCELLED")),
        ]}, {"data": {"text": "x"}, "annotations": []}]);
        let s = tasks.to_string();
        let (c, _) = scan(&s, None);
        assert_eq!(c.documents.len(), 1);
        assert_eq!(c.documents[0].entities[0].label, "NEW");
        assert_eq!(c.documents[0].id, "task 1");
        assert_eq!(
            c.report.to_string(),
            "t.json: 2 tasks read (label-studio); ignored 1 cancelled annotation, 1 other annotation, 1 unannotated task"
        );
        let (c, _) = scan(&s, Some("1"));
        assert_eq!(c.documents[0].entities[0].label, "OLD");
        let (c, _) = scan(&s, Some("B@x.org"));
        assert_eq!(c.documents[0].entities[0].label, "NEW");
        let (c, _) = scan(&s, Some("3"));
        assert!(c.documents.is_empty());
        assert_eq!(c.report.ignored[&Ignored::TaskWithoutAnnotator], 1);
    }

    #[test]
    fn mismatches_and_split_pairs_are_errors() {
        let tasks = json!([{"data": {"text": "𝐀 Goma"}, "annotations": [{"result": [
            result(3, 7, "Gomz", "LOC"), result(1, 4, "x", "LOC"), result(3, 99, "x", "LOC")]}]}]);
        let (_, p) = scan(&tasks.to_string(), None);
        let m: Vec<String> = p.iter().map(|p| p.message.clone()).collect();
        assert_eq!(p[0].at, At::Task(1));
        assert!(m[0].contains("span 2..6 (LOC; UTF-16 3..7): stored text \"Gomz\" differs from the document's \"Goma\""), "{m:?}");
        assert!(m[1].contains("falls inside a surrogate pair"), "{m:?}");
        assert!(
            m[2].contains("out of range: the text has 7 UTF-16 code units"),
            "{m:?}"
        );
        let (_, p) = scan("{\"x\": 1}", None);
        assert!(p[0].message.contains("JSON array of tasks"));
    }

    #[test]
    fn writes_utf16_annotations_and_scored_predictions() {
        let mut d = Document {
            id: "d1".into(),
            text: "🇺🇦 Kyiv".into(),
            entities: vec![Entity::new(3, 7, "LOC")],
        };
        let mut out = Vec::new();
        write_label_studio(&mut out, std::slice::from_ref(&d), None).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v[0]["annotations"][0]["result"][0]["value"]["start"], 5);
        assert_eq!(v[0]["data"]["id"], "d1");
        d.entities[0].score = Some(0.5);
        let mut out = Vec::new();
        write_label_studio(&mut out, &[d], Some("m1")).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        let p = &v[0]["predictions"][0];
        assert_eq!(
            (p["model_version"].as_str(), p["score"].as_f64()),
            (Some("m1"), Some(0.5))
        );
        assert_eq!(p["result"][0]["score"], 0.5);
        assert!(v[0].get("annotations").is_none());
    }
}
