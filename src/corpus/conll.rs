//! CoNLL column files: whitespace-separated columns, token first and tag last,
//! a blank line between sentences, `-DOCSTART-` lines skipped. Each sentence
//! becomes one [`Document`] whose text is its tokens joined by single spaces
//! (so offsets are code points of that text), with id `path:line`.
//!
//! With a tag column (`--tag-column N`, 1-based) the file is read as CoNLL-U or
//! INCEpTION-style TSV: tab-separated when a line holds a tab, `#` comment lines
//! skipped, the token in the second column when the first is a CoNLL-U word id
//! (`1`, `1-2`, `1.1`), a `_` tag read as `O`. A multi-word token range (`1-2`)
//! is read as its words unless its own tag column holds a tag, then as one
//! token; empty nodes (`1.1`) are skipped. What is skipped is counted.

use std::io::Write;
use std::path::Path;

use super::problem::{At, Problem, Sink};
use super::report::Ignored;
use super::Corpus;
use crate::document::{Document, Entity};
use crate::error::Result;
use crate::label::{RawTag, Scheme};

struct Token {
    text: String,
    tag: RawTag,
    line: usize,
}

pub(crate) fn read(
    content: &str,
    path: &Path,
    scheme: Option<Scheme>,
    tag_column: Option<usize>,
    sink: &mut Sink,
    corpus: &mut Corpus,
) -> Result<()> {
    let content = content.strip_prefix('\u{feff}').unwrap_or(content);
    let sentences = parse_sentences(content, path, tag_column, sink, corpus)?;
    let scheme = scheme.unwrap_or_else(|| detect_scheme(&sentences));
    for s in &sentences {
        corpus.report.records += 1;
        let mut doc = sentence_document(s, scheme, path, sink)?;
        let at = At::Line(s[0].line);
        sink.document(&mut doc, path, at)?;
        corpus.push(doc, path, at);
    }
    Ok(())
}

/// A CoNLL-U word id: `1`, a range `1-2` or an empty node `1.1`.
fn word_id(s: &str) -> Option<(u64, Option<u64>, bool)> {
    if let Some((a, b)) = s.split_once('-') {
        Some((a.parse().ok()?, Some(b.parse().ok()?), false))
    } else if let Some((a, b)) = s.split_once('.') {
        b.parse::<u64>().ok()?;
        Some((a.parse().ok()?, None, true))
    } else {
        Some((s.parse().ok()?, None, false))
    }
}

fn parse_sentences(
    content: &str,
    path: &Path,
    tag_column: Option<usize>,
    sink: &mut Sink,
    corpus: &mut Corpus,
) -> Result<Vec<Vec<Token>>> {
    let mut sentences = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    // Words covered by a multi-word token read whole: skip ids up to this one.
    let mut skip_to: Option<u64> = None;
    for (i, line) in content.lines().enumerate() {
        let lineno = i + 1;
        let bad = |m: String| Problem::new(path, At::Line(lineno), "", m);
        if tag_column.is_some() && line.trim_start().starts_with('#') {
            corpus.report.ignore(Ignored::Comment, 1);
            continue;
        }
        let cols: Vec<&str> = if tag_column.is_some() && line.contains('\t') {
            line.split('\t').map(str::trim).collect()
        } else {
            line.split_whitespace().collect()
        };
        if cols.iter().all(|c| c.is_empty()) || cols[0] == "-DOCSTART-" {
            if !current.is_empty() {
                sentences.push(std::mem::take(&mut current));
            }
            skip_to = None;
            continue;
        }
        let (token, tag) = match tag_column {
            None if cols.len() < 2 => {
                sink.report(bad(format!(
                    "{line:?} has one column; expected a token and a tag"
                )))?;
                continue;
            }
            None => (cols[0], cols[cols.len() - 1]),
            Some(n) => {
                let id = word_id(cols[0]);
                let token_col = usize::from(id.is_some());
                if cols.len() < n.max(token_col + 1) {
                    sink.report(bad(format!(
                        "{line:?} has {} columns; the tag column is {n}",
                        cols.len()
                    )))?;
                    continue;
                }
                let tag = match cols[n - 1] {
                    "_" | "" => "O",
                    t => t,
                };
                match id {
                    Some((_, _, true)) => {
                        corpus.report.ignore(Ignored::EmptyNode, 1);
                        continue;
                    }
                    Some((_, Some(last), _)) => {
                        // The range line: whole when it carries a tag, else its words.
                        corpus.report.ignore(Ignored::MultiwordTokenLine, 1);
                        if cols[n - 1] == "_" {
                            continue;
                        }
                        skip_to = Some(last);
                    }
                    Some((w, None, false)) if skip_to.is_some_and(|l| w <= l) => {
                        corpus.report.ignore(Ignored::MultiwordTokenLine, 1);
                        continue;
                    }
                    _ => {}
                }
                (cols[token_col], tag)
            }
        };
        let tag = match RawTag::parse(tag) {
            Ok(t) => t,
            Err(m) => {
                sink.report(bad(m))?;
                RawTag {
                    prefix: 'O',
                    label: String::new(),
                }
            }
        };
        current.push(Token {
            text: token.to_string(),
            tag,
            line: lineno,
        });
    }
    if !current.is_empty() {
        sentences.push(current);
    }
    Ok(sentences)
}

