//! `tag` as a streaming stage: output per group as input arrives, malformed
//! lines, byte-order marks, closed pipes, symlink loops and FIGURE values.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::*;
use conflict_ner::corpus::write_jsonl;
use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_conflict-ner"))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A model trained briefly on the fixture (its predictions need not be good).
fn model() -> &'static PathBuf {
    static M: OnceLock<PathBuf> = OnceLock::new();
    M.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("conflict-ner-tag-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let docs = fixture_docs();
        let base = root.join("base");
        write_tiny_base(&base, &texts(&docs), 0.0, 1);
        let train = root.join("train.jsonl");
        write_jsonl(&mut std::fs::File::create(&train).unwrap(), &docs).unwrap();
        let model = root.join("model");
        let out = bin()
            .args([
                "train",
                "--train",
                s(&train),
                "--base",
                s(&base),
                "--output",
                s(&model),
            ])
            .args([
                "--epochs",
                "30",
                "--lr",
                "5e-3",
                "--max-len",
                "32",
                "--window-overlap",
                "8",
            ])
            .args(["--batch-size", "4", "--patience", "0", "--quiet"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        model
    })
}

fn tag(args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = bin()
        .args(["tag", "--model", s(model()), "--quiet"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A run that fails on its arguments exits before reading stdin: a closed pipe
    // here is that run's outcome, which the caller checks, not a test failure.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn lines(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_line_fed_into_an_open_pipe_comes_out_before_the_input_ends() {
    let mut child = bin()
        .args(["tag", "--model", s(model()), "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    for id in ["first", "second"] {
        writeln!(stdin, r#"{{"id":"{id}","text":"M23 rebels seized Goma."}}"#).unwrap();
        stdin.flush().unwrap();
        let t0 = Instant::now();
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["id"], id);
        assert!(t0.elapsed() < Duration::from_secs(30));
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

#[test]
fn order_is_kept_and_a_malformed_line_fails_after_what_came_before() {
    let input = b"\xef\xbb\xbf{\"id\":\"a\",\"text\":\"Goma fell.\"}\r\n{\"id\":\"b\",\"text\":\"Kharkiv\"}\n{oops\n{\"id\":\"d\",\"text\":\"Idlib\"}\n";
    let out = tag(&[], input);
    assert_eq!(out.status.code(), Some(1));
    let ids: Vec<Value> = lines(&out).iter().map(|v| v["id"].clone()).collect();
    assert_eq!(
        ids,
        ["a", "b"],
        "a BOM and CRLF are read; earlier results are kept"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("<stdin>:3: invalid JSON"), "{err}");

    let out = tag(&["--on-error", "skip"], input);
    assert!(out.status.success());
    let got = lines(&out);
    assert_eq!(got.len(), 4);
    assert_eq!(got[2]["line"], "<stdin>:3");
    assert!(got[2]["error"].as_str().unwrap().contains("invalid JSON"));
    assert_eq!(got[3]["id"], "d");
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped 1 malformed"));

    let out = tag(&["--on-error", "skip-quiet"], input);
    assert_eq!(lines(&out).len(), 3);
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped <stdin>:3"));

    // Text is never guessed: plain text on stdin is an error unless asked for.
    let out = tag(&[], b"Goma fell.\n");
    assert_eq!(out.status.code(), Some(1));
    let out = tag(&["--input-format", "text"], b"Goma fell.\n");
    assert_eq!(lines(&out)[0]["id"], "-");
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let input: String = (0..2000)
        .map(|i| format!("{{\"id\":\"{i}\",\"text\":\"Goma fell after three days.\"}}\n"))
        .collect();
    let mut child = bin()
        .args(["tag", "--model", s(model()), "--quiet", "--batch-size", "4"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    // The reading end is dropped here: the next write gets EPIPE.
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(first.contains("\"id\":\"0\""));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn folders_are_walked_once_through_symlink_loops() {
    let root = model().parent().unwrap().join("walk");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("sub/a.txt"), "Goma fell.").unwrap();
    let link = root.join("sub/loop");
    if !link.exists() {
        std::os::unix::fs::symlink(&root, &link).unwrap();
    }
    let out = tag(&[s(&root)], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lines(&out).len(), 1);
}

#[test]
fn figure_entities_carry_values_and_min_score_filters() {
    let text = "Rebels killed at least 14 people and about 3,000 fled.";
    let input = format!("{{\"id\":\"f\",\"text\":\"{text}\"}}\n");
    let all = tag(&[], input.as_bytes());
    let doc = &lines(&all)[0];
    for e in doc["entities"].as_array().unwrap() {
        assert_eq!(e.get("value").is_some(), e["label"] == "FIGURE", "{e}");
        if e["text"] == "at least 14" {
            assert_eq!(e["value"]["low"], 14);
            assert!(e["value"]["high"].is_null());
        }
    }
    let none = tag(&["--min-score", "1"], input.as_bytes());
    let kept = lines(&none)[0]["entities"].as_array().unwrap().len();
    assert!(kept <= doc["entities"].as_array().unwrap().len());
    assert!(lines(&none)[0]["entities"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["score"].as_f64().unwrap() >= 1.0));
    let bad = tag(&["--min-score", "2"], input.as_bytes());
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn the_cpu_cap_and_the_precision_choice_are_reported() {
    let run = |env: &str, args: &[&str]| {
        bin()
            .env("CONFLICT_NER_CPU", env)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let m = s(model());
    let out = run("sse9", &["tag", "--model", m, "-"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CONFLICT_NER_CPU=\"sse9\""));

    let out = run(
        "baseline",
        &["tag", "--model", m, "--precision", "int8", "-"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("int8 needs a CPU with AVX2"), "{err}");
    let out = run(
        "baseline",
        &["tag", "--model", m, "--precision", "bf16", "-"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("AVX-512 BF16"));

    let out = run("baseline", &["tag", "--model", m, "-"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.lines()
            .filter(|l| l.starts_with("precision: auto chose fp32"))
            .count(),
        1,
        "{err}"
    );
    let quiet = run("baseline", &["tag", "--model", m, "--quiet", "-"]);
    assert!(quiet.stderr.is_empty());

    let data = model().parent().unwrap().join("train.jsonl");
    let out = run(
        "baseline",
        &[
            "evaluate",
            "--model",
            m,
            "--data",
            s(&data),
            "--json",
            "--quiet",
        ],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["precision"], "fp32");
    assert!(v["micro"]["f1"].is_number());
}

#[test]
fn evaluate_refuses_an_empty_corpus_and_names_unknown_gold_labels() {
    let root = model().parent().unwrap();
    let m = s(model());
    let empty = root.join("empty.jsonl");
    std::fs::write(&empty, "\n").unwrap();
    let out = bin()
        .args(["evaluate", "--model", m, "--data", s(&empty), "--quiet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty.jsonl: no documents"));

    let conll = root.join("loc.jsonl");
    std::fs::write(
        &conll,
        "{\"id\":\"a\",\"text\":\"Goma fell.\",\"entities\":[{\"start\":0,\"end\":4,\"label\":\"LOC\"}]}\n",
    )
    .unwrap();
    let eval = |extra: &[&str]| {
        bin()
            .args([
                "evaluate",
                "--model",
                m,
                "--data",
                s(&conll),
                "--quiet",
                "--json",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = eval(&[]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("does not know") && err.contains("LOC (1)") && err.contains("--map"),
        "{err}"
    );
    let out = eval(&["--map", "LOC=LOCATION"]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["labels"]["LOCATION"]["support"], 1);
    assert_eq!(eval(&["--map", "LOC"]).status.code(), Some(2));
}

/// The fixture's texts plus an astral-character and a markup-laden document,
/// as JSONL input for `tag`.
fn format_input() -> String {
    let mut texts = texts(&fixture_docs());
    texts.push("🇺🇦 UNHCR said 1.2 million people fled Darfur; 𝐀 <script>alert(1)</script>".into());
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| serde_json::json!({"id": format!("d{i}"), "text": t}).to_string() + "\n")
        .collect()
}

/// (id, start, end, label, text) of every entity in JSONL `tag` output.
fn jsonl_entities(out: &std::process::Output) -> Vec<(String, usize, usize, String, String)> {
    let mut v = Vec::new();
    for d in lines(out) {
        for e in d["entities"].as_array().unwrap() {
            v.push((
                d["id"].as_str().unwrap().to_string(),
                e["start"].as_u64().unwrap() as usize,
                e["end"].as_u64().unwrap() as usize,
                e["label"].as_str().unwrap().to_string(),
                e["text"].as_str().unwrap().to_string(),
            ));
        }
    }
    v
}

#[test]
fn every_output_format_carries_the_same_entities() {
    let input = format_input();
    let base = tag(&[], input.as_bytes());
    assert!(
        base.status.success(),
        "{}",
        String::from_utf8_lossy(&base.stderr)
    );
    let want = jsonl_entities(&base);
    assert!(want.len() >= 5, "the test model finds entities: {want:?}");
    let texts: std::collections::HashMap<String, String> = lines(&base)
        .iter()
        .map(|d| {
            (
                d["id"].as_str().unwrap().into(),
                d["text"].as_str().unwrap().into(),
            )
        })
        .collect();

    // csv: one row per entity, FIGURE value columns from the JSONL value.
    let csv_out = tag(&["--format", "csv"], input.as_bytes());
    assert!(csv_out.status.success());
    let mut r = csv::Reader::from_reader(&csv_out.stdout[..]);
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["id", "start", "end", "label", "text", "score", "low", "high", "unit", "approx"]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let got: Vec<_> = rows
        .iter()
        .map(|x| {
            (
                x[0].to_string(),
                x[1].parse().unwrap(),
                x[2].parse().unwrap(),
                x[3].to_string(),
                x[4].to_string(),
            )
        })
        .collect();
    assert_eq!(got, want);
    let values: Vec<(String, String)> = lines(&base)
        .iter()
        .flat_map(|d| d["entities"].as_array().unwrap().clone())
        .map(|e| match e.get("value") {
            Some(v) if !v.is_null() => (
                v["low"].to_string().replace("null", ""),
                v["approx"].to_string(),
            ),
            _ => (String::new(), String::new()),
        })
        .collect();
    let csv_values: Vec<(String, String)> = rows
        .iter()
        .map(|x| (x[6].to_string(), x[9].to_string()))
        .collect();
    assert_eq!(csv_values, values);

    // brat: a folder read back with exact offsets.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("brat");
    let b = tag(
        &["--format", "brat", "--output", s(&folder)],
        input.as_bytes(),
    );
    assert!(b.status.success(), "{}", String::from_utf8_lossy(&b.stderr));
    let opts = conflict_ner::corpus::ReadOptions::default();
    let back = conflict_ner::corpus::read_documents(&folder, &opts).unwrap();
    let mut got: Vec<_> = back
        .iter()
        .flat_map(|d| {
            d.entities.iter().map(|e| {
                let id = d.id.rsplit('/').next().unwrap().to_string();
                (
                    id,
                    e.start,
                    e.end,
                    e.label.clone(),
                    d.slice(e.start, e.end).unwrap().to_string(),
                )
            })
        })
        .collect();
    got.sort();
    let mut sorted = want.clone();
    sorted.sort();
    assert_eq!(got, sorted);
    let again = tag(
        &["--format", "brat", "--output", s(&folder)],
        input.as_bytes(),
    );
    assert_eq!(
        again.status.code(),
        Some(1),
        "a non-empty folder needs --overwrite"
    );
    let no_dir = tag(&["--format", "brat"], input.as_bytes());
    assert!(String::from_utf8_lossy(&no_dir.stderr).contains("--output DIR"));

    // label-studio: predictions with UTF-16 offsets and scores.
    let ls = tag(&["--format", "label-studio"], input.as_bytes());
    let tasks: Value = serde_json::from_slice(&ls.stdout).unwrap();
    let mut got = Vec::new();
    for t in tasks.as_array().unwrap() {
        let id = t["data"]["id"].as_str().unwrap().to_string();
        let text = &texts[&id];
        let cp = |u16_off: u64| {
            let mut n = 0u64;
            text.chars()
                .take_while(|c| {
                    let ok = n < u16_off;
                    n += c.len_utf16() as u64;
                    ok
                })
                .count()
        };
        let p = &t["predictions"][0];
        assert!(p["model_version"].is_string());
        for r in p["result"].as_array().unwrap() {
            assert!(r["score"].as_f64().is_some());
            let v = &r["value"];
            got.push((
                id.clone(),
                cp(v["start"].as_u64().unwrap()),
                cp(v["end"].as_u64().unwrap()),
                v["labels"][0].as_str().unwrap().to_string(),
                v["text"].as_str().unwrap().to_string(),
            ));
        }
    }
    assert_eq!(got, want);

    // conll: every entity's words tagged B-/I- in order.
    let c = tag(&["--format", "conll"], input.as_bytes());
    let conll = String::from_utf8(c.stdout).unwrap();
    assert_eq!(conll.matches("-DOCSTART-").count(), texts.len());
    let begins = conll
        .lines()
        .filter(|l| l.split(' ').nth(1).is_some_and(|t| t.starts_with("B-")))
        .count();
    assert_eq!(begins, want.len());

    // html: one page, every entity marked, the script escaped.
    let h = tag(&["--format", "html"], input.as_bytes());
    let page = String::from_utf8(h.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("<mark ").count(), want.len());
    assert!(!page.contains("<script>") && page.contains("&lt;script&gt;"));

    // --output never replaces a file without --overwrite.
    let f = dir.path().join("out.csv");
    std::fs::write(&f, "keep").unwrap();
    let refused = tag(&["--format", "csv", "--output", s(&f)], input.as_bytes());
    assert_eq!(refused.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), "keep");
    let replaced = tag(
        &["--format", "csv", "--output", s(&f), "--overwrite"],
        input.as_bytes(),
    );
    assert!(replaced.status.success());
    assert_eq!(std::fs::read(&f).unwrap(), csv_out.stdout);
    // Error objects are JSONL only.
    let skip = tag(&["--format", "csv", "--on-error", "skip"], input.as_bytes());
    assert_eq!(skip.status.code(), Some(1));
}

#[test]
fn evaluate_errors_account_for_every_strict_miss_and_false_alarm() {
    let dir = tempfile::tempdir().unwrap();
    let mut docs = fixture_docs();
    let mut extra = docs_from(
        &["[Goma](LOCATION) <script>alert(1)</script> \"><img onerror=alert(1)> [UNHCR](ORGANIZATION) said [14](FIGURE) fled."],
        "x",
    );
    docs.append(&mut extra);
    // Perturb gold so that every mistake kind can occur.
    docs[0].entities[0].label = "PERSON".into();
    docs[1].entities[0].end -= 1;
    let gold = dir.path().join("gold.jsonl");
    write_jsonl(&mut std::fs::File::create(&gold).unwrap(), &docs).unwrap();
    let (errors, html) = (dir.path().join("e.jsonl"), dir.path().join("e.html"));
    let evaluate = |extra: &[&str]| {
        bin()
            .args([
                "evaluate",
                "--model",
                s(model()),
                "--data",
                s(&gold),
                "--quiet",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = evaluate(&["--json", "--errors", s(&errors), "--html", s(&html)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pred = lines(&tag(&[s(&gold)], b""));
    let key = |id: &str, e: &Value| {
        (
            id.to_string(),
            e["start"].as_u64().unwrap(),
            e["end"].as_u64().unwrap(),
            e["label"].as_str().unwrap().to_string(),
        )
    };
    let p: std::collections::HashSet<_> = pred
        .iter()
        .flat_map(|d| {
            let id = d["id"].as_str().unwrap().to_string();
            d["entities"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |e| key(&id, e))
                .collect::<Vec<_>>()
        })
        .collect();
    let g: std::collections::HashSet<_> = docs
        .iter()
        .flat_map(|d| {
            d.entities
                .iter()
                .map(|e| (d.id.clone(), e.start as u64, e.end as u64, e.label.clone()))
        })
        .collect();
    let tp = g.intersection(&p).count();
    let (fn_, fp) = (g.len() - tp, p.len() - tp);
    let lines_: Vec<Value> = std::fs::read_to_string(&errors)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let n = |k: &str| lines_.iter().filter(|l| l["kind"] == k).count();
    let wrong = n("wrong_label") + n("wrong_span") + n("wrong_both");
    assert_eq!(n("missed") + wrong, fn_, "{lines_:?}");
    assert_eq!(n("spurious") + wrong, fp, "{lines_:?}");
    assert!(fn_ + fp > 0, "the perturbed gold gives mistakes");
    for k in [
        "missed",
        "spurious",
        "wrong_label",
        "wrong_span",
        "wrong_both",
    ] {
        assert_eq!(
            report["mistakes"][k].as_u64().unwrap() as usize,
            n(k),
            "{k}"
        );
    }
    // Each entity in at most one mistake, and the context holds the span's text.
    let mut seen = std::collections::HashSet::new();
    for l in &lines_ {
        let id = l["id"].as_str().unwrap();
        for side in ["gold", "pred"] {
            if !l[side].is_null() {
                assert!(seen.insert((side, key(id, &l[side]))), "{l}");
                assert!(l["context"]
                    .as_str()
                    .unwrap()
                    .contains(l[side]["text"].as_str().unwrap()));
            }
        }
    }
    // Overlap matching never scores below strict; the confusion table's row sums are the gold counts.
    assert!(report["overlap_micro"]["f1"].as_f64() >= report["micro"]["f1"].as_f64());
    let rows: u64 = report["confusion"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| *k != "none")
        .flat_map(|(_, r)| r.as_object().unwrap().values().map(|v| v.as_u64().unwrap()))
        .sum();
    assert_eq!(rows as usize, g.len());
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("<script>") && !page.contains("<img"),
        "escaped"
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    // The existing files are kept without --overwrite.
    let again = evaluate(&["--errors", s(&errors)]);
    assert_eq!(again.status.code(), Some(1));
}

#[test]
fn output_does_not_depend_on_the_grouping_of_documents() {
    // Documents of many lengths, so that batches pad them differently.
    let mut docs = fixture_docs();
    let long = docs
        .iter()
        .map(|d| d.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    for (i, n) in [3usize, 17, 40, 95].into_iter().enumerate() {
        let text: String = long.split(' ').take(n).collect::<Vec<_>>().join(" ");
        docs.push(conflict_ner::Document {
            id: format!("cut-{i}"),
            text,
            entities: Vec::new(),
        });
    }
    let mut input = Vec::new();
    write_jsonl(&mut input, &docs).unwrap();
    let mut precisions = vec!["fp32"];
    if conflict_ner::model::int8::available() {
        precisions.push("int8"); // quantisation turns the smallest difference into a visible one
    }
    for p in precisions {
        let one = tag(&["--precision", p, "--batch-size", "1"], &input);
        let all = tag(&["--precision", p, "--batch-size", "32"], &input);
        let three = tag(&["--precision", p, "--batch-size", "3"], &input);
        assert!(
            one.status.success(),
            "{}",
            String::from_utf8_lossy(&one.stderr)
        );
        let want = lines(&one);
        assert_eq!(want.len(), docs.len());
        for (other, bs) in [(&all, 32), (&three, 3)] {
            let got = lines(other);
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                let spans = |v: &Value| -> Vec<(Value, Value, Value)> {
                    v["entities"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|e| (e["start"].clone(), e["end"].clone(), e["label"].clone()))
                        .collect()
                };
                assert_eq!(spans(g), spans(w), "{p}, batch size {bs}: {}", w["id"]);
                for (a, b) in g["entities"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .zip(w["entities"].as_array().unwrap())
                {
                    let (a, b) = (a["score"].as_f64().unwrap(), b["score"].as_f64().unwrap());
                    // Float rounding only (before attention ignored padding, int8
                    // turned it into differences of 5e-3).
                    assert!(
                        (a - b).abs() < 1e-5,
                        "{p}, batch size {bs}: score {a} vs {b}"
                    );
                }
            }
        }
    }
}
