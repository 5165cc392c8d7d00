//! Benchmarks and parity checks against the PyTorch reference (scripts/reference.py).
//! Not a test: figures are printed as JSON lines for scripts/bench.sh.
//!
//!   conflict-ner-bench peak            (measured fp32, bf16 and int8 peaks at this CPU's tier on RAYON_NUM_THREADS)
//!   conflict-ner-bench parity --model DIR --reference FILE [--precision fp32|bf16]
//!   conflict-ner-bench step --model DIR [--mode train|forward] [--batch 16] [--seq 128] [--steps 10] [--warmup 2] [--precision fp32|bf16]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context};
use candle_core::{DType, Device, Tensor};
use conflict_ner::model::{
    read_checkpoint, BertConfig, BertInput, Precision, PrecisionChoice, TokenClassifier, Work,
};
use conflict_ner::optim::{AdamW, AdamWConfig};
use conflict_ner::rng::Rng;
use mimalloc::MiMalloc;

#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

fn arg<T: std::str::FromStr>(
    args: &HashMap<String, String>,
    k: &str,
    default: T,
) -> anyhow::Result<T> {
    match args.get(k) {
        Some(v) => v
            .parse()
            .map_err(|_| anyhow::anyhow!("--{k}: cannot parse {v:?}")),
        None => Ok(default),
    }
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// mimalloc's `purge_delay` option (mimalloc.h, v2): -1 keeps freed pages mapped.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> anyhow::Result<()> {
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    // candle's elementwise thread pool spin-waits against rayon's (used by gemm and
    // our fused ops); on a 2-core machine one candle thread ran training 2-3x faster.
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        std::env::set_var("CANDLE_NUM_THREADS", "1");
    }
    let argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.first().map(String::as_str) == Some("peak") {
        return peak();
    }
    let Some(cmd) = argv.first().cloned() else {
        bail!("usage: conflict-ner-bench parity|step --model DIR ...")
    };
    let mut args = HashMap::new();
    for pair in argv[1..].chunks(2) {
        let k = pair[0]
            .strip_prefix("--")
            .with_context(|| format!("unexpected {:?}", pair[0]))?;
        args.insert(k.to_string(), pair.get(1).cloned().unwrap_or_default());
    }
    let model = PathBuf::from(args.get("model").context("--model DIR is required")?);
    let work = match args.get("mode").map(String::as_str) {
        Some("forward") => Work::Infer,
        _ if cmd == "parity" => Work::Infer,
        _ => Work::Train,
    };
    let precision = args
        .get("precision")
        .map_or("fp32", String::as_str)
        .parse::<PrecisionChoice>()
        .and_then(|c| c.resolve(work))
        .map_err(|e| anyhow::anyhow!("--precision: {e}"))?
        .precision;
    let cfg = BertConfig::from_file(&model.join("config.json"))?;
    match cmd.as_str() {
        "parity" => parity(
            &model,
            &cfg,
            &PathBuf::from(
                args.get("reference")
                    .context("--reference FILE is required")?,
            ),
            precision,
        ),
        "step" => step(&model, &cfg, &args, precision),
        _ => bail!("unknown command {cmd:?}"),
    }
}

