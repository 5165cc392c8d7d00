//! The per-document validator that every reader applies and `check` extends:
//! it lists every problem of a document, not only the first.

use crate::document::{Document, Entity};

/// What a document must satisfy. [`Rules::default`] is what every reader checks
/// (spans in range, not reversed or empty, labelled, not overlapping); `check`
/// turns on the rest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    /// Spans start and end on a word character (a letter, digit, `$`, `€`, `£` or
    /// `%`); an abbreviation's final period (`U.S.`) is allowed.
    pub word_boundaries: bool,
    /// The declared label set; `None` accepts any label.
    pub labels: Option<Vec<String>>,
    /// A document whose text is empty or only whitespace is a problem.
    pub non_empty_text: bool,
}

/// Why one span cannot be kept at all (reversed, empty, out of range, unlabelled),
/// or `None`. `len` is the text's length in code points; spans are code points.
pub fn unusable_span(e: &Entity, len: usize) -> Option<String> {
    let at = format!("span {}..{} ({})", e.start, e.end, e.label);
    if e.start > e.end {
        Some(format!("{at} is reversed"))
    } else if e.start == e.end {
        Some(format!("{at} is empty"))
    } else if e.end > len {
        Some(format!(
            "{at} is out of range: the text has {len} code points"
        ))
    } else if e.label.trim().is_empty() {
        Some(format!("span {}..{} has an empty label", e.start, e.end))
    } else {
        None
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '$' | '€' | '£' | '%')
}

impl Rules {
    /// Checks `doc`: sorts its entities by `(start, end)`, removes the ones that
    /// cannot be kept (see [`unusable_span`]) and returns every problem found, in
    /// text order, each message naming the span (`span 40..38 (LOCATION) is reversed`).
    pub fn apply(&self, doc: &mut Document) -> Vec<String> {
        let mut problems = Vec::new();
        if self.non_empty_text && doc.text.trim().is_empty() {
            problems.push("empty document".to_string());
        }
        let chars: Vec<char> = doc.text.chars().collect();
        doc.entities.sort_by_key(|e| (e.start, e.end));
        doc.entities
            .retain(|e| match unusable_span(e, chars.len()) {
                Some(m) => {
                    problems.push(m);
                    false
                }
                None => true,
            });
        for e in &doc.entities {
            let at = format!("span {}..{} ({})", e.start, e.end, e.label);
            let surface: String = chars[e.start..e.end].iter().collect();
            if self.word_boundaries {
                let (first, last) = (chars[e.start], chars[e.end - 1]);
                let abbrev = last == '.' && surface.chars().filter(|&c| c == '.').count() >= 2;
                if !is_word_char(first) || !(is_word_char(last) || abbrev) {
                    problems.push(format!(
                        "{at} {surface:?} starts or ends on whitespace or punctuation"
                    ));
                }
            }
            if let Some(labels) = &self.labels {
                if !labels.contains(&e.label) {
                    problems.push(format!(
                        "{at} {surface:?}: label {:?} is not in the declared set ({})",
                        e.label,
                        labels.join(", ")
                    ));
                }
            }
        }
        for w in doc.entities.windows(2) {
            if w[1].start < w[0].end {
                problems.push(format!(
                    "span {}..{} ({}) overlaps span {}..{} ({})",
                    w[1].start, w[1].end, w[1].label, w[0].start, w[0].end, w[0].label
                ));
            }
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str, spans: &[(usize, usize, &str)]) -> Document {
        Document {
            id: "d".into(),
            text: text.into(),
            entities: spans
                .iter()
                .map(|&(s, e, l)| Entity::new(s, e, l))
                .collect(),
        }
    }

    #[test]
    fn structural_rules_list_every_problem_and_drop_unusable_spans() {
        let mut d = doc(
            "North Kivu 🙂",
            &[
                (6, 10, "L"),
                (0, 10, "L"),
                (5, 3, "X"),
                (4, 4, "X"),
                (9, 13, "X"),
            ],
        );
        let p = Rules::default().apply(&mut d);
        assert_eq!(
            p,
            vec![
                "span 4..4 (X) is empty",
                "span 5..3 (X) is reversed",
                "span 9..13 (X) is out of range: the text has 12 code points",
                "span 6..10 (L) overlaps span 0..10 (L)",
            ]
        );
        assert_eq!(d.entities.len(), 2);
    }

    #[test]
    fn check_rules_add_boundaries_labels_and_empty_text() {
        let rules = Rules {
            word_boundaries: true,
            labels: Some(vec!["LOC".into()]),
            non_empty_text: true,
        };
        let mut d = doc("in Goma, the U.S. said", &[(2, 7, "LOC"), (13, 17, "CITY")]);
        let p = rules.apply(&mut d);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("\" Goma\" starts or ends on whitespace"));
        assert!(p[1].contains("label \"CITY\" is not in the declared set (LOC)"));
        assert_eq!(rules.apply(&mut doc(" ", &[])), vec!["empty document"]);
    }
}
