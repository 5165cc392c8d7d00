//! Self-contained HTML pages (CSS inline; no scripts, fonts or network): tagged
//! documents with their entities in label colours. Every piece of text goes
//! through maud's escaping, so a document holding `<script>` shows as text.

use std::collections::BTreeMap;

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::document::{char_byte_starts, Document};
use crate::metrics::Report;
use crate::mistakes::Alignment;
use crate::prediction::Prediction;

/// Background colours of the shipped labels; other labels take the rest in turn.
const COLOURS: [(&str, &str); 6] = [
    ("ARMED_GROUP", "#f6b0b0"),
    ("OFFICIAL", "#f9d29b"),
    ("PERSON", "#f4e79a"),
    ("ORGANIZATION", "#b5e3c4"),
    ("LOCATION", "#acd0f4"),
    ("FIGURE", "#d8c2f0"),
];
const SPARE: [&str; 6] = [
    "#c9e9e6", "#f2c6de", "#dcdcdc", "#e3efb0", "#f0d9c4", "#c4cdf0",
];

const CSS: &str = "
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#222}
h1{font-size:1.4em} h2{font-size:1.05em;margin:1.6em 0 .3em;font-family:ui-monospace,monospace;word-break:break-all}
table{border-collapse:collapse;margin:.6em 0} td,th{padding:.2em .7em;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}
.doc{white-space:pre-wrap;border-left:3px solid #ccc;padding-left:.8em}
mark{border-radius:3px;padding:0 .15em;cursor:help}
mark small{font-size:.65em;font-weight:600;margin-left:.25em;opacity:.7;vertical-align:.15em}
.legend span{display:inline-block;border-radius:3px;padding:0 .4em;margin:0 .4em .3em 0}
.muted{color:#777}
";

/// The labels of `labels`, each with its CSS class (`l0`, `l1`, …) and colour.
struct Palette(Vec<(String, String)>);

impl Palette {
    fn new<'a>(labels: impl IntoIterator<Item = &'a str>) -> Self {
        let mut spare = SPARE.iter().cycle();
        let mut seen: Vec<(String, String)> = Vec::new();
        let mut known: Vec<&str> = labels.into_iter().collect();
        known.sort_unstable();
        known.dedup();
        for l in known {
            let colour = COLOURS
                .iter()
                .find(|(k, _)| *k == l)
                .map(|(_, c)| c.to_string())
                .unwrap_or_else(|| spare.next().expect("cycle").to_string());
            seen.push((l.to_string(), colour));
        }
        Palette(seen)
    }

    fn class(&self, label: &str) -> String {
        let i = self.0.iter().position(|(l, _)| l == label).unwrap_or(0);
        format!("l{i}")
    }

    fn css(&self) -> String {
        self.0
            .iter()
            .enumerate()
            .map(|(i, (_, c))| format!(".l{i}{{background:{c}}}"))
            .collect()
    }
}

/// A page's head: charset, viewport, title and the style sheets inline.
fn head(title: &str, css: &[&str]) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) }
            style { @for c in css { (PreEscaped(c)) } }
        }
    }
}

/// `1 document`, `2 documents`, `2 entities`.
fn plural(n: usize, noun: &str) -> String {
    match (n, noun.strip_suffix('y')) {
        (1, _) => format!("1 {noun}"),
        (_, Some(stem)) => format!("{n} {stem}ies"),
        _ => format!("{n} {noun}s"),
    }
}

