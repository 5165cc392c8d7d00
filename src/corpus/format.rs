//! Corpus formats and the one extension table that tells a path's format.

use std::fmt;
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// A readable corpus format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// One JSON object per line: ours (`entities` with `start`/`end`/`label`), Prodigy
    /// (`spans`, `answer`), doccano (`label`/`labels` as `[[start, end, label]]`, or
    /// `entities` with `start_offset`/`end_offset`).
    Jsonl,
    /// A Label Studio JSON export: an array of tasks, offsets in UTF-16 code units.
    LabelStudio,
    /// BRAT standoff: `.ann` files beside their `.txt`, offsets in code points.
    Brat,
    /// Whitespace-separated columns (CoNLL-2003, IOB, BIOES; CoNLL-U with `--tag-column`).
    Conll,
}

/// How an extension maps to a format: `Some(format)`, or `None` when the content
/// decides (`.json`: Label Studio when it holds a JSON array, else JSONL).
/// Extensions are matched in lower case, without the dot.
pub const EXTENSIONS: &[(&str, Option<Format>)] = &[
    ("jsonl", Some(Format::Jsonl)),
    ("json", None),
    ("conll", Some(Format::Conll)),
    ("iob", Some(Format::Conll)),
    ("bio", Some(Format::Conll)),
    ("bioes", Some(Format::Conll)),
    ("tsv", Some(Format::Conll)),
    ("conllu", Some(Format::Conll)),
    ("ann", Some(Format::Brat)),
];

/// The names `--format` accepts.
pub const FORMAT_NAMES: &str = "jsonl, doccano, prodigy, label-studio, brat or conll";

impl Format {
    /// The canonical name (`jsonl`, `label-studio`, `brat`, `conll`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::LabelStudio => "label-studio",
            Format::Brat => "brat",
            Format::Conll => "conll",
        }
    }

    /// What one record of the format is called in read reports (singular, plural).
    pub fn record_noun(self) -> (&'static str, &'static str) {
        match self {
            Format::Jsonl | Format::Brat => ("document", "documents"),
            Format::LabelStudio => ("task", "tasks"),
            Format::Conll => ("sentence", "sentences"),
        }
    }

    /// The extension table in words, as errors quote it.
    pub fn table() -> String {
        let mut by_format: Vec<(String, Vec<String>)> = Vec::new();
        for (ext, f) in EXTENSIONS {
            let name = match f {
                Some(f) => f.name().to_string(),
                None => "label-studio if it holds a JSON array, else jsonl".to_string(),
            };
            match by_format.iter_mut().find(|(n, _)| *n == name) {
                Some((_, exts)) => exts.push(format!(".{ext}")),
                None => by_format.push((name, vec![format!(".{ext}")])),
            }
        }
        let mut parts: Vec<String> = by_format
            .into_iter()
            .map(|(name, exts)| format!("{} → {name}", exts.join("/")))
            .collect();
        parts.push("a folder of .ann files → brat".into());
        parts.join(", ")
    }

    /// The format of `path`: a folder is BRAT; a file goes by the extension table,
    /// `.json` by its first character. `.txt` is refused: it is plain text for `tag`,
    /// and a CoNLL file so named needs `--format conll`.
    pub fn detect(path: &Path) -> Result<Format> {
        if path.is_dir() {
            return Ok(Format::Brat);
        }
        let ext = extension(path);
        if ext == "txt" {
            return Err(Error::corpus(
                path,
                "a .txt file is not a corpus format (`tag` reads .txt as plain text): \
                 pass --format conll if it holds CoNLL columns",
            ));
        }
        match EXTENSIONS.iter().find(|(e, _)| *e == ext) {
            Some((_, Some(f))) => Ok(*f),
            Some((_, None)) => Ok(if first_char(path)? == Some('[') {
                Format::LabelStudio
            } else {
                Format::Jsonl
            }),
            None => Err(Error::corpus(
                path,
                format!(
                    "cannot tell the corpus format from the extension {ext:?} ({}): pass --format {FORMAT_NAMES}",
                    Format::table()
                ),
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "jsonl" | "doccano" | "prodigy" => Ok(Format::Jsonl),
            "label-studio" | "labelstudio" | "label_studio" => Ok(Format::LabelStudio),
            "brat" => Ok(Format::Brat),
            "conll" | "iob" | "bio" => Ok(Format::Conll),
            _ => Err(format!("unknown format {s:?} (expected {FORMAT_NAMES})")),
        }
    }
}

/// The lower-case extension of `path`, without the dot ("" when none).
pub(crate) fn extension(path: &Path) -> String {
    path.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The first character of a file that is not whitespace or a byte-order mark.
fn first_char(path: &Path) -> Result<Option<char>> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut buf = [0u8; 4096];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            return Ok(None);
        }
        let chunk = String::from_utf8_lossy(&buf[..n]);
        if let Some(c) = chunk
            .chars()
            .find(|c| !c.is_whitespace() && *c != '\u{feff}')
        {
            return Ok(Some(c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases_parse() {
        for (name, f) in [
            ("jsonl", Format::Jsonl),
            ("doccano", Format::Jsonl),
            ("Prodigy", Format::Jsonl),
            ("label-studio", Format::LabelStudio),
            ("brat", Format::Brat),
            ("conll", Format::Conll),
        ] {
            assert_eq!(name.parse::<Format>(), Ok(f));
        }
        assert!("json"
            .parse::<Format>()
            .unwrap_err()
            .contains("label-studio"));
    }

    #[test]
    fn extensions_and_content_decide() {
        let dir = tempfile::tempdir().unwrap();
        let p = |n: &str, s: &str| {
            let p = dir.path().join(n);
            std::fs::write(&p, s).unwrap();
            p
        };
        assert_eq!(Format::detect(&p("a.jsonl", "")).unwrap(), Format::Jsonl);
        assert_eq!(
            Format::detect(&p("a.json", "\u{feff}\n [{}]")).unwrap(),
            Format::LabelStudio
        );
        assert_eq!(
            Format::detect(&p("b.json", "{\"text\":\"x\"}")).unwrap(),
            Format::Jsonl
        );
        assert_eq!(Format::detect(&p("a.CoNLLU", "")).unwrap(), Format::Conll);
        assert_eq!(Format::detect(&p("a.ann", "")).unwrap(), Format::Brat);
        assert_eq!(Format::detect(dir.path()).unwrap(), Format::Brat);
        let err = Format::detect(&p("a.txt", "")).unwrap_err().to_string();
        assert!(err.contains("--format conll"), "{err}");
        let err = Format::detect(&p("a.xml", "")).unwrap_err().to_string();
        assert!(
            err.contains(".conll/.iob/.bio/.bioes/.tsv/.conllu → conll"),
            "{err}"
        );
    }
}
