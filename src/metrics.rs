//! Strict entity-level scoring: counts first, then precision, recall and F1.
//! A prediction is correct only with the same start, end and label as a gold
//! entity, which equals seqeval's strict IOB2 mode on the same tag sequences.
//! Beside it, from the pairing of [`crate::mistakes::align`]: an overlap-match
//! micro score (a prediction paired with a same-label gold entity it overlaps
//! counts as found), the mistakes by kind, and a confusion table.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::document::Document;
use crate::mistakes::{align, Alignment, Kind};

/// The row and column of the confusion table for "no entity".
pub const NONE: &str = "none";

/// True positives, false positives and false negatives of one label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Counts {
    fn add(&mut self, o: Counts) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }

    /// Scores from counts; a zero denominator gives 0 (as seqeval does).
    pub fn score(&self) -> Score {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = ratio(self.tp, self.tp + self.fp);
        let recall = ratio(self.tp, self.tp + self.fn_);
        let f1 = if precision + recall == 0.0 {
            0.0
        } else {
            2.0 * precision * recall / (precision + recall)
        };
        Score {
            precision,
            recall,
            f1,
            support: self.tp + self.fn_,
        }
    }
}

/// Precision, recall and F1 in `[0, 1]`, and the number of gold entities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Score {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// Per-label counts accumulated over documents.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    counts: BTreeMap<String, Counts>,
    /// Overlap matching, over all labels.
    overlap: Counts,
    mistakes: BTreeMap<Kind, usize>,
    /// Gold label → predicted label → entities ([`NONE`] for no partner).
    confusion: BTreeMap<String, BTreeMap<String, usize>>,
}

impl Evaluation {
    /// Adds one document's gold and predicted entities (same text assumed), and
    /// returns their pairing ([`align`]), which the overlap and confusion counts use.
    pub fn add(&mut self, gold: &Document, pred: &Document) -> Alignment {
        let key = |e: &crate::document::Entity| (e.start, e.end, e.label.clone());
        let gold_set: HashSet<_> = gold.entities.iter().map(key).collect();
        let pred_set: HashSet<_> = pred.entities.iter().map(key).collect();
        for g in &gold_set {
            let c = self.counts.entry(g.2.clone()).or_default();
            if pred_set.contains(g) {
                c.tp += 1;
            } else {
                c.fn_ += 1;
            }
        }
        for p in pred_set.difference(&gold_set) {
            self.counts.entry(p.2.clone()).or_default().fp += 1;
        }
        let a = align(gold, pred);
        let mut cell = |g: &str, p: &str| {
            *self
                .confusion
                .entry(g.to_string())
                .or_default()
                .entry(p.to_string())
                .or_default() += 1;
        };
        for (g, _) in &a.correct {
            cell(&g.label, &g.label);
        }
        for m in &a.mistakes {
            *self.mistakes.entry(m.kind).or_default() += 1;
            let label = |e: &Option<crate::document::Entity>| {
                e.as_ref().map_or(NONE.to_string(), |e| e.label.clone())
            };
            cell(&label(&m.gold), &label(&m.pred));
        }
        let found = a.correct.len()
            + a.mistakes
                .iter()
                .filter(|m| m.kind == Kind::WrongSpan)
                .count();
        self.overlap.add(Counts {
            tp: found,
            fp: pred.entities.len() - found,
            fn_: gold.entities.len() - found,
        });
        a
    }

    /// Counts per label seen in gold or predictions.
    pub fn counts(&self) -> &BTreeMap<String, Counts> {
        &self.counts
    }

    /// Per-label scores with micro and macro averages.
    pub fn report(&self) -> Report {
        let labels: BTreeMap<String, Score> = self
            .counts
            .iter()
            .map(|(l, c)| (l.clone(), c.score()))
            .collect();
        let mut total = Counts::default();
        for c in self.counts.values() {
            total.add(*c);
        }
        let n = labels.len().max(1) as f64;
        let mean = |f: fn(&Score) -> f64| labels.values().map(f).sum::<f64>() / n;
        let macro_ = Score {
            precision: mean(|s| s.precision),
            recall: mean(|s| s.recall),
            f1: mean(|s| s.f1),
            support: total.tp + total.fn_,
        };
        Report {
            labels,
            micro: total.score(),
            macro_,
            overlap_micro: self.overlap.score(),
            mistakes: Kind::ALL
                .iter()
                .map(|k| {
                    (
                        k.name().to_string(),
                        self.mistakes.get(k).copied().unwrap_or(0),
                    )
                })
                .collect(),
            confusion: self.confusion.clone(),
        }
    }
}

/// The evaluation report; serialises as `{"labels": {...}, "micro": {...},
/// "macro": {...}, "overlap_micro": {...}, "mistakes": {kind: n},
/// "confusion": {gold: {predicted: n}}}` (`none` for no partner).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub labels: BTreeMap<String, Score>,
    pub micro: Score,
    #[serde(rename = "macro")]
    pub macro_: Score,
    /// Micro scores with overlap matching (same label, any overlap, one to one).
    #[serde(default = "zero_score")]
    pub overlap_micro: Score,
    /// Mistakes by kind (`missed`, `spurious`, `wrong_label`, `wrong_span`, `wrong_both`).
    #[serde(default)]
    pub mistakes: BTreeMap<String, usize>,
    /// Gold label → predicted label → entities; the diagonal holds exact and
    /// boundary (`wrong_span`) pairs, [`NONE`] the missed (column) and spurious (row).
    #[serde(default)]
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
}

fn zero_score() -> Score {
    Counts::default().score()
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .labels
            .keys()
            .map(|l| l.len())
            .max()
            .unwrap_or(5)
            .max(13);
        writeln!(
            f,
            "{:<width$}  {:>9}  {:>6}  {:>6}  {:>7}",
            "label", "precision", "recall", "f1", "support"
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, s: &Score| {
            writeln!(
                f,
                "{name:<width$}  {:>9.4}  {:>6.4}  {:>6.4}  {:>7}",
                s.precision, s.recall, s.f1, s.support
            )
        };
        for (l, s) in &self.labels {
            row(f, l, s)?;
        }
        writeln!(f)?;
        row(f, "micro avg", &self.micro)?;
        row(f, "macro avg", &self.macro_)?;
        row(f, "overlap micro", &self.overlap_micro)?;
        if self.confusion.is_empty() {
            return Ok(());
        }
        let mut cols: Vec<&str> = self
            .confusion
            .values()
            .flat_map(|r| r.keys().map(String::as_str))
            .chain(self.confusion.keys().map(String::as_str))
            .filter(|l| *l != NONE)
            .collect();
        cols.sort_unstable();
        cols.dedup();
        cols.push(NONE);
        let cw = cols.iter().map(|c| c.len()).max().unwrap_or(4).max(5);
        writeln!(f)?;
        write!(f, "{:<width$}", "gold \\ pred")?;
        for c in &cols {
            write!(f, "  {c:>cw$}")?;
        }
        writeln!(f)?;
        for r in &cols {
            let Some(row) = self.confusion.get(*r) else {
                continue;
            };
            write!(f, "{r:<width$}")?;
            for c in &cols {
                write!(f, "  {:>cw$}", row.get(*c).copied().unwrap_or(0))?;
            }
            writeln!(f)?;
        }
        let kinds: Vec<String> = self
            .mistakes
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        writeln!(f)?;
        writeln!(f, "mistakes: {}", kinds.join(", "))
    }
}
