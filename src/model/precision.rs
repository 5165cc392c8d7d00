//! The arithmetic of the encoder's dense-layer products: what a user asks for
//! ([`PrecisionChoice`], parsed once at the edge, `auto` included) and what runs
//! ([`Precision`]). Attention, layer norm and GELU are f32 either way.

use serde::{Deserialize, Serialize};

use super::{bf16, int8};
use crate::cpu::{self, Tier};

/// The arithmetic that runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// f32 throughout.
    F32,
    /// Products of bf16-rounded inputs summed in f32 (AVX-512 BF16 only);
    /// everything else (attention, layer norm, GELU) stays f32.
    Bf16,
    /// Inference only: inputs quantised to int8 (activations per token, weights
    /// per output) and products summed exactly in i32 (AVX-512 VNNI, or AVX2).
    /// On trainable weights the products run as [`Precision::Bf16`] where
    /// available, else f32.
    Int8,
}

impl Precision {
    /// `fp32`, `bf16` or `int8`.
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "fp32",
            Precision::Bf16 => "bf16",
            Precision::Int8 => "int8",
        }
    }
}

/// What the products are for: training needs gradients, so it never runs int8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// `train` (and its dev evaluations).
    Train,
    /// `tag` and `evaluate`.
    Infer,
}

/// The precision a user asks for (`--precision`, `training-config.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrecisionChoice {
    /// The fastest precision for this CPU whose F1 the README shows to be within
    /// 0.2 points of fp32: see [`PrecisionChoice::resolve`].
    Auto,
    /// f32 throughout (`fp32`, also written `f32`).
    #[serde(alias = "f32")]
    Fp32,
    /// bf16 products (AVX-512 BF16).
    Bf16,
    /// int8 products (inference only; AVX-512 VNNI or AVX2).
    Int8,
}

impl std::str::FromStr for PrecisionChoice {
    type Err = String;

    /// Parses `auto`, `fp32`/`f32`, `bf16` or `int8` (whatever the CPU).
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(PrecisionChoice::Auto),
            "fp32" | "f32" => Ok(PrecisionChoice::Fp32),
            "bf16" => Ok(PrecisionChoice::Bf16),
            "int8" => Ok(PrecisionChoice::Int8),
            other => Err(format!(
                "unknown precision {other:?} (expected auto, bf16, int8 or fp32)"
            )),
        }
    }
}

impl From<Precision> for PrecisionChoice {
    fn from(p: Precision) -> Self {
        match p {
            Precision::F32 => PrecisionChoice::Fp32,
            Precision::Bf16 => PrecisionChoice::Bf16,
            Precision::Int8 => PrecisionChoice::Int8,
        }
    }
}

/// A resolved choice: the arithmetic, and for `auto` a line saying why.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub precision: Precision,
    /// `Some` when `auto` chose: one line for stderr.
    pub auto_note: Option<String>,
}

