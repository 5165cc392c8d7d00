//! Training on the tiny model: overfitting, gradient flow, save/load, seeds, windowing.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use conflict_ner::config::TrainConfig;
use conflict_ner::label::LabelSet;
use conflict_ner::loss::masked_cross_entropy;
use conflict_ner::model_dir::{load_base, load_tagger, save_model};
use conflict_ner::report::EvalRecord;
use conflict_ner::train::{train, Observer, StepInfo};
use conflict_ner::Document;

fn labels_of(docs: &[Document]) -> LabelSet {
    LabelSet::new(
        docs.iter()
            .flat_map(|d| d.entities.iter().map(|e| e.label.clone())),
    )
}

fn overfit_config(seed: u64) -> TrainConfig {
    TrainConfig {
        epochs: 60,
        batch_size: 4,
        lr: 5e-3,
        max_len: 32,
        window_overlap: 8,
        warmup_ratio: 0.05,
        weight_decay: 0.0,
        patience: 0,
        seed,
        ..TrainConfig::default()
    }
}

#[derive(Default)]
struct Losses(Vec<f32>, usize);
impl Observer for Losses {
    fn step(&mut self, s: &StepInfo) {
        self.0.push(s.loss);
    }
    fn evaluated(&mut self, _: &EvalRecord, _: bool, _: usize) {
        self.1 += 1;
    }
}

/// A document several 30-token windows long, with entities at its start, middle and very end.
fn long_doc() -> Document {
    let filler = "the road was held after three days of fighting and the border stayed closed . ";
    let line = format!(
        "[Houthis](ARMED_GROUP) fired missiles . {filler}{filler}[UNHCR](ORGANIZATION) said [1.2 million](FIGURE) people fled . {filler}{filler}[Ukrainian forces](ARMED_GROUP) shot down [12](FIGURE) drones over [Kharkiv](LOCATION)."
    );
    docs_from(&[line.as_str()], "long").remove(0)
}

/// Trains the tiny model to overfit the fixture once (default precision: bf16
/// products where the CPU has AVX-512 BF16), saves it, and returns its folder.
fn overfit_model() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| overfit("auto"))
}

/// The same with every product in f32.
fn overfit_model_fp32() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| overfit("fp32"))
}

fn overfit(precision: &str) -> PathBuf {
    {
        let root = std::env::temp_dir().join(format!(
            "conflict-ner-overfit-{precision}-{}",
            std::process::id()
        ));
        let mut docs = fixture_docs();
        docs.push(long_doc());
        let base = root.join("base");
        write_tiny_base(&base, &texts(&docs), 0.0, 1);
        let cfg = TrainConfig {
            precision: precision.parse().unwrap(),
            ..overfit_config(7)
        };
        let mut tagger = load_base(&base, &labels_of(&docs), &cfg).unwrap();
        let mut losses = Losses::default();
        let report = train(&mut tagger, &cfg, &docs, Some(&docs), &mut losses).unwrap();
        let last = *losses.0.last().unwrap();
        assert!(last < 0.05, "final loss {last} is not below 0.05");
        assert_eq!(losses.1, cfg.epochs, "one dev evaluation per epoch");
        assert!(
            report.best_dev_micro_f1.unwrap() > 0.999,
            "{:?}",
            report.best_dev_micro_f1
        );
        let out = root.join("model");
        save_model(&out, &tagger, &base, &cfg, &report, true).unwrap();
        out
    }
}

#[test]
fn overfits_and_returns_the_fixture_entities_exactly() {
    for dir in [overfit_model(), overfit_model_fp32()] {
        overfit_gives_back_the_fixture(dir);
    }
    // The saved config names the arithmetic used, never "auto".
    let saved = TrainConfig::from_file(&overfit_model().join("training-config.json")).unwrap();
    assert!(
        ["bf16", "fp32"].contains(&saved.precision.name()),
        "{:?}",
        saved.precision
    );
}

