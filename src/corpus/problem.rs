//! Problems found while reading, where they sit, and the sink the readers send
//! them to: it stops at the first one (training, evaluation, conversion) or
//! collects them all (`check`).

use std::path::{Path, PathBuf};

use super::rules::Rules;
use crate::document::Document;
use crate::error::{Error, Result};

/// Where in a file something sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// A 1-based line.
    Line(usize),
    /// The 1-based position of a task in a JSON array (Label Studio).
    Task(usize),
    /// The file as a whole (a BRAT document).
    File,
}

/// Where a document was read: its file (the `.ann` of a BRAT document) and place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub path: PathBuf,
    pub at: At,
}

/// One problem: file, place, document id (empty when unknown) and what is wrong,
/// with the offending value in the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: PathBuf,
    pub at: At,
    pub doc: String,
    pub message: String,
}

impl Problem {
    /// A problem at `at` of `path`, in document `doc` (may be empty).
    pub fn new(path: &Path, at: At, doc: &str, message: impl Into<String>) -> Self {
        Problem {
            path: path.to_path_buf(),
            at,
            doc: doc.to_string(),
            message: message.into(),
        }
    }
}

/// `path:12: document "x": message`, `path: task 3: document "x": message`, `path: message`.
impl From<Problem> for Error {
    fn from(p: Problem) -> Error {
        // A CoNLL sentence's id (`path:line`) is its place, printed already.
        let named_by_place =
            matches!(p.at, At::Line(l) if p.doc == format!("{}:{l}", p.path.display()));
        let message = if p.doc.is_empty() || named_by_place {
            p.message
        } else {
            format!("document {:?}: {}", p.doc, p.message)
        };
        match p.at {
            At::Line(line) => Error::Data {
                path: p.path,
                line,
                message,
            },
            At::Task(task) => Error::Task {
                path: p.path,
                task,
                message,
            },
            At::File => Error::Corpus {
                path: p.path,
                message,
            },
        }
    }
}

/// Where readers send problems: in stopping mode the first one becomes the
/// read's error; in collecting mode every one is kept and reading goes on past it.
pub(crate) struct Sink<'r> {
    rules: &'r Rules,
    collect: bool,
    pub(crate) problems: Vec<Problem>,
}

impl<'r> Sink<'r> {
    /// A sink that fails the read at the first problem.
    pub(crate) fn stopping(rules: &'r Rules) -> Self {
        Sink {
            rules,
            collect: false,
            problems: Vec::new(),
        }
    }

    /// A sink that keeps every problem.
    pub(crate) fn collecting(rules: &'r Rules) -> Self {
        Sink {
            rules,
            collect: true,
            problems: Vec::new(),
        }
    }

    /// Records a problem: `Err` when stopping, `Ok` (the reader skips the bad part
    /// and goes on) when collecting.
    pub(crate) fn report(&mut self, p: Problem) -> Result<()> {
        if self.collect {
            self.problems.push(p);
            Ok(())
        } else {
            Err(p.into())
        }
    }

    /// Validates a document the reader built by the sink's [`Rules`] (sorting its
    /// entities and dropping unusable ones), reporting each problem at `at`.
    pub(crate) fn document(&mut self, doc: &mut Document, path: &Path, at: At) -> Result<()> {
        for m in self.rules.apply(doc) {
            self.report(Problem::new(path, at, &doc.id, m))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_become_errors_that_lead_with_the_place() {
        let p = |at| Problem::new(Path::new("a.json"), at, "x", "span 3..1 (L) is reversed");
        assert_eq!(
            Error::from(p(At::Line(12))).to_string(),
            "a.json:12: document \"x\": span 3..1 (L) is reversed"
        );
        assert_eq!(
            Error::from(p(At::Task(3))).to_string(),
            "a.json: task 3: document \"x\": span 3..1 (L) is reversed"
        );
        let e = Error::from(Problem::new(
            Path::new("c"),
            At::Line(4),
            "c:4",
            "span 0..1 (L) is empty",
        ));
        assert_eq!(e.to_string(), "c:4: span 0..1 (L) is empty");
        let e = Error::from(Problem::new(Path::new("b.ann"), At::File, "", "no text"));
        assert_eq!(e.to_string(), "b.ann: no text");
    }
}
