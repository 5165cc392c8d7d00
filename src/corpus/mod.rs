//! Corpus readers and writers: every format becomes [`Document`]s with
//! code-point spans, and every command reads through [`read_corpus`].
//!
//! Each reader either reads every annotation of a file or stops with the file,
//! the line (or task, or document) and the offending value; what it skips or
//! ignores on purpose (rejected answers, relations, comments...) is counted in
//! the [`ReadReport`]. Every reader skips a UTF-8 byte-order mark at the start of
//! a file and accepts CRLF line endings.
//!
//! The format comes from `--format` ([`ReadOptions::format`]) or the path:
//!
//! | path | format |
//! |---|---|
//! | `.jsonl` | jsonl (ours, Prodigy, doccano) |
//! | `.json` | label-studio when the content is a JSON array (of tasks), else jsonl |
//! | `.conll`, `.iob`, `.bio`, `.bioes`, `.tsv`, `.conllu` | conll |
//! | `.ann`, or a folder (of `.ann` + `.txt` pairs) | brat |
//! | `.txt` | refused: plain text for `tag`; a CoNLL file so named needs `--format conll` |
//!
//! Offsets: [`Document`] offsets are Unicode code points. JSONL, doccano,
//! Prodigy and BRAT count code points too (BRAT counts the characters of the
//! `.txt`, a CRLF being two); Label Studio counts UTF-16 code units, converted
//! on reading and writing.

mod brat;
mod conll;
mod csv;
mod doccano;
mod format;
mod jsonl;
mod label_studio;
pub mod markup;
mod problem;
mod report;
mod rules;
mod utf16;

use std::path::Path;

pub use self::brat::{write_brat, BratWriter};
pub use self::conll::write_conll;
pub use self::csv::write_csv;
pub use self::doccano::write_doccano;
pub use self::format::{Format, EXTENSIONS, FORMAT_NAMES};
pub use self::jsonl::{parse_jsonl, read_jsonl, write_jsonl, write_jsonl_line};
pub use self::label_studio::{label_studio_task, write_label_studio};
pub use self::problem::{At, Origin, Problem};
pub use self::report::{Ignored, ReadReport};
pub use self::rules::{unusable_span, Rules};
pub use self::utf16::Utf16Offsets;

use self::problem::Sink;
use crate::document::Document;
use crate::error::{Error, Result};
use crate::label::Scheme;

/// What to do with a BRAT entity of several fragments (`T1\tLOC 0 5;9 14\t...`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Fragments {
    /// Stop with the file and line (the default).
    #[default]
    Error,
    /// Read one span from the first fragment's start to the last one's end.
    Span,
    /// Drop the entity and count it.
    Skip,
}

impl std::str::FromStr for Fragments {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Ok(Fragments::Error),
            "span" => Ok(Fragments::Span),
            "skip" => Ok(Fragments::Skip),
            _ => Err(format!(
                "unknown fragment mode {s:?} (expected error, span or skip)"
            )),
        }
    }
}

/// How to read a corpus path.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOptions {
    /// The format; `None` tells it from the path (see the module doc's table).
    pub format: Option<Format>,
    /// Tag scheme of column files; `None` detects it.
    pub scheme: Option<Scheme>,
    /// Label Studio: read the annotation by this user (`completed_by` id or email)
    /// instead of the latest one.
    pub annotator: Option<String>,
    /// BRAT: what to do with discontinuous entities.
    pub brat_fragments: Fragments,
    /// CoNLL: the 1-based column of the tag (CoNLL-U, INCEpTION); `None` reads the
    /// last column, with the token first.
    pub tag_column: Option<usize>,
}

/// What reading one path gave: the documents, where each was read, and the record
/// of what was read and ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct Corpus {
    /// Documents in file order, entities sorted by start.
    pub documents: Vec<Document>,
    /// `origins[i]` is where `documents[i]` was read.
    pub origins: Vec<Origin>,
    /// Counts of what was read and ignored, for one line on stderr.
    pub report: ReadReport,
}

impl Corpus {
    fn new(path: &Path, format: Format) -> Self {
        Corpus {
            documents: Vec::new(),
            origins: Vec::new(),
            report: ReadReport::new(path, format),
        }
    }

    fn push(&mut self, doc: Document, path: &Path, at: At) {
        self.documents.push(doc);
        self.origins.push(Origin {
            path: path.to_path_buf(),
            at,
        });
    }
}

/// Reads a labelled corpus (a file, or a BRAT folder), stopping at the first
/// problem with an error naming the file, line or task, document and value.
pub fn read_corpus(path: &Path, opts: &ReadOptions) -> Result<Corpus> {
    let rules = Rules::default();
    let mut sink = Sink::stopping(&rules);
    read_into(path, opts, &mut sink)
}

/// Only the documents of [`read_corpus`].
pub fn read_documents(path: &Path, opts: &ReadOptions) -> Result<Vec<Document>> {
    Ok(read_corpus(path, opts)?.documents)
}

/// Reads a corpus like [`read_corpus`] but goes on past problems, returning every
/// one of them (each by `rules`, plus the reader's own: syntax, stored text,
/// duplicate ids). Documents keep their usable entities. Fails only when the path
/// cannot be read at all (I/O, unknown format).
pub fn scan_corpus(
    path: &Path,
    opts: &ReadOptions,
    rules: &Rules,
) -> Result<(Corpus, Vec<Problem>)> {
    let mut sink = Sink::collecting(rules);
    let corpus = read_into(path, opts, &mut sink)?;
    Ok((corpus, sink.problems))
}

fn read_into(path: &Path, opts: &ReadOptions, sink: &mut Sink) -> Result<Corpus> {
    let format = match opts.format {
        Some(f) => f,
        None => {
            let f = Format::detect(path)?;
            if format::extension(path) == "conllu" && opts.tag_column.is_none() {
                return Err(Error::corpus(
                    path,
                    "a CoNLL-U file keeps the entity tag in a column of its own: pass --tag-column N",
                ));
            }
            f
        }
    };
    if path.is_dir() && format != Format::Brat {
        return Err(Error::corpus(
            path,
            format!("is a folder; only a brat corpus is a folder, not {format}"),
        ));
    }
    if opts.tag_column == Some(0) {
        return Err(Error::corpus(path, "--tag-column counts from 1"));
    }
    let mut corpus = Corpus::new(path, format);
    match format {
        Format::Brat => brat::read(path, opts.brat_fragments, sink, &mut corpus)?,
        _ => {
            let content = read_text(path)?;
            match format {
                Format::Jsonl => jsonl::read(&content, path, sink, &mut corpus)?,
                Format::LabelStudio => label_studio::read(
                    &content,
                    path,
                    opts.annotator.as_deref(),
                    sink,
                    &mut corpus,
                )?,
                _ => conll::read(
                    &content,
                    path,
                    opts.scheme,
                    opts.tag_column,
                    sink,
                    &mut corpus,
                )?,
            }
        }
    }
    Ok(corpus)
}

/// Reads a whole file as UTF-8, without a leading byte-order mark, naming the
/// line of the first invalid byte.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let mut text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count();
        Error::data(path, line, format!("invalid UTF-8 at byte {at}"))
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}
