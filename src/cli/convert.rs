//! `conflict-ner convert`: any readable corpus → any writable one.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use conflict_ner::corpus::{
    read_corpus, write_brat, write_conll, write_csv, write_doccano, write_jsonl, write_label_studio,
};
use conflict_ner::label::Scheme;
use conflict_ner::Document;

use super::SourceArgs;

/// `convert --help`: what each output keeps and loses.
pub const LONG_ABOUT: &str = "\
Convert labelled corpora between formats.

Reads every INPUT (any corpus `train` reads, with the same --format, --annotator,
--brat-fragments and --tag-column options; --input-scheme for CoNLL inputs) and
writes one corpus in the --to format:

  jsonl         our JSONL spans: id, text, entities (start, end, label, text, score)
  doccano       doccano JSONL: {\"id\", \"text\", \"label\": [[start, end, \"LABEL\"], ...]}
  label-studio  a Label Studio task array (data.id, data.text; offsets in UTF-16
                code units). When the input entities carry scores (`tag` output)
                they are written as predictions (pre-annotations, model_version from
                --model-version, each entity's score) to correct in Label Studio,
                whose export `train` reads
  brat          a folder of ID.txt + ID.ann pairs and an annotation.conf
  conll         two columns, token and tag (--scheme IOB2 or BIOES)
  csv           one row per entity: id,start,end,label,text (not read back)

jsonl, doccano, label-studio and brat keep every document's text and every entity
exactly (offsets, labels). brat file names replace characters other than ASCII
letters, digits, '.', '-' and '_' in ids with '_' (such ids change); scores survive
in jsonl and label-studio only. conll loses: the whitespace between tokens (read
back as single spaces), token boundaries (tokens are cut at entity boundaries), the
ids (read back as path:line) and document boundaries (written as -DOCSTART- lines).

--output is never replaced unless --overwrite is given (for brat, only a folder
holding nothing but .txt, .ann and .conf files), and never when it is an input.";

/// Output formats.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Jsonl,
    Conll,
    Brat,
    LabelStudio,
    Doccano,
    Csv,
}

#[derive(clap::Args, Debug)]
pub struct ConvertArgs {
    /// Corpora to convert (files, or BRAT folders); ids must be unique across them.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum)]
    to: Target,
    /// Output file (a folder for --to brat). Never replaced unless --overwrite.
    #[arg(long)]
    output: PathBuf,
    /// Replace an existing --output (for brat: a folder of only .txt, .ann and .conf files).
    #[arg(long)]
    overwrite: bool,
    /// Tag scheme written by --to conll: IOB2 or BIOES.
    #[arg(long, default_value = "IOB2")]
    scheme: Scheme,
    /// Tag scheme of CoNLL inputs: IOB1, IOB2 or BIOES (default: detected).
    #[arg(long)]
    input_scheme: Option<Scheme>,
    /// model_version of Label Studio predictions (written when input entities carry scores).
    #[arg(long, default_value = "conflict-ner")]
    model_version: String,
    #[command(flatten)]
    source: SourceArgs,
}

pub fn run(a: ConvertArgs, quiet: bool) -> anyhow::Result<()> {
    let mut so = std::io::stdout().lock();
    if a.to == Target::Conll && a.scheme == Scheme::Iob1 {
        bail!("--scheme: CoNLL output is IOB2 or BIOES, not IOB1");
    }
    check_output(&a)?;
    let opts = a.source.options(a.input_scheme);
    let mut docs: Vec<Document> = Vec::new();
    let mut first: HashMap<String, PathBuf> = HashMap::new();
    for input in &a.inputs {
        let corpus = read_corpus(input, &opts)?;
        if !quiet {
            eprintln!("{}", corpus.report);
        }
        for doc in corpus.documents {
            if let Some(p) = first.get(&doc.id) {
                bail!(
                    "{}: document {:?}: duplicate id (also in {})",
                    input.display(),
                    doc.id,
                    p.display()
                );
            }
            first.insert(doc.id.clone(), input.clone());
            docs.push(doc);
        }
    }
    let scored = docs
        .iter()
        .flat_map(|d| &d.entities)
        .any(|e| e.score.is_some());
    let predictions = (a.to == Target::LabelStudio && scored).then_some(a.model_version.as_str());
    write(&a, &docs, predictions)?;
    let entities: usize = docs.iter().map(|d| d.entities.len()).sum();
    let what = match predictions {
        Some(v) => format!(" as predictions (model_version {v:?})"),
        None => String::new(),
    };
    writeln!(
        so,
        "{}: {} documents, {entities} entities{what}",
        a.output.display(),
        docs.len()
    )?;
    Ok(())
}

/// Refuses an --output that exists (without --overwrite, or of the wrong kind) or is an input.
fn check_output(a: &ConvertArgs) -> anyhow::Result<()> {
    let out = &a.output;
    let Ok(meta) = std::fs::symlink_metadata(out) else {
        return Ok(());
    };
    let canon = out.canonicalize().unwrap_or_else(|_| out.clone());
    for input in &a.inputs {
        let i = input.canonicalize().unwrap_or_else(|_| input.clone());
        if i == canon || i.starts_with(&canon) {
            bail!(
                "{}: is an input of this conversion; write elsewhere",
                out.display()
            );
        }
    }
    if !a.overwrite {
        bail!("{}: exists; pass --overwrite to replace it", out.display());
    }
    match (a.to, meta.is_dir()) {
        (Target::Brat, false) => bail!("{}: exists and is not a folder", out.display()),
        (Target::Brat, true) => {
            crate::cli::brat_files(out)?;
        }
        (_, true) => bail!("{}: exists and is a folder", out.display()),
        (_, false) => {}
    }
    Ok(())
}

/// A temporary name beside `out`, renamed into place once complete.
fn temp_beside(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    out.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

fn write(a: &ConvertArgs, docs: &[Document], predictions: Option<&str>) -> anyhow::Result<()> {
    let out = &a.output;
    let tmp = temp_beside(out);
    let result = (|| -> anyhow::Result<()> {
        if a.to == Target::Brat {
            std::fs::create_dir(&tmp)
                .with_context(|| format!("{}: cannot create", tmp.display()))?;
            write_brat(&tmp, docs)?;
            if out.exists() {
                std::fs::remove_dir_all(out)
                    .with_context(|| format!("{}: cannot replace", out.display()))?;
            }
        } else {
            let file = std::fs::File::create(&tmp)
                .with_context(|| format!("{}: cannot create", tmp.display()))?;
            let mut w = std::io::BufWriter::new(file);
            match a.to {
                Target::Jsonl => write_jsonl(&mut w, docs),
                Target::Doccano => write_doccano(&mut w, docs),
                Target::LabelStudio => write_label_studio(&mut w, docs, predictions),
                Target::Conll => write_conll(&mut w, docs, a.scheme),
                Target::Csv => write_csv(&mut w, docs),
                Target::Brat => Ok(()),
            }
            .and_then(|()| w.flush())
            .with_context(|| format!("{}: cannot write", out.display()))?;
        }
        std::fs::rename(&tmp, out).with_context(|| format!("{}: cannot write", out.display()))
    })();
    if result.is_err() {
        // Leave nothing half-written behind.
        let _ = std::fs::remove_dir_all(&tmp);
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
