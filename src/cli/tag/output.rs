//! `tag --format`: where tagged documents go. Streamed formats (jsonl, csv,
//! conll, label-studio) write each document as it comes and are flushed per
//! group; brat writes one file pair per document into `--output`; html gathers
//! the documents and writes one page at the end.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context};
use conflict_ner::corpus::{label_studio_task, write_conll, BratWriter};
use conflict_ner::figure::FigureValue;
use conflict_ner::label::Scheme;
use conflict_ner::page::tagged_page;
use conflict_ner::prediction::Prediction;
use conflict_ner::Document;

/// Output formats of `tag`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagFormat {
    /// One JSON object per document: id, text, entities (start, end, label, text,
    /// score; FIGURE entities also value).
    Jsonl,
    /// One row per entity: id,start,end,label,text,score,low,high,unit,approx.
    Csv,
    /// Token and IOB2 tag per line, documents between -DOCSTART- lines.
    Conll,
    /// A folder (--output) of ID.txt + ID.ann pairs and an annotation.conf.
    Brat,
    /// A Label Studio task array with the entities as predictions (pre-annotations).
    LabelStudio,
    /// One self-contained HTML page: entities in label colours, score and value on hover.
    Html,
}

/// A destination for tagged documents, in input order.
pub enum Sink {
    Jsonl(Box<dyn Write>),
    Csv(Box<::csv::Writer<Box<dyn Write>>>),
    Conll(Box<dyn Write>),
    Brat(BratWriter),
    LabelStudio {
        out: Box<dyn Write>,
        model_version: String,
        first: bool,
    },
    Html {
        out: Box<dyn Write>,
        title: String,
        docs: Vec<Document>,
    },
}

/// stdout, or the `--output` file (created; never an existing one unless `overwrite`).
fn stream(output: Option<&Path>, overwrite: bool) -> anyhow::Result<Box<dyn Write>> {
    match output {
        None => Ok(Box::new(std::io::stdout().lock())),
        Some(p) => Ok(Box::new(super::super::create_output(p, overwrite)?)),
    }
}

