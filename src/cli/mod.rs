//! Command-line arguments and dispatch. Usage errors exit 2 (clap), run failures 1.

mod check;
mod convert;
mod corpus;
mod evaluate;
mod progress;
mod tag;
mod train;

use std::path::Path;

use clap::{Parser, Subcommand};

/// Fine-tune a BERT-family encoder to tag entities in conflict reports, tag articles, and evaluate models.
#[derive(Parser, Debug)]
#[command(name = "conflict-ner", version, about, long_about = None)]
pub struct Args {
    /// Worker threads for tensor math (default: RAYON_NUM_THREADS, else all cores).
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// No progress bars or per-epoch lines on stderr.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Fine-tune a base model on a labelled corpus and write a model folder.
    Train(Box<train::TrainArgs>),
    /// Tag documents with a trained model: JSONL on stdout (or --format csv, conll, brat, label-studio, html), in input order.
    Tag(tag::TagArgs),
    /// Score a trained model on a labelled corpus (strict entity-level precision, recall, F1).
    Evaluate(evaluate::EvaluateArgs),
    /// Validate corpus files: errors, annotation-consistency warnings and statistics.
    Check(check::CheckArgs),
    /// Convert labelled corpora between formats (jsonl, conll, brat, label-studio, doccano, csv).
    #[command(long_about = convert::LONG_ABOUT)]
    Convert(convert::ConvertArgs),
    /// Corpus tools.
    #[command(subcommand)]
    Corpus(corpus::CorpusCommand),
}

/// Parses the command line (exits 2 on a usage error).
pub fn parse() -> Args {
    Args::parse()
}

/// Runs a parsed command.
pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(n) = args.threads {
        if n == 0 {
            anyhow::bail!("--threads must be at least 1");
        }
        // Read by candle and gemm when their thread pools start, which is later.
        std::env::set_var("RAYON_NUM_THREADS", n.to_string());
    }
    conflict_ner::cpu::cap_from_env().map_err(anyhow::Error::msg)?;
    match args.command {
        Command::Train(a) => train::run(*a, args.quiet),
        Command::Tag(a) => tag::run(a, args.quiet),
        Command::Evaluate(a) => evaluate::run(a, args.quiet),
        Command::Check(a) => check::run(a, args.quiet),
        Command::Convert(a) => convert::run(a, args.quiet),
        Command::Corpus(c) => corpus::run(c),
    }
}

/// Creates an output file (buffered), refusing an existing one unless `overwrite`.
fn create_output(
    path: &std::path::Path,
    overwrite: bool,
) -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
    use anyhow::Context;
    if path.exists() && !overwrite {
        anyhow::bail!(
            "{}: already exists (add --overwrite to replace it)",
            path.display()
        );
    }
    let f = std::fs::File::create(path)
        .with_context(|| format!("{}: cannot create", path.display()))?;
    Ok(std::io::BufWriter::new(f))
}

/// Resolves `--precision` for `tag`/`evaluate`, printing `auto`'s choice on stderr.
fn resolve_inference_precision(
    choice: conflict_ner::model::PrecisionChoice,
    quiet: bool,
) -> anyhow::Result<conflict_ner::model::Precision> {
    let resolved = choice
        .resolve(conflict_ner::model::Work::Infer)
        .map_err(|e| anyhow::anyhow!("--precision {}: {e}", choice.name()))?;
    if let (Some(note), false) = (&resolved.auto_note, quiet) {
        eprintln!("{note}");
    }
    Ok(resolved.precision)
}

/// How to read labelled corpora, shared by every command that reads them
/// (`train`, `evaluate`, `check`, `convert`), except the tag scheme.
#[derive(clap::Args, Debug, Clone)]
pub struct SourceArgs {
    /// Corpus format: jsonl (also doccano, prodigy), label-studio, brat or conll
    /// [default: from the path: .jsonl → jsonl; .json → label-studio when it holds a
    /// JSON array, else jsonl; .conll/.iob/.bio/.bioes/.tsv/.conllu → conll; .ann or a
    /// folder → brat; a .txt corpus needs --format conll].
    #[arg(long)]
    format: Option<conflict_ner::corpus::Format>,
    /// Label Studio: read the annotation completed by this user (id or email)
    /// instead of the latest one that is not cancelled.
    #[arg(long)]
    annotator: Option<String>,
    /// BRAT entities of several fragments: error (stop), span (one span from the
    /// first start to the last end) or skip (drop and count).
    #[arg(long, default_value = "error")]
    brat_fragments: conflict_ner::corpus::Fragments,
    /// CoNLL-U / INCEpTION: the 1-based column that holds the entity tag (comment
    /// lines skipped, token in column 2 after a word id) [default: the last column].
    #[arg(long)]
    tag_column: Option<usize>,
}

impl SourceArgs {
    fn options(
        &self,
        scheme: Option<conflict_ner::label::Scheme>,
    ) -> conflict_ner::corpus::ReadOptions {
        conflict_ner::corpus::ReadOptions {
            format: self.format,
            scheme,
            annotator: self.annotator.clone(),
            brat_fragments: self.brat_fragments,
            tag_column: self.tag_column,
        }
    }
}

/// Corpus reading options and the input tag scheme, for `train`, `evaluate` and `check`.
#[derive(clap::Args, Debug, Clone)]
pub struct FormatArgs {
    #[command(flatten)]
    source: SourceArgs,
    /// Tag scheme of column files: IOB1, IOB2 or BIOES (default: detected).
    #[arg(long)]
    scheme: Option<conflict_ner::label::Scheme>,
}

impl FormatArgs {
    fn options(&self) -> conflict_ner::corpus::ReadOptions {
        self.source.options(self.scheme)
    }

    /// Reads a corpus and prints, unless `quiet`, one stderr line of what was read and ignored.
    fn read(&self, path: &Path, quiet: bool) -> anyhow::Result<Vec<conflict_ner::Document>> {
        let corpus = conflict_ner::corpus::read_corpus(path, &self.options())?;
        if !quiet {
            eprintln!("{}", corpus.report);
        }
        Ok(corpus.documents)
    }
}

/// The files of a brat output folder that may be replaced: every entry must be
/// a `.txt`, `.ann` or `.conf` file, else it is an error naming the first other
/// one (a brat writer never replaces anything else).
pub fn brat_files(dir: &Path) -> anyhow::Result<Vec<std::path::PathBuf>> {
    use anyhow::Context as _;
    let entries: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot read", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    if let Some(other) = entries.iter().find(|p| {
        !p.is_file()
            || !matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("txt" | "ann" | "conf")
            )
    }) {
        anyhow::bail!(
            "{}: holds {}, which is not a brat file; not replacing it",
            dir.display(),
            other.display()
        );
    }
    Ok(entries)
}
