//! The model folder: what `train` writes and `tag`/`evaluate` read.
//!
//! | file | contents |
//! |---|---|
//! | `config.json` | the encoder's Hugging Face config, plus `id2label`/`label2id` |
//! | `tokenizer.json` | the base model's tokenizer |
//! | `labels.json` | the label set: `{"scheme": "IOB2", "labels": [...]}` |
//! | `model.safetensors` | all weights, `BertForTokenClassification` names |
//! | `training-config.json` | the effective [`TrainConfig`] |
//! | `training-report.json` | per-epoch dev scores, wall time, tokens/s, data files with sha256, seed |
//! | `training-curve.svg` | dev micro F1 and training loss against step, the kept step marked |

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::TrainConfig;
use crate::encoding::Encoder;
use crate::error::{Error, Result};
use crate::label::LabelSet;
use crate::model::{read_checkpoint, BertConfig, TokenClassifier};
use crate::report::TrainReport;
use crate::tagger::Tagger;

#[derive(Serialize, Deserialize)]
struct LabelsFile {
    scheme: String,
    labels: Vec<String>,
}

/// Checks that a base-model folder has what training needs, naming what is missing.
pub fn check_base_dir(dir: &Path) -> Result<()> {
    if !dir.is_dir() {
        return Err(Error::model(
            dir,
            "base model folder not found: run scripts/fetch-base-model.sh (or pass --base DIR with config.json, tokenizer.json and model.safetensors)",
        ));
    }
    for f in ["config.json", "tokenizer.json"] {
        if !dir.join(f).is_file() {
            return Err(Error::model(dir.join(f), "missing from the model folder"));
        }
    }
    Ok(())
}

/// Builds a trainable model from a base folder: encoder weights loaded, head
/// initialised from `seed`.
pub fn load_base(dir: &Path, labels: &LabelSet, cfg: &TrainConfig) -> Result<Tagger> {
    check_base_dir(dir)?;
    let bert_cfg = BertConfig::from_file(&dir.join("config.json"))?;
    let weights = read_checkpoint(dir)?;
    let (mut model, _) = TokenClassifier::new(
        &bert_cfg,
        labels.num_tags(),
        drop_head(weights),
        cfg.seed,
        true,
    )
    .map_err(|e| match e {
        Error::Weights(m) => Error::model(dir, m),
        e => e,
    })?;
    model.set_precision(cfg.precision()?.precision);
    Ok(Tagger {
        model,
        encoder: Encoder::from_file(&dir.join("tokenizer.json"))?,
        labels: labels.clone(),
        max_len: cfg.max_len,
        window_overlap: cfg.window_overlap,
        batch_size: cfg.eval_batch_size,
    })
}

/// `config.json`'s `id2label` (written with the weights) must name the tags in
/// the order `labels.json` gives: an edited or reordered `labels.json` would
/// silently relabel every entity.
fn check_label_order(labels: &LabelSet, labels_path: &Path, config_path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(config_path).map_err(|e| Error::io(config_path, e))?;
    let config: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| Error::model(config_path, e.to_string()))?;
    let Some(id2label) = config.get("id2label").and_then(|v| v.as_object()) else {
        return Ok(());
    };
    if id2label.len() != labels.num_tags() {
        return Err(Error::model(
            labels_path,
            format!(
                "lists {} labels ({} tags) but config.json's id2label has {} tags",
                labels.len(),
                labels.num_tags(),
                id2label.len()
            ),
        ));
    }
    for i in 0..labels.num_tags() {
        let ours = labels.tag_name(labels.tag(i));
        let theirs = id2label.get(&i.to_string()).and_then(|v| v.as_str());
        if theirs != Some(ours.as_str()) {
            return Err(Error::model(
                labels_path,
                format!(
                    "tag {i} is {ours} here but {} in config.json's id2label: labels.json must list the labels in the classifier's row order",
                    theirs.unwrap_or("missing")
                ),
            ));
        }
    }
    Ok(())
}

/// A base checkpoint's own head (another task's) is never reused.
fn drop_head(mut w: HashMap<String, candle_core::Tensor>) -> HashMap<String, candle_core::Tensor> {
    w.retain(|k, _| {
        !k.starts_with("classifier.") && !k.starts_with("pooler.") && !k.starts_with("cls.")
    });
    w
}