fn overfit_gives_back_the_fixture(dir: &std::path::Path) {
    let tagger = load_tagger(dir).unwrap();
    let docs = fixture_docs();
    let pred = tagger.tag(&docs).unwrap();
    for (g, p) in docs.iter().zip(&pred) {
        assert_eq!(surfaces(p), surfaces(g), "document {}", g.id);
        let spans: Vec<_> = p.entities.iter().map(|e| (e.start, e.end)).collect();
        let gold: Vec<_> = g.entities.iter().map(|e| (e.start, e.end)).collect();
        assert_eq!(spans, gold);
        assert!(p
            .entities
            .iter()
            .all(|e| e.score.is_some_and(|s| (0.0..=1.0).contains(&s))));
    }
}

#[test]
fn save_load_gives_identical_predictions() {
    let dir = overfit_model();
    let a = load_tagger(dir).unwrap();
    let copy = dir.with_file_name("model-copy");
    // Re-save the loaded model through the same path and reload it.
    let report =
        serde_json::from_str(&std::fs::read_to_string(dir.join("training-report.json")).unwrap())
            .unwrap();
    let cfg = TrainConfig::from_file(&dir.join("training-config.json")).unwrap();
    save_model(&copy, &a, dir, &cfg, &report, false).unwrap();
    let b = load_tagger(&copy).unwrap();
    let docs = docs_from(
        &[
            "M23 rebels and RSF fighters shelled Goma and Kharkiv, killing 12.",
            "Nothing here.",
        ],
        "x",
    );
    let pa = a.tag(&docs).unwrap();
    let pb = b.tag(&docs).unwrap();
    assert_eq!(pa, pb);
    assert!(!pa[0].entities.is_empty());
}

#[test]
fn one_step_changes_every_parameter() {
    let docs = fixture_docs();
    let dir = std::env::temp_dir().join(format!("conflict-ner-grad-{}", std::process::id()));
    write_tiny_base(&dir, &texts(&docs), 0.1, 3);
    let cfg = TrainConfig {
        epochs: 1,
        batch_size: 8,
        lr: 1e-3,
        warmup_ratio: 0.0,
        max_len: 32,
        window_overlap: 8,
        ..TrainConfig::default()
    };
    let mut tagger = load_base(&dir, &labels_of(&docs), &cfg).unwrap();
    let before: Vec<(String, Vec<f32>)> = tagger
        .model
        .vars()
        .iter()
        .map(|(n, v)| {
            (
                n.clone(),
                v.as_tensor()
                    .flatten_all()
                    .unwrap()
                    .to_vec1::<f32>()
                    .unwrap(),
            )
        })
        .collect();
    // Gradients exist for every tensor, embeddings included.
    let enc: Vec<_> = docs
        .iter()
        .map(|d| tagger.encoder.encode(d, Some(&tagger.labels)).unwrap())
        .collect();
    let exs = conflict_ner::batch::windows(&enc, &tagger.encoder, 32, 8);
    let refs: Vec<_> = exs.iter().collect();
    let batch = conflict_ner::batch::make_batch(&refs, tagger.encoder.pad).unwrap();
    let loss = masked_cross_entropy(
        &tagger.model.forward_t(&batch.input, true).unwrap(),
        &batch.targets,
    )
    .unwrap();
    let grads = loss.backward().unwrap();
    for (name, var) in tagger.model.vars() {
        let g = grads
            .get(var.as_tensor())
            .unwrap_or_else(|| panic!("no gradient for {name}"));
        let norm = g
            .sqr()
            .unwrap()
            .sum_all()
            .unwrap()
            .to_scalar::<f32>()
            .unwrap();
        assert!(norm > 0.0, "zero gradient for {name}");
    }
    // 2 embeddings LayerNorm + 3 embeddings + 16 per layer x 2 + classifier 2.
    assert_eq!(tagger.model.vars().len(), 5 + 16 * 2 + 2);
    // One optimizer step changes every tensor.
    train(
        &mut tagger,
        &TrainConfig { patience: 0, ..cfg },
        &docs[..],
        None,
        &mut (),
    )
    .unwrap();
    for ((name, old), (_, var)) in before.iter().zip(tagger.model.vars()) {
        let new = var
            .as_tensor()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert!(
            old.iter().zip(&new).any(|(a, b)| a != b),
            "{name} did not change"
        );
    }
}

