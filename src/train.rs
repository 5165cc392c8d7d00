//! Fine-tuning: encoded batches → masked loss → AdamW, with dev evaluation,
//! best-model selection by dev micro-F1 and early stopping.

use std::time::Instant;

use candle_core::{Tensor, Var};

use crate::batch::{bucketed_batches, make_batch, windows, Window};
use crate::config::TrainConfig;
use crate::document::Document;
use crate::error::Result;
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
    /// A step finished.
    fn step(&mut self, _info: &StepInfo) {}
    /// A dev evaluation finished; `epoch_end` when it closes an epoch.
    fn evaluated(&mut self, _record: &EvalRecord, _epoch_end: bool, _epochs: usize) {}
}

/// Does nothing.
impl Observer for () {}

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
    cfg.validate()?;
    let started = Instant::now();
    let encodings = train
        .iter()
        .map(|d| tagger.encoder.encode(d, Some(&tagger.labels)))
        .collect::<Result<Vec<_>>>()?;
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

    let mut rng = Rng::new(cfg.seed);
    let mut report = TrainReport {
        seed: cfg.seed,
        train_windows: exs.len(),
        ..Default::default()
    };
    let mut best: Option<(f64, Vec<Tensor>)> = None;
    let mut since_best = 0;
    let mut step = 0;
    let mut train_time = 0.0;
    let mut train_tokens = 0usize;
    observer.start(total_steps);
    'epochs: for epoch in 1..=cfg.epochs {
        let (mut loss_sum, mut loss_n, mut win_tokens, mut win_start) =
            (0.0f64, 0usize, 0usize, Instant::now());
        let (mut epoch_tokens, epoch_start) = (0usize, Instant::now());
        let batches = bucketed_batches(&lengths, cfg.batch_size, &mut rng);
        let n_batches = batches.len();
        for (bi, idx) in batches.into_iter().enumerate() {
            let t0 = Instant::now();
            let refs: Vec<&Window> = idx.iter().map(|&i| &exs[i]).collect();
            let batch = make_batch(&refs, tagger.encoder.pad)?;
            let lr = schedule(step);
            let loss = self::step(
                &tagger.model,
                &mut opt,
                &batch.input,
                &batch.targets,
                lr,
                cfg.max_grad_norm,
            )?
            .loss;
            step += 1;
            loss_sum += loss as f64;
            loss_n += 1;
            train_time += t0.elapsed().as_secs_f64();
            train_tokens += batch.tokens;
            win_tokens += batch.tokens;
            epoch_tokens += batch.tokens;
            observer.step(&StepInfo {
                step,
                total_steps,
                epoch,
                loss,
                lr,
                tokens_per_s: epoch_tokens as f64 / epoch_start.elapsed().as_secs_f64().max(1e-9),
            });
            let epoch_end = bi + 1 == n_batches;
            let periodic = cfg.eval_every > 0 && step % cfg.eval_every == 0;
            if !(epoch_end || periodic) {
                continue;
            }
            let dev_report = dev.map(|d| tagger.evaluate(d, &mut |_| {})).transpose()?;
            let f1 = dev_report.as_ref().map(|r| r.micro.f1);
            let improved = match (&best, f1) {
                (_, None) => true,
                (None, Some(_)) => true,
                (Some((b, _)), Some(f)) => f > *b,
            };
            if improved {
                best = Some((f1.unwrap_or(0.0), snapshot(tagger.model.vars())?));
                report.best_step = step;
                report.best_dev_micro_f1 = f1;
                since_best = 0;
            } else {
                since_best += 1;
            }
            let record = EvalRecord {
                epoch,
                step,
                train_loss: loss_sum / loss_n.max(1) as f64,
                dev: dev_report,
                best: improved,
                elapsed_s: started.elapsed().as_secs_f64(),
                tokens_per_s: win_tokens as f64 / win_start.elapsed().as_secs_f64().max(1e-9),
            };
            observer.evaluated(&record, epoch_end, cfg.epochs);
            report.evaluations.push(record);
            (loss_sum, loss_n, win_tokens, win_start) = (0.0, 0, 0, Instant::now());
            if dev.is_some() && cfg.patience > 0 && since_best >= cfg.patience {
                report.stopped_early = true;
                break 'epochs;
            }
        }
    }
    if let Some((_, weights)) = best {
        for ((_, var), w) in tagger.model.vars().iter().zip(weights) {
            var.set(&w)?;
        }
    }
    report.wall_time_s = started.elapsed().as_secs_f64();
    report.train_tokens_per_s = train_tokens as f64 / train_time.max(1e-9);
    Ok(report)
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

fn snapshot(vars: &[(String, Var)]) -> Result<Vec<Tensor>> {
    Ok(vars
        .iter()
        .map(|(_, v)| v.as_tensor().detach().copy())
        .collect::<candle_core::Result<_>>()?)
}
