//! `conflict-ner train`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use conflict_ner::checkpoint::{self, RunIdentity};
use conflict_ner::config::TrainConfig;
use conflict_ner::label::LabelSet;
use conflict_ner::model::PrecisionChoice;
use conflict_ner::model_dir::{check_output, file_sha256, load_base, save_model};
use conflict_ner::report::DataFile;
use conflict_ner::train::{train_with, Control};

use super::progress::TrainProgress;
use super::FormatArgs;

/// Flags override the config file, which overrides the defaults.
#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// Training corpus (JSONL spans or CoNLL columns).
    #[arg(long)]
    train: PathBuf,
    /// Dev corpus for model selection and early stopping (optional: without it the last epoch is kept).
    #[arg(long)]
    dev: Option<PathBuf>,
    /// Base model folder in the Hugging Face layout (config.json, tokenizer.json, model.safetensors).
    #[arg(long, default_value = "models/base/all-MiniLM-L6-v2")]
    base: PathBuf,
    /// Where to write the model folder. It must not exist yet, or be a model folder
    /// written by `train` and `--overwrite` given; nothing else is ever replaced.
    #[arg(long)]
    output: PathBuf,
    /// Replace the model folder at --output; the old model stays until the new one is complete.
    #[arg(long)]
    overwrite: bool,
    /// Continue the interrupted run whose checkpoint is at OUTPUT.checkpoint; data,
    /// config and seed must be those of that run. The result is the same, bit for
    /// bit, as if the run had never stopped.
    #[arg(long)]
    resume: bool,
    /// Also write a checkpoint every N steps (one is always written at each dev
    /// evaluation and on Ctrl-C); 0: only then [default: 0].
    #[arg(long, default_value_t = 0)]
    checkpoint_every: usize,
    /// JSON file of hyperparameters (keys of training-config.json); flags override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Maximum passes over the training data [default: 6].
    #[arg(long)]
    epochs: Option<usize>,
    /// Seed for head initialisation, dropout and shuffling [default: 42].
    #[arg(long)]
    seed: Option<u64>,
    /// Encoder window in sub-tokens, [CLS]/[SEP] included; longer documents are windowed [default: 128].
    #[arg(long)]
    max_len: Option<usize>,
    /// Sub-tokens shared by consecutive windows [default: 32].
    #[arg(long)]
    window_overlap: Option<usize>,
    /// Windows per optimizer step [default: 16].
    #[arg(long)]
    batch_size: Option<usize>,
    /// Peak learning rate [default: 1e-4].
    #[arg(long)]
    lr: Option<f64>,
    /// Fraction of steps for linear warmup [default: 0.1].
    #[arg(long)]
    warmup_ratio: Option<f64>,
    /// AdamW weight decay (not on biases and layer norms) [default: 0.01].
    #[arg(long)]
    weight_decay: Option<f64>,
    /// Gradient-norm clipping threshold; 0 disables [default: 1.0].
    #[arg(long)]
    max_grad_norm: Option<f64>,
    /// Stop after this many dev evaluations without improvement; 0 disables [default: 3].
    #[arg(long)]
    patience: Option<usize>,
    /// Also evaluate on dev every N steps; 0 = only at epoch ends [default: 0].
    #[arg(long)]
    eval_every: Option<usize>,
    /// Arithmetic of the encoder's products: auto (bf16 where the CPU has AVX-512
    /// BF16, else fp32), bf16 or fp32 [default: auto].
    #[arg(long)]
    precision: Option<PrecisionChoice>,
    #[command(flatten)]
    format: FormatArgs,
}

impl TrainArgs {
    fn config(&self, quiet: bool) -> anyhow::Result<TrainConfig> {
        let mut c = match &self.config {
            Some(p) => TrainConfig::from_file(p)?,
            None => TrainConfig::default(),
        };
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { c.$f = v; } )* };
        }
        set!(
            epochs,
            seed,
            max_len,
            window_overlap,
            batch_size,
            lr,
            warmup_ratio,
            weight_decay,
            max_grad_norm,
            patience,
            eval_every
        );
        // A short --max-len alone should not trip over the default overlap: scale it down.
        if self.window_overlap.is_none() && c.window_overlap * 2 > c.max_len.saturating_sub(2) {
            c.window_overlap = c.max_len.saturating_sub(2) / 4;
        }
        if let Some(p) = self.precision {
            c.precision = p;
        }
        c.validate()?;
        // Save what was used, not "auto".
        let resolved = c.precision()?;
        if let Some(note) = resolved.auto_note {
            if !quiet {
                eprintln!("{note}");
            }
        }
        c.precision = resolved.precision.into();
        Ok(c)
    }
}

