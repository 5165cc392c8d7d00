//! The shipped corpus: the JSONL splits are exactly what the markup builds, and
//! they pass `check` with zero errors and meet the corpus's size targets.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use conflict_ner::check::{check_files, CheckOptions};
use conflict_ner::corpus::markup::{read_markup_dir, split, to_jsonl, SplitPlan};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn plan() -> SplitPlan {
    serde_json::from_str(&std::fs::read_to_string(root().join("data/source/splits.json")).unwrap())
        .unwrap()
}

#[test]
fn jsonl_splits_are_built_from_the_markup() {
    let docs = read_markup_dir(&root().join("data/source")).unwrap();
    let splits = split(docs, &plan());
    for name in ["train", "dev", "test"] {
        let built = to_jsonl(&splits[name]);
        let shipped = std::fs::read_to_string(root().join(format!("data/{name}.jsonl"))).unwrap();
        assert!(built == shipped, "data/{name}.jsonl differs from the markup: run `conflict-ner corpus build data/source --out data`");
    }
}

#[test]
fn held_out_conflicts_never_reach_train() {
    let docs = read_markup_dir(&root().join("data/source")).unwrap();
    let plan = plan();
    assert!(plan.held_out.len() >= 3);
    let splits = split(docs, &plan);
    let conflicts = |name: &str| {
        splits[name]
            .iter()
            .map(|d| d.conflict.clone())
            .collect::<BTreeSet<_>>()
    };
    for c in &plan.held_out {
        assert!(!conflicts("train").contains(c), "{c} is in train");
        assert!(
            conflicts("test").contains(c) && conflicts("dev").contains(c),
            "{c} missing from dev or test"
        );
    }
    let n: usize = splits.values().map(Vec::len).sum();
    let train_share = splits["train"].len() as f64 / n as f64;
    assert!(
        (0.75..0.85).contains(&train_share),
        "train share {train_share}"
    );
}

#[test]
fn shipped_corpus_passes_check_and_meets_its_targets() {
    let paths: Vec<_> = ["train", "dev", "test"]
        .iter()
        .map(|n| root().join(format!("data/{n}.jsonl")))
        .collect();
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let labels: Vec<String> = std::fs::read_to_string(root().join("data/labels.txt"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let report = check_files(
        &refs,
        &CheckOptions {
            labels: Some(labels.clone()),
            near_duplicate: 0.5,
            ..Default::default()
        },
    )
    .unwrap();
    let errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == conflict_ner::check::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let t = &report.total;
    assert!(
        t.documents >= 600 && t.words >= 90_000 && t.entities >= 12_000,
        "{t:?}"
    );
    for l in &labels {
        let min = if l == "PERSON" { 300 } else { 600 };
        assert!(
            t.labels.get(l).copied().unwrap_or(0) >= min,
            "{l}: {:?}",
            t.labels.get(l)
        );
    }
    let (_, _, sim) = report.most_similar.clone().unwrap();
    assert!(
        sim < 0.5,
        "near-duplicate documents: {:?}",
        report.most_similar
    );
    // At least 8 styles, 25 conflicts and 40 long features.
    let docs = read_markup_dir(&root().join("data/source")).unwrap();
    let styles: BTreeSet<_> = docs.iter().map(|d| d.style.clone()).collect();
    let conflicts: BTreeSet<_> = docs.iter().map(|d| d.conflict.clone()).collect();
    let long = docs
        .iter()
        .filter(|d| d.doc.text.split_whitespace().count() > 900)
        .count();
    assert!(
        styles.len() >= 8 && conflicts.len() >= 25 && long >= 40,
        "{styles:?} {} conflicts, {long} long",
        conflicts.len()
    );
    let mut per_style: BTreeMap<String, usize> = BTreeMap::new();
    for d in &docs {
        *per_style.entry(d.style.clone()).or_default() += 1;
    }
    assert!(per_style.values().all(|&n| n >= 20), "{per_style:?}");
}