/// This CPU's arithmetic peak at its tier (`cpu::tier()`, capped by
/// `CONFLICT_NER_CPU`), measured: every rayon thread runs independent chains
/// from registers of 512-bit FMAs (AVX-512), 256-bit FMAs (AVX2) or 128-bit
/// multiply-adds (baseline SSE2) for fp32; `vdpbf16ps` for bf16; `vpdpbusd`
/// (AVX-512 VNNI) or `vpmaddubsw` + `vpmaddwd` + `vpaddd` (AVX2) for int8.
/// This is the ceiling that GFLOP/s figures in scripts/bench.sh are compared with.
fn peak() -> anyhow::Result<()> {
    #[cfg(target_arch = "x86_64")]
    {
        use conflict_ner::cpu::Tier;
        use rayon::prelude::*;
        use std::arch::x86_64::*;
        const ITERS: usize = 50_000_000;
        const CHAINS: usize = 12;
        #[target_feature(enable = "avx512f,fma")]
        unsafe fn fma512() -> f32 {
            let (a, b) = (_mm512_set1_ps(1.000_001), _mm512_set1_ps(0.999_999));
            let mut acc = [_mm512_setzero_ps(); CHAINS];
            for _ in 0..ITERS {
                for x in acc.iter_mut() {
                    *x = _mm512_fmadd_ps(a, b, *x);
                }
            }
            acc.iter().map(|x| _mm512_reduce_add_ps(*x)).sum()
        }
        #[target_feature(enable = "avx2,fma")]
        unsafe fn fma256() -> f32 {
            let (a, b) = (_mm256_set1_ps(1.000_001), _mm256_set1_ps(0.999_999));
            let mut acc = [_mm256_setzero_ps(); CHAINS];
            for _ in 0..ITERS {
                for x in acc.iter_mut() {
                    *x = _mm256_fmadd_ps(a, b, *x);
                }
            }
            let mut out = [0f32; 8];
            acc.iter()
                .map(|x| {
                    _mm256_storeu_ps(out.as_mut_ptr(), *x);
                    out.iter().sum::<f32>()
                })
                .sum()
        }
        unsafe fn sse() -> f32 {
            let (a, b) = (_mm_set1_ps(1.000_001), _mm_set1_ps(0.999_999));
            let mut acc = [_mm_setzero_ps(); CHAINS];
            for _ in 0..ITERS {
                for x in acc.iter_mut() {
                    *x = _mm_add_ps(_mm_mul_ps(a, b), *x);
                }
            }
            let mut out = [0f32; 4];
            acc.iter()
                .map(|x| {
                    _mm_storeu_ps(out.as_mut_ptr(), *x);
                    out.iter().sum::<f32>()
                })
                .sum()
        }
        #[target_feature(enable = "avx512f,avx512bf16")]
        unsafe fn dot() -> f32 {
            let a: __m512bh = std::mem::transmute(_mm512_set1_epi16(0x3f80));
            let mut acc = [_mm512_setzero_ps(); CHAINS];
            for _ in 0..ITERS {
                for x in acc.iter_mut() {
                    *x = _mm512_dpbf16_ps(*x, a, a);
                }
            }
            acc.iter().map(|x| _mm512_reduce_add_ps(*x)).sum()
        }
        #[target_feature(enable = "avx512f,avx512vnni")]
        unsafe fn dot_i8() -> f32 {
            let a = _mm512_set1_epi8(1);
            let mut acc = [_mm512_setzero_si512(); CHAINS];
            for _ in 0..ITERS {
                for x in acc.iter_mut() {
                    *x = _mm512_dpbusd_epi32(*x, a, a);
                }
            }
            acc.iter().map(|x| _mm512_reduce_add_epi32(*x) as f32).sum()
        }
        #[target_feature(enable = "avx2")]
        unsafe fn dot_i8_avx2() -> f32 {
            let (a, ones) = (_mm256_set1_epi8(1), _mm256_set1_epi16(1));
            let mut acc = [_mm256_setzero_si256(); CHAINS];
            for _ in 0..ITERS {
                for x in acc.iter_mut() {
                    // The chain runs through x, as a kernel's accumulator does.
                    let pairs = _mm256_maddubs_epi16(a, *x);
                    *x = _mm256_add_epi32(*x, _mm256_madd_epi16(pairs, ones));
                }
            }
            let mut out = [0i32; 8];
            acc.iter()
                .map(|x| {
                    _mm256_storeu_si256(out.as_mut_ptr().cast(), *x);
                    out.iter().map(|&v| v as f32).sum::<f32>()
                })
                .sum()
        }
        let threads = rayon::current_num_threads();
        let run = |f: unsafe fn() -> f32, flops_per_op: f64| {
            let t0 = Instant::now();
            let s: f32 = (0..threads).into_par_iter().map(|_| unsafe { f() }).sum();
            std::hint::black_box(s);
            (threads * ITERS * CHAINS) as f64 * flops_per_op / t0.elapsed().as_secs_f64() / 1e9
        };
        let tier = conflict_ner::cpu::tier();
        // SAFETY (all calls): each function runs only at a tier that has its instructions.
        let fp32 = match tier {
            Tier::Avx512 => run(fma512, 32.0),
            Tier::Avx2 => run(fma256, 16.0),
            Tier::Baseline => run(sse, 8.0),
        };
        let bf16 = if conflict_ner::model::bf16::available() {
            format!("{:.1}", run(dot, 64.0))
        } else {
            "null".into()
        };
        let vnni = tier == Tier::Avx512 && std::arch::is_x86_feature_detected!("avx512vnni");
        let int8 = match tier {
            _ if vnni => format!("{:.1}", run(dot_i8, 128.0)),
            Tier::Avx512 | Tier::Avx2 => format!("{:.1}", run(dot_i8_avx2, 64.0)),
            Tier::Baseline => "null".into(),
        };
        println!(
            "{{\"what\":\"peak\",\"tier\":\"{}\",\"threads\":{threads},\"fp32_gflops\":{fp32:.1},\"bf16_gflops\":{bf16},\"int8_gops\":{int8}}}",
            tier.name()
        );
        Ok(())
    }
    #[cfg(not(target_arch = "x86_64"))]
    bail!("peak: x86-64 only")
}