pub fn run(a: TrainArgs, quiet: bool) -> anyhow::Result<()> {
    let cfg = a.config(quiet)?;
    conflict_ner::model_dir::check_base_dir(&a.base)?;
    let mut protected = vec![a.base.as_path(), a.train.as_path()];
    protected.extend(a.dev.as_deref());
    check_output(&a.output, a.overwrite, &protected)?;
    let ckpt_dir = checkpoint::dir_for(&a.output);
    checkpoint::check_dir(&ckpt_dir, a.resume)?;
    let train_docs = a.format.read(&a.train, quiet)?;
    if train_docs.is_empty() {
        anyhow::bail!("{}: no documents", a.train.display());
    }
    let dev_docs = a
        .dev
        .as_ref()
        .map(|p| a.format.read(p, quiet))
        .transpose()?;
    let labels = LabelSet::new(
        train_docs
            .iter()
            .flat_map(|d| d.entities.iter().map(|e| e.label.clone())),
    );
    if labels.is_empty() {
        anyhow::bail!("{}: no entities to learn from", a.train.display());
    }
    if let (Some(path), Some(dev)) = (&a.dev, &dev_docs) {
        // Dev scores would count these as misses for the whole run: refuse now.
        let mut unknown: std::collections::BTreeMap<&str, usize> = Default::default();
        for e in dev.iter().flat_map(|d| &d.entities) {
            if labels.index(&e.label).is_none() {
                *unknown.entry(e.label.as_str()).or_default() += 1;
            }
        }
        if !unknown.is_empty() {
            let list: Vec<String> = unknown.iter().map(|(l, n)| format!("{l} ({n})")).collect();
            anyhow::bail!(
                "{}: labels not in the training data: {}; the training data has {labels}",
                path.display(),
                list.join(", ")
            );
        }
    }
    let mut tagger = load_base(&a.base, &labels, &cfg)
        .with_context(|| format!("loading base model {}", a.base.display()))?;
    let mut data = vec![DataFile {
        role: "train".into(),
        path: a.train.display().to_string(),
        sha256: file_sha256(&a.train)?,
        documents: train_docs.len(),
    }];
    if let (Some(p), Some(d)) = (&a.dev, &dev_docs) {
        data.push(DataFile {
            role: "dev".into(),
            path: p.display().to_string(),
            sha256: file_sha256(p)?,
            documents: d.len(),
        });
    }
    let identity = RunIdentity {
        config: cfg.clone(),
        labels: tagger.labels.labels().to_vec(),
        base_model: a.base.display().to_string(),
        data: data.clone(),
    };
    let resume = if a.resume {
        let names: Vec<(String, Vec<usize>)> = tagger
            .model
            .vars()
            .iter()
            .map(|(n, v)| (n.clone(), v.dims().to_vec()))
            .collect();
        let ck = checkpoint::read(&ckpt_dir, &names)?;
        if !quiet {
            eprintln!(
                "resuming from {} at step {} (epoch {})",
                ckpt_dir.display(),
                ck.progress.step,
                ck.progress.epoch
            );
        }
        Some(ck)
    } else {
        None
    };
    let stop = interrupt_flag()?;
    let mut progress = TrainProgress::new(quiet);
    let result = train_with(
        &mut tagger,
        &cfg,
        &train_docs,
        dev_docs.as_deref(),
        &mut progress,
        Control {
            checkpoint_dir: Some(ckpt_dir.clone()),
            checkpoint_every: a.checkpoint_every,
            identity: Some(identity),
            resume,
            stop: Some(stop),
        },
    );
    progress.finish();
    let mut report = result?;
    report.data = data;
    report.base_model = a.base.display().to_string();
    save_model(&a.output, &tagger, &a.base, &cfg, &report, a.overwrite)?;
    // The model is in place: its checkpoint is no longer needed.
    checkpoint::remove(&ckpt_dir)?;
    let best = report
        .evaluations
        .iter()
        .find(|r| r.step == report.best_step);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "saved {} (labels: {labels}; step {} of the best dev micro-F1 {}; {:.0}s, {:.0} train tok/s)",
        a.output.display(),
        report.best_step,
        report.best_dev_micro_f1.map_or("n/a".into(), |f| format!("{f:.4}")),
        report.wall_time_s,
        report.train_tokens_per_s
    )?;
    if let Some(dev) = best.and_then(|r| r.dev.as_ref()) {
        write!(out, "{dev}")?;
    }
    Ok(())
}

/// A flag that the first SIGINT or SIGTERM sets, so that training checkpoints and
/// stops after its current step; a second one ends the process at once (the last
/// checkpoint, written atomically, stays whole).
fn interrupt_flag() -> anyhow::Result<&'static AtomicBool> {
    static STOP: AtomicBool = AtomicBool::new(false);
    ctrlc::set_handler(|| {
        if STOP.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
    })
    .context("installing the Ctrl-C handler")?;
    Ok(&STOP)
}
