//! Golden-file parity with Hugging Face transformers' `BertModel`: the tiny
//! model and the expected last hidden state in tests/fixtures/tiny-bert were
//! written by `scripts/reference.py golden` (PyTorch), with random LayerNorm
//! weights and a right-padded row, so any divergence in embeddings, attention
//! masking, layer norm or GELU shows.

use std::path::Path;

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use conflict_ner::model::{
    bf16, int8, read_checkpoint, BertConfig, BertInput, Precision, TokenClassifier,
};

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Largest absolute elementwise difference.
fn max_abs_diff(d: Tensor) -> f32 {
    d.abs()
        .unwrap()
        .flatten_all()
        .unwrap()
        .max(0)
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

/// The tiny model's config, the golden tensors, and the encoder input they hold.
fn golden() -> (BertConfig, HashMap<String, Tensor>, BertInput) {
    let dir = fixtures().join("tiny-bert");
    let cfg = BertConfig::from_file(&dir.join("config.json")).unwrap();
    let g = candle_core::safetensors::load(dir.join("golden.safetensors"), &Device::Cpu).unwrap();
    let input = BertInput {
        ids: g["input_ids"].to_dtype(DType::U32).unwrap(),
        type_ids: g["token_type_ids"].to_dtype(DType::U32).unwrap(),
        mask: g["attention_mask"].to_dtype(DType::F32).unwrap(),
    };
    (cfg, g, input)
}

/// Max |ours - PyTorch| over real tokens at `precision`.
fn golden_diff(precision: Precision) -> f32 {
    let (cfg, golden, input) = golden();
    let dir = fixtures().join("tiny-bert");
    let (model, initialised) =
        TokenClassifier::new(&cfg, 3, read_checkpoint(&dir).unwrap(), 0, false).unwrap();
    assert_eq!(
        initialised,
        vec![
            "classifier.weight".to_string(),
            "classifier.bias".to_string()
        ]
    );
    let ours = model.bert.forward(&input, None, precision).unwrap();
    let want = &golden["last_hidden_state"];
    assert_eq!(ours.dims(), want.dims());
    let mask = input
        .mask
        .unsqueeze(2)
        .unwrap()
        .broadcast_as(ours.shape())
        .unwrap();
    let diff = ((ours - want).unwrap().abs().unwrap() * mask).unwrap();
    max_abs_diff(diff)
}

#[test]
fn last_hidden_state_matches_pytorch() {
    let max = golden_diff(Precision::F32);
    assert!(max < 1e-5, "max |ours - pytorch| = {max}");
}

/// bf16 products round inputs to 8 significant bits: close to PyTorch's f32
/// (layer-normed outputs of order 1), but not equal, which shows the bf16 path ran.
#[test]
fn bf16_last_hidden_state_is_close_to_pytorch() {
    if !bf16::available() {
        eprintln!("skipped: this CPU lacks AVX-512 BF16");
        return;
    }
    let max = golden_diff(Precision::Bf16);
    assert!(max < 5e-2, "max |ours(bf16) - pytorch| = {max}");
    assert!(max > 1e-5, "bf16 gave f32 results ({max}): was it used?");
}

/// int8 products (per-token activations, per-output weights) stay close to
/// PyTorch's f32 hidden state, and differ from it, which shows the path ran.
#[test]
fn int8_last_hidden_state_is_close_to_pytorch() {
    if !int8::available() {
        eprintln!("skipped: this CPU lacks AVX-512 VNNI");
        return;
    }
    let max = golden_diff(Precision::Int8);
    eprintln!("int8: max |ours - pytorch| = {max}");
    assert!(max < 8e-2, "max |ours(int8) - pytorch| = {max}");
    assert!(max > 1e-5, "int8 gave f32 results ({max}): was it used?");
}

/// The same weights as a PyTorch pickle (`pytorch_model.bin`, written by torch.save)
/// with `bert.`-prefixed, legacy `gamma`/`beta` names and an unused pretraining head.
#[test]
fn pytorch_bin_with_legacy_names_gives_the_same_hidden_state() {
    let (cfg, _, input) = golden();
    let root = fixtures();
    let weights = read_checkpoint(&root.join("tiny-bert-legacy")).unwrap();
    assert!(
        weights.contains_key("embeddings.LayerNorm.weight")
            && weights.contains_key("cls.predictions.bias")
    );
    let (from_bin, _) = TokenClassifier::new(&cfg, 3, weights, 0, false).unwrap();
    let (from_st, _) = TokenClassifier::new(
        &cfg,
        3,
        read_checkpoint(&root.join("tiny-bert")).unwrap(),
        0,
        false,
    )
    .unwrap();
    let a = from_bin.bert.forward(&input, None, Precision::F32).unwrap();
    let b = from_st.bert.forward(&input, None, Precision::F32).unwrap();
    let d = max_abs_diff((a - b).unwrap());
    assert_eq!(d, 0.0);
}

#[test]
fn legacy_and_prefixed_weight_names_load() {
    use conflict_ner::model::normalise_name;
    assert_eq!(
        normalise_name("bert.encoder.layer.0.output.LayerNorm.gamma"),
        "encoder.layer.0.output.LayerNorm.weight"
    );
    assert_eq!(
        normalise_name("embeddings.LayerNorm.beta"),
        "embeddings.LayerNorm.bias"
    );
    assert_eq!(normalise_name("classifier.weight"), "classifier.weight");
}
