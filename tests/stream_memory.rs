//! A JSONL stream on stdin is tagged in memory that does not grow with it: the
//! peak RSS of `tag` on 24 MB of documents is within 32 MiB of its peak on 1 MB.
//! Alone in its test binary, so that the peak RSS of waited-for children is
//! that of these runs (the model is trained in this process).

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;
use conflict_ner::corpus::write_jsonl;
use conflict_ner::Document;

fn stream(model: &std::path::Path, docs: &[Document], bytes: usize) -> usize {
    let mut child = Command::new(env!("CARGO_BIN_EXE_conflict-ner"))
        .args(["tag", "--model", model.to_str().unwrap(), "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let docs = docs.to_vec();
    let writer = std::thread::spawn(move || {
        let (mut sent, mut i) = (0, 0);
        while sent < bytes {
            let mut d = docs[i % docs.len()].clone();
            d.id = format!("doc-{i}");
            let mut line = Vec::new();
            write_jsonl(&mut line, std::slice::from_ref(&d)).unwrap();
            stdin.write_all(&line).unwrap();
            sent += line.len();
            i += 1;
        }
        i
    });
    let out = child.wait_with_output().unwrap();
    let sent = writer.join().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout.iter().filter(|&&b| b == b'\n').count(), sent);
    sent
}

#[test]
fn memory_does_not_grow_with_the_stream() {
    let dir = tempfile::tempdir().unwrap();
    let docs = fixture_docs();
    let model = write_tiny_model(dir.path(), &tiny_train_config(2));

    stream(&model, &docs, 1 << 20);
    let small = children_peak_rss();
    let n = stream(&model, &docs, 24 << 20);
    let large = children_peak_rss();
    assert!(n > 50_000, "{n} documents");
    assert!(
        large < small + (32 << 20),
        "peak RSS {} MiB on 24 MB against {} MiB on 1 MB",
        large >> 20,
        small >> 20
    );
}
