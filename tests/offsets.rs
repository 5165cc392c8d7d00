//! Offsets round-trip to the exact source text on non-ASCII input, through
//! gold alignment (spans → word tags → spans) and through tagging.

mod common;

use common::*;
use conflict_ner::decode::tags_to_entities;
use conflict_ner::encoding::Encoder;
use conflict_ner::label::LabelSet;
use conflict_ner::Document;

const HARD: &[&str] = &[
    "[Türkiye](LOCATION) shelled [Kobanê](LOCATION) 🙂 near [Rafaḥ crossing](LOCATION).",
    "قال [أحمد صالح](OFFICIAL) إن [حلب](LOCATION) تعرضت للقصف",
    "Line one\r\n[Goma](LOCATION) fell;\r\n[M23](ARMED_GROUP) 🚀🚀 took [at least 12](FIGURE)\r\n",
    "👩‍👩‍👧 [Zamzam camp](LOCATION) — “[RSF](ARMED_GROUP)” (sic) [Ségou](LOCATION)",
];

/// A tiny base folder per test (tests run in parallel), its encoder, the documents and labels.
fn setup(test: &str) -> (std::path::PathBuf, Encoder, Vec<Document>, LabelSet) {
    let docs = docs_from(HARD, "hard");
    let dir = std::env::temp_dir().join(format!(
        "conflict-ner-offsets-{test}-{}",
        std::process::id()
    ));
    write_tiny_base(&dir, &texts(&docs), 0.0, 1);
    let labels = LabelSet::new(
        docs.iter()
            .flat_map(|d| d.entities.iter().map(|e| e.label.clone())),
    );
    let encoder = Encoder::from_file(&dir.join("tokenizer.json")).unwrap();
    (dir, encoder, docs, labels)
}

#[test]
fn gold_spans_survive_word_alignment() {
    let (_, encoder, docs, labels) = setup("gold");
    for doc in &docs {
        let enc = encoder.encode(doc, Some(&labels)).unwrap();
        let tags: Vec<_> = enc
            .word_tags
            .as_ref()
            .unwrap()
            .iter()
            .map(|&t| labels.tag(t))
            .collect();
        let probs = vec![1.0; tags.len()];
        let back = tags_to_entities(&enc.words, &tags, &probs, &labels);
        let got: Vec<_> = back
            .iter()
            .map(|e| (e.start, e.end, e.label.clone()))
            .collect();
        let want: Vec<_> = doc
            .entities
            .iter()
            .map(|e| (e.start, e.end, e.label.clone()))
            .collect();
        assert_eq!(got, want, "document {:?}", doc.text);
        for e in &back {
            let s = doc.slice(e.start, e.end).unwrap();
            assert_eq!(s, s.trim(), "span {:?} has edge whitespace", s);
        }
    }
}

#[test]
fn words_are_code_point_ranges_into_the_text() {
    let (_, encoder, docs, _) = setup("words");
    for doc in &docs {
        let enc = encoder.encode(doc, None).unwrap();
        let n = doc.char_len();
        for w in &enc.words {
            assert!(
                w.start < w.end && w.end <= n,
                "{w:?} outside {n} code points"
            );
            let s = doc.slice(w.start, w.end).unwrap();
            assert!(
                !s.chars().any(char::is_whitespace),
                "word {s:?} spans whitespace"
            );
        }
        // Nothing is truncated: the last word ends at the last non-space code point.
        let last = doc.text.trim_end().chars().count();
        assert_eq!(enc.words.last().unwrap().end, last, "{:?}", doc.text);
    }
}

#[test]
fn tagged_output_slices_back_to_its_text() {
    let (dir, _, docs, _) = setup("tagged");
    let labels = LabelSet::new(["LOCATION", "OFFICIAL", "ARMED_GROUP", "FIGURE"]);
    let cfg = conflict_ner::config::TrainConfig {
        max_len: 16,
        window_overlap: 4,
        ..Default::default()
    };
    let tagger = conflict_ner::model_dir::load_base(&dir, &labels, &cfg).unwrap();
    // An untrained head predicts arbitrary spans: every one must still slice exactly.
    let pred = tagger.tag(&docs).unwrap();
    let mut n = 0;
    for p in &pred {
        let mut p = p.clone();
        p.fill_entity_text();
        for e in &p.entities {
            assert_eq!(p.slice(e.start, e.end), e.text.as_deref());
            n += 1;
        }
    }
    assert!(n > 0, "the random head predicted no entity at all");
}
