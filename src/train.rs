//! Fine-tuning: encoded batches → masked loss → AdamW, with dev evaluation,
//! best-model selection by dev micro-F1 and early stopping.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use candle_core::{Tensor, Var};

use crate::batch::{bucketed_batches, make_batch, windows, Window};
use crate::checkpoint::{self, Checkpoint, Progress, RunIdentity};
use crate::config::TrainConfig;
use crate::document::Document;
use crate::encoding::{entities_inside_words, Encoding};
use crate::error::{Error, Result};
use crate::loss::masked_cross_entropy;
use crate::model::{BertInput, TokenClassifier};
use crate::optim::{AdamW, AdamWConfig};
use crate::report::{EvalRecord, TrainReport};
use crate::rng::Rng;
use crate::tagger::Tagger;

/// Progress of one optimizer step.
#[derive(Debug, Clone)]
pub struct StepInfo {
    /// 1-based step over the whole run.
    pub step: usize,
    /// Planned steps over all epochs.
    pub total_steps: usize,
    /// 1-based epoch.
    pub epoch: usize,
    /// This batch's loss.
    pub loss: f32,
    /// Learning rate used for this step.
    pub lr: f64,
    /// Real tokens per second over the epoch so far.
    pub tokens_per_s: f64,
}

/// Receives training progress (the binary draws it; the library never prints).
pub trait Observer {
    /// Training is about to start.
    fn start(&mut self, _total_steps: usize) {}
    /// Before training: `count` of the `total` training entities start or end
    /// inside a word ([`crate::encoding::entities_inside_words`]) and are trained
    /// as their whole words; `examples` shows up to three (`doc: "Sudan" in "Sudanese"`).
    fn inside_words(&mut self, _count: usize, _total: usize, _examples: &[String]) {}
    /// A step finished.
    fn step(&mut self, _info: &StepInfo) {}
    /// A dev evaluation finished; `epoch_end` when it closes an epoch.
    fn evaluated(&mut self, _record: &EvalRecord, _epoch_end: bool, _epochs: usize) {}
}

/// Does nothing.
impl Observer for () {}

/// Checkpointing and interruption of a run; [`Control::default`] is neither.
#[derive(Default)]
pub struct Control<'a> {
    /// Where to write checkpoints (see [`crate::checkpoint`]); `None`: never.
    pub checkpoint_dir: Option<PathBuf>,
    /// Also checkpoint every this many steps (0: only at dev evaluations).
    pub checkpoint_every: usize,
    /// What checkpoints record as this run's identity, and what a resumed
    /// checkpoint must match (the config and labels alone when `None`).
    pub identity: Option<RunIdentity>,
    /// A checkpoint of this run to continue from.
    pub resume: Option<Checkpoint>,
    /// When it becomes true (a signal handler sets it), the run checkpoints after
    /// the current step and returns [`Error::Interrupted`]; honoured only with a
    /// `checkpoint_dir`.
    pub stop: Option<&'a AtomicBool>,
}

/// Fine-tunes `tagger` (built by [`crate::model_dir::load_base`]) on `train`,
/// selecting by dev micro-F1 when `dev` is given; on return the tagger holds the
/// best weights. `report.data`/`base_model` are left for the caller to fill.
pub fn train(
    tagger: &mut Tagger,
    cfg: &TrainConfig,
    train: &[Document],
    dev: Option<&[Document]>,
    observer: &mut dyn Observer,
) -> Result<TrainReport> {
    train_with(tagger, cfg, train, dev, observer, Control::default())
}

