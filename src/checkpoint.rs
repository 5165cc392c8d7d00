//! Checkpoints of a training run, for `train --resume`: everything that decides
//! what the run does next (weights, AdamW moments and step count, the position in
//! the schedule and in the epoch's batch order, both random generators, the best
//! weights so far and the report so far), so that a resumed run ends with the
//! very bytes an uninterrupted one ends with.
//!
//! A checkpoint is a folder holding two files: `tensors-STEP.safetensors` and
//! [`STATE_FILE`], which names it. Each is written under a temporary name, synced
//! and renamed into place, `state.json` last: a kill at any moment leaves the
//! previous checkpoint whole.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::config::TrainConfig;
use crate::error::{Error, Result};
use crate::model::TokenClassifier;
use crate::optim::AdamW;
use crate::report::{DataFile, TrainReport};

/// The file that makes a folder a checkpoint, and names its tensor file.
pub const STATE_FILE: &str = "state.json";
const VERSION: u32 = 1;

/// What identifies a run; a resumed run must match its checkpoint in every field.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunIdentity {
    /// The effective hyperparameters (seed and resolved precision included).
    pub config: TrainConfig,
    /// The entity labels, in the classifier's order.
    pub labels: Vec<String>,
    /// The base model folder, as given.
    pub base_model: String,
    /// The training and dev files, with their sha256.
    pub data: Vec<DataFile>,
}

impl RunIdentity {
    /// Every field in which `self` (the checkpoint's run) differs from `now`,
    /// one line each (`seed: 42 in the checkpoint, 7 now`).
    pub fn differences(&self, now: &RunIdentity) -> Vec<String> {
        let mut out = Vec::new();
        let (a, b) = (
            serde_json::to_value(&self.config).unwrap_or_default(),
            serde_json::to_value(&now.config).unwrap_or_default(),
        );
        if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
            for (k, va) in a {
                let vb = b.get(k).cloned().unwrap_or_default();
                if *va != vb {
                    out.push(format!("{k}: {va} in the checkpoint, {vb} now"));
                }
            }
        }
        if self.labels != now.labels {
            out.push(format!(
                "labels: {} in the checkpoint, {} now",
                self.labels.join(","),
                now.labels.join(",")
            ));
        }
        if self.base_model != now.base_model {
            out.push(format!(
                "base model: {} in the checkpoint, {} now",
                self.base_model, now.base_model
            ));
        }
        for role in ["train", "dev"] {
            let find = |d: &[DataFile]| d.iter().find(|f| f.role == role).cloned();
            match (find(&self.data), find(&now.data)) {
                (None, None) => {}
                (Some(a), Some(b)) if a.sha256 == b.sha256 => {}
                (Some(a), Some(b)) => out.push(format!(
                    "{role} data: {} (sha256 {}) in the checkpoint, {} (sha256 {}) now",
                    a.path,
                    &a.sha256[..a.sha256.len().min(12)],
                    b.path,
                    &b.sha256[..b.sha256.len().min(12)]
                )),
                (a, b) => out.push(format!(
                    "{role} data: {} in the checkpoint, {} now",
                    a.map_or("none".into(), |f| f.path),
                    b.map_or("none".into(), |f| f.path)
                )),
            }
        }
        out
    }
}

/// Where a run stands: the counters and generator states of the training loop.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Progress {
    /// Optimizer steps taken (also the learning-rate schedule's position).
    pub step: usize,
    /// The epoch in progress, 1-based.
    pub epoch: usize,
    /// Batches of that epoch already taken.
    pub batches_done: usize,
    /// The shuffling generator's state at the start of that epoch, before its
    /// batch order was drawn.
    pub epoch_rng: u64,
    /// The dropout generator's state after the last step.
    pub dropout_rng: u64,
    /// AdamW's step count.
    pub optimizer_steps: i32,
    /// Dev evaluations since the best one (for early stopping).
    pub since_best: usize,
    /// Whether the best weights are the current ones (then they are stored once).
    pub best_is_current: bool,
    /// Loss sum and count since the last evaluation, for its mean.
    pub loss_sum: f64,
    pub loss_n: usize,
    /// Seconds in training steps, and real tokens trained on, over the run.
    pub train_time_s: f64,
    pub train_tokens: usize,
    /// Seconds of the run so far, over all its attempts.
    pub elapsed_s: f64,
    /// The training report so far.
    pub report: TrainReport,
}

