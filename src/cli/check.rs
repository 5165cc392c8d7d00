//! `conflict-ner check`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use conflict_ner::check::{check_files, CheckOptions, Severity};

use super::FormatArgs;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Corpus files (or BRAT folders) of any readable format, validated together
    /// (ids must be unique across them).
    #[arg(required = true)]
    corpus: Vec<PathBuf>,
    /// Declared labels: a comma-separated list, or a file with one label per line
    /// [default: labels.txt beside the first corpus file, if present; else any label].
    #[arg(long)]
    labels: Option<String>,
    /// Word-5-gram Jaccard similarity at or above which two documents are reported as near-duplicates.
    #[arg(long, default_value_t = 0.5)]
    near_duplicate: f64,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    format: FormatArgs,
}

fn declared_labels(a: &CheckArgs) -> anyhow::Result<Option<Vec<String>>> {
    let from_file = |p: &Path| -> anyhow::Result<Vec<String>> {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("{}: cannot read", p.display()))?;
        Ok(text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(String::from)
            .collect())
    };
    match &a.labels {
        Some(s) if Path::new(s).is_file() => Ok(Some(from_file(Path::new(s))?)),
        Some(s) => Ok(Some(
            s.split(',')
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect(),
        )),
        None => {
            let beside = a.corpus[0]
                .parent()
                .unwrap_or(Path::new("."))
                .join("labels.txt");
            Ok(if beside.is_file() {
                Some(from_file(&beside)?)
            } else {
                None
            })
        }
    }
}

pub fn run(a: CheckArgs, quiet: bool) -> anyhow::Result<()> {
    let mut so = std::io::stdout().lock();
    let opts = CheckOptions {
        labels: declared_labels(&a)?,
        near_duplicate: a.near_duplicate,
        read: a.format.options(),
    };
    let paths: Vec<&Path> = a.corpus.iter().map(PathBuf::as_path).collect();
    let report = check_files(&paths, &opts)?;
    if !quiet {
        for r in &report.reads {
            eprintln!("{r}");
        }
    }
    if a.json {
        writeln!(so, "{}", serde_json::to_string(&report)?)?;
    } else {
        for f in &report.findings {
            let sev = if f.severity == Severity::Error {
                "error"
            } else {
                "warning"
            };
            let loc = match (f.path.as_str(), f.line, f.task) {
                ("", _, _) => String::new(),
                (p, _, Some(t)) => format!("{p}: task {t}: "),
                (p, 0, None) => format!("{p}: "),
                (p, l, None) => format!("{p}:{l}: "),
            };
            // A CoNLL sentence's id is its place, already printed.
            let doc = if f.doc.is_empty() || f.doc == format!("{}:{}", f.path, f.line) {
                String::new()
            } else {
                format!("{}: ", f.doc)
            };
            writeln!(so, "{sev}: {loc}{doc}{}", f.message)?;
        }
        let labels: Vec<&String> = report.total.labels.keys().collect();
        writeln!(so)?;
        write!(
            so,
            "{:<28} {:>6} {:>8} {:>9}",
            "file", "docs", "words", "entities"
        )?;
        for l in &labels {
            write!(so, " {l:>12}")?;
        }
        writeln!(so)?;
        for s in report.files.iter().chain(std::iter::once(&report.total)) {
            write!(
                so,
                "{:<28} {:>6} {:>8} {:>9}",
                s.path, s.documents, s.words, s.entities
            )?;
            for l in &labels {
                let n = s.labels.get(*l).copied().unwrap_or(0);
                write!(
                    so,
                    " {:>5} {:>5.1}%",
                    n,
                    100.0 * n as f64 / s.entities.max(1) as f64
                )?;
            }
            writeln!(so)?;
        }
        if let Some((x, y, s)) = &report.most_similar {
            writeln!(
                so,
                "most similar documents: {x} and {y} (word 5-gram Jaccard {s:.3})"
            )?;
        }
        let warnings = report.findings.len() - report.errors();
        writeln!(so, "{} error(s), {warnings} warning(s)", report.errors())?;
    }
    if report.errors() > 0 {
        anyhow::bail!("{} error(s) in the corpus", report.errors());
    }
    Ok(())
}
