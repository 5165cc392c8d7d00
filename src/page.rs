//! Self-contained HTML pages (CSS inline; no scripts, fonts or network): tagged
//! documents with their entities in label colours. Every piece of text goes
//! through maud's escaping, so a document holding `<script>` shows as text.

use std::collections::BTreeMap;

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::document::char_byte_starts;
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

/// One document's text with its entities marked (entities that overlap an
/// earlier one are left out of the marks; the tagger never writes such).
fn marked(doc: &Prediction, palette: &Palette) -> Markup {
    let starts = char_byte_starts(doc.text);
    let at = |i: usize| starts.get(i).copied().unwrap_or(doc.text.len());
    let mut cursor = 0usize;
    let mut pieces: Vec<Markup> = Vec::new();
    for e in &doc.entities {
        let (s, t) = (at(e.start), at(e.end));
        if s < cursor || t < s {
            continue;
        }
        let before = &doc.text[cursor..s];
        pieces.push(html! {
            (before)
            mark class=(palette.class(e.label)) title=(hover(e)) { (e.text) small { (e.label) } }
        });
        cursor = t;
    }
    let rest = &doc.text[cursor..];
    html! { div.doc { @for p in pieces { (p) } (rest) } }
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
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(CSS)) (PreEscaped(palette.css())) }
            }
            body {
                h1 { (title) }
                p.muted { (docs.len()) " documents, " (total) " entities. Hover over an entity for its score and, for FIGURE, its value." }
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
                    (marked(d, &palette))
                }
            }
        }
    }
    .into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Document, Entity};

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