impl Progress {
    /// Whether weights have been kept as best: the first evaluation always keeps
    /// them (their step and dev score are in the report).
    pub fn has_best(&self) -> bool {
        !self.report.evaluations.is_empty()
    }

    /// Whether the best weights are kept apart from the current ones.
    pub fn best_apart(&self) -> bool {
        self.has_best() && !self.best_is_current
    }
}

#[derive(Serialize, Deserialize)]
struct StateFile {
    version: u32,
    tensors: String,
    identity: RunIdentity,
    progress: Progress,
}

/// A checkpoint read back from its folder.
pub struct Checkpoint {
    pub identity: RunIdentity,
    pub progress: Progress,
    /// The current weights, in [`TokenClassifier::vars`] order.
    pub weights: Vec<Tensor>,
    /// The best weights when they are not the current ones.
    pub best: Option<Vec<Tensor>>,
    /// AdamW's `(m, v)` per parameter, in the same order.
    pub moments: Vec<(Vec<f32>, Vec<f32>)>,
}

/// The checkpoint folder of a run writing its model to `output`: `OUTPUT.checkpoint` beside it.
pub fn dir_for(output: &Path) -> PathBuf {
    let mut name = output
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "model".into());
    name.push(".checkpoint");
    output.with_file_name(name)
}

/// Whether `dir` holds a checkpoint.
pub fn exists(dir: &Path) -> bool {
    dir.join(STATE_FILE).is_file()
}

/// Checks, before training, what is at the checkpoint folder `dir`: with `resume`
/// a checkpoint must be there; without it nothing may be (an unfinished run is
/// resumed or removed by the user, never overwritten), and a folder that is not a
/// checkpoint is never touched.
pub fn check_dir(dir: &Path, resume: bool) -> Result<()> {
    let refuse = |m: &str| Err(Error::checkpoint(dir, m));
    match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if resume {
                refuse("no checkpoint here: nothing to resume (train without --resume to start)")
            } else {
                Ok(())
            }
        }
        Err(e) => Err(Error::io(dir, e)),
        Ok(m) if !m.is_dir() => refuse("exists and is not a checkpoint folder; move it away"),
        Ok(_) if !exists(dir) => refuse(
            "exists and is not a checkpoint folder written by `conflict-ner train` \
             (no state.json); move it away",
        ),
        Ok(_) if !resume => refuse(
            "holds the checkpoint of an unfinished run: add --resume to continue it, \
             or delete the folder to start afresh",
        ),
        Ok(_) => Ok(()),
    }
}

