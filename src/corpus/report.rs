//! What a reader read from one corpus path and what it skipped or ignored, so
//! that nothing is dropped in silence.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use super::format::Format;

/// Something a reader saw and did not turn into a document or an entity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ignored {
    /// A Prodigy line with `"answer": "reject"` (skipped).
    RejectedAnswer,
    /// A Prodigy line with `"answer": "ignore"` (skipped).
    IgnoredAnswer,
    /// A Label Studio annotation with `was_cancelled` set.
    CancelledAnnotation,
    /// A Label Studio annotation other than the one read (older, or by another annotator).
    OtherAnnotation,
    /// A Label Studio task without a usable annotation (skipped).
    UnannotatedTask,
    /// A Label Studio task with no annotation by the chosen `--annotator` (skipped).
    TaskWithoutAnnotator,
    /// A Label Studio prediction (pre-annotation); only annotations are read.
    Prediction,
    /// A relation (BRAT `R`, Label Studio `relation`, JSONL `relations`).
    Relation,
    /// A BRAT event (`E`).
    Event,
    /// A BRAT attribute or modifier (`A`, `M`).
    Attribute,
    /// A BRAT normalization (`N`).
    Normalization,
    /// A BRAT note (`#`).
    Note,
    /// A BRAT equivalence (`*`).
    Equivalence,
    /// A BRAT entity of several fragments, dropped under `--brat-fragments skip`.
    DiscontinuousEntity,
    /// A Label Studio result of another type than `labels` (`choices`, `textarea`...).
    OtherResult(String),
    /// A `#` comment line of a CoNLL-U file.
    Comment,
    /// A line of a CoNLL-U multi-word token not read (the range line or its words).
    MultiwordTokenLine,
    /// A CoNLL-U empty node (`1.1`).
    EmptyNode,
}

impl Ignored {
    /// `n` of them in words: `14 relations`, `1 rejected answer`.
    pub fn count(&self, n: usize) -> String {
        let (one, many) = match self {
            Ignored::RejectedAnswer => ("rejected answer", "rejected answers"),
            Ignored::IgnoredAnswer => ("ignored answer", "ignored answers"),
            Ignored::CancelledAnnotation => ("cancelled annotation", "cancelled annotations"),
            Ignored::OtherAnnotation => ("other annotation", "other annotations"),
            Ignored::UnannotatedTask => ("unannotated task", "unannotated tasks"),
            Ignored::TaskWithoutAnnotator => (
                "task without an annotation by the annotator",
                "tasks without an annotation by the annotator",
            ),
            Ignored::Prediction => ("prediction", "predictions"),
            Ignored::Relation => ("relation", "relations"),
            Ignored::Event => ("event", "events"),
            Ignored::Attribute => ("attribute", "attributes"),
            Ignored::Normalization => ("normalization", "normalizations"),
            Ignored::Note => ("note", "notes"),
            Ignored::Equivalence => ("equivalence", "equivalences"),
            Ignored::DiscontinuousEntity => ("discontinuous entity", "discontinuous entities"),
            Ignored::OtherResult(kind) => {
                let s = if n == 1 { "" } else { "s" };
                return format!("{n} {kind} result{s}");
            }
            Ignored::Comment => ("comment line", "comment lines"),
            Ignored::MultiwordTokenLine => ("multi-word token line", "multi-word token lines"),
            Ignored::EmptyNode => ("empty node", "empty nodes"),
        };
        format!("{n} {}", if n == 1 { one } else { many })
    }
}

/// The record of reading one corpus path (a file, or a BRAT folder).
#[derive(Debug, Clone, PartialEq)]
pub struct ReadReport {
    /// The path as given.
    pub path: PathBuf,
    /// The format it was read as.
    pub format: Format,
    /// Records seen: JSONL lines, Label Studio tasks, BRAT documents, CoNLL sentences
    /// (skipped ones included).
    pub records: usize,
    /// What was skipped or ignored, with counts.
    pub ignored: BTreeMap<Ignored, usize>,
}

impl ReadReport {
    /// An empty report for `path` read as `format`.
    pub fn new(path: impl Into<PathBuf>, format: Format) -> Self {
        ReadReport {
            path: path.into(),
            format,
            records: 0,
            ignored: BTreeMap::new(),
        }
    }

    /// Counts `n` more of `what` (nothing when `n` is 0).
    pub fn ignore(&mut self, what: Ignored, n: usize) {
        if n > 0 {
            *self.ignored.entry(what).or_default() += n;
        }
    }
}

/// One line: `data/x.json: 120 tasks read; ignored 14 relations, 3 rejected answers`.
impl fmt::Display for ReadReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (one, many) = self.format.record_noun();
        let noun = if self.records == 1 { one } else { many };
        write!(
            f,
            "{}: {} {noun} read ({})",
            self.path.display(),
            self.records,
            self.format
        )?;
        if !self.ignored.is_empty() {
            let parts: Vec<String> = self.ignored.iter().map(|(w, &n)| w.count(n)).collect();
            write!(f, "; ignored {}", parts.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_names_counts() {
        let mut r = ReadReport::new("data/x.json", Format::LabelStudio);
        r.records = 120;
        r.ignore(Ignored::Relation, 14);
        r.ignore(Ignored::OtherResult("choices".into()), 1);
        r.ignore(Ignored::Note, 0);
        assert_eq!(
            r.to_string(),
            "data/x.json: 120 tasks read (label-studio); ignored 14 relations, 1 choices result"
        );
    }
}