fn run_seeded(base: &Path, seed: u64) -> (Vec<f32>, Vec<Option<f64>>, Vec<Document>) {
    let docs = fixture_docs();
    let cfg = TrainConfig {
        epochs: 3,
        batch_size: 2,
        lr: 3e-3,
        max_len: 32,
        window_overlap: 8,
        patience: 0,
        seed,
        ..TrainConfig::default()
    };
    let mut tagger = load_base(base, &labels_of(&docs), &cfg).unwrap();
    let mut losses = Losses::default();
    let report = train(&mut tagger, &cfg, &docs[..6], Some(&docs[6..]), &mut losses).unwrap();
    let scores = report
        .evaluations
        .iter()
        .map(|e| e.dev.as_ref().map(|d| d.micro.f1))
        .collect();
    let mut pred = tagger.tag(&docs).unwrap();
    for d in &mut pred {
        for e in &mut d.entities {
            e.score = e.score.map(|s| (s * 1e4).round() / 1e4);
        }
    }
    (losses.0, scores, pred)
}

#[test]
fn same_seed_repeats_a_run_exactly() {
    let docs = fixture_docs();
    let base = std::env::temp_dir().join(format!("conflict-ner-seed-{}", std::process::id()));
    write_tiny_base(&base, &texts(&docs), 0.1, 5);
    let a = run_seeded(&base, 11);
    let b = run_seeded(&base, 11);
    assert_eq!(a, b);
    let c = run_seeded(&base, 12);
    // A different seed changes dropout, shuffling and the head.
    assert_ne!(a.0, c.0);
}

#[test]
fn a_document_three_windows_long_keeps_its_tail_entity() {
    let tagger = load_tagger(overfit_model()).unwrap();
    let doc = long_doc();
    let enc = tagger.encoder.encode(&doc, None).unwrap();
    let windows = enc.windows(tagger.max_len - 2, tagger.window_overlap);
    assert!(
        windows.len() >= 3,
        "only {} windows for {} tokens",
        windows.len(),
        enc.ids.len()
    );
    assert_eq!(
        windows.last().unwrap().end,
        enc.ids.len(),
        "windows must reach the last token"
    );
    assert!(
        windows.windows(2).all(|w| w[1].start < w[0].end),
        "windows must overlap"
    );
    let pred = tagger.tag(std::slice::from_ref(&doc)).unwrap().remove(0);
    assert_eq!(surfaces(&pred), surfaces(&doc));
    assert_eq!(
        surfaces(&pred).last().unwrap(),
        &("Kharkiv".to_string(), "LOCATION".to_string())
    );
}

#[test]
fn early_stopping_keeps_the_best_weights() {
    let docs = fixture_docs();
    let root = std::env::temp_dir().join(format!("conflict-ner-early-{}", std::process::id()));
    let base = root.join("base");
    write_tiny_base(&base, &texts(&docs), 0.0, 1);
    // A learning rate high enough that dev F1 falls after it peaks.
    for lr in [5e-2, 1e-1, 2e-1, 5e-1] {
        let cfg = TrainConfig {
            epochs: 40,
            lr,
            eval_every: 1,
            patience: 3,
            warmup_ratio: 0.0,
            ..overfit_config(11)
        };
        let mut tagger = load_base(&base, &labels_of(&docs), &cfg).unwrap();
        let report = train(&mut tagger, &cfg, &docs, Some(&docs), &mut ()).unwrap();
        let last = report.evaluations.last().unwrap();
        if last.step == report.best_step {
            continue;
        }
        let best = report.best_dev_micro_f1.unwrap();
        assert!(report.stopped_early);
        assert!(last.dev.as_ref().unwrap().micro.f1 < best);
        // The tagger holds the kept step's weights: it scores that step's F1 again.
        let again = tagger.evaluate(&docs, &mut |_| {}).unwrap().micro.f1;
        assert_eq!(again, best, "lr {lr}");
        return;
    }
    panic!("no run peaked before its last evaluation");
}
