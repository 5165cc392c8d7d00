//! BRAT standoff: each document is a `.txt` file and an `.ann` file beside it.
//! `T` lines are entities (`T1\tLOCATION 0 5\tKyiv`); offsets count the Unicode
//! characters (code points) of the `.txt` as BRAT does, a CRLF being two, end
//! exclusive, after a leading byte-order mark (which is skipped). The fourth
//! column must equal the text at the offsets (fragments joined by a space;
//! line breaks read as spaces). `R`, `E`, `A`, `M`, `N`, `*` and `#` lines are
//! counted as ignored. A document's id is its `.ann` path relative to the corpus
//! folder, without the extension (`/`-separated).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::problem::{At, Problem, Sink};
use super::report::Ignored;
use super::rules::unusable_span;
use super::{Corpus, Fragments};
use crate::document::{char_slice, Document, Entity};
use crate::error::{Error, Result};

pub(crate) fn read(
    path: &Path,
    fragments: Fragments,
    sink: &mut Sink,
    corpus: &mut Corpus,
) -> Result<()> {
    let (root, files) = if path.is_dir() {
        let mut files = Vec::new();
        ann_files(path, &mut files)?;
        files.sort();
        if files.is_empty() {
            return Err(Error::corpus(
                path,
                "holds no .ann files (a brat corpus is a folder of .ann and .txt pairs)",
            ));
        }
        (path.to_path_buf(), files)
    } else {
        let root = path.parent().unwrap_or(Path::new("")).to_path_buf();
        (root, vec![path.to_path_buf()])
    };
    for ann in &files {
        corpus.report.records += 1;
        let txt = ann.with_extension("txt");
        let rel = ann.strip_prefix(&root).unwrap_or(ann).with_extension("");
        let id = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if !txt.is_file() {
            let m = format!("has no text file beside it ({})", txt.display());
            sink.report(Problem::new(ann, At::File, &id, m))?;
            continue;
        }
        let text = super::read_text(&txt)?;
        let content = super::read_text(ann)?;
        let mut doc = Document {
            id,
            text,
            entities: Vec::new(),
        };
        read_ann(&content, ann, fragments, &mut doc, sink, corpus)?;
        sink.document(&mut doc, ann, At::File)?;
        corpus.push(doc, ann, At::File);
    }
    Ok(())
}

fn ann_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let p = entry.map_err(|e| Error::io(dir, e))?.path();
        if p.is_dir() {
            ann_files(&p, out)?;
        } else if super::format::extension(&p) == "ann" {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads the `.ann` lines of one document into `doc.entities`.
fn read_ann(
    content: &str,
    ann: &Path,
    fragments: Fragments,
    doc: &mut Document,
    sink: &mut Sink,
    corpus: &mut Corpus,
) -> Result<()> {
    let len = doc.char_len();
    for (i, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = At::Line(i + 1);
        let ignored = match line.chars().next() {
            Some('T') => None,
            Some('R') => Some(Ignored::Relation),
            Some('E') => Some(Ignored::Event),
            Some('A' | 'M') => Some(Ignored::Attribute),
            Some('N') => Some(Ignored::Normalization),
            Some('#') => Some(Ignored::Note),
            Some('*') => Some(Ignored::Equivalence),
            _ => {
                let m =
                    format!("{line:?} is not a brat annotation (T, R, E, A, M, N, * or # line)");
                sink.report(Problem::new(ann, at, &doc.id, m))?;
                continue;
            }
        };
        if let Some(what) = ignored {
            corpus.report.ignore(what, 1);
            continue;
        }
        let (entity, parts) = match parse_t(line) {
            Ok(x) => x,
            Err(m) => {
                sink.report(Problem::new(ann, at, &doc.id, m))?;
                continue;
            }
        };
        let (tid, label, frags, stored) = entity;
        if frags.len() > 1 {
            match fragments {
                Fragments::Skip => {
                    corpus.report.ignore(Ignored::DiscontinuousEntity, 1);
                    continue;
                }
                Fragments::Error => {
                    let m = format!(
                        "entity {tid} ({label}) has {} discontinuous fragments {parts:?}: pass --brat-fragments span to cover them with one span, or skip to drop them",
                        frags.len()
                    );
                    sink.report(Problem::new(ann, at, &doc.id, m))?;
                    continue;
                }
                Fragments::Span => {}
            }
        }
        let (start, end) = (frags[0].0, frags[frags.len() - 1].1);
        let mut bad = frags
            .iter()
            .find_map(|&(s, e)| unusable_span(&Entity::new(s, e, label), len));
        if bad.is_none() {
            if let Some(stored) = stored {
                let actual: Vec<&str> = frags
                    .iter()
                    .filter_map(|&(s, e)| char_slice(&doc.text, s, e))
                    .collect();
                let actual = actual.join(" ");
                if flat(stored) != flat(&actual) {
                    bad = Some(format!(
                        "entity {tid} span {parts} ({label}): stored text {stored:?} differs from the document's {actual:?}"
                    ));
                }
            }
        }
        match bad {
            Some(m) => sink.report(Problem::new(ann, at, &doc.id, m))?,
            None => doc.entities.push(Entity::new(start, end, label)),
        }
    }
    Ok(())
}

type TLine<'a> = (&'a str, &'a str, Vec<(usize, usize)>, Option<&'a str>);