fn detect_scheme(sentences: &[Vec<Token>]) -> Scheme {
    let mut iob1 = false;
    for s in sentences {
        let mut prev: Option<&RawTag> = None;
        for t in s {
            if matches!(t.tag.prefix, 'E' | 'S') {
                return Scheme::Bioes;
            }
            let continues = prev.is_some_and(|p| p.prefix != 'O' && p.label == t.tag.label);
            if t.tag.prefix == 'I' && !continues {
                iob1 = true;
            }
            prev = Some(&t.tag);
        }
    }
    if iob1 {
        Scheme::Iob1
    } else {
        Scheme::Iob2
    }
}

fn sentence_document(
    tokens: &[Token],
    scheme: Scheme,
    path: &Path,
    sink: &mut Sink,
) -> Result<Document> {
    let mut text = String::new();
    let mut entities: Vec<Entity> = Vec::new();
    // The entity under construction: (start, label).
    let mut open: Option<(usize, String)> = None;
    let mut end = 0;
    let mut chars = 0;
    for t in tokens {
        if !text.is_empty() {
            text.push(' ');
            chars += 1;
        }
        let start = chars;
        text.push_str(&t.text);
        chars += t.text.chars().count();
        let tag = &t.tag;
        let in_same = open.as_ref().is_some_and(|(_, l)| *l == tag.label);
        let mut bad = |why: &str| {
            let m = format!("tag {}-{} {why} ({scheme:?})", tag.prefix, tag.label);
            // Reading goes on (when collecting) as if the tag opened an entity.
            sink.report(Problem::new(path, At::Line(t.line), "", m))
                .map(|()| (true, true, false))
        };
        let (close_before, open_here, close_after) = match (scheme, tag.prefix) {
            (_, 'O') => (true, false, false),
            (Scheme::Iob1, 'I') => (!in_same, !in_same, false),
            (Scheme::Iob1 | Scheme::Iob2, 'B') => (true, true, false),
            (Scheme::Iob2, 'I') if in_same => (false, false, false),
            (Scheme::Iob2, 'I') => bad(
                "does not continue an entity of its label; pass --scheme IOB1 if the file is IOB1",
            )?,
            (Scheme::Bioes, 'B') => (true, true, false),
            (Scheme::Bioes, 'I') if in_same => (false, false, false),
            (Scheme::Bioes, 'E') if in_same => (false, false, true),
            (Scheme::Bioes, 'S') => (true, true, true),
            (Scheme::Bioes, _) => bad("does not continue an entity of its label")?,
            (_, _) => bad("is not allowed in this scheme")?,
        };
        if close_before {
            if let Some((s, l)) = open.take() {
                entities.push(Entity::new(s, end, l));
            }
        }
        if open_here {
            open = Some((start, tag.label.clone()));
        }
        end = chars;
        if close_after {
            if let Some((s, l)) = open.take() {
                entities.push(Entity::new(s, end, l));
            }
        }
    }
    if let Some((s, l)) = open.take() {
        entities.push(Entity::new(s, end, l));
    }
    Ok(Document {
        id: format!("{}:{}", path.display(), tokens[0].line),
        text,
        entities,
    })
}