/// Loads a trained model folder for inference.
pub fn load_tagger(dir: &Path) -> Result<Tagger> {
    let need = |f: &str| -> Result<PathBuf> {
        let p = dir.join(f);
        if p.is_file() {
            Ok(p)
        } else {
            Err(Error::model(
                &p,
                "missing: is this a model folder written by `conflict-ner train`?",
            ))
        }
    };
    let labels_path = need("labels.json")?;
    let text = std::fs::read_to_string(&labels_path).map_err(|e| Error::io(&labels_path, e))?;
    let lf: LabelsFile =
        serde_json::from_str(&text).map_err(|e| Error::model(&labels_path, e.to_string()))?;
    // The file's order is the classifier's row order: never re-sorted.
    let labels = LabelSet::from_ordered(lf.labels).map_err(|m| Error::model(&labels_path, m))?;
    let cfg_path = need("training-config.json")?;
    let cfg = TrainConfig::from_file(&cfg_path)?;
    let config_path = need("config.json")?;
    let bert_cfg = BertConfig::from_file(&config_path)?;
    check_label_order(&labels, &labels_path, &config_path)?;
    let weights_path = need("model.safetensors")?;
    let weights = read_checkpoint(dir)?;
    let (model, initialised) =
        TokenClassifier::new(&bert_cfg, labels.num_tags(), weights, 0, false).map_err(
            |e| match e {
                Error::Weights(m) => Error::model(
                    &weights_path,
                    format!("{m} (labels.json lists {} labels: {labels})", labels.len()),
                ),
                e => e,
            },
        )?;
    if !initialised.is_empty() {
        return Err(Error::model(
            &weights_path,
            format!("lacks {}", initialised.join(", ")),
        ));
    }
    if let Some(name) = model.first_non_finite()? {
        return Err(Error::model(
            &weights_path,
            format!("tensor {name} holds NaN or infinite values"),
        ));
    }
    Ok(Tagger {
        model,
        encoder: Encoder::from_file(&need("tokenizer.json")?)?,
        labels,
        max_len: cfg.max_len,
        window_overlap: cfg.window_overlap,
        batch_size: cfg.eval_batch_size,
    })
}

/// The files that mark a folder as a model written by `conflict-ner train`.
pub const MODEL_FILES: [&str; 3] = ["labels.json", "model.safetensors", "training-report.json"];

/// Whether `dir` is a model folder written by `train` (it holds every file of [`MODEL_FILES`]).
pub fn is_model_dir(dir: &Path) -> bool {
    dir.is_dir() && MODEL_FILES.iter().all(|f| dir.join(f).is_file())
}

/// Checks, before any training, that `train` may write its model folder to `output`:
/// nothing that is not a model folder written by `train` is ever replaced.
///
/// Refused: an existing regular file (or anything else that is not a folder); an
/// existing folder that is not a model folder; an existing model folder unless
/// `overwrite`; and any `output` that is, or contains, one of the `protected`
/// paths (the base model folder, the training and dev files). Also creates and
/// removes a probe folder beside `output`, so an unwritable place fails now, not
/// after hours of training.
pub fn check_output(output: &Path, overwrite: bool, protected: &[&Path]) -> Result<()> {
    let refuse = |m: String| Err(Error::output(output, m));
    if output.as_os_str().is_empty() {
        return refuse("an empty path is not a model folder".into());
    }
    let target = absolute(output);
    for p in protected {
        let p = absolute(p);
        if p == target {
            return refuse(format!(
                "is {}, an input of this run: choose another --output",
                p.display()
            ));
        }
        if p.starts_with(&target) {
            return refuse(format!(
                "contains {}, an input of this run: choose another --output",
                p.display()
            ));
        }
    }
    match std::fs::symlink_metadata(output) {
        Ok(m) if m.is_dir() => {
            if !is_model_dir(output) {
                let missing: Vec<&str> = MODEL_FILES
                    .iter()
                    .copied()
                    .filter(|f| !output.join(f).is_file())
                    .collect();
                return refuse(format!(
                    "exists and is not a model folder written by `conflict-ner train` (no {}); \
                     refusing to replace it: choose another --output",
                    missing.join(", ")
                ));
            }
            if !overwrite {
                return refuse(
                    "already holds a model: pass --overwrite to replace it \
                     (the old model stays until the new one is complete)"
                        .into(),
                );
            }
        }
        Ok(m) if m.file_type().is_symlink() => {
            return refuse("is a symbolic link: give the folder itself".into())
        }
        Ok(_) => return refuse("exists and is a file, not a model folder".into()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(output, e)),
    }
    let (parent, name) = parent_and_name(output);
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let probe = parent.join(format!(".{name}.probe-{}", std::process::id()));
    std::fs::create_dir(&probe).map_err(|e| Error::io(&probe, e))?;
    std::fs::remove_dir(&probe).map_err(|e| Error::io(&probe, e))?;
    Ok(())
}

