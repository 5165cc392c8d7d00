//! Test fixtures: a tiny randomly initialised BERT folder (config, WordPiece
//! tokenizer, weights) built in the test itself, and a small labelled corpus.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use conflict_ner::config::TrainConfig;
use conflict_ner::corpus::markup::strip_spans;
use conflict_ner::label::LabelSet;
use conflict_ner::model::{BertConfig, TokenClassifier};
use conflict_ner::model_dir::{load_base, save_model};
use conflict_ner::Document;
use serde_json::json;

/// The fixture corpus in markup.
pub const FIXTURE: &[&str] = &[
    "[RSF](ARMED_GROUP) fighters shelled [El Fasher](LOCATION) on Monday, killing [at least 14](FIGURE) people, the [UN](ORGANIZATION) said.",
    "[Sudanese army](ARMED_GROUP) units held the road to the [Adre crossing](LOCATION).",
    "[Al-Shabaab](ARMED_GROUP) militants attacked a base near [Mogadishu](LOCATION).",
    "[M23](ARMED_GROUP) rebels seized [Goma](LOCATION) after three days of fighting.",
    "[Ukrainian forces](ARMED_GROUP) shot down [12](FIGURE) drones over [Kharkiv](LOCATION).",
    "[UNHCR](ORGANIZATION) said [1.2 million](FIGURE) people fled [Darfur](LOCATION).",
    "Spokesman [Ahmed Salah](OFFICIAL) said [Houthis](ARMED_GROUP) fired missiles at [Marib](LOCATION).",
    "[Türkiye](LOCATION) closed the border after clashes in [Idlib](LOCATION).",
];

/// Documents from markup lines, ids `{prefix}-{i}`.
pub fn docs_from(lines: &[&str], prefix: &str) -> Vec<Document> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let (text, entities) = strip_spans(l).expect("fixture markup");
            Document {
                id: format!("{prefix}-{i}"),
                text,
                entities,
            }
        })
        .collect()
}

/// The fixture corpus as documents.
pub fn fixture_docs() -> Vec<Document> {
    docs_from(FIXTURE, "doc")
}

/// The tiny encoder's config: hidden 32, 2 layers, 4 heads.
pub fn tiny_config(vocab_size: usize, dropout: f32) -> serde_json::Value {
    json!({
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": vocab_size,
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "intermediate_size": 64,
        "max_position_embeddings": 64,
        "type_vocab_size": 2,
        "hidden_act": "gelu",
        "hidden_dropout_prob": dropout,
        "attention_probs_dropout_prob": dropout,
        "layer_norm_eps": 1e-12,
        "initializer_range": 0.2,
        "pad_token_id": 0
    })
}

/// A WordPiece vocabulary over `texts`: specials, every lowercased word, and every
/// character alone and as a `##` continuation (so no word becomes `[UNK]`).
pub fn vocab_for(texts: &[String]) -> Vec<String> {
    let mut v: Vec<String> = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut set = BTreeSet::new();
    for t in texts {
        let lower = t.to_lowercase();
        for w in lower.split(|c: char| c.is_whitespace() || c.is_ascii_punctuation()) {
            if !w.is_empty() {
                set.insert(w.to_string());
            }
        }
        for c in lower.chars().filter(|c| !c.is_whitespace()) {
            set.insert(c.to_string());
            set.insert(format!("##{c}"));
        }
    }
    for c in ('a'..='z').chain('0'..='9') {
        set.insert(c.to_string());
        set.insert(format!("##{c}"));
    }
    v.extend(set);
    v
}

/// A `tokenizer.json` like the base model's, including its padding and
/// truncation to 16 (which the encoder must turn off).
pub fn tokenizer_json(vocab: &[String]) -> serde_json::Value {
    let special = |id: usize, s: &str| json!({"id": id, "content": s, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true});
    let vocab_map: serde_json::Map<String, serde_json::Value> = vocab
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), json!(i)))
        .collect();
    json!({
        "version": "1.0",
        "truncation": {"direction": "Right", "max_length": 16, "strategy": "LongestFirst", "stride": 0},
        "padding": {"strategy": {"Fixed": 16}, "direction": "Right", "pad_to_multiple_of": null, "pad_id": 0, "pad_type_id": 0, "pad_token": "[PAD]"},
        "added_tokens": [special(0, "[PAD]"), special(1, "[UNK]"), special(2, "[CLS]"), special(3, "[SEP]"), special(4, "[MASK]")],
        "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true, "strip_accents": null, "lowercase": true},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]}, "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": vocab_map}
    })
}

/// Writes a tiny randomly initialised base-model folder covering `texts`.
pub fn write_tiny_base(dir: &Path, texts: &[String], dropout: f32, seed: u64) {
    std::fs::create_dir_all(dir).unwrap();
    let vocab = vocab_for(texts);
    let cfg = tiny_config(vocab.len(), dropout);
    std::fs::write(
        dir.join("config.json"),
        serde_json::to_string_pretty(&cfg).unwrap(),
    )
    .unwrap();
    std::fs::write(
        dir.join("tokenizer.json"),
        serde_json::to_string(&tokenizer_json(&vocab)).unwrap(),
    )
    .unwrap();
    let bert_cfg: BertConfig = serde_json::from_value(cfg).unwrap();
    // A head of another task, which training must not reuse.
    let model = TokenClassifier::random(&bert_cfg, 3, seed).unwrap();
    model.save(&dir.join("model.safetensors")).unwrap();
}

/// Texts of documents.
pub fn texts(docs: &[Document]) -> Vec<String> {
    docs.iter().map(|d| d.text.clone()).collect()
}

/// `(surface, label)` pairs of a document's entities, via code-point slicing.
pub fn surfaces(doc: &Document) -> Vec<(String, String)> {
    doc.entities
        .iter()
        .map(|e| {
            (
                doc.slice(e.start, e.end).expect("in range").to_string(),
                e.label.clone(),
            )
        })
        .collect()
}

/// A model folder `root/model` trained in this process on the fixture by `cfg`
/// (its base folder in `root/base`), without dev data.
pub fn write_tiny_model(root: &Path, cfg: &TrainConfig) -> PathBuf {
    let docs = fixture_docs();
    let base = root.join("base");
    write_tiny_base(&base, &texts(&docs), 0.0, 1);
    let labels = LabelSet::new(
        docs.iter()
            .flat_map(|d| d.entities.iter().map(|e| e.label.clone())),
    );
    let mut tagger = load_base(&base, &labels, cfg).unwrap();
    let report = conflict_ner::train::train(&mut tagger, cfg, &docs, None, &mut ()).unwrap();
    let out = root.join("model");
    save_model(&out, &tagger, &base, cfg, &report, false).unwrap();
    out
}

/// A short training config for the tiny model: `epochs` epochs, 32-token windows.
pub fn tiny_train_config(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        max_len: 32,
        window_overlap: 8,
        ..TrainConfig::default()
    }
}

/// Peak resident set of the largest child this process has waited for, in bytes
/// (a test binary that measures it must hold that test alone).
pub fn children_peak_rss() -> u64 {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable rusage; RUSAGE_CHILDREN is a valid `who`.
    assert_eq!(unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) }, 0);
    u.ru_maxrss as u64 * 1024 // kilobytes on Linux
}
