//! Named parameters: loaded from a checkpoint where present, initialised from a
//! seeded generator where not (the new head), and listed for the optimizer and saving.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Device, Tensor, Var};

use crate::error::{Error, Result};
use crate::rng::Rng;

/// How a parameter missing from the checkpoint is initialised.
#[derive(Debug, Clone, Copy)]
pub enum Init {
    /// Normal with mean 0 and this standard deviation.
    Normal(f32),
    /// Every element equal to this value.
    Const(f32),
}

/// A parameter store: builds modules, and owns every trainable [`Var`] by its
/// Hugging Face name (`encoder.layer.0.attention.self.query.weight`).
pub struct Params {
    loaded: HashMap<String, Tensor>,
    /// Whether a checkpoint was given (then only `classifier.*` may be initialised).
    loaded_any: bool,
    vars: Vec<(String, Var)>,
    rng: Rng,
    trainable: bool,
    /// Names that were initialised rather than loaded.
    pub initialised: Vec<String>,
}

impl Params {
    /// A store over checkpoint tensors (names already normalised, see [`normalise_name`]).
    /// `trainable = false` hands out detached tensors, so inference builds no graph.
    pub fn new(loaded: HashMap<String, Tensor>, seed: u64, trainable: bool) -> Self {
        Params {
            loaded_any: !loaded.is_empty(),
            loaded,
            vars: Vec::new(),
            rng: Rng::new(seed),
            trainable,
            initialised: Vec::new(),
        }
    }

    /// The parameter `name` of `shape`: the checkpoint's (shape-checked) or a new one.
    pub fn get(&mut self, name: &str, shape: &[usize], init: Init) -> Result<Tensor> {
        let t = match self.loaded.remove(name) {
            Some(t) => {
                if t.dims() != shape {
                    return Err(Error::Weights(format!(
                        "weight {name} has shape {:?}, expected {shape:?}",
                        t.dims()
                    )));
                }
                t.to_dtype(DType::F32)?
            }
            // Loading a checkpoint, only the task head may be new: a missing encoder
            // weight is an error before anything of its (unchecked) size is allocated.
            None if !self.loaded_any || name.starts_with("classifier") => {
                self.initialised.push(name.to_string());
                let n: usize = shape.iter().product();
                let data: Vec<f32> = match init {
                    Init::Normal(std) => (0..n).map(|_| self.rng.normal() * std).collect(),
                    Init::Const(c) => vec![c; n],
                };
                Tensor::from_vec(data, shape, &Device::Cpu)?
            }
            None => {
                return Err(Error::Weights(format!(
                    "the checkpoint lacks encoder weights: {name}"
                )))
            }
        };
        let var = Var::from_tensor(&t)?;
        let out = if self.trainable {
            var.as_tensor().clone()
        } else {
            var.as_tensor().detach()
        };
        self.vars.push((name.to_string(), var));
        Ok(out)
    }

    /// Every parameter in creation order.
    pub fn vars(&self) -> &[(String, Var)] {
        &self.vars
    }

    /// Checkpoint tensors no module asked for.
    pub fn unused(&self) -> Vec<String> {
        let mut v: Vec<String> = self.loaded.keys().cloned().collect();
        v.sort();
        v
    }
}

/// Maps checkpoint names to this crate's: drops a `bert.` prefix, and renames the
/// legacy LayerNorm `gamma`/`beta` to `weight`/`bias`.
pub fn normalise_name(name: &str) -> String {
    let name = name.strip_prefix("bert.").unwrap_or(name);
    if let Some(stem) = name.strip_suffix(".gamma") {
        format!("{stem}.weight")
    } else if let Some(stem) = name.strip_suffix(".beta") {
        format!("{stem}.bias")
    } else {
        name.to_string()
    }
}

/// Reads the weights of a model folder: `model.safetensors`, else `pytorch_model.bin`.
pub fn read_checkpoint(dir: &Path) -> Result<HashMap<String, Tensor>> {
    let st = dir.join("model.safetensors");
    let bin = dir.join("pytorch_model.bin");
    let tensors: Vec<(String, Tensor)> = if st.exists() {
        // Mapped rather than read into a buffer: a 90 MB heap buffer, once freed,
        // stays resident under the allocator's keep-pages setting and added its
        // size to every later peak (training's included).
        // SAFETY: the mapping is only read, and dropped before this returns; as
        // with any reader, a file rewritten meanwhile gives undefined contents
        // (candle and Hugging Face's loaders map the same way).
        let map = unsafe { candle_core::safetensors::MmapedSafetensors::new(&st) }
            .map_err(|e| Error::model(&st, format!("cannot read weights: {e}")))?;
        map.tensors()
            .into_iter()
            .map(|(name, _)| {
                let t = map
                    .load(&name, &Device::Cpu)
                    .map_err(|e| Error::model(&st, format!("cannot read weights: {e}")))?;
                Ok((name, t))
            })
            .collect::<Result<_>>()?
    } else if bin.exists() {
        candle_core::pickle::read_all(&bin)
            .map_err(|e| Error::model(&bin, format!("cannot read weights: {e}")))?
    } else {
        return Err(Error::model(
            dir,
            "no model.safetensors or pytorch_model.bin",
        ));
    };
    Ok(tensors
        .into_iter()
        .map(|(k, v)| (normalise_name(&k), v))
        .collect())
}