/// `path` made absolute against the current folder, with `.`/`..` resolved and
/// symlinks followed as far as the path exists.
fn absolute(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    // Not there yet: resolve the deepest existing ancestor, keep the rest.
    let (parent, name) = parent_and_name(path);
    absolute(&parent).join(name)
}

/// The folder a path lives in (`.` for a bare name) and its last component.
fn parent_and_name(path: &Path) -> (PathBuf, String) {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into());
    (parent, name)
}

/// Writes a model folder atomically: everything goes to a temporary sibling
/// folder that is then renamed over `dir`, so a crash never leaves a half-written
/// model and a failed run never replaces the old one. `dir` must pass
/// [`check_output`] (checked again here: only a model folder is ever replaced,
/// and only with `overwrite`).
pub fn save_model(
    dir: &Path,
    tagger: &Tagger,
    base: &Path,
    cfg: &TrainConfig,
    report: &TrainReport,
    overwrite: bool,
) -> Result<()> {
    check_output(dir, overwrite, &[base])?;
    let (parent, name) = parent_and_name(dir);
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let write = |f: &str, bytes: Vec<u8>| -> Result<()> {
        let p = tmp.join(f);
        std::fs::write(&p, bytes).map_err(|e| Error::io(&p, e))
    };
    // config.json: the base config, made loadable as BertForTokenClassification.
    let cfg_path = base.join("config.json");
    let text = std::fs::read_to_string(&cfg_path).map_err(|e| Error::io(&cfg_path, e))?;
    let mut config: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| Error::model(&cfg_path, e.to_string()))?;
    let names: Vec<String> = (0..tagger.labels.num_tags())
        .map(|i| tagger.labels.tag_name(tagger.labels.tag(i)))
        .collect();
    if let Some(obj) = config.as_object_mut() {
        obj.insert(
            "architectures".into(),
            serde_json::json!(["BertForTokenClassification"]),
        );
        obj.insert(
            "id2label".into(),
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (i.to_string(), serde_json::json!(n)))
                .collect(),
        );
        obj.insert(
            "label2id".into(),
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), serde_json::json!(i)))
                .collect(),
        );
    }
    write("config.json", pretty(&config))?;
    let tok = base.join("tokenizer.json");
    std::fs::copy(&tok, tmp.join("tokenizer.json")).map_err(|e| Error::io(&tok, e))?;
    let labels = LabelsFile {
        scheme: "IOB2".into(),
        labels: tagger.labels.labels().to_vec(),
    };
    write("labels.json", pretty(&labels))?;
    // The arithmetic actually used, not "auto".
    let cfg = TrainConfig {
        precision: cfg.precision()?.precision.into(),
        ..cfg.clone()
    };
    write("training-config.json", pretty(&cfg))?;
    write("training-report.json", pretty(report))?;
    let curve = crate::curve::training_curve_svg(report).map_err(|message| Error::Output {
        path: tmp.join("training-curve.svg"),
        message,
    })?;
    write("training-curve.svg", curve.into_bytes())?;
    tagger.model.save(&tmp.join("model.safetensors"))?;
    // Same file mode as the other files (the weights' writer may create it differently).
    let mode = std::fs::metadata(tmp.join("config.json"))
        .map_err(|e| Error::io(tmp.join("config.json"), e))?
        .permissions();
    std::fs::set_permissions(tmp.join("model.safetensors"), mode)
        .map_err(|e| Error::io(tmp.join("model.safetensors"), e))?;
    // The new folder is complete: only now does the old model (checked above) go.
    let old = parent.join(format!(".{name}.old-{}", std::process::id()));
    let replacing = is_model_dir(dir);
    if replacing {
        std::fs::rename(dir, &old).map_err(|e| Error::io(dir, e))?;
    }
    if let Err(e) = std::fs::rename(&tmp, dir) {
        if replacing {
            let _ = std::fs::rename(&old, dir);
        }
        return Err(Error::io(dir, e));
    }
    if replacing {
        std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    }
    Ok(())
}

fn pretty<T: Serialize>(v: &T) -> Vec<u8> {
    let mut s = serde_json::to_vec_pretty(v).unwrap_or_default();
    s.push(b'\n');
    s
}

/// Hex sha256 of a file.
pub fn file_sha256(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