impl PrecisionChoice {
    /// `auto`, `fp32`, `bf16` or `int8`.
    pub fn name(self) -> &'static str {
        match self {
            PrecisionChoice::Auto => "auto",
            PrecisionChoice::Fp32 => "fp32",
            PrecisionChoice::Bf16 => "bf16",
            PrecisionChoice::Int8 => "int8",
        }
    }

    /// The arithmetic for `work` on this CPU (tier capped by `CONFLICT_NER_CPU`).
    ///
    /// `auto` takes, per CPU, the fastest precision whose F1 the README shows to
    /// be within 0.2 points of fp32: for inference int8 where an int8 kernel
    /// runs (AVX-512 VNNI or AVX2), else fp32; for training bf16 with AVX-512
    /// BF16, else fp32. An explicit `bf16` or `int8` that this CPU cannot run is
    /// an error naming the missing instructions, and `int8` for training is an
    /// error: only `auto` falls back.
    pub fn resolve(self, work: Work) -> Result<Resolved, String> {
        let fixed = |precision| Resolved {
            precision,
            auto_note: None,
        };
        match self {
            PrecisionChoice::Fp32 => Ok(fixed(Precision::F32)),
            PrecisionChoice::Bf16 if bf16::available() => Ok(fixed(Precision::Bf16)),
            PrecisionChoice::Bf16 => Err(format!(
                "bf16 needs a CPU with AVX-512 BF16 ({}); use fp32 or auto",
                cpu_note()
            )),
            PrecisionChoice::Int8 if work == Work::Train => {
                Err("int8 is for tag and evaluate; train in auto, bf16 or fp32".into())
            }
            PrecisionChoice::Int8 if int8::available() => Ok(fixed(Precision::Int8)),
            PrecisionChoice::Int8 => Err(format!(
                "int8 needs a CPU with AVX2 or AVX-512 VNNI ({}); use fp32 or auto",
                cpu_note()
            )),
            PrecisionChoice::Auto => {
                let (precision, why) = match work {
                    Work::Infer if int8::available() => (
                        Precision::Int8,
                        "int8 products, F1 within 0.2 points of fp32",
                    ),
                    Work::Train if bf16::available() => (
                        Precision::Bf16,
                        "bf16 products, F1 within 0.2 points of fp32",
                    ),
                    Work::Infer => (Precision::F32, "no int8 kernel for this CPU"),
                    Work::Train => (Precision::F32, "no AVX-512 BF16"),
                };
                Ok(Resolved {
                    precision,
                    auto_note: Some(format!(
                        "precision: auto chose {} on this CPU ({}: {why})",
                        precision.name(),
                        cpu_note()
                    )),
                })
            }
        }
    }
}

/// The CPU tier in words, with the cap when `CONFLICT_NER_CPU` lowers it.
fn cpu_note() -> String {
    let (tier, detected) = (cpu::tier(), cpu::detected());
    let name = |t: Tier| match t {
        Tier::Avx512 => "AVX-512",
        Tier::Avx2 => "AVX2",
        Tier::Baseline => "baseline x86-64",
    };
    if tier == detected {
        format!("this CPU is {}", name(tier))
    } else {
        format!(
            "this CPU is {}, capped at {} by CONFLICT_NER_CPU",
            name(detected),
            name(tier)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_and_unknown_ones_are_errors() {
        for (s, c) in [
            ("auto", PrecisionChoice::Auto),
            ("fp32", PrecisionChoice::Fp32),
            ("f32", PrecisionChoice::Fp32),
            ("bf16", PrecisionChoice::Bf16),
            ("int8", PrecisionChoice::Int8),
        ] {
            assert_eq!(s.parse::<PrecisionChoice>(), Ok(c));
        }
        let e = "fp16".parse::<PrecisionChoice>().unwrap_err();
        assert!(e.contains("fp16") && e.contains("bf16") && e.contains("int8"));
        let json: PrecisionChoice = serde_json::from_str("\"f32\"").unwrap();
        assert_eq!(json, PrecisionChoice::Fp32);
        assert_eq!(
            serde_json::to_string(&PrecisionChoice::Bf16).unwrap(),
            "\"bf16\""
        );
    }

    #[test]
    fn explicit_choices_never_fall_back() {
        assert_eq!(
            PrecisionChoice::Fp32
                .resolve(Work::Train)
                .unwrap()
                .precision,
            Precision::F32
        );
        match PrecisionChoice::Bf16.resolve(Work::Train) {
            Ok(r) => assert_eq!((r.precision, r.auto_note), (Precision::Bf16, None)),
            Err(e) => assert!(e.contains("AVX-512 BF16"), "{e}"),
        }
        match PrecisionChoice::Int8.resolve(Work::Infer) {
            Ok(r) => assert_eq!(r.precision, Precision::Int8),
            Err(e) => assert!(e.contains("AVX2"), "{e}"),
        }
        let e = PrecisionChoice::Int8.resolve(Work::Train).unwrap_err();
        assert!(e.contains("int8 is for tag and evaluate"), "{e}");
    }

    #[test]
    fn auto_names_its_choice() {
        for work in [Work::Train, Work::Infer] {
            let r = PrecisionChoice::Auto.resolve(work).unwrap();
            let note = r.auto_note.unwrap();
            assert!(note.contains(r.precision.name()), "{note}");
            if work == Work::Train {
                assert_ne!(r.precision, Precision::Int8);
            }
        }
    }
}