/// Per label: entities, summed score (over those with one) and scored count.
fn counts<'a>(docs: &'a [Prediction<'a>]) -> BTreeMap<&'a str, (usize, f64, usize)> {
    let mut m: BTreeMap<&str, (usize, f64, usize)> = BTreeMap::new();
    for d in docs {
        for e in &d.entities {
            let c = m.entry(e.label).or_default();
            c.0 += 1;
            if let Some(s) = e.score {
                c.1 += f64::from(s);
                c.2 += 1;
            }
        }
    }
    m
}

/// The hover text of an entity: label, score and FIGURE value.
fn hover(e: &crate::prediction::PredictedEntity) -> String {
    let mut t = e.label.to_string();
    if let Some(s) = e.score {
        t.push_str(&format!(" · score {s:.2}"));
    }
    match &e.value {
        Some(Some(v)) => t.push_str(&format!(" · value {}", v.describe())),
        Some(None) => t.push_str(" · value unreadable"),
        None => {}
    }
    t
}

/// One marked stretch of a document: code-point offsets, end exclusive.
struct Mark {
    start: usize,
    end: usize,
    class: String,
    title: String,
    label: String,
}

/// A document's text with `marks` (sorted by start) highlighted; a mark that
/// overlaps an earlier one is left out (the tagger never writes such).
fn marked(text: &str, marks: &[Mark]) -> Markup {
    let starts = char_byte_starts(text);
    let at = |i: usize| starts.get(i).copied().unwrap_or(text.len());
    let mut cursor = 0usize;
    let mut pieces: Vec<Markup> = Vec::new();
    for m in marks {
        let (s, t) = (at(m.start), at(m.end));
        if s < cursor || t < s {
            continue;
        }
        let (before, inside) = (&text[cursor..s], &text[s..t]);
        pieces.push(html! {
            (before)
            mark class=(m.class) title=(m.title) { (inside) small { (m.label) } }
        });
        cursor = t;
    }
    let rest = &text[cursor..];
    html! { div.doc { @for p in pieces { (p) } (rest) } }
}

/// The marks of a tagged document.
fn prediction_marks(doc: &Prediction, palette: &Palette) -> Vec<Mark> {
    doc.entities
        .iter()
        .map(|e| Mark {
            start: e.start,
            end: e.end,
            class: palette.class(e.label),
            title: hover(e),
            label: e.label.to_string(),
        })
        .collect()
}

/// A page of tagged documents: title, legend, a table of entity counts and
/// mean scores per label, then every document with its entities highlighted
/// (hover: label, score, FIGURE value).
pub fn tagged_page(title: &str, docs: &[Prediction]) -> String {
    let counts = counts(docs);
    let palette = Palette::new(counts.keys().copied());
    let total: usize = counts.values().map(|c| c.0).sum();
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, &[CSS, &palette.css()]))
            body {
                h1 { (title) }
                p.muted { (plural(docs.len(), "document")) ", " (plural(total, "entity")) ". Hover over an entity for its score and, for FIGURE, its value." }
                p.legend { @for (l, _) in &palette.0 { span class=(palette.class(l)) { (l) } } }
                table {
                    tr { th { "label" } th { "entities" } th { "mean score" } }
                    @for (l, (n, sum, scored)) in &counts {
                        tr {
                            td { span class=(palette.class(l)) { (l) } }
                            td { (n) }
                            td { @if *scored > 0 { (format!("{:.3}", sum / *scored as f64)) } @else { "–" } }
                        }
                    }
                }
                @for d in docs {
                    h2 { (d.id) }
                    (marked(d.text, &prediction_marks(d, &palette)))
                }
            }
        }
    }
    .into_string()
}

