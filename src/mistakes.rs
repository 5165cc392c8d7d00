//! What a model got wrong: gold and predicted entities of one document paired
//! one to one, each pair or leftover given a [`Kind`].
//!
//! Pairing, in order: exact matches (same start, end and label) are correct;
//! then same span with another label ([`Kind::WrongLabel`]); then overlapping
//! spans, largest overlap first ([`Kind::WrongSpan`] with the same label,
//! [`Kind::WrongBoth`] with another); gold left over is [`Kind::Missed`],
//! predictions left over [`Kind::Spurious`]. Each entity belongs to at most one
//! mistake, so `missed + wrong_*` equals the strict false negatives and
//! `spurious + wrong_*` the strict false positives.

use serde::Serialize;

use crate::document::{Document, Entity};

/// The kind of a mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A gold entity no prediction overlaps.
    Missed,
    /// A prediction no gold entity overlaps.
    Spurious,
    /// Same span, other label.
    WrongLabel,
    /// Overlapping span, same label (a boundary error).
    WrongSpan,
    /// Overlapping span, other label.
    WrongBoth,
}

impl Kind {
    /// All kinds, in report order.
    pub const ALL: [Kind; 5] = [
        Kind::Missed,
        Kind::Spurious,
        Kind::WrongLabel,
        Kind::WrongSpan,
        Kind::WrongBoth,
    ];

    /// `missed`, `spurious`, `wrong_label`, `wrong_span` or `wrong_both`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Missed => "missed",
            Kind::Spurious => "spurious",
            Kind::WrongLabel => "wrong_label",
            Kind::WrongSpan => "wrong_span",
            Kind::WrongBoth => "wrong_both",
        }
    }
}

/// One mistake: the gold entity, the prediction, or both (offsets in code points).
#[derive(Debug, Clone, PartialEq)]
pub struct Mistake {
    pub kind: Kind,
    pub gold: Option<Entity>,
    pub pred: Option<Entity>,
}

impl Mistake {
    /// The code-point range covering both entities.
    pub fn range(&self) -> (usize, usize) {
        let es = self.gold.iter().chain(&self.pred);
        let start = es.clone().map(|e| e.start).min().unwrap_or(0);
        let end = es.map(|e| e.end).max().unwrap_or(0);
        (start, end)
    }
}

/// One document's entities, paired.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Alignment {
    /// Exact matches, as (gold, predicted) entities.
    pub correct: Vec<(Entity, Entity)>,
    /// Everything else, in text order.
    pub mistakes: Vec<Mistake>,
}

fn overlap(a: &Entity, b: &Entity) -> usize {
    a.end.min(b.end).saturating_sub(a.start.max(b.start))
}

/// Pairs `gold`'s and `pred`'s entities (same text assumed); see the module docs.
pub fn align(gold: &Document, pred: &Document) -> Alignment {
    let (g, p) = (&gold.entities, &pred.entities);
    let mut g_used = vec![false; g.len()];
    let mut p_used = vec![false; p.len()];
    let mut out = Alignment::default();
    let pair = |kind: Option<Kind>, i: usize, j: usize, out: &mut Alignment| match kind {
        None => out.correct.push((g[i].clone(), p[j].clone())),
        Some(kind) => out.mistakes.push(Mistake {
            kind,
            gold: Some(g[i].clone()),
            pred: Some(p[j].clone()),
        }),
    };
    // Exact, then same span: one pass each, first free partner wins.
    for exact in [true, false] {
        for i in 0..g.len() {
            if g_used[i] {
                continue;
            }
            let hit = (0..p.len()).find(|&j| {
                !p_used[j]
                    && p[j].start == g[i].start
                    && p[j].end == g[i].end
                    && (p[j].label == g[i].label) == exact
            });
            if let Some(j) = hit {
                g_used[i] = true;
                p_used[j] = true;
                pair((!exact).then_some(Kind::WrongLabel), i, j, &mut out);
            }
        }
    }
    // Overlaps, largest first (ties: text order).
    let mut cands: Vec<(usize, usize, usize)> = Vec::new();
    for (i, ge) in g.iter().enumerate().filter(|(i, _)| !g_used[*i]) {
        for (j, pe) in p.iter().enumerate().filter(|(j, _)| !p_used[*j]) {
            let o = overlap(ge, pe);
            if o > 0 {
                cands.push((o, i, j));
            }
        }
    }
    cands.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    for (_, i, j) in cands {
        if g_used[i] || p_used[j] {
            continue;
        }
        g_used[i] = true;
        p_used[j] = true;
        let kind = if g[i].label == p[j].label {
            Kind::WrongSpan
        } else {
            Kind::WrongBoth
        };
        pair(Some(kind), i, j, &mut out);
    }
    for (_, e) in g.iter().enumerate().filter(|(i, _)| !g_used[*i]) {
        out.mistakes.push(Mistake {
            kind: Kind::Missed,
            gold: Some(e.clone()),
            pred: None,
        });
    }
    for (_, e) in p.iter().enumerate().filter(|(j, _)| !p_used[*j]) {
        out.mistakes.push(Mistake {
            kind: Kind::Spurious,
            gold: None,
            pred: Some(e.clone()),
        });
    }
    out.mistakes.sort_by_key(|m| (m.range(), m.kind));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(es: &[(usize, usize, &str)]) -> Document {
        Document {
            id: "d".into(),
            text: "x".repeat(100),
            entities: es.iter().map(|&(s, e, l)| Entity::new(s, e, l)).collect(),
        }
    }

    #[test]
    fn each_kind_and_one_partner_each() {
        let gold = doc(&[
            (0, 5, "LOC"),
            (10, 15, "PER"),
            (20, 30, "ORG"),
            (40, 45, "LOC"),
            (60, 65, "PER"),
        ]);
        let pred = doc(&[
            (0, 5, "LOC"),   // correct
            (10, 15, "ORG"), // wrong label
            (22, 30, "ORG"), // wrong span
            (20, 24, "PER"), // overlaps ORG too, but it is taken: spurious
            (42, 50, "PER"), // wrong both
            (80, 85, "LOC"), // spurious
        ]);
        let a = align(&gold, &pred);
        assert_eq!(a.correct.len(), 1);
        let kinds: Vec<Kind> = a.mistakes.iter().map(|m| m.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::WrongLabel,
                Kind::Spurious,
                Kind::WrongSpan,
                Kind::WrongBoth,
                Kind::Missed,
                Kind::Spurious
            ]
        );
    }
}