impl Sink {
    /// Opens the destination of `format`: `output` (a folder for brat, which needs
    /// it), else stdout. `model` names the model in Label Studio predictions and
    /// the page title.
    pub fn open(
        format: TagFormat,
        output: Option<&Path>,
        overwrite: bool,
        model: &Path,
    ) -> anyhow::Result<Sink> {
        let name = model
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| model.display().to_string());
        Ok(match format {
            TagFormat::Jsonl => Sink::Jsonl(stream(output, overwrite)?),
            TagFormat::Csv => {
                let mut w = ::csv::Writer::from_writer(stream(output, overwrite)?);
                w.write_record(CSV_HEADER)?;
                Sink::Csv(Box::new(w))
            }
            TagFormat::Conll => Sink::Conll(stream(output, overwrite)?),
            TagFormat::Brat => {
                let Some(dir) = output else {
                    bail!("--format brat writes a folder: give it with --output DIR");
                };
                brat_folder(dir, overwrite)?;
                Sink::Brat(BratWriter::new(dir))
            }
            TagFormat::LabelStudio => Sink::LabelStudio {
                out: stream(output, overwrite)?,
                model_version: name,
                first: true,
            },
            TagFormat::Html => Sink::Html {
                out: stream(output, overwrite)?,
                title: format!("Tagged by {name}"),
                docs: Vec::new(),
            },
        })
    }

    /// Writes an `{"id","line","error"}` object (JSONL only: `tag` refuses
    /// `--on-error skip` with the other formats).
    pub fn error_line(&mut self, e: &serde_json::Value) -> anyhow::Result<()> {
        if let Sink::Jsonl(out) = self {
            writeln!(out, "{e}")?;
        }
        Ok(())
    }

    /// Writes one tagged document; `p` is its [`Prediction`] (built once by the caller).
    pub fn write(&mut self, doc: &Document, p: &Prediction) -> anyhow::Result<()> {
        match self {
            Sink::Jsonl(out) => {
                serde_json::to_writer(&mut *out, p)?;
                out.write_all(b"\n")?;
            }
            Sink::Csv(w) => write_csv_rows(w, p)?,
            Sink::Conll(out) => write_conll(out, std::slice::from_ref(doc), Scheme::Iob2)?,
            Sink::Brat(w) => w.write(doc)?,
            Sink::LabelStudio {
                out,
                model_version,
                first,
            } => {
                out.write_all(if *first { b"[\n" } else { b",\n" })?;
                *first = false;
                serde_json::to_writer(&mut *out, &label_studio_task(doc, Some(model_version))?)?;
            }
            Sink::Html { docs, .. } => docs.push(doc.clone()),
        }
        Ok(())
    }

    /// Flushes what is written so far (after each group).
    pub fn flush(&mut self) -> anyhow::Result<()> {
        match self {
            Sink::Jsonl(out) | Sink::Conll(out) | Sink::LabelStudio { out, .. } => out.flush()?,
            Sink::Csv(w) => w.flush()?,
            Sink::Brat(_) | Sink::Html { .. } => {}
        }
        Ok(())
    }

    /// Ends the output: closes the Label Studio array, writes the brat
    /// annotation.conf or the HTML page, and flushes.
    pub fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::Jsonl(mut out) | Sink::Conll(mut out) => out.flush()?,
            Sink::Csv(mut w) => w.flush()?,
            Sink::Brat(w) => w.finish()?,
            Sink::LabelStudio { mut out, first, .. } => {
                out.write_all(if first { b"[]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
            Sink::Html {
                mut out,
                title,
                docs,
            } => {
                let preds: Vec<Prediction> = docs.iter().map(Prediction::new).collect();
                out.write_all(tagged_page(&title, &preds).as_bytes())?;
                out.flush()?;
            }
        }
        Ok(())
    }
}

/// The CSV columns: value columns are empty but for FIGURE entities with a value.
pub const CSV_HEADER: [&str; 10] = [
    "id", "start", "end", "label", "text", "score", "low", "high", "unit", "approx",
];

fn write_csv_rows(w: &mut ::csv::Writer<Box<dyn Write>>, p: &Prediction) -> anyhow::Result<()> {
    for e in &p.entities {
        let score = e.score.map(|s| format!("{s:.4}")).unwrap_or_default();
        let (low, high, unit, approx) = match &e.value {
            Some(Some(v)) => (
                FigureValue::bound_text(v.low),
                FigureValue::bound_text(v.high),
                v.unit.unwrap_or("").to_string(),
                v.approx.to_string(),
            ),
            _ => Default::default(),
        };
        w.write_record([
            p.id,
            &e.start.to_string(),
            &e.end.to_string(),
            e.label,
            e.text,
            &score,
            &low,
            &high,
            &unit,
            &approx,
        ])?;
    }
    Ok(())
}

/// Makes `dir` ready for brat output: created if missing; an existing folder
/// must be empty, or hold only .txt/.ann/.conf files and `overwrite` be given.
fn brat_folder(dir: &Path, overwrite: bool) -> anyhow::Result<()> {
    if !dir.exists() {
        return std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the folder", dir.display()));
    }
    if !dir.is_dir() {
        bail!(
            "{}: is not a folder (--format brat writes a folder)",
            dir.display()
        );
    }
    if std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read", dir.display()))?
        .next()
        .is_none()
    {
        return Ok(());
    }
    if !overwrite {
        bail!(
            "{}: is not empty (add --overwrite to replace its brat files)",
            dir.display()
        );
    }
    let entries = crate::cli::brat_files(dir)?;
    for p in entries {
        std::fs::remove_file(&p).with_context(|| format!("{}: cannot remove", p.display()))?;
    }
    Ok(())
}
