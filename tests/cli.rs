//! End to end through the binary, the way a user runs it: train → tag → evaluate,
//! output shapes and offsets, exit codes and error messages.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use common::*;
use conflict_ner::corpus::write_jsonl;
use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_conflict-ner"))
}

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

struct Setup {
    root: PathBuf,
    base: PathBuf,
    model: PathBuf,
    train_out: String,
}

fn setup() -> &'static Setup {
    static S: OnceLock<Setup> = OnceLock::new();
    S.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("conflict-ner-cli-{}", std::process::id()));
        std::fs::create_dir_all(&root).unwrap();
        let docs = fixture_docs();
        let base = root.join("base");
        write_tiny_base(&base, &texts(&docs), 0.0, 1);
        let mut f = std::fs::File::create(root.join("train.jsonl")).unwrap();
        write_jsonl(&mut f, &docs).unwrap();
        let mut f = std::fs::File::create(root.join("dev.jsonl")).unwrap();
        write_jsonl(&mut f, &docs[..4]).unwrap();
        let model = root.join("model");
        let out = run(
            &[
                "train",
                "--train",
                s(&root.join("train.jsonl")),
                "--dev",
                s(&root.join("dev.jsonl")),
                "--base",
                s(&base),
                "--output",
                s(&model),
                "--epochs",
                "40",
                "--lr",
                "5e-3",
                "--max-len",
                "32",
                "--window-overlap",
                "8",
                "--batch-size",
                "4",
                "--seed",
                "3",
                "--patience",
                "0",
                "--quiet",
            ],
            None,
        );
        assert!(
            out.status.success(),
            "train failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Setup {
            root,
            base,
            model,
            train_out: String::from_utf8(out.stdout).unwrap(),
        }
    })
}