/// Outline colours of the mistake kinds on the evaluation page.
const KIND_CSS: &str = "
mark.missed{outline:2px solid #c62828}mark.spurious{outline:2px dashed #c62828}
mark.wrong_label{outline:2px solid #ef6c00}mark.wrong_span{outline:2px dotted #1565c0}
mark.wrong_both{outline:2px solid #6a1b9a}
.legend mark{background:#fff;margin-right:.6em}
.row{display:grid;grid-template-columns:5.5em 1fr;gap:.2em .6em;margin:.2em 0}
.row b{font-size:.8em;color:#555;padding-top:.2em}
";

/// One document of an evaluation: gold, predicted and their alignment.
pub struct Evaluated {
    pub gold: Document,
    pub pred: Document,
    pub alignment: Alignment,
}

/// The marks of one side of an evaluated document: each entity in its label
/// colour, with its mistake kind (if any) as an outline and in the hover text.
fn side_marks(doc: &Document, e: &Evaluated, gold: bool, palette: &Palette) -> Vec<Mark> {
    let preds = Prediction::new(doc);
    preds
        .entities
        .iter()
        .zip(&doc.entities)
        .map(|(p, ent)| {
            let kind = e.alignment.mistakes.iter().find_map(|m| {
                let side = if gold { &m.gold } else { &m.pred };
                side.as_ref()
                    .filter(|x| x.start == ent.start && x.end == ent.end && x.label == ent.label)
                    .map(|_| m.kind)
            });
            let mut title = hover(p);
            let mut class = palette.class(p.label);
            if let Some(k) = kind {
                title = format!("{} · {title}", k.name());
                class = format!("{class} {}", k.name());
            }
            Mark {
                start: p.start,
                end: p.end,
                class,
                title,
                label: p.label.to_string(),
            }
        })
        .collect()
}

/// A page of an evaluation: the per-label table and the mistakes by kind on
/// top, then every document (most mistakes first) with gold and predicted
/// entities one above the other, mistakes outlined by kind.
pub fn evaluation_page(title: &str, report: &Report, docs: &[Evaluated]) -> String {
    let palette = Palette::new(
        docs.iter()
            .flat_map(|d| d.gold.entities.iter().chain(&d.pred.entities))
            .map(|e| e.label.as_str()),
    );
    let mut order: Vec<&Evaluated> = docs.iter().collect();
    order.sort_by_key(|d| std::cmp::Reverse(d.alignment.mistakes.len()));
    let pct = |x: f64| format!("{:.2}", 100.0 * x);
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, &[CSS, KIND_CSS, &palette.css()]))
            body {
                h1 { (title) }
                table {
                    tr { th { "label" } th { "precision" } th { "recall" } th { "F1" } th { "support" } }
                    @for (l, sc) in &report.labels {
                        tr {
                            td { span class=(palette.class(l)) { (l) } }
                            td { (pct(sc.precision)) } td { (pct(sc.recall)) } td { (pct(sc.f1)) } td { (sc.support) }
                        }
                    }
                    @for (name, sc) in [("micro (strict)", &report.micro), ("macro (strict)", &report.macro_), ("micro (overlap)", &report.overlap_micro)] {
                        tr { td { b { (name) } } td { (pct(sc.precision)) } td { (pct(sc.recall)) } td { (pct(sc.f1)) } td { (sc.support) } }
                    }
                }
                p.legend {
                    @for (k, n) in &report.mistakes {
                        mark class=(k) title=(k) { (k) " " (n) } " "
                    }
                }
                p.muted { (docs.len()) " documents, most mistakes first. Outlines mark mistakes; hover over an entity for its kind, label and score." }
                @for d in order {
                    h2 { (d.gold.id) " " span.muted { "(" (d.alignment.mistakes.len()) " mistakes)" } }
                    div.row { b { "gold" } (marked(&d.gold.text, &side_marks(&d.gold, d, true, &palette))) }
                    div.row { b { "predicted" } (marked(&d.pred.text, &side_marks(&d.pred, d, false, &palette))) }
                }
            }
        }
    }
    .into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Entity;

    #[test]
    fn text_is_escaped_and_entities_marked() {
        let mut e = Entity::new(0, 4, "LOCATION");
        e.score = Some(0.91);
        let doc = Document {
            id: "\"><img onerror=alert(1)>".into(),
            text: "Goma <script>alert(1)</script> 𝐀 about 60".into(),
            entities: vec![e, Entity::new(33, 41, "FIGURE")],
        };
        let page = tagged_page("t<b>", &[Prediction::new(&doc)]);
        assert!(
            !page.contains("<script>") && !page.contains("<img"),
            "{page}"
        );
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("t&lt;b&gt;"));
        assert!(
            page.contains(r#"title="LOCATION · score 0.91">Goma<small>LOCATION</small></mark>"#),
            "{page}"
        );
        assert!(
            page.contains(r#"title="FIGURE · value ≈ 60">about 60"#),
            "{page}"
        );
        assert!(!page.contains("http"), "self-contained: no links to fetch");
    }
}
