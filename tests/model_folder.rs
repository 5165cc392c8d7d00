//! Model-folder faults are clear errors naming the file: a reordered or
//! shortened `labels.json`, a `config.json` of `{}`, missing, truncated or
//! non-finite weights.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use common::*;
use conflict_ner::model_dir::load_tagger;

/// A model folder from one short training run on the fixture.
fn model() -> &'static PathBuf {
    static M: OnceLock<PathBuf> = OnceLock::new();
    M.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("conflict-ner-folder-{}", std::process::id()));
        write_tiny_model(&root, &tiny_train_config(1))
    })
}

/// A copy of the model folder for one test to break.
fn copy(name: &str) -> PathBuf {
    let src = model();
    let dst = src.parent().unwrap().join(name);
    std::fs::create_dir_all(&dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dst.join(e.file_name())).unwrap();
    }
    dst
}

fn error_of(dir: &Path) -> String {
    match load_tagger(dir) {
        Ok(_) => panic!("{} loaded", dir.display()),
        Err(e) => e.to_string(),
    }
}

fn edit_labels(dir: &Path, f: impl FnOnce(&mut Vec<serde_json::Value>)) {
    let p = dir.join("labels.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    f(v["labels"].as_array_mut().unwrap());
    std::fs::write(&p, v.to_string()).unwrap();
}

#[test]
fn the_intact_folder_loads_and_keeps_the_saved_label_order() {
    let t = load_tagger(model()).unwrap();
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model().join("labels.json")).unwrap())
            .unwrap();
    let names: Vec<&str> = saved["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(t.labels.labels(), names.as_slice());
    // model.safetensors has the mode of the other files.
    use std::os::unix::fs::PermissionsExt;
    let mode = |f: &str| {
        std::fs::metadata(model().join(f))
            .unwrap()
            .permissions()
            .mode()
    };
    assert_eq!(mode("model.safetensors"), mode("config.json"));
}

#[test]
fn a_reordered_or_shortened_labels_file_is_an_error() {
    let d = copy("reordered");
    edit_labels(&d, |l| l.swap(0, 1));
    let e = error_of(&d);
    assert!(e.contains("labels.json") && e.contains("row order"), "{e}");

    let d = copy("shortened");
    edit_labels(&d, |l| {
        l.pop();
    });
    let e = error_of(&d);
    assert!(e.contains("labels.json") && e.contains("id2label"), "{e}");

    let d = copy("duplicated");
    edit_labels(&d, |l| {
        let first = l[0].clone();
        l.push(first);
    });
    assert!(error_of(&d).contains("listed twice"));
}

#[test]
fn broken_config_and_weights_name_their_file() {
    let d = copy("empty-config");
    std::fs::write(d.join("config.json"), "{}").unwrap();
    let e = error_of(&d);
    assert!(e.contains("config.json"), "{e}");

    let d = copy("no-weights");
    std::fs::remove_file(d.join("model.safetensors")).unwrap();
    let e = error_of(&d);
    assert!(
        e.contains("model.safetensors") && e.contains("missing"),
        "{e}"
    );

    let d = copy("truncated");
    let bytes = std::fs::read(d.join("model.safetensors")).unwrap();
    std::fs::write(d.join("model.safetensors"), &bytes[..bytes.len() / 2]).unwrap();
    let e = error_of(&d);
    assert!(e.contains("model.safetensors"), "{e}");

    // A NaN in the classifier's bias (the last tensor's last bytes are not it in
    // general, so rewrite the tensor through safetensors).
    let d = copy("nan");
    let p = d.join("model.safetensors");
    let mut t = candle_core::safetensors::load(&p, &candle_core::Device::Cpu).unwrap();
    let bias = t.get("classifier.bias").unwrap();
    let n = bias.dims1().unwrap();
    let mut v = vec![0f32; n];
    v[0] = f32::NAN;
    t.insert(
        "classifier.bias".into(),
        candle_core::Tensor::from_vec(v, n, &candle_core::Device::Cpu).unwrap(),
    );
    candle_core::safetensors::save(&t, &p).unwrap();
    let e = error_of(&d);
    assert!(e.contains("classifier.bias") && e.contains("NaN"), "{e}");
}
