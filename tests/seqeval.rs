//! Scores equal seqeval's strict IOB2 mode. Expected figures were worked by hand
//! from seqeval's rules (strict mode: an entity is B-X followed by I-X; stray I- tags
//! are not entities; a label change ends the entity).

use conflict_ner::decode::tag_chunks;
use conflict_ner::label::{LabelSet, Tag};
use conflict_ner::metrics::Evaluation;
use conflict_ner::{Document, Entity};

fn parse(labels: &LabelSet, tags: &str) -> Vec<Tag> {
    tags.split_whitespace()
        .map(|t| match t.split_once('-') {
            None => Tag::Outside,
            Some(("B", l)) => Tag::Begin(labels.index(l).unwrap()),
            Some((_, l)) => Tag::Inside(labels.index(l).unwrap()),
        })
        .collect()
}

/// A document whose "words" are single characters, so chunk indices are offsets.
fn doc(labels: &LabelSet, tags: &str) -> Document {
    let tags = parse(labels, tags);
    Document {
        id: "d".into(),
        text: "x".repeat(tags.len()),
        entities: tag_chunks(&tags)
            .into_iter()
            .map(|(s, e, k)| Entity::new(s, e, labels.name(k)))
            .collect(),
    }
}

fn score(gold: &[&str], pred: &[&str]) -> conflict_ner::metrics::Report {
    let labels = LabelSet::new(["LOC", "MISC", "ORG", "PER"]);
    let mut ev = Evaluation::default();
    for (g, p) in gold.iter().zip(pred) {
        ev.add(&doc(&labels, g), &doc(&labels, p));
    }
    ev.report()
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

#[test]
fn stray_inside_tags_are_not_entities() {
    // Gold: PER (0..2), LOC (3..4). Pred: stray I-PER at 0 then I-PER -> no entity in strict mode; LOC right.
    let r = score(&["B-PER I-PER O B-LOC"], &["I-PER I-PER O B-LOC"]);
    close(r.labels["PER"].recall, 0.0);
    close(r.labels["PER"].precision, 0.0);
    assert_eq!(r.labels["PER"].support, 1);
    close(r.labels["LOC"].f1, 1.0);
    close(r.micro.precision, 1.0);
    close(r.micro.recall, 0.5);
    close(r.micro.f1, 2.0 / 3.0);
    close(r.macro_.f1, 0.5);
}

#[test]
fn adjacent_same_label_entities_stay_apart() {
    // Gold: two PER entities back to back. Pred merges them into one.
    let r = score(&["B-PER B-PER I-PER O"], &["B-PER I-PER I-PER O"]);
    assert_eq!(r.labels["PER"].support, 2);
    close(r.labels["PER"].precision, 0.0);
    close(r.labels["PER"].recall, 0.0);
    // The reverse: pred splits correctly.
    let r = score(&["B-PER B-PER I-PER O"], &["B-PER B-PER I-PER O"]);
    close(r.micro.f1, 1.0);
}

#[test]
fn a_label_change_mid_entity_ends_it() {
    // Pred B-ORG I-LOC: strict reads ORG (0..1) and drops the stray I-LOC.
    let r = score(
        &["B-ORG I-ORG O", "B-LOC O O"],
        &["B-ORG I-LOC O", "B-LOC O B-MISC"],
    );
    // ORG: gold 1 (0..2), pred 1 (0..1): wrong boundary -> fp and fn.
    close(r.labels["ORG"].precision, 0.0);
    close(r.labels["ORG"].recall, 0.0);
    // LOC right; MISC is a false positive with no support.
    close(r.labels["LOC"].f1, 1.0);
    assert_eq!(r.labels["MISC"].support, 0);
    close(r.labels["MISC"].precision, 0.0);
    // micro: tp 1, fp 2 (ORG, MISC), fn 1 (ORG) -> P 1/3, R 1/2, F1 0.4.
    close(r.micro.precision, 1.0 / 3.0);
    close(r.micro.recall, 0.5);
    close(r.micro.f1, 0.4);
    // macro over LOC, MISC, ORG: F1 (1 + 0 + 0) / 3.
    close(r.macro_.f1, 1.0 / 3.0);
    close(r.macro_.precision, 1.0 / 3.0);
}

#[test]
fn report_serialises_in_the_documented_shape() {
    let r = score(&["B-PER O"], &["B-PER O"]);
    let v: serde_json::Value = serde_json::to_value(&r).unwrap();
    for k in ["precision", "recall", "f1", "support"] {
        assert!(v["labels"]["PER"].get(k).is_some());
        assert!(v["micro"].get(k).is_some());
        assert!(v["macro"].get(k).is_some());
    }
}