/// Writes documents as two columns (`token TAG`, space-separated) in IOB2 or
/// BIOES: `-DOCSTART- O` and a blank line open each document, a blank line
/// ends it. Tokens are the text's whitespace-separated pieces, cut further at
/// entity boundaries so that every entity is whole tokens. This loses the
/// whitespace (it becomes single spaces on reading) and the ids.
pub fn write_conll<W: Write>(
    out: &mut W,
    docs: &[Document],
    scheme: Scheme,
) -> std::io::Result<()> {
    let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidData, m);
    if scheme == Scheme::Iob1 {
        return Err(invalid("CoNLL output is IOB2 or BIOES, not IOB1".into()));
    }
    for doc in docs {
        let chars: Vec<char> = doc.text.chars().collect();
        let mut cuts = vec![false; chars.len() + 1];
        for e in &doc.entities {
            if e.label.contains(char::is_whitespace) || e.end > chars.len() || e.start >= e.end {
                return Err(invalid(format!(
                    "document {:?}: span {}..{} ({}) cannot be written as CoNLL",
                    doc.id, e.start, e.end, e.label
                )));
            }
            cuts[e.start] = true;
            cuts[e.end] = true;
        }
        // Tokens as code-point ranges.
        let mut tokens: Vec<(usize, usize)> = Vec::new();
        let mut start: Option<usize> = None;
        for (i, c) in chars.iter().enumerate() {
            if let Some(s) = start {
                if c.is_whitespace() || cuts[i] {
                    tokens.push((s, i));
                    start = None;
                }
            }
            if start.is_none() && !c.is_whitespace() {
                start = Some(i);
            }
        }
        if let Some(s) = start {
            tokens.push((s, chars.len()));
        }
        out.write_all(b"-DOCSTART- O\n\n")?;
        let mut ents = doc.entities.iter().peekable();
        for &(s, e) in &tokens {
            while ents.peek().is_some_and(|x| x.end <= s) {
                ents.next();
            }
            let tag = match ents.peek() {
                Some(x) if x.start <= s => {
                    let (first, last) = (x.start == s, x.end == e);
                    let p = match (scheme, first, last) {
                        (Scheme::Bioes, true, true) => 'S',
                        (Scheme::Bioes, false, true) => 'E',
                        (_, true, _) => 'B',
                        _ => 'I',
                    };
                    format!("{p}-{}", x.label)
                }
                _ => "O".into(),
            };
            let token: String = chars[s..e].iter().collect();
            writeln!(out, "{token} {tag}")?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{Format, Rules};
    use super::*;

    fn scan(s: &str, scheme: Option<Scheme>, col: Option<usize>) -> (Corpus, Vec<Problem>) {
        let rules = Rules::default();
        let mut sink = Sink::collecting(&rules);
        let mut corpus = Corpus::new(Path::new("t.conll"), Format::Conll);
        read(s, Path::new("t.conll"), scheme, col, &mut sink, &mut corpus).unwrap();
        (corpus, sink.problems)
    }

    fn read_docs(s: &str, scheme: Option<Scheme>) -> Result<Vec<Document>> {
        let rules = Rules::default();
        let mut sink = Sink::stopping(&rules);
        let mut corpus = Corpus::new(Path::new("t.conll"), Format::Conll);
        read(
            s,
            Path::new("t.conll"),
            scheme,
            None,
            &mut sink,
            &mut corpus,
        )?;
        Ok(corpus.documents)
    }

    fn spans(d: &Document) -> Vec<(String, String)> {
        d.entities
            .iter()
            .map(|e| {
                (
                    d.slice(e.start, e.end).unwrap().to_string(),
                    e.label.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn reads_iob2_with_docstart() {
        let docs = read_docs("-DOCSTART- -X- -X- O\r\n\r\nEU NNP B-NP B-ORG\r\nrejects VBZ B-VP O\r\nGerman JJ B-NP B-MISC\r\nPeter NNP B-NP B-PER\r\nBlackburn NNP I-NP I-PER\r\n\r\nx O\r\n", None).unwrap();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].text, "EU rejects German Peter Blackburn");
        assert_eq!(
            spans(&docs[0]),
            vec![
                ("EU".into(), "ORG".into()),
                ("German".into(), "MISC".into()),
                ("Peter Blackburn".into(), "PER".into())
            ]
        );
        assert_eq!(docs[0].id, "t.conll:3");
    }

    #[test]
    fn detects_iob1_and_bioes() {
        let d = read_docs("a I-PER\nb I-PER\nc B-PER\nd O\ne I-LOC\n", None).unwrap();
        assert_eq!(
            spans(&d[0]),
            vec![
                ("a b".into(), "PER".into()),
                ("c".into(), "PER".into()),
                ("e".into(), "LOC".into())
            ]
        );
        let d = read_docs("a B-PER\nb E-PER\nc S-LOC\nd O\n", None).unwrap();
        assert_eq!(
            spans(&d[0]),
            vec![("a b".into(), "PER".into()), ("c".into(), "LOC".into())]
        );
    }

    #[test]
    fn bad_tags_name_the_line() {
        let err = read_docs("a O\nb Q-PER\n", None).unwrap_err();
        assert!(
            err.to_string().starts_with("t.conll:2: tag \"Q-PER\""),
            "{err}"
        );
        let err = read_docs("a O\nb I-PER\n", Some(Scheme::Iob2)).unwrap_err();
        assert!(err.to_string().starts_with("t.conll:2:"), "{err}");
        let err = read_docs("a\n", None).unwrap_err();
        assert!(err.to_string().contains("one column"), "{err}");
    }

    #[test]
    fn collecting_reports_every_bad_line() {
        let (c, p) = scan(
            "a O\nb Q-PER\nc\n\nd I-PER\ne O\n",
            Some(Scheme::Iob2),
            None,
        );
        let lines: Vec<At> = p.iter().map(|p| p.at).collect();
        assert_eq!(lines, vec![At::Line(2), At::Line(3), At::Line(5)]);
        assert_eq!(c.documents.len(), 2);
        assert_eq!(spans(&c.documents[1]), vec![("d".into(), "PER".into())]);
    }

    #[test]
    fn reads_conllu_with_a_tag_column() {
        let s = "# newdoc id = x\n# text = Kyiv isn't Goma\n1\tKyiv\tKyiv\tPROPN\t_\t_\t0\troot\t_\tB-LOC\n2-3\tisn't\t_\t_\t_\t_\t_\t_\t_\t_\n2\tis\tbe\tAUX\t_\t_\t1\tcop\t_\tO\n3\tn't\tnot\tPART\t_\t_\t1\tadvmod\t_\t_\n3.1\tx\t_\t_\t_\t_\t_\t_\t_\tO\n4\t𝐀 Goma\tGoma\tPROPN\t_\t_\t1\tnmod\t_\tB-LOC\n\n1-2\tdel\t_\t_\t_\t_\t_\t_\t_\tO\n1\tde\t_\t_\t_\t_\t_\t_\t_\tO\n2\tel\t_\t_\t_\t_\t_\t_\t_\tO\n3\tRío\t_\t_\t_\t_\t_\t_\t_\tB-LOC\n";
        let (c, p) = scan(s, None, Some(10));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(c.documents[0].text, "Kyiv is n't 𝐀 Goma");
        assert_eq!(
            spans(&c.documents[0]),
            vec![
                ("Kyiv".into(), "LOC".into()),
                ("𝐀 Goma".into(), "LOC".into())
            ]
        );
        assert_eq!(c.documents[1].text, "del Río");
        assert_eq!(
            c.report.to_string(),
            "t.conll: 2 sentences read (conll); ignored 2 comment lines, 4 multi-word token lines, 1 empty node"
        );
        let (_, p) = scan("1\tKyiv\tB-LOC\n", None, Some(10));
        assert!(
            p[0].message.contains("has 3 columns; the tag column is 10"),
            "{p:?}"
        );
    }

    #[test]
    fn writes_iob2_and_bioes_cutting_tokens_at_entities() {
        let d = Document {
            id: "d".into(),
            text: "Kyiv's  mayor\r\nVitali Klitschko".into(),
            entities: vec![Entity::new(0, 4, "LOC"), Entity::new(15, 31, "PER")],
        };
        let mut out = Vec::new();
        write_conll(&mut out, std::slice::from_ref(&d), Scheme::Bioes).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "-DOCSTART- O\n\nKyiv S-LOC\n's O\nmayor O\nVitali B-PER\nKlitschko E-PER\n\n"
        );
        let mut out = Vec::new();
        write_conll(&mut out, &[d], Scheme::Iob2).unwrap();
        let back = read_docs(std::str::from_utf8(&out).unwrap(), None).unwrap();
        assert_eq!(back[0].text, "Kyiv 's mayor Vitali Klitschko");
        assert_eq!(
            spans(&back[0]),
            vec![
                ("Kyiv".into(), "LOC".into()),
                ("Vitali Klitschko".into(), "PER".into())
            ]
        );
    }
}