/// Writes a checkpoint of `model`, `opt` and `progress` into `dir` (created if
/// missing), atomically; `best` is the kept weights when they are not the current ones.
pub fn write(
    dir: &Path,
    identity: &RunIdentity,
    progress: &Progress,
    model: &TokenClassifier,
    best: Option<&[Tensor]>,
    opt: &AdamW,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut map: HashMap<String, Tensor> = HashMap::new();
    for (i, ((name, var), (m, v))) in model.vars().iter().zip(opt.moments()).enumerate() {
        let t = var.as_tensor();
        map.insert(format!("weights.{name}"), t.detach());
        map.insert(
            format!("adam_m.{name}"),
            Tensor::from_slice(m, t.shape(), t.device())?,
        );
        map.insert(
            format!("adam_v.{name}"),
            Tensor::from_slice(v, t.shape(), t.device())?,
        );
        if let Some(b) = best.and_then(|b| b.get(i)) {
            map.insert(format!("best.{name}"), b.clone());
        }
    }
    let tensors = format!("tensors-{:09}.safetensors", progress.step);
    let tmp = dir.join(format!(".{tensors}.tmp"));
    candle_core::safetensors::save(&map, &tmp)?;
    commit(&tmp, &dir.join(&tensors))?;
    let state = StateFile {
        version: VERSION,
        tensors: tensors.clone(),
        identity: identity.clone(),
        progress: progress.clone(),
    };
    let tmp = dir.join(format!(".{STATE_FILE}.tmp"));
    let bytes =
        serde_json::to_vec_pretty(&state).map_err(|e| Error::checkpoint(dir, e.to_string()))?;
    std::fs::File::create(&tmp)
        .and_then(|mut f| f.write_all(&bytes))
        .map_err(|e| Error::io(&tmp, e))?;
    commit(&tmp, &dir.join(STATE_FILE))?;
    // The new state is in place: older tensor files are no longer named by anything.
    for entry in std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("tensors-") && name.ends_with(".safetensors") && name != tensors {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}

/// Syncs `tmp`, renames it to `path` and syncs the folder, so the rename survives a crash.
fn commit(tmp: &Path, path: &Path) -> Result<()> {
    std::fs::File::open(tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(tmp, e))?;
    std::fs::rename(tmp, path).map_err(|e| Error::io(path, e))?;
    if let Some(parent) = path.parent() {
        // Directory fsync is not possible everywhere; the rename itself is atomic.
        let _ = std::fs::File::open(parent).and_then(|f| f.sync_all());
    }
    Ok(())
}

/// Reads the checkpoint in `dir` for a model whose parameters are `names`
/// (in [`TokenClassifier::vars`] order) of `shapes`.
pub fn read(dir: &Path, names: &[(String, Vec<usize>)]) -> Result<Checkpoint> {
    let state_path = dir.join(STATE_FILE);
    let text = std::fs::read_to_string(&state_path).map_err(|e| Error::io(&state_path, e))?;
    let state: StateFile = serde_json::from_str(&text).map_err(|e| Error::Json {
        path: state_path.clone(),
        line: e.line(),
        source: e,
    })?;
    if state.version != VERSION {
        return Err(Error::checkpoint(
            &state_path,
            format!("version {} (this program reads {VERSION})", state.version),
        ));
    }
    if state.tensors.contains(['/', '\\']) {
        return Err(Error::checkpoint(
            &state_path,
            format!("bad tensor file name {:?}", state.tensors),
        ));
    }
    let path = dir.join(&state.tensors);
    let mut map = candle_core::safetensors::load(&path, &Device::Cpu)
        .map_err(|e| Error::checkpoint(&path, e.to_string()))?;
    let mut take = |kind: &str, name: &str, shape: &[usize]| -> Result<Option<Tensor>> {
        let Some(t) = map.remove(&format!("{kind}.{name}")) else {
            return Ok(None);
        };
        if t.dims() != shape {
            return Err(Error::checkpoint(
                &path,
                format!(
                    "{kind}.{name} has shape {:?}, the model {shape:?}",
                    t.dims()
                ),
            ));
        }
        Ok(Some(t))
    };
    let (mut weights, mut best, mut moments) = (Vec::new(), Vec::new(), Vec::new());
    for (name, shape) in names {
        let missing = |kind: &str| Error::checkpoint(&path, format!("no tensor {kind}.{name}"));
        weights.push(take("weights", name, shape)?.ok_or_else(|| missing("weights"))?);
        let m = take("adam_m", name, shape)?.ok_or_else(|| missing("adam_m"))?;
        let v = take("adam_v", name, shape)?.ok_or_else(|| missing("adam_v"))?;
        moments.push((m.flatten_all()?.to_vec1()?, v.flatten_all()?.to_vec1()?));
        if let Some(b) = take("best", name, shape)? {
            best.push(b);
        }
    }
    let p = &state.progress;
    let want = if p.best_apart() { names.len() } else { 0 };
    if best.len() != want {
        return Err(Error::checkpoint(
            &path,
            format!("{} best tensors of {want} expected", best.len()),
        ));
    }
    let best = p.best_apart().then_some(best);
    Ok(Checkpoint {
        identity: state.identity,
        progress: state.progress,
        weights,
        best,
        moments,
    })
}

/// Removes the checkpoint in `dir` once its run's model is in place: only the
/// files a checkpoint writes, then the folder if that left it empty.
pub fn remove(dir: &Path) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = name == STATE_FILE
            || (name.starts_with("tensors-") && name.ends_with(".safetensors"))
            || (name.starts_with('.') && name.ends_with(".tmp"));
        if ours {
            std::fs::remove_file(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
        }
    }
    let _ = std::fs::remove_dir(dir);
    Ok(())
}