/// [`train`] with checkpoints, resume and interruption. A run resumed from a
/// checkpoint ends with the same weights, bit for bit, as the run that wrote it
/// would have (on the same machine: the CPU tier decides the float arithmetic).
pub fn train_with(
    tagger: &mut Tagger,
    cfg: &TrainConfig,
    train: &[Document],
    dev: Option<&[Document]>,
    observer: &mut dyn Observer,
    mut ctl: Control,
) -> Result<TrainReport> {
    cfg.validate()?;
    let started = Instant::now();
    let encodings = train
        .iter()
        .map(|d| tagger.encoder.encode(d, Some(&tagger.labels)))
        .collect::<Result<Vec<_>>>()?;
    let (inside, examples) = inside_words(train, &encodings);
    let total_entities = train.iter().map(|d| d.entities.len()).sum();
    observer.inside_words(inside, total_entities, &examples);
    let exs = windows(&encodings, &tagger.encoder, cfg.max_len, cfg.window_overlap);
    let lengths: Vec<usize> = exs.iter().map(|e| e.ids.len()).collect();
    let steps_per_epoch = exs.len().div_ceil(cfg.batch_size);
    let total_steps = steps_per_epoch * cfg.epochs;
    let warmup = (total_steps as f64 * cfg.warmup_ratio).round() as usize;
    let schedule = |step: usize| -> f64 {
        if step < warmup {
            cfg.lr * (step + 1) as f64 / warmup as f64
        } else {
            cfg.lr * (total_steps - step) as f64 / (total_steps - warmup).max(1) as f64
        }
    };
    let mut opt = AdamW::new(
        tagger.model.decay_mask(),
        AdamWConfig {
            weight_decay: cfg.weight_decay,
            ..AdamWConfig::default()
        },
    );
    let identity = ctl.identity.take().unwrap_or_else(|| RunIdentity {
        config: cfg.clone(),
        labels: tagger.labels.labels().to_vec(),
        base_model: String::new(),
        data: Vec::new(),
    });
    let ckpt_dir = ctl.checkpoint_dir.clone();
    let mut p = Progress {
        epoch: 1,
        epoch_rng: Rng::new(cfg.seed).state(),
        report: TrainReport {
            seed: cfg.seed,
            train_windows: exs.len(),
            entities_inside_words: inside,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut best: Option<Vec<Tensor>> = None;
    if let Some(ck) = ctl.resume.take() {
        let dir = ckpt_dir.clone().unwrap_or_default();
        let diffs = ck.identity.differences(&identity);
        if !diffs.is_empty() {
            return Err(Error::checkpoint(
                dir,
                format!("was written by another run: {}", diffs.join("; ")),
            ));
        }
        if ck.progress.report.train_windows != exs.len() {
            return Err(Error::checkpoint(
                dir,
                format!(
                    "was written for {} training windows, this run has {}",
                    ck.progress.report.train_windows,
                    exs.len()
                ),
            ));
        }
        for ((_, var), w) in tagger.model.vars().iter().zip(ck.weights) {
            var.set(&w)?;
        }
        opt.restore(ck.progress.optimizer_steps, ck.moments)?;
        tagger.model.set_dropout_state(ck.progress.dropout_rng);
        best = match (ck.progress.has_best(), ck.progress.best_is_current) {
            (false, _) => None,
            (true, true) => Some(snapshot(tagger.model.vars())?),
            (true, false) => ck.best,
        };
        p = ck.progress;
    }
    let elapsed_before = p.elapsed_s;
    let elapsed = || elapsed_before + started.elapsed().as_secs_f64();
    let mut rng = Rng::from_state(p.epoch_rng);
    // Throughput since the last evaluation counts this attempt's tokens only.
    let (mut win_tokens, mut win_start, first_epoch) = (0usize, Instant::now(), p.epoch);
    observer.start(total_steps);
    'epochs: for epoch in first_epoch..=cfg.epochs {
        if p.report.stopped_early {
            break;
        }
        if epoch != first_epoch {
            (p.epoch, p.batches_done, p.epoch_rng) = (epoch, 0, rng.state());
        }
        let (mut epoch_tokens, epoch_start) = (0usize, Instant::now());
        let batches = bucketed_batches(&lengths, cfg.batch_size, &mut rng);
        let n_batches = batches.len();
        for (bi, idx) in batches.into_iter().enumerate().skip(p.batches_done) {
            let t0 = Instant::now();
            let refs: Vec<&Window> = idx.iter().map(|&i| &exs[i]).collect();
            let batch = make_batch(&refs, tagger.encoder.pad)?;
            let lr = schedule(p.step);
            let loss = self::step(
                &tagger.model,
                &mut opt,
                &batch.input,
                &batch.targets,
                lr,
                cfg.max_grad_norm,
            )?
            .loss;
            p.step += 1;
            p.batches_done = bi + 1;
            p.best_is_current = false;
            p.loss_sum += loss as f64;
            p.loss_n += 1;
            p.train_time_s += t0.elapsed().as_secs_f64();
            p.train_tokens += batch.tokens;
            win_tokens += batch.tokens;
            epoch_tokens += batch.tokens;
            observer.step(&StepInfo {
                step: p.step,
                total_steps,
                epoch,
                loss,
                lr,
                tokens_per_s: epoch_tokens as f64 / epoch_start.elapsed().as_secs_f64().max(1e-9),
            });
            let epoch_end = bi + 1 == n_batches;
            let periodic = cfg.eval_every > 0 && p.step.is_multiple_of(cfg.eval_every);
            let evaluate = epoch_end || periodic;
            if evaluate {
                let dev_report = dev.map(|d| tagger.evaluate(d, &mut |_| {})).transpose()?;
                let f1 = dev_report.as_ref().map(|r| r.micro.f1);
                let improved = match (p.report.best_dev_micro_f1, f1) {
                    (Some(b), Some(f)) => f > b,
                    _ => true,
                };
                if improved {
                    best = Some(snapshot(tagger.model.vars())?);
                    p.best_is_current = true;
                    p.report.best_step = p.step;
                    p.report.best_dev_micro_f1 = f1;
                    p.since_best = 0;
                } else {
                    p.since_best += 1;
                }
                let record = EvalRecord {
                    epoch,
                    step: p.step,
                    train_loss: p.loss_sum / p.loss_n.max(1) as f64,
                    dev: dev_report,
                    best: improved,
                    elapsed_s: elapsed(),
                    tokens_per_s: win_tokens as f64 / win_start.elapsed().as_secs_f64().max(1e-9),
                };
                observer.evaluated(&record, epoch_end, cfg.epochs);
                p.report.evaluations.push(record);
                (p.loss_sum, p.loss_n, win_tokens, win_start) = (0.0, 0, 0, Instant::now());
                if dev.is_some() && cfg.patience > 0 && p.since_best >= cfg.patience {
                    p.report.stopped_early = true;
                }
            }
            let stop = ckpt_dir.is_some() && ctl.stop.is_some_and(|s| s.load(Ordering::SeqCst));
            let every = ctl.checkpoint_every > 0 && p.step.is_multiple_of(ctl.checkpoint_every);
            if let Some(dir) = ckpt_dir.as_deref().filter(|_| evaluate || every || stop) {
                p.dropout_rng = tagger.model.dropout_state();
                p.optimizer_steps = opt.steps();
                p.elapsed_s = elapsed();
                let kept = best.as_deref().filter(|_| p.best_apart());
                checkpoint::write(dir, &identity, &p, &tagger.model, kept, &opt)?;
                if stop {
                    return Err(Error::Interrupted {
                        checkpoint: dir.to_path_buf(),
                        step: p.step,
                    });
                }
            }
            if p.report.stopped_early {
                break 'epochs;
            }
        }
    }
    if let Some(weights) = best {
        for ((_, var), w) in tagger.model.vars().iter().zip(weights) {
            var.set(&w)?;
        }
    }
    p.report.wall_time_s = elapsed();
    p.report.train_tokens_per_s = p.train_tokens as f64 / p.train_time_s.max(1e-9);
    Ok(p.report)
}

/// What one optimizer step did.
#[derive(Debug, Clone, Copy)]
pub struct StepOutcome {
    /// The batch's mean masked cross-entropy before the update.
    pub loss: f32,
    /// Global L2 norm of the gradient before clipping.
    pub grad_norm: f64,
    /// Seconds in the forward pass (loss included), the backward pass and the optimizer.
    pub seconds: [f64; 3],
}

/// One optimizer step on a batch (`input` `[batch, seq]`, `targets` `[batch, seq]`
/// with [`crate::encoding::IGNORE`] where no loss applies): forward with dropout,
/// masked cross-entropy, backward, clipping to `max_grad_norm` (0: off), AdamW
/// at `lr`. Training and the benchmarks both run exactly this.
pub fn step(
    model: &TokenClassifier,
    opt: &mut AdamW,
    input: &BertInput,
    targets: &Tensor,
    lr: f64,
    max_grad_norm: f64,
) -> Result<StepOutcome> {
    let t0 = Instant::now();
    let logits = model.forward_t(input, true)?;
    let loss = masked_cross_entropy(&logits, targets)?;
    let forward = t0.elapsed().as_secs_f64();
    let grads = loss.backward()?;
    let backward = t0.elapsed().as_secs_f64() - forward;
    let grad_norm = opt.grad_norm(&grads)?;
    opt.step(&grads, lr, clip_scale(grad_norm, max_grad_norm))?;
    let optimizer = t0.elapsed().as_secs_f64() - forward - backward;
    Ok(StepOutcome {
        loss: loss.to_scalar::<f32>()?,
        grad_norm,
        seconds: [forward, backward, optimizer],
    })
}

/// The factor that brings a gradient of global norm `norm` down to `max_norm`
/// (1 when it is already within it, or when clipping is off with `max_norm` 0).
pub fn clip_scale(norm: f64, max_norm: f64) -> f64 {
    if max_norm > 0.0 && norm > max_norm {
        max_norm / (norm + 1e-6)
    } else {
        1.0
    }
}

/// How many entities of `docs` start or end inside a word, and up to three of them
/// as `doc: "Sudan" in "Sudanese"`.
pub fn inside_words(docs: &[Document], encodings: &[Encoding]) -> (usize, Vec<String>) {
    let (mut count, mut examples) = (0, Vec::new());
    for (d, enc) in docs.iter().zip(encodings) {
        for f in entities_inside_words(d, enc) {
            count += 1;
            if examples.len() < 3 {
                let e = &d.entities[f.entity];
                examples.push(format!(
                    "{}: {:?} in {:?}",
                    d.id,
                    d.slice(e.start, e.end).unwrap_or_default(),
                    d.slice(f.words.start, f.words.end).unwrap_or_default()
                ));
            }
        }
    }
    (count, examples)
}

fn snapshot(vars: &[(String, Var)]) -> Result<Vec<Tensor>> {
    Ok(vars
        .iter()
        .map(|(_, v)| v.as_tensor().detach().copy())
        .collect::<candle_core::Result<_>>()?)
}
