//! From per-word tag scores to tags (constrained Viterbi) and from tags to spans.

use crate::document::Entity;
use crate::encoding::Word;
use crate::label::{LabelSet, Tag};

/// Whether `next` may follow `prev` in IOB2 (`None` = sequence start): `I-X` only after `B-X` or `I-X`.
pub fn allowed(prev: Option<Tag>, next: Tag) -> bool {
    match next {
        Tag::Inside(k) => matches!(prev, Some(Tag::Begin(j) | Tag::Inside(j)) if j == k),
        _ => true,
    }
}

/// The highest-scoring tag sequence under the IOB2 constraints, from log-probabilities
/// `scores[word][tag_id]` (each row `labels.num_tags()` long). Never emits `I-X` after
/// `O` or `Y`, nor on a word where `line_starts[word]` is true (a word after a line
/// break: entities never span lines). `line_starts` may be shorter (missing = false).
pub fn viterbi(scores: &[Vec<f32>], labels: &LabelSet, line_starts: &[bool]) -> Vec<Tag> {
    let n = labels.num_tags();
    if scores.is_empty() {
        return Vec::new();
    }
    let tags: Vec<Tag> = (0..n).map(|i| labels.tag(i)).collect();
    let mut best: Vec<f32> = (0..n)
        .map(|j| {
            if allowed(None, tags[j]) {
                scores[0][j]
            } else {
                f32::NEG_INFINITY
            }
        })
        .collect();
    let mut back: Vec<Vec<usize>> = Vec::with_capacity(scores.len());
    for (w, row) in scores.iter().enumerate().skip(1) {
        let new_line = line_starts.get(w).copied().unwrap_or(false);
        let mut next = vec![f32::NEG_INFINITY; n];
        let mut from = vec![0usize; n];
        for j in 0..n {
            if new_line && !allowed(None, tags[j]) {
                next[j] = f32::NEG_INFINITY;
                continue;
            }
            for i in 0..n {
                if best[i] > f32::NEG_INFINITY
                    && allowed(Some(tags[i]), tags[j])
                    && best[i] > next[j]
                {
                    next[j] = best[i];
                    from[j] = i;
                }
            }
            next[j] += row[j];
        }
        back.push(from);
        best = next;
    }
    let mut j = (0..n)
        .max_by(|&a, &b| best[a].total_cmp(&best[b]))
        .unwrap_or(0);
    let mut path = vec![j];
    for from in back.iter().rev() {
        j = from[j];
        path.push(j);
    }
    path.reverse();
    path.into_iter().map(|j| tags[j]).collect()
}

/// Entities from a tag sequence under strict IOB2, as seqeval's strict mode reads it:
/// an entity is `B-X` followed by any `I-X`; an `I-` that does not continue an
/// entity of its label is dropped. Each item is `(first_index, last_index_exclusive, label)`.
pub fn tag_chunks(tags: &[Tag]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    for (i, &tag) in tags.iter().enumerate() {
        match tag {
            Tag::Inside(k) if matches!(open, Some((_, j)) if j == k) => {}
            _ => {
                if let Some((s, k)) = open.take() {
                    out.push((s, i, k));
                }
                if let Tag::Begin(k) = tag {
                    open = Some((i, k));
                }
            }
        }
    }
    if let Some((s, k)) = open {
        out.push((s, tags.len(), k));
    }
    out
}

/// Entities over `words` (code-point spans) from their tags; the score of an
/// entity is the mean probability of its words' tags (`probs[word]`, in `[0, 1]`).
pub fn tags_to_entities(
    words: &[Word],
    tags: &[Tag],
    probs: &[f32],
    labels: &LabelSet,
) -> Vec<Entity> {
    tag_chunks(tags)
        .into_iter()
        .map(|(s, e, k)| {
            let score = probs[s..e].iter().sum::<f32>() / (e - s) as f32;
            Entity {
                start: words[s].start,
                end: words[e - 1].end,
                label: labels.name(k).to_string(),
                text: None,
                score: Some(score.clamp(0.0, 1.0)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viterbi_never_opens_with_inside() {
        let labels = LabelSet::new(["LOC", "PER"]);
        // Argmax would give I-LOC, I-PER: both invalid.
        let scores = vec![
            vec![-3.0, -2.0, -0.1, -5.0, -5.0],
            vec![-3.0, -5.0, -5.0, -2.5, -0.1],
        ];
        let tags = viterbi(&scores, &labels, &[]);
        assert_eq!(tags, vec![Tag::Begin(0), Tag::Begin(1)]);
    }

    #[test]
    fn an_entity_never_continues_across_a_line_break() {
        let labels = LabelSet::new(["LOC"]);
        // Tags O, B-LOC, I-LOC: word 1 prefers I-LOC after B-LOC.
        let scores = vec![vec![-5.0, -0.1, -3.0], vec![-5.0, -2.0, -0.1]];
        assert_eq!(
            viterbi(&scores, &labels, &[false, false]),
            vec![Tag::Begin(0), Tag::Inside(0)]
        );
        assert_eq!(
            viterbi(&scores, &labels, &[false, true]),
            vec![Tag::Begin(0), Tag::Begin(0)]
        );
    }

    #[test]
    fn chunks_follow_strict_iob2() {
        use Tag::*;
        // stray I-, label change mid-entity, adjacent same-label entities
        let tags = [
            Inside(0),
            Begin(0),
            Inside(1),
            Begin(1),
            Begin(1),
            Inside(1),
            Outside,
        ];
        assert_eq!(tag_chunks(&tags), vec![(1, 2, 0), (3, 4, 1), (4, 6, 1)]);
    }
}