/// `T1\tLABEL 0 5;9 14\ttext` → (id, label, fragments, stored text), and the offsets as written.
fn parse_t(line: &str) -> std::result::Result<(TLine<'_>, &str), String> {
    let bad = || format!("{line:?} is not `ID<TAB>LABEL START END<TAB>TEXT`");
    let mut cols = line.splitn(3, '\t');
    let (Some(tid), Some(mid)) = (cols.next(), cols.next()) else {
        return Err(bad());
    };
    let stored = cols.next();
    let (label, parts) = mid.split_once(' ').ok_or_else(bad)?;
    let mut frags = Vec::new();
    for f in parts.split(';') {
        let mut nums = f.split_whitespace().map(str::parse::<usize>);
        match (nums.next(), nums.next(), nums.next()) {
            (Some(Ok(s)), Some(Ok(e)), None) => frags.push((s, e)),
            _ => return Err(bad()),
        }
    }
    Ok(((tid, label, frags, stored), parts))
}

/// Line breaks and tabs as spaces: how a text can sit on one `.ann` line.
fn flat(s: &str) -> String {
    s.replace(['\r', '\n', '\t'], " ")
}

/// A file name from a document id: characters other than ASCII letters, digits,
/// `.`, `-` and `_` become `_`, and a leading `.` too.
fn file_stem(id: &str) -> String {
    let mut s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with('.') {
        s.insert(0, '_');
    }
    s
}

/// Writes documents into the existing folder `dir` as BRAT: `STEM.txt` (the text,
/// as is) and `STEM.ann` (one `T` line per entity) per document, STEM being the id
/// made safe for a file name (made unique with `-2`, `-3`...), and an
/// `annotation.conf` listing the labels. Scores are not written.
pub fn write_brat(dir: &Path, docs: &[Document]) -> Result<()> {
    let mut w = BratWriter::new(dir);
    for doc in docs {
        w.write(doc)?;
    }
    w.finish()
}

/// [`write_brat`] one document at a time (for streams): each pair of files is
/// complete when [`BratWriter::write`] returns; `annotation.conf` is written by
/// [`BratWriter::finish`].
pub struct BratWriter {
    dir: std::path::PathBuf,
    used: std::collections::HashSet<String>,
    labels: std::collections::BTreeSet<String>,
}

impl BratWriter {
    /// A writer into the existing folder `dir`.
    pub fn new(dir: &Path) -> Self {
        BratWriter {
            dir: dir.to_path_buf(),
            used: Default::default(),
            labels: Default::default(),
        }
    }

    /// Writes `STEM.txt` and `STEM.ann` for one document.
    pub fn write(&mut self, doc: &Document) -> Result<()> {
        let base = file_stem(&doc.id);
        let mut stem = base.clone();
        let mut n = 1;
        while !self.used.insert(stem.to_ascii_lowercase()) {
            n += 1;
            stem = format!("{base}-{n}");
        }
        let ann = self.dir.join(format!("{stem}.ann"));
        let mut lines = String::new();
        for (i, e) in doc.entities.iter().enumerate() {
            if e.label.is_empty() || e.label.contains(char::is_whitespace) {
                return Err(Error::corpus(
                    &ann,
                    format!(
                        "document {:?}: label {:?} cannot be a brat type (it holds whitespace)",
                        doc.id, e.label
                    ),
                ));
            }
            let surface = doc.slice(e.start, e.end).ok_or_else(|| {
                Error::corpus(
                    &ann,
                    format!(
                        "document {:?}: span {}..{} ({}) is out of range",
                        doc.id, e.start, e.end, e.label
                    ),
                )
            })?;
            self.labels.insert(e.label.clone());
            lines.push_str(&format!(
                "T{}\t{} {} {}\t{}\n",
                i + 1,
                e.label,
                e.start,
                e.end,
                flat(surface)
            ));
        }
        let txt = self.dir.join(format!("{stem}.txt"));
        std::fs::write(&txt, &doc.text).map_err(|e| Error::io(&txt, e))?;
        std::fs::write(&ann, lines).map_err(|e| Error::io(&ann, e))
    }

    /// Writes `annotation.conf` with every label written.
    pub fn finish(self) -> Result<()> {
        let conf = self.dir.join("annotation.conf");
        let mut f = std::fs::File::create(&conf).map_err(|e| Error::io(&conf, e))?;
        let mut text = String::from("[entities]\n");
        for l in &self.labels {
            text.push_str(l);
            text.push('\n');
        }
        text.push_str("\n[relations]\n\n[events]\n\n[attributes]\n");
        f.write_all(text.as_bytes())
            .map_err(|e| Error::io(&conf, e))
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, Rules};
    use super::*;

    fn scan(dir: &Path, fragments: Fragments) -> (Corpus, Vec<Problem>) {
        let rules = Rules::default();
        let mut sink = Sink::collecting(&rules);
        let mut corpus = Corpus::new(dir, Format::Brat);
        read(dir, fragments, &mut sink, &mut corpus).unwrap();
        (corpus, sink.problems)
    }

