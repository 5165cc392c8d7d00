//! Corpus formats end to end: every reader (through `check`, `convert`, `train`
//! and `evaluate`), every writer (`convert`), round trips, astral characters,
//! CRLF, byte-order marks, Label Studio's UTF-16 offsets and annotation choice,
//! BRAT fragments, stored-text mismatches and what is counted as ignored.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use conflict_ner::corpus::{read_corpus, write_jsonl, Format, ReadOptions};
use conflict_ner::{Document, Entity};
use serde_json::{json, Value};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_conflict-ner"))
        .args(args)
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, content).unwrap();
    p
}

fn read(p: &Path) -> Vec<Document> {
    read_corpus(p, &ReadOptions::default()).unwrap().documents
}

/// Documents with astral characters (flags, mathematical letters), CRLF, tabs,
/// quotes, commas and double spaces in their text.
fn tricky_docs() -> Vec<Document> {
    let doc = |id: &str, text: &str, spans: &[(&str, &str)]| {
        let mut entities = Vec::new();
        let mut from = 0;
        for (surface, label) in spans {
            let b = from + text[from..].find(surface).unwrap();
            let start = text[..b].chars().count();
            entities.push(Entity::new(start, start + surface.chars().count(), *label));
            from = b + surface.len();
        }
        Document {
            id: id.into(),
            text: text.into(),
            entities,
        }
    };
    vec![
        doc(
            "doc-1",
            "🇺🇦 Kyiv was shelled;\r\n𝐀 Goma, \"North Kivu\"\tand  Türkiye.",
            &[
                ("Kyiv", "LOCATION"),
                ("Goma", "LOCATION"),
                ("North Kivu", "LOCATION"),
                ("Türkiye", "LOCATION"),
            ],
        ),
        doc(
            "doc-2",
            "The 🙂 UN said 14, or 𝟏𝟒, died.\r\n",
            &[("UN", "ORGANIZATION"), ("14", "FIGURE"), ("𝟏𝟒", "FIGURE")],
        ),
        doc("doc-3", "No entities here.", &[]),
    ]
}

fn jsonl_file(dir: &Path, name: &str, docs: &[Document]) -> PathBuf {
    let p = dir.join(name);
    let mut f = std::fs::File::create(&p).unwrap();
    write_jsonl(&mut f, docs).unwrap();
    p
}