/// Max |ours - PyTorch| of the last hidden state on the reference's inputs.
fn parity(
    model: &Path,
    cfg: &BertConfig,
    reference: &Path,
    precision: Precision,
) -> anyhow::Result<()> {
    let r = candle_core::safetensors::load(reference, &Device::Cpu)?;
    let get = |k: &str| {
        r.get(k)
            .with_context(|| format!("{}: no tensor {k}", reference.display()))
    };
    let input = BertInput {
        ids: get("input_ids")?.to_dtype(DType::U32)?,
        type_ids: get("token_type_ids")?.to_dtype(DType::U32)?,
        mask: get("attention_mask")?.to_dtype(DType::F32)?,
    };
    let (tc, _) = TokenClassifier::new(cfg, 3, read_checkpoint(model)?, 0, false)?;
    let ours = tc.bert.forward(&input, None, precision)?;
    let theirs = get("last_hidden_state")?;
    // Only real tokens count (padding positions are undefined in both).
    let mask = input.mask.unsqueeze(2)?.broadcast_as(ours.shape())?;
    let diff = ((ours - theirs)?.abs()? * mask)?
        .flatten_all()?
        .max(0)?
        .to_scalar::<f32>()?;
    println!(
        "{{\"what\":\"parity\",\"precision\":\"{}\",\"shape\":{:?},\"max_abs_diff\":{diff:e}}}",
        precision.name(),
        theirs.dims()
    );
    Ok(())
}

fn step(
    model: &Path,
    cfg: &BertConfig,
    args: &HashMap<String, String>,
    precision: Precision,
) -> anyhow::Result<()> {
    let mode: String = arg(args, "mode", "train".to_string())?;
    let (b, t): (usize, usize) = (arg(args, "batch", 16)?, arg(args, "seq", 128)?);
    let (steps, warmup): (usize, usize) = (arg(args, "steps", 10)?, arg(args, "warmup", 2)?);
    let labels: usize = arg(args, "labels", 13)?;
    let train = mode == "train";
    let (mut tc, _) = TokenClassifier::new(cfg, labels, read_checkpoint(model)?, 0, train)?;
    tc.set_precision(precision);
    let mut rng = Rng::new(0);
    let ids: Vec<u32> = (0..b * t)
        .map(|_| 1000 + rng.below(cfg.vocab_size - 1000) as u32)
        .collect();
    let targets: Vec<i64> = (0..b * t).map(|_| rng.below(labels) as i64).collect();
    let input = BertInput {
        ids: Tensor::from_vec(ids, (b, t), &Device::Cpu)?,
        type_ids: Tensor::zeros((b, t), DType::U32, &Device::Cpu)?,
        mask: Tensor::ones((b, t), DType::F32, &Device::Cpu)?,
    };
    let targets = Tensor::from_vec(targets, (b, t), &Device::Cpu)?;
    // The optimizer and decay rule of `train` (default weight decay).
    let mut opt = AdamW::new(tc.decay_mask(), AdamWConfig::default());
    let mut elapsed = 0.0;
    // Seconds in forward, backward and optimizer over the timed steps.
    let mut phases = [0f64; 3];
    for i in 0..warmup + steps {
        let t0 = Instant::now();
        let mut split = [0f64; 3];
        if train {
            split = conflict_ner::train::step(&tc, &mut opt, &input, &targets, 5e-5, 1.0)?.seconds;
        } else {
            tc.bert.forward(&input, None, precision)?;
        }
        if i >= warmup {
            elapsed += t0.elapsed().as_secs_f64();
            phases.iter_mut().zip(split).for_each(|(p, s)| *p += s);
        }
    }
    let tokens = (b * t * steps) as f64;
    println!(
        "{{\"impl\":\"candle\",\"precision\":\"{}\",\"mode\":\"{mode}\",\"batch\":{b},\"seq\":{t},\"tokens_per_s\":{:.1},\"ms_per_step\":{:.1},\"ms_forward_backward_optimizer\":[{:.1},{:.1},{:.1}],\"peak_rss_mb\":{:.0}}}",
        precision.name(),
        tokens / elapsed,
        1000.0 * elapsed / steps as f64,
        1000.0 * phases[0] / steps as f64,
        1000.0 * phases[1] / steps as f64,
        1000.0 * phases[2] / steps as f64,
        peak_rss_mb()
    );
    Ok(())
}
