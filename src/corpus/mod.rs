//! Corpus readers: every format becomes [`Document`]s with code-point spans.

mod conll;
mod jsonl;
pub mod markup;

use std::path::Path;

pub use conll::read_conll;
pub use jsonl::{parse_jsonl, read_jsonl, write_jsonl};

use crate::document::Document;
use crate::error::{Error, Result};
use crate::label::Scheme;

/// Corpus file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON document per line (also doccano's `label: [[start, end, label]]`).
    Jsonl,
    /// Whitespace-separated columns, token first and tag last.
    Conll,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "jsonl" | "json" | "doccano" => Ok(Format::Jsonl),
            "conll" | "iob" | "bio" => Ok(Format::Conll),
            _ => Err(format!("unknown format {s:?} (expected jsonl or conll)")),
        }
    }
}

impl Format {
    /// The format implied by a file extension: `.jsonl`/`.json` or `.conll`/`.iob`/`.bio`/`.txt`/`.tsv`.
    pub fn from_path(path: &Path) -> Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "jsonl" | "json" => Ok(Format::Jsonl),
            "conll" | "iob" | "bio" | "bioes" | "txt" | "tsv" => Ok(Format::Conll),
            _ => Err(Error::data(
                path,
                0,
                format!("cannot tell the format from the extension {ext:?}: pass --format jsonl or --format conll"),
            )),
        }
    }
}

/// Reads a labelled corpus file. `format` defaults to the extension's; `scheme`
/// (column files only) defaults to detection.
pub fn read_corpus(
    path: &Path,
    format: Option<Format>,
    scheme: Option<Scheme>,
) -> Result<Vec<Document>> {
    let format = match format {
        Some(f) => f,
        None => Format::from_path(path)?,
    };
    match format {
        Format::Jsonl => read_jsonl(path),
        Format::Conll => read_conll(path, scheme),
    }
}

/// Reads a whole file as UTF-8, naming the line of the first invalid byte.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = 1 + e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count();
        Error::data(path, line, format!("invalid UTF-8 at byte {at}"))
    })
}