fn convert(input: &Path, to: &str, output: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["convert", s(input), "--to", to, "--output", s(output)];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn jsonl_round_trips_exactly_through_jsonl_brat_label_studio_and_doccano() {
    let dir = tempfile::tempdir().unwrap();
    let docs = tricky_docs();
    let src = jsonl_file(dir.path(), "src.jsonl", &docs);
    for (to, name, back_format) in [
        ("jsonl", "out.jsonl", None),
        ("brat", "out-brat", None),
        ("label-studio", "out.json", None),
        ("doccano", "out.doccano", Some("doccano")),
    ] {
        let out = dir.path().join(name);
        let o = convert(&src, to, &out, &[]);
        assert!(o.status.success(), "{to}: {}", stderr(&o));
        assert!(
            stdout(&o).contains("3 documents, 7 entities"),
            "{}",
            stdout(&o)
        );
        let back = dir.path().join(format!("back-{to}.jsonl"));
        let mut args = vec!["convert", s(&out), "--to", "jsonl", "--output", s(&back)];
        if let Some(f) = back_format {
            args.extend(["--format", f]);
        }
        let o = run(&args);
        assert!(o.status.success(), "{to} back: {}", stderr(&o));
        assert_eq!(read(&back), docs, "{to}");
    }
}

#[test]
fn conll_keeps_entities_but_not_whitespace_or_ids() {
    let dir = tempfile::tempdir().unwrap();
    let docs = tricky_docs();
    let src = jsonl_file(dir.path(), "src.jsonl", &docs);
    for scheme in ["IOB2", "BIOES"] {
        let out = dir.path().join(format!("out-{scheme}.conll"));
        let o = convert(&src, "conll", &out, &["--scheme", scheme]);
        assert!(o.status.success(), "{}", stderr(&o));
        let back = read(&out);
        assert_eq!(back.len(), 3);
        assert_eq!(back[2].id, format!("{}:{}", out.display(), 33));
        assert_eq!(
            back[0].text,
            "🇺🇦 Kyiv was shelled; 𝐀 Goma , \" North Kivu \" and Türkiye ."
        );
        for (a, b) in docs.iter().zip(&back) {
            assert_eq!(surfaces(a), surfaces(b));
        }
    }
    let help = stdout(&run(&["convert", "--help"]));
    assert!(
        help.contains("whitespace between tokens") && help.contains("-DOCSTART-"),
        "{help}"
    );
}

#[test]
fn csv_has_one_quoted_row_per_entity() {
    let dir = tempfile::tempdir().unwrap();
    let src = jsonl_file(dir.path(), "src.jsonl", &tricky_docs());
    let out = dir.path().join("e.csv");
    let o = convert(&src, "csv", &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,start,end,label,text");
    assert_eq!(lines.len(), 8);
    assert_eq!(lines[3], "doc-1,31,41,LOCATION,North Kivu");
    assert!(lines.contains(&"doc-2,21,23,FIGURE,𝟏𝟒"), "{lines:?}");
}

#[test]
fn scored_entities_become_label_studio_predictions() {
    let dir = tempfile::tempdir().unwrap();
    let mut docs = tricky_docs();
    for (i, e) in docs[0].entities.iter_mut().enumerate() {
        e.score = Some(0.5 + 0.1 * i as f32);
    }
    let src = jsonl_file(dir.path(), "tagged.jsonl", &docs);
    let out = dir.path().join("pre.json");
    let o = convert(&src, "label-studio", &out, &["--model-version", "m-7"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("as predictions (model_version \"m-7\")"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let p = &v[0]["predictions"][0];
    assert_eq!(p["model_version"], "m-7");
    assert!((p["score"].as_f64().unwrap() - 0.65).abs() < 1e-6);
    assert_eq!(
        p["result"][0]["value"]["start"], 5,
        "Kyiv: after the flag's 4 UTF-16 units and a space"
    );
    assert!(v[0].get("annotations").is_none());
    // Read back, predictions are counted, and unannotated tasks skipped.
    let back = dir.path().join("back.jsonl");
    let o = convert(&out, "jsonl", &back, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("3 tasks read (label-studio); ignored 3 unannotated tasks, 3 predictions"),
        "{}",
        stderr(&o)
    );
}

fn label_studio_export() -> Value {
    let r = |s: usize, e: usize, text: &str, label: &str| {
        json!({"id": "x", "type": "labels", "from_name": "label", "to_name": "text",
               "value": {"start": s, "end": e, "text": text, "labels": [label]}})
    };
    json!([
        {"id": 11, "data": {"text": "🇺🇦 Kyiv, then 𝐀 Goma."},
         "annotations": [
            {"id": 1, "completed_by": 1, "updated_at": "2024-05-01T10:00:00.000000Z", "was_cancelled": false,
             "result": [r(5, 9, "Kyiv", "LOCATION")]},
            {"id": 2, "completed_by": {"id": 2, "email": "ana@example.org"}, "updated_at": "2024-05-02T10:00:00.000000Z",
             "was_cancelled": false,
             "result": [r(5, 9, "Kyiv", "LOCATION"), r(19, 23, "Goma", "LOCATION"),
                        {"type": "relation", "from_id": "a", "to_id": "b", "direction": "right"},
                        {"type": "textarea", "value": {"text": ["note"]}, "from_name": "notes", "to_name": "text"}]},
            {"id": 3, "completed_by": 3, "updated_at": "2024-06-01T10:00:00.000000Z", "was_cancelled": true,
             "result": []}
         ]},
        {"id": 12, "data": {"text": "No one yet."}, "annotations": []}
    ])
}

#[test]
fn label_studio_offsets_annotators_and_cancelled_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let export = write(
        dir.path(),
        "export.json",
        &label_studio_export().to_string(),
    );
    let out = dir.path().join("latest.jsonl");
    let o = convert(&export, "jsonl", &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("export.json: 2 tasks read (label-studio); ignored 1 cancelled annotation, 1 other annotation, 1 unannotated task, 1 relation, 1 textarea result"), "{}", stderr(&o));
    let docs = read(&out);
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0].id, "11");
    assert_eq!(
        surfaces(&docs[0]),
        vec![
            ("Kyiv".to_string(), "LOCATION".to_string()),
            ("Goma".to_string(), "LOCATION".to_string())
        ]
    );
    assert_eq!(
        (docs[0].entities[1].start, docs[0].entities[1].end),
        (16, 20)
    );
    // --annotator by id picks the older annotation; by email the newer one.
    for (who, n) in [("1", 1), ("ana@example.org", 2)] {
        let out = dir.path().join(format!("by-{n}.jsonl"));
        let o = convert(&export, "jsonl", &out, &["--annotator", who]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(read(&out)[0].entities.len(), n, "{who}");
    }
    // The cancelled annotation's author has nothing to read.
    let out = dir.path().join("by-3.jsonl");
    let o = convert(&export, "jsonl", &out, &["--annotator", "3"]);
    assert!(
        stderr(&o).contains("1 task without an annotation by the annotator"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn stored_text_mismatches_name_file_place_and_both_strings() {
    let dir = tempfile::tempdir().unwrap();
    let mut export = label_studio_export();
    export[0]["annotations"][1]["result"][1]["value"]["text"] = json!("Gomo");
    let p = write(dir.path(), "bad.json", &export.to_string());
    let o = run(&["check", s(&p)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("bad.json: task 1: 11: result 1: span 16..20 (LOCATION; UTF-16 19..23): stored text \"Gomo\" differs from the document's \"Goma\""), "{}", stdout(&o));
    write(dir.path(), "brat/a.txt", "Goma fell.");
    let ann = write(
        dir.path(),
        "brat/a.ann",
        "T1\tLOCATION 0 4\tGoma\nT2\tLOCATION 5 9\tfall\n",
    );
    let o = run(&[
        "convert",
        s(&ann),
        "--to",
        "jsonl",
        "--output",
        s(&dir.path().join("x.jsonl")),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("a.ann:2: document \"a\": entity T2 span 5 9 (LOCATION): stored text \"fall\" differs from the document's \"fell\""), "{}", stderr(&o));
}

#[test]
fn brat_discontinuous_fragments_in_all_three_modes() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("brat");
    write(&corpus, "a.txt", "North and South Kivu\r\n");
    write(
        &corpus,
        "a.ann",
        "T1\tLOCATION 0 5;16 20\tNorth Kivu\r\nT2\tLOCATION 10 20\tSouth Kivu\r\nR1\tPart Arg1:T1 Arg2:T2\r\n#1\tAnnotatorNotes T1\tcheck\r\n",
    );
    write(&corpus, "sub/b.txt", "\u{feff}𝐀 Goma");
    write(&corpus, "sub/b.ann", "T1\tLOCATION 2 6\tGoma\n");
    let out = dir.path().join("x.jsonl");
    let o = convert(&corpus, "jsonl", &out, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("a.ann:1: document \"a\": entity T1 (LOCATION) has 2 discontinuous fragments \"0 5;16 20\": pass --brat-fragments span"), "{}", stderr(&o));
    let o = convert(&corpus, "jsonl", &out, &["--brat-fragments", "skip"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "2 documents read (brat); ignored 1 relation, 1 note, 1 discontinuous entity"
        ),
        "{}",
        stderr(&o)
    );
    let docs = read(&out);
    assert_eq!(docs[0].entities.len(), 1);
    assert_eq!(docs[1].id, "sub/b");
    assert_eq!(
        surfaces(&docs[1]),
        vec![("Goma".to_string(), "LOCATION".to_string())]
    );
    // span: one span over both fragments, which then overlaps T2 — an error that check reports.
    let o = run(&["check", "--brat-fragments", "span", s(&corpus)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("a.ann: a: span 10..20 (LOCATION) overlaps span 0..20 (LOCATION)"),
        "{}",
        stdout(&o)
    );
    write(&corpus, "a.ann", "T1\tLOCATION 0 5;16 20\tNorth Kivu\n");
    let o = convert(
        &corpus,
        "jsonl",
        &dir.path().join("y.jsonl"),
        &["--brat-fragments", "span"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        read(&dir.path().join("y.jsonl"))[0].entities[0],
        Entity::new(0, 20, "LOCATION")
    );
}

#[test]
fn prodigy_answers_and_doccano_shapes_are_read_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "prodigy.jsonl",
        concat!(
            "{\"text\":\"M23 took Goma\",\"spans\":[{\"start\":9,\"end\":13,\"label\":\"LOCATION\",\"token_start\":2,\"token_end\":2}],\"_task_hash\":1,\"answer\":\"accept\"}\n",
            "{\"text\":\"Bad\",\"spans\":[],\"answer\":\"reject\"}\n",
            "{\"text\":\"Skip\",\"answer\":\"ignore\"}\n",
            "{\"text\":\"Bad 2\",\"answer\":\"reject\"}\n",
        ),
    );
    let o = run(&["check", s(&p)]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stderr(&o).contains(
            "prodigy.jsonl: 4 documents read (jsonl); ignored 2 rejected answers, 1 ignored answer"
        ),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("prodigy.jsonl"), "{}", stdout(&o));
    let o = run(&["check", "--quiet", s(&p)]);
    assert!(stderr(&o).is_empty(), "--quiet: {}", stderr(&o));
}

#[test]
fn doccano_in_both_shapes_trains_and_evaluates() {
    let dir = tempfile::tempdir().unwrap();
    let docs = fixture_docs();
    let base = dir.path().join("base");
    write_tiny_base(&base, &texts(&docs), 0.0, 1);
    let labels_shape: String = docs
        .iter()
        .map(|d| {
            let l: Vec<Value> = d
                .entities
                .iter()
                .map(|e| json!([e.start, e.end, e.label]))
                .collect();
            format!("{}\n", json!({"id": d.id, "text": d.text, "labels": l}))
        })
        .collect();
    let offsets_shape: String = docs
        .iter()
        .map(|d| {
            let l: Vec<Value> = d
                .entities
                .iter()
                .enumerate()
                .map(|(i, e)| json!({"id": i, "start_offset": e.start, "end_offset": e.end, "label": e.label}))
                .collect();
            format!("{}\n", json!({"id": d.id, "text": d.text, "entities": l, "relations": [{"id": 1, "from_id": 0, "to_id": 1, "type": "in"}]}))
        })
        .collect();
    let train = write(dir.path(), "train.jsonl", &labels_shape);
    let dev = write(dir.path(), "dev.jsonl", &offsets_shape);
    assert_eq!(read(&train), docs);
    assert_eq!(read(&dev), docs);
    let model = dir.path().join("model");
    let o = run(&[
        "train",
        "--train",
        s(&train),
        "--dev",
        s(&dev),
        "--base",
        s(&base),
        "--output",
        s(&model),
        "--epochs",
        "1",
        "--max-len",
        "32",
        "--window-overlap",
        "8",
        "--batch-size",
        "4",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("train.jsonl: 8 documents read (jsonl)"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("dev.jsonl: 8 documents read (jsonl); ignored 8 relations"),
        "{}",
        stderr(&o)
    );
    let o = run(&[
        "evaluate",
        "--model",
        s(&model),
        "--data",
        s(&dev),
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let n: usize = docs.iter().map(|d| d.entities.len()).sum();
    assert_eq!(v["micro"]["support"], n);
    assert!(stderr(&o).contains("ignored 8 relations"), "{}", stderr(&o));
}

#[test]
fn byte_order_marks_and_crlf_in_every_reader() {
    let dir = tempfile::tempdir().unwrap();
    let want = |text: &str| Document {
        id: "a".into(),
        text: text.into(),
        entities: vec![Entity::new(2, 6, "LOC")],
    };
    let bom = "\u{feff}";
    let jsonl = write(
        dir.path(),
        "a.jsonl",
        &format!(
            "{bom}{}\r\n\r\n",
            json!({"id": "a", "text": "𝐀 Goma\r\nx", "entities": [{"start": 2, "end": 6, "label": "LOC"}]})
        ),
    );
    assert_eq!(read(&jsonl), vec![want("𝐀 Goma\r\nx")]);
    let ls = json!([{"data": {"id": "a", "text": "𝐀 Goma\r\nx"}, "annotations": [{"result": [
        {"type": "labels", "value": {"start": 3, "end": 7, "text": "Goma", "labels": ["LOC"]}}]}]}]);
    let ls = write(
        dir.path(),
        "a.json",
        &format!(
            "{bom}{}\r\n",
            serde_json::to_string_pretty(&ls)
                .unwrap()
                .replace('\n', "\r\n")
        ),
    );
    assert_eq!(read(&ls), vec![want("𝐀 Goma\r\nx")]);
    write(dir.path(), "brat/a.txt", &format!("{bom}𝐀 Goma\r\nx"));
    let ann = write(
        dir.path(),
        "brat/a.ann",
        &format!("{bom}T1\tLOC 2 6\tGoma\r\n"),
    );
    assert_eq!(read(&ann), vec![want("𝐀 Goma\r\nx")]);
    let conll = write(
        dir.path(),
        "a.conll",
        &format!("{bom}𝐀 O\r\nGoma B-LOC\r\n\r\n"),
    );
    let got = read(&conll);
    assert_eq!(got[0].text, "𝐀 Goma");
    assert_eq!(got[0].entities, vec![Entity::new(2, 6, "LOC")]);
    let conllu = write(dir.path(), "a.conllu", &format!("{bom}# sent_id = 1\r\n1\t𝐀\t_\t_\t_\t_\t_\t_\t_\tO\r\n2\tGoma\t_\t_\t_\t_\t_\t_\t_\tB-LOC\r\n"));
    let opts = ReadOptions {
        tag_column: Some(10),
        ..Default::default()
    };
    assert_eq!(
        read_corpus(&conllu, &opts).unwrap().documents[0].entities,
        vec![Entity::new(2, 6, "LOC")]
    );
}

#[test]
fn formats_come_from_the_extension_table_or_format() {
    let dir = tempfile::tempdir().unwrap();
    let txt = write(dir.path(), "corpus.txt", "Goma B-LOC\nfell O\n");
    let o = run(&["check", s(&txt)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("corpus.txt: a .txt file is not a corpus format")
            && stderr(&o).contains("--format conll"),
        "{}",
        stderr(&o)
    );
    let o = run(&["check", "--format", "conll", s(&txt)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("corpus.txt: 1 sentence read (conll)"),
        "{}",
        stderr(&o)
    );
    let xml = write(dir.path(), "corpus.xml", "");
    let o = run(&["check", s(&xml)]);
    assert!(
        stderr(&o).contains(".conll/.iob/.bio/.bioes/.tsv/.conllu → conll")
            && stderr(&o).contains("label-studio"),
        "{}",
        stderr(&o)
    );
    let conllu = write(dir.path(), "c.conllu", "1\tGoma\t_\tB-LOC\n");
    let o = run(&["check", s(&conllu)]);
    assert!(stderr(&o).contains("--tag-column"), "{}", stderr(&o));
    let o = run(&["check", "--tag-column", "4", s(&conllu)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["check", "--format", "json", s(&conllu)]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "json is ambiguous: {}",
        stderr(&o)
    );
    let json = write(
        dir.path(),
        "lines.json",
        "{\"id\":\"a\",\"text\":\"Goma\"}\n",
    );
    assert_eq!(
        read_corpus(&json, &ReadOptions::default())
            .unwrap()
            .report
            .format,
        Format::Jsonl
    );
}

#[test]
fn check_reports_every_problem_of_a_conll_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "bad.conll",
        "Goma B-LOC\nfell X-VERB\n\nalone\n\nKivu I-LOC\n(Goma) B-LOC\nthen B-CITY\n",
    );
    let o = run(&["check", "--scheme", "IOB2", "--labels", "LOC", s(&p)]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    for needle in [
        "bad.conll:2: tag \"X-VERB\"",
        "bad.conll:4: \"alone\" has one column",
        "bad.conll:6: tag I-LOC does not continue an entity",
        "bad.conll:6: span 5..11 (LOC) \"(Goma)\" starts or ends on whitespace or punctuation",
        "label \"CITY\" is not in the declared set (LOC)",
        "5 error(s)",
    ] {
        assert!(out.contains(needle), "no {needle:?} in {out}");
    }
}

#[test]
fn convert_never_replaces_without_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let src = jsonl_file(dir.path(), "src.jsonl", &tricky_docs());
    let out = write(dir.path(), "out.jsonl", "keep me");
    let o = convert(&src, "jsonl", &out, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("exists; pass --overwrite"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
    let o = convert(&src, "jsonl", &out, &["--overwrite"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read(&out).len(), 3);
    let o = convert(&src, "jsonl", &src, &["--overwrite"]);
    assert!(stderr(&o).contains("is an input"), "{}", stderr(&o));
    // A brat folder is replaced only when it holds nothing but a brat corpus.
    let brat = dir.path().join("brat");
    assert!(convert(&src, "brat", &brat, &[]).status.success());
    let o = convert(&src, "brat", &brat, &[]);
    assert!(
        stderr(&o).contains("exists; pass --overwrite"),
        "{}",
        stderr(&o)
    );
    assert!(convert(&src, "brat", &brat, &["--overwrite"])
        .status
        .success());
    write(&brat, "notes.md", "mine");
    let o = convert(&src, "brat", &brat, &["--overwrite"]);
    assert!(
        stderr(&o).contains("which is not a brat file"),
        "{}",
        stderr(&o)
    );
    assert!(brat.join("notes.md").is_file());
    let o = convert(&src, "jsonl", &brat, &["--overwrite"]);
    assert!(stderr(&o).contains("is a folder"), "{}", stderr(&o));
    // Ids must be unique across inputs.
    let o = run(&[
        "convert",
        s(&src),
        s(&out),
        "--to",
        "csv",
        "--output",
        s(&dir.path().join("d.csv")),
    ]);
    assert!(stderr(&o).contains("duplicate id"), "{}", stderr(&o));
}