#[test]
fn train_writes_the_documented_model_folder() {
    let st = setup();
    for f in [
        "config.json",
        "tokenizer.json",
        "labels.json",
        "model.safetensors",
        "training-config.json",
        "training-report.json",
        "training-curve.svg",
    ] {
        assert!(st.model.join(f).is_file(), "{f} missing");
    }
    let svg = std::fs::read_to_string(st.model.join("training-curve.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("dev micro F1") && svg.contains("kept: step"));
    assert!(st.train_out.contains("micro avg"), "{}", st.train_out);
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(st.model.join("training-report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["seed"], 3);
    assert_eq!(report["data"][0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(report["evaluations"].as_array().unwrap().len(), 40);
    assert!(report["evaluations"][0]["dev"]["micro"]["f1"].is_number());
    assert!(report["wall_time_s"].as_f64().unwrap() > 0.0);
    let cfg: Value = serde_json::from_str(
        &std::fs::read_to_string(st.model.join("training-config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(cfg["max_len"], 32);
    assert_eq!(cfg["epochs"], 40);
    let hf: Value =
        serde_json::from_str(&std::fs::read_to_string(st.model.join("config.json")).unwrap())
            .unwrap();
    assert_eq!(hf["id2label"]["0"], "O");
    // No temporary folder is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&st.root)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());
}

fn check_output_line(line: &str) -> Value {
    let v: Value = serde_json::from_str(line).unwrap();
    let text = v["text"].as_str().unwrap();
    let chars: Vec<char> = text.chars().collect();
    for e in v["entities"].as_array().unwrap() {
        let (a, b) = (
            e["start"].as_u64().unwrap() as usize,
            e["end"].as_u64().unwrap() as usize,
        );
        assert!(a < b && b <= chars.len());
        assert_eq!(
            chars[a..b].iter().collect::<String>(),
            e["text"].as_str().unwrap()
        );
        let score = e["score"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&score));
        assert!(e["label"].is_string());
    }
    v
}

#[test]
fn tag_reads_files_folders_and_stdin_in_order() {
    let st = setup();
    let dir = st.root.join("articles");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(
        dir.join("a.txt"),
        "Ukrainian forces shot down 12 drones over Kharkiv.",
    )
    .unwrap();
    std::fs::write(
        dir.join("sub/b.txt"),
        "Türkiye closed the border after clashes in Idlib.\r\n",
    )
    .unwrap();
    std::fs::write(dir.join("ignored.csv"), "x").unwrap();
    std::fs::write(
        st.root.join("batch.jsonl"),
        "{\"id\":\"j1\",\"text\":\"M23 rebels seized Goma.\"}\n{\"id\":\"j2\",\"text\":\"\"}\n",
    )
    .unwrap();
    let stdin = "{\"id\":\"s1\",\"text\":\"RSF fighters shelled El Fasher.\"}\n";
    let out = run(
        &[
            "tag",
            "--model",
            s(&st.model),
            s(&st.root.join("batch.jsonl")),
            s(&dir),
            "-",
            "--quiet",
        ],
        Some(stdin),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(check_output_line)
        .collect();
    let ids: Vec<&str> = lines.iter().map(|v| v["id"].as_str().unwrap()).collect();
    let a = dir.join("a.txt");
    let b = dir.join("sub/b.txt");
    assert_eq!(ids, vec!["j1", "j2", s(&a), s(&b), "s1"]);
    let kharkiv = &lines[2]["entities"];
    assert!(
        kharkiv
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["text"] == "Kharkiv" && e["label"] == "LOCATION"),
        "{kharkiv}"
    );
    // Plain text on stdin is one document when asked for.
    let out = run(
        &[
            "tag",
            "--model",
            s(&st.model),
            "--quiet",
            "--input-format",
            "text",
        ],
        Some("Houthis fired missiles at Marib.\nSecond line."),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    let v = check_output_line(text.lines().next().unwrap());
    assert_eq!(v["text"], "Houthis fired missiles at Marib.\nSecond line.");
}

/// `evaluate --json` of the setup model on `data` with extra flags: the JSON, or stderr.
fn evaluate_json(st: &Setup, data: &Path, extra: &[&str]) -> Result<Value, String> {
    let mut args = vec![
        "evaluate",
        "--model",
        s(&st.model),
        "--data",
        s(data),
        "--json",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let out = run(&args, None);
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn evaluate_prints_a_table_and_json() {
    let st = setup();
    let dev = st.root.join("train.jsonl");
    let v = evaluate_json(st, &dev, &[]).unwrap();
    for k in ["precision", "recall", "f1"] {
        for part in [&v["micro"], &v["macro"], &v["labels"]["LOCATION"]] {
            let x = part[k].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&x));
        }
    }
    assert_eq!(v["labels"]["LOCATION"]["support"], 9);
    assert!(v["micro"]["f1"].as_f64().unwrap() > 0.9, "{v}");
    assert!(v["precision"].is_string(), "the precision used is recorded");
    let out = run(
        &[
            "evaluate",
            "--model",
            s(&st.model),
            "--data",
            s(&dev),
            "--quiet",
        ],
        None,
    );
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("ARMED_GROUP") && table.contains("micro avg") && table.contains("macro avg"),
        "{table}"
    );
    // int8 products (inference only) score the overfit model as well as f32.
    match evaluate_json(st, &dev, &["--precision", "int8"]) {
        Ok(q) => {
            assert!(conflict_ner::model::int8::available());
            assert_eq!(q["precision"], "int8");
            assert!(q["micro"]["f1"].as_f64().unwrap() > 0.9, "{q}");
        }
        Err(err) => {
            assert!(!conflict_ner::model::int8::available());
            assert!(err.contains("AVX2 or AVX-512 VNNI"), "{err}");
        }
    }
    let f = evaluate_json(st, &dev, &["--precision", "fp32"]).unwrap();
    assert_eq!(f["precision"], "fp32");
}

#[test]
fn config_files_flags_and_threads() {
    let st = setup();
    let cfg = st.root.join("cfg.json");
    std::fs::write(
        &cfg,
        r#"{"epochs": 3, "max_len": 32, "window_overlap": 8, "seed": 9}"#,
    )
    .unwrap();
    let out_dir = st.root.join("from-config");
    let out = run(
        &[
            "train",
            "--train",
            s(&st.root.join("train.jsonl")),
            "--base",
            s(&st.base),
            "--output",
            s(&out_dir),
            "--config",
            s(&cfg),
            "--epochs",
            "1",
            "--quiet",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let saved: Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join("training-config.json")).unwrap(),
    )
    .unwrap();
    // defaults < file < flags
    assert_eq!(saved["epochs"], 1);
    assert_eq!(saved["seed"], 9);
    assert_eq!(saved["max_len"], 32);
    assert_eq!(saved["batch_size"], 16);

    std::fs::write(&cfg, r#"{"epoch": 3}"#).unwrap();
    let out = run(
        &[
            "train",
            "--train",
            s(&st.root.join("train.jsonl")),
            "--base",
            s(&st.base),
            "--output",
            s(&st.root.join("typo")),
            "--config",
            s(&cfg),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cfg.json") && err.contains("unknown field `epoch`"),
        "{err}"
    );
    assert!(!st.root.join("typo").exists());

    let out = run(
        &["--threads", "0", "tag", "--model", s(&st.model)],
        Some(""),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--threads must be at least 1"));
}

#[test]
fn corpus_build_writes_the_three_splits() {
    let st = setup();
    let src = st.root.join("markup");
    std::fs::create_dir_all(&src).unwrap();
    let mut body = String::from("%% conflict: x | countries: A\n\n");
    for i in 1..=20 {
        body.push_str(&format!(
            "@@ doc x-{i:03} | style: log\n[Goma](LOCATION) fell, day {i}.\n\n"
        ));
    }
    std::fs::write(src.join("x.md"), body).unwrap();
    std::fs::write(
        src.join("splits.json"),
        r#"{"held_out": [], "dev_ratio": 0.1, "test_ratio": 0.1}"#,
    )
    .unwrap();
    let out_dir = st.root.join("built");
    std::fs::create_dir_all(&out_dir).unwrap();
    let out = run(&["corpus", "build", s(&src), "--out", s(&out_dir)], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let count = |f: &str| {
        std::fs::read_to_string(out_dir.join(f))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!(
        (
            count("train.jsonl"),
            count("dev.jsonl"),
            count("test.jsonl")
        ),
        (16, 2, 2)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("20 documents in all"));
}

#[test]
fn training_in_int8_is_refused_with_the_reason() {
    let st = setup();
    let out = run(
        &[
            "train",
            "--train",
            s(&st.root.join("train.jsonl")),
            "--base",
            s(&st.base),
            "--output",
            s(&st.root.join("never-int8")),
            "--precision",
            "int8",
            "--quiet",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("int8"), "{err}");
    assert!(!st.root.join("never-int8").exists());
}

#[test]
fn errors_name_the_file_line_and_value() {
    let st = setup();
    let bad = st.root.join("bad.jsonl");
    std::fs::write(&bad, "{\"id\":\"a\",\"text\":\"abc def\"}\n{\"id\":\"b\",\"text\":\"abc\",\"entities\":[{\"start\":40,\"end\":38,\"label\":\"X\"}]}\n").unwrap();
    let out = run(
        &[
            "train",
            "--train",
            s(&bad),
            "--base",
            s(&st.base),
            "--output",
            s(&st.root.join("never")),
            "--quiet",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.jsonl:2: document \"b\": span 40..38 (X) is reversed"),
        "{err}"
    );
    assert!(!st.root.join("never").exists());

    let utf = st.root.join("latin1.jsonl");
    std::fs::write(
        &utf,
        b"{\"id\":\"a\",\"text\":\"ok\"}\n{\"id\":\"b\",\"text\":\"caf\xe9\"}\n",
    )
    .unwrap();
    let out = run(
        &["evaluate", "--model", s(&st.model), "--data", s(&utf)],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("latin1.jsonl:2: invalid UTF-8"));

    let conll = st.root.join("bad.conll");
    std::fs::write(&conll, "EU B-ORG\nrejects X-VERB\n").unwrap();
    let out = run(
        &["evaluate", "--model", s(&st.model), "--data", s(&conll)],
        None,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.conll:2: tag \"X-VERB\""));

    let out = run(
        &[
            "train",
            "--train",
            s(&bad),
            "--base",
            s(&st.root.join("no-base")),
            "--output",
            "x",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("scripts/fetch-base-model.sh"));

    let out = run(&["train", "--bogus"], None);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["tag"], None);
    assert_eq!(out.status.code(), Some(2), "--model is required");
}

#[test]
fn a_bad_input_keeps_what_was_already_written() {
    let st = setup();
    let good = st.root.join("good.txt");
    std::fs::write(&good, "Goma fell.").unwrap();
    let out = run(
        &[
            "tag",
            "--model",
            s(&st.model),
            s(&good),
            s(&st.root.join("missing.txt")),
            "--quiet",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.txt"));
}

#[test]
fn every_command_documents_its_flags() {
    for cmd in ["train", "tag", "evaluate", "check"] {
        let out = run(&[cmd, "--help"], None);
        assert!(out.status.success());
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(
            help.contains("--threads") && help.contains("--quiet"),
            "{cmd}: {help}"
        );
    }
}

/// A short training run on the fixture (one epoch), for the `--output` tests.
fn quick_train(st: &Setup, output: &Path, extra: &[&str]) -> Output {
    let train = st.root.join("train.jsonl");
    let mut args = vec![
        "train",
        "--train",
        s(&train),
        "--base",
        s(&st.base),
        "--output",
        s(output),
        "--epochs",
        "1",
        "--max-len",
        "32",
        "--window-overlap",
        "8",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    run(&args, None)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn output_never_replaces_what_train_did_not_write() {
    let st = setup();
    let root = st.root.join("output-safety");
    std::fs::create_dir_all(&root).unwrap();

    // A folder of notes.
    let notes = root.join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(notes.join("todo.txt"), "keep me").unwrap();
    let out = quick_train(st, &notes, &["--overwrite"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is not a model folder written by `conflict-ner train`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(notes.join("todo.txt")).unwrap(),
        "keep me"
    );

    // The folder holding the training file, and the base folder.
    for (dir, what) in [(&st.root, "train.jsonl"), (&st.base, "base")] {
        let out = quick_train(st, dir, &["--overwrite"]);
        assert_eq!(out.status.code(), Some(1), "{}", dir.display());
        assert!(
            stderr(&out).contains("an input of this run"),
            "{what}: {}",
            stderr(&out)
        );
    }
    assert!(st.root.join("train.jsonl").is_file());
    assert!(st.base.join("model.safetensors").is_file());

    // An existing regular file: refused before training, untouched, no hidden copy.
    let file = root.join("afile");
    std::fs::write(&file, "data").unwrap();
    let out = quick_train(st, &file, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("afile: exists and is a file"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains(".old-"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "data");

    // An existing model: refused without --overwrite, replaced with it.
    let model = root.join("model");
    let out = quick_train(st, &model, &["--seed", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = std::fs::read(model.join("model.safetensors")).unwrap();
    let out = quick_train(st, &model, &["--seed", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--overwrite"), "{}", stderr(&out));
    assert!(std::fs::read(model.join("model.safetensors")).unwrap() == first);

    // A run that dies never replaces the old model.
    let mut child = bin()
        .args([
            "train",
            "--train",
            s(&st.root.join("train.jsonl")),
            "--base",
            s(&st.base),
            "--output",
            s(&model),
            "--overwrite",
            "--epochs",
            "1000000",
            "--max-len",
            "32",
            "--window-overlap",
            "8",
            "--quiet",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the long run ended early"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(std::fs::read(model.join("model.safetensors")).unwrap() == first);

    // The killed run left its checkpoint: a new run, even with --overwrite, must
    // not discard it unasked.
    let out = quick_train(st, &model, &["--seed", "2", "--overwrite"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unfinished run"), "{}", stderr(&out));
    std::fs::remove_dir_all(root.join("model.checkpoint")).unwrap();
    let out = quick_train(st, &model, &["--seed", "2", "--overwrite"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read(model.join("model.safetensors")).unwrap() != first);
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(model.join("training-report.json")).unwrap())
            .unwrap();
    assert_eq!(report["seed"], 2);
    let hidden: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".model.old") || n.starts_with(".model.probe"))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}

#[test]
fn train_and_evaluate_state_entities_cut_inside_a_word() {
    let st = setup();
    let root = st.root.join("in-word");
    std::fs::create_dir_all(&root).unwrap();
    let mut docs = fixture_docs();
    docs.extend(docs_from(
        &["[Sudan](LOCATION)ese troops held the road to [Adre](LOCATION)."],
        "cut",
    ));
    let data = root.join("cut.jsonl");
    write_jsonl(&mut std::fs::File::create(&data).unwrap(), &docs).unwrap();
    let total: usize = docs.iter().map(|d| d.entities.len()).sum();
    let out = run(
        &[
            "train",
            "--train",
            s(&data),
            "--base",
            s(&st.base),
            "--output",
            s(&root.join("model")),
            "--epochs",
            "1",
            "--max-len",
            "32",
            "--window-overlap",
            "8",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "train: 1 of {total} entities start or end inside a word"
        )) && err.contains(r#"cut-0: "Sudan" in "Sudanese""#)
            && err.contains("trained as the whole words"),
        "{err}"
    );
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("model/training-report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["entities_inside_words"], 1);

    let json = evaluate_json(st, &data, &[]).unwrap();
    assert_eq!(json["gold_entities_inside_words"], 1);
    let out = run(
        &["evaluate", "--model", s(&st.model), "--data", s(&data)],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("1 gold entities start or end inside a word")
            && err.contains("strict scoring counts each as missed"),
        "{err}"
    );
    // The shipped-style fixture alone has none: nothing is said.
    let out = run(
        &[
            "evaluate",
            "--model",
            s(&st.model),
            "--data",
            s(&st.root.join("train.jsonl")),
        ],
        None,
    );
    assert!(!stderr(&out).contains("inside a word"), "{}", stderr(&out));
}

#[test]
fn a_dev_label_unknown_to_training_fails_before_the_first_step() {
    let st = setup();
    let root = st.root.join("dev-label");
    std::fs::create_dir_all(&root).unwrap();
    let dev = root.join("dev.jsonl");
    std::fs::write(
        &dev,
        "{\"id\": \"d\", \"text\": \"Goma fell.\", \"entities\": [{\"start\": 0, \"end\": 4, \"label\": \"LOC\"}]}\n",
    )
    .unwrap();
    let out = quick_train(st, &root.join("model"), &["--dev", s(&dev)]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("dev.jsonl: labels not in the training data: LOC (1)"),
        "{err}"
    );
    assert!(!root.join("model").exists() && !root.join("model.checkpoint").exists());
}
