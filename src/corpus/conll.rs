//! CoNLL column files: whitespace-separated columns, token first and tag last,
//! a blank line between sentences, `-DOCSTART-` lines skipped. Each sentence
//! becomes one [`Document`] whose text is its tokens joined by single spaces.

use std::path::Path;

use crate::document::{Document, Entity};
use crate::error::{Error, Result};
use crate::label::{RawTag, Scheme};

struct Token {
    text: String,
    tag: RawTag,
    line: usize,
}

/// Reads a column file. `scheme` defaults to detection: BIOES when any `E-`/`S-`
/// tag appears, IOB1 when an `I-` tag opens an entity, IOB2 otherwise.
pub fn read_conll(path: &Path, scheme: Option<Scheme>) -> Result<Vec<Document>> {
    let content = super::read_text(path)?;
    let sentences = parse_sentences(&content, path)?;
    let scheme = scheme.unwrap_or_else(|| detect_scheme(&sentences));
    sentences
        .iter()
        .map(|s| sentence_document(s, scheme, path))
        .collect()
}

fn parse_sentences(content: &str, path: &Path) -> Result<Vec<Vec<Token>>> {
    let mut sentences = Vec::new();
    let mut current: Vec<Token> = Vec::new();
    for (i, line) in content.lines().enumerate() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.is_empty() || cols[0] == "-DOCSTART-" {
            if !current.is_empty() {
                sentences.push(std::mem::take(&mut current));
            }
            continue;
        }
        if cols.len() < 2 {
            return Err(Error::data(
                path,
                i + 1,
                format!("{line:?} has one column; expected a token and a tag"),
            ));
        }
        let tag = RawTag::parse(cols[cols.len() - 1]).map_err(|m| Error::data(path, i + 1, m))?;
        current.push(Token {
            text: cols[0].to_string(),
            tag,
            line: i + 1,
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

fn sentence_document(tokens: &[Token], scheme: Scheme, path: &Path) -> Result<Document> {
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
        let bad = |why: &str| {
            Error::data(
                path,
                t.line,
                format!("tag {}-{} {why} ({scheme:?})", tag.prefix, tag.label),
            )
        };
        let (close_before, open_here, close_after) = match (scheme, tag.prefix) {
            (_, 'O') => (true, false, false),
            (Scheme::Iob1, 'I') => (!in_same, !in_same, false),
            (Scheme::Iob1 | Scheme::Iob2, 'B') => (true, true, false),
            (Scheme::Iob2, 'I') if in_same => (false, false, false),
            (Scheme::Iob2, 'I') => return Err(bad(
                "does not continue an entity of its label; pass --scheme IOB1 if the file is IOB1",
            )),
            (Scheme::Bioes, 'B') => (true, true, false),
            (Scheme::Bioes, 'I') if in_same => (false, false, false),
            (Scheme::Bioes, 'E') if in_same => (false, false, true),
            (Scheme::Bioes, 'S') => (true, true, true),
            (Scheme::Bioes, _) => return Err(bad("does not continue an entity of its label")),
            (_, _) => return Err(bad("is not allowed in this scheme")),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read(s: &str, scheme: Option<Scheme>) -> Result<Vec<Document>> {
        let sentences = parse_sentences(s, Path::new("t.conll"))?;
        let scheme = scheme.unwrap_or_else(|| detect_scheme(&sentences));
        sentences
            .iter()
            .map(|x| sentence_document(x, scheme, Path::new("t.conll")))
            .collect()
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
        let docs = read("-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\nPeter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n\nx O\n", None).unwrap();
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
        let d = read("a I-PER\nb I-PER\nc B-PER\nd O\ne I-LOC\n", None).unwrap();
        assert_eq!(
            spans(&d[0]),
            vec![
                ("a b".into(), "PER".into()),
                ("c".into(), "PER".into()),
                ("e".into(), "LOC".into())
            ]
        );
        let d = read("a B-PER\nb E-PER\nc S-LOC\nd O\n", None).unwrap();
        assert_eq!(
            spans(&d[0]),
            vec![("a b".into(), "PER".into()), ("c".into(), "LOC".into())]
        );
    }

    #[test]
    fn bad_tags_name_the_line() {
        let err = read("a O\nb Q-PER\n", None).unwrap_err();
        assert!(
            err.to_string().starts_with("t.conll:2: tag \"Q-PER\""),
            "{err}"
        );
        let err = read("a O\nb I-PER\n", Some(Scheme::Iob2)).unwrap_err();
        assert!(err.to_string().starts_with("t.conll:2:"), "{err}");
        let err = read("a\n", None).unwrap_err();
        assert!(err.to_string().contains("one column"), "{err}");
    }
}
