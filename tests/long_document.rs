//! A 10 MB document: tagged whole in a bounded peak RSS (under 1 GB), and with
//! the same entities as its segments ([`conflict_ner::segment`]) tagged as
//! separate documents, offsets shifted. Alone in its test binary, so that the
//! peak RSS of waited-for children is that of these runs.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use conflict_ner::corpus::write_jsonl;
use conflict_ner::segment::{segments, SEGMENT_CHARS};
use conflict_ner::Document;
use serde_json::Value;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_conflict-ner"))
}

/// `(start, end, label, score)` of the entities of a `tag` JSONL output line.
fn entities(line: &Value) -> Vec<(u64, u64, String, f64)> {
    line["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["start"].as_u64().unwrap(),
                e["end"].as_u64().unwrap(),
                e["label"].as_str().unwrap().to_string(),
                e["score"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn ten_megabyte_document_in_bounded_memory_equals_its_segments() {
    let root = std::env::temp_dir().join(format!("conflict-ner-long-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    let docs = fixture_docs();
    let model = write_tiny_model(
        &root,
        &conflict_ner::config::TrainConfig {
            lr: 5e-3,
            batch_size: 4,
            patience: 0,
            ..tiny_train_config(20)
        },
    );

    // 10 MB of fixture sentences: paragraphs of six, every 40th paragraph
    // without line breaks for a while, so that cuts of all three kinds occur.
    let mut text = String::with_capacity(10_100_000);
    let mut i = 0usize;
    while text.len() < 10_000_000 {
        for k in 0..6 {
            text.push_str(&docs[(i + k) % docs.len()].text);
            text.push(if i % 40 < 3 { ' ' } else { '\n' });
        }
        text.push_str(if i % 40 < 3 { " " } else { "\n\n" });
        i += 1;
    }
    let file = root.join("long.txt");
    std::fs::write(&file, &text).unwrap();
    let out = bin()
        .args(["tag", "--model", s(&model), "--quiet", s(&file)])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak = children_peak_rss();
    assert!(
        peak < 1 << 30,
        "peak RSS {} MiB for a 10 MB document",
        peak >> 20
    );
    let whole: Value = serde_json::from_slice(&out.stdout).unwrap();
    let whole = entities(&whole);
    assert!(whole.len() > 10_000, "only {} entities", whole.len());

    // The same text as one document per segment.
    let segs = segments(&text, SEGMENT_CHARS);
    assert!(segs.len() >= 200, "{} segments", segs.len());
    let pieces: Vec<Document> = segs
        .iter()
        .enumerate()
        .map(|(k, seg)| Document {
            id: format!("piece-{k}"),
            text: text[seg.bytes.clone()].to_string(),
            entities: Vec::new(),
        })
        .collect();
    let mut input = Vec::new();
    write_jsonl(&mut input, &pieces).unwrap();
    let mut child = bin()
        .args(["tag", "--model", s(&model), "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    let mut joined = Vec::new();
    for (line, seg) in String::from_utf8(out.stdout).unwrap().lines().zip(&segs) {
        let v: Value = serde_json::from_str(line).unwrap();
        let at = seg.char_start as u64;
        joined.extend(
            entities(&v)
                .into_iter()
                .map(|(a, b, l, p)| (a + at, b + at, l, p)),
        );
    }
    assert_eq!(joined.len(), whole.len());
    for (a, b) in whole.iter().zip(&joined) {
        assert_eq!((a.0, a.1, &a.2), (b.0, b.1, &b.2));
        assert!((a.3 - b.3).abs() < 1e-4, "{a:?} vs {b:?}");
    }
}