    fn pair(dir: &Path, stem: &str, txt: &str, ann: &str) {
        std::fs::write(dir.join(format!("{stem}.txt")), txt).unwrap();
        std::fs::write(dir.join(format!("{stem}.ann")), ann).unwrap();
    }

    #[test]
    fn reads_entities_and_counts_the_rest() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("sub")).unwrap();
        pair(d.path(), "a", "🇺🇦 Kyiv\r\nand 𝐀 Goma", "T1\tLOC 3 7\tKyiv\r\nT2\tLOC 15 19\tGoma\r\nR1\tNear Arg1:T1 Arg2:T2\r\nA1\tNeg T1\r\n#1\tAnnotatorNotes T1\tok\r\nE1\tAttack:T1\r\nN1\tReference T1 Wikidata:Q1899\tKyiv\r\n*\tEquiv T1 T2\r\n");
        pair(
            &d.path().join("sub"),
            "b",
            "\u{feff}Goma",
            "\u{feff}T1\tLOC 0 4\tGoma\n",
        );
        let (c, p) = scan(d.path(), Fragments::Error);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.documents.len(), 2);
        let a = &c.documents[0];
        assert_eq!(a.id, "a");
        assert_eq!(a.slice(15, 19), Some("Goma"));
        assert_eq!(c.documents[1].id, "sub/b");
        assert_eq!(
            c.report.to_string(),
            format!("{}: 2 documents read (brat); ignored 1 relation, 1 event, 1 attribute, 1 normalization, 1 note, 1 equivalence", d.path().display())
        );
    }

    #[test]
    fn discontinuous_fragments_in_three_modes() {
        let d = tempfile::tempdir().unwrap();
        pair(
            d.path(),
            "a",
            "North and South Kivu",
            "T1\tLOC 0 5;16 20\tNorth Kivu\nT2\tLOC 10 20\tSouth Kivu\n",
        );
        let (_, p) = scan(d.path(), Fragments::Error);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].at, At::Line(1));
        let err = Error::from(p[0].clone()).to_string();
        assert!(err.ends_with("a.ann:1: document \"a\": entity T1 (LOC) has 2 discontinuous fragments \"0 5;16 20\": pass --brat-fragments span to cover them with one span, or skip to drop them"), "{err}");
        let (c, p) = scan(d.path(), Fragments::Skip);
        assert!(p.is_empty());
        assert_eq!(c.documents[0].entities.len(), 1);
        assert_eq!(c.report.ignored[&Ignored::DiscontinuousEntity], 1);
        let (c, p) = scan(d.path(), Fragments::Span);
        assert_eq!(c.documents[0].entities[0].end, 20);
        assert!(p[0].message.contains("overlaps"), "{p:?}");
    }

    #[test]
    fn mismatches_and_missing_text_are_errors() {
        let d = tempfile::tempdir().unwrap();
        pair(
            d.path(),
            "a",
            "Goma",
            "T1\tLOC 0 4\tGome\nT2\tLOC 2 9\tma\nX1\tjunk\nT3\tLOC zero 4\tGoma\n",
        );
        std::fs::write(d.path().join("b.ann"), "").unwrap();
        let (_, p) = scan(d.path(), Fragments::Error);
        let m: Vec<String> = p
            .iter()
            .map(|p| Error::from(p.clone()).to_string())
            .collect();
        assert!(m[0].ends_with("a.ann:1: document \"a\": entity T1 span 0 4 (LOC): stored text \"Gome\" differs from the document's \"Goma\""), "{m:?}");
        assert!(
            m[1].contains("a.ann:2: document \"a\": span 2..9 (LOC) is out of range"),
            "{m:?}"
        );
        assert!(
            m[2].contains("a.ann:3:") && m[2].contains("not a brat annotation"),
            "{m:?}"
        );
        assert!(
            m[3].contains("a.ann:4:") && m[3].contains("is not `ID<TAB>LABEL"),
            "{m:?}"
        );
        assert!(
            m[4].contains("b.ann: document \"b\": has no text file beside it"),
            "{m:?}"
        );
    }

    #[test]
    fn writes_safe_unique_file_names() {
        let d = tempfile::tempdir().unwrap();
        let doc = |id: &str| Document {
            id: id.into(),
            text: "Goma\r\nKivu".into(),
            entities: vec![Entity::new(0, 4, "LOC"), Entity::new(6, 10, "LOC")],
        };
        write_brat(d.path(), &[doc("../x"), doc("_.._x"), doc("a b")]).unwrap();
        for f in ["_.._x.txt", "_.._x-2.ann", "a_b.ann", "annotation.conf"] {
            assert!(d.path().join(f).is_file(), "{f}");
        }
        assert_eq!(
            std::fs::read_to_string(d.path().join("a_b.ann")).unwrap(),
            "T1\tLOC 0 4\tGoma\nT2\tLOC 6 10\tKivu\n"
        );
        let (c, p) = scan(d.path(), Fragments::Error);
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.documents[2].entities, doc("a b").entities);
    }
}
