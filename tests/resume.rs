//! Checkpoints and `train --resume`: a run killed (SIGKILL) or interrupted
//! (SIGINT) after a checkpoint and then resumed ends with the very bytes of an
//! uninterrupted run; a checkpoint of another run is refused, naming the difference.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::*;
use conflict_ner::corpus::write_jsonl;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

struct Setup {
    root: PathBuf,
    /// The model of the uninterrupted run.
    reference: PathBuf,
}

/// `train` arguments writing to `output`: many short steps, dropout on, dev
/// evaluations inside epochs and a checkpoint every 3 steps.
fn train_args(root: &Path, output: &Path, seed: &str) -> Vec<String> {
    [
        "train",
        "--train",
        s(&root.join("train.jsonl")),
        "--dev",
        s(&root.join("dev.jsonl")),
        "--base",
        s(&root.join("base")),
        "--output",
        s(output),
        "--epochs",
        "30",
        "--lr",
        "5e-3",
        "--max-len",
        "24",
        "--window-overlap",
        "6",
        "--batch-size",
        "2",
        "--eval-every",
        "7",
        "--patience",
        "0",
        "--checkpoint-every",
        "3",
        "--seed",
        seed,
        "--quiet",
    ]
    .iter()
    .map(|a| a.to_string())
    .collect()
}

fn spawn(args: &[String]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_conflict-ner"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn run(args: &[String]) -> Output {
    spawn(args).wait_with_output().unwrap()
}

fn setup() -> &'static Setup {
    static S: OnceLock<Setup> = OnceLock::new();
    S.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("conflict-ner-resume-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let docs = fixture_docs();
        // Dropout on, so that a resumed run must also continue the dropout stream.
        write_tiny_base(&root.join("base"), &texts(&docs), 0.1, 1);
        let mut f = std::fs::File::create(root.join("train.jsonl")).unwrap();
        write_jsonl(&mut f, &docs).unwrap();
        let mut f = std::fs::File::create(root.join("dev.jsonl")).unwrap();
        write_jsonl(&mut f, &docs[..4]).unwrap();
        let reference = root.join("reference");
        let out = run(&train_args(&root, &reference, "5"));
        assert!(
            out.status.success(),
            "train failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !checkpoint_dir(&reference).exists(),
            "checkpoint left behind"
        );
        Setup { root, reference }
    })
}

fn checkpoint_dir(output: &Path) -> PathBuf {
    let mut name = output.file_name().unwrap().to_os_string();
    name.push(".checkpoint");
    output.with_file_name(name)
}

/// Waits until the run writing to `output` has written its first checkpoint.
fn wait_for_checkpoint(child: &mut Child, output: &Path) {
    let state = checkpoint_dir(output).join("state.json");
    let t0 = Instant::now();
    while !state.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("train ended ({status}) before its first checkpoint");
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "no checkpoint after 120 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn checkpoint_step(output: &Path) -> u64 {
    let text = std::fs::read_to_string(checkpoint_dir(output).join("state.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["progress"]["step"].as_u64().unwrap()
}

fn assert_same_model(a: &Path, b: &Path) {
    let (wa, wb) = (
        std::fs::read(a.join("model.safetensors")).unwrap(),
        std::fs::read(b.join("model.safetensors")).unwrap(),
    );
    assert!(
        wa == wb,
        "model.safetensors of {} and {} differ",
        a.display(),
        b.display()
    );
    let best = |d: &Path| -> u64 {
        let text = std::fs::read_to_string(d.join("training-report.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["best_step"].as_u64().unwrap()
    };
    assert_eq!(best(a), best(b), "kept steps differ");
    let evals = |d: &Path| -> usize {
        let text = std::fs::read_to_string(d.join("training-report.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["evaluations"].as_array().unwrap().len()
    };
    assert_eq!(evals(a), evals(b), "dev evaluations differ in number");
}

/// Runs `args` with `--resume` and checks that it ends with the model of the
/// uninterrupted run at `reference`, and leaves no checkpoint behind.
fn resume_matches(args: &[String], reference: &Path, out: &Path) {
    let mut resumed = args.to_vec();
    resumed.push("--resume".into());
    let r = run(&resumed);
    assert!(
        r.status.success(),
        "resume failed: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_same_model(reference, out);
    assert!(
        !checkpoint_dir(out).exists(),
        "checkpoint left after the model was saved"
    );
}

#[test]
fn sigkill_after_a_checkpoint_then_resume_gives_the_same_bytes() {
    let st = setup();
    let out = st.root.join("killed");
    let args = train_args(&st.root, &out, "5");
    let mut child = spawn(&args);
    wait_for_checkpoint(&mut child, &out);
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(!out.exists(), "the run finished before it was killed");
    let step = checkpoint_step(&out);
    assert!(step >= 3, "checkpoint at step {step}");

    resume_matches(&args, &st.reference, &out);
}

#[test]
fn sigint_checkpoints_says_how_to_resume_and_refuses_other_runs() {
    let st = setup();
    let out = st.root.join("interrupted");
    let args = train_args(&st.root, &out, "5");
    let mut child = spawn(&args);
    wait_for_checkpoint(&mut child, &out);
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(130), "stderr: {err}");
    assert!(
        err.contains("interrupted at step") && err.contains("--resume"),
        "{err}"
    );
    assert!(!out.exists());

    // The same command without --resume must not overwrite the unfinished run.
    let o = run(&args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("unfinished run") && err.contains("--resume"),
        "{err}"
    );

    // Another seed (or other data) is another run.
    let mut other = train_args(&st.root, &out, "6");
    other.push("--resume".into());
    let o = run(&other);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("seed: 5 in the checkpoint, 6 now"), "{err}");
    let mut more = args.clone();
    let lr = more.iter().position(|a| a == "--lr").unwrap();
    more[lr + 1] = "1e-3".into();
    more.push("--resume".into());
    let o = run(&more);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("lr: 0.005 in the checkpoint, 0.001 now"),
        "{err}"
    );

    resume_matches(&args, &st.reference, &out);
}

#[test]
fn resume_without_a_checkpoint_or_over_a_foreign_folder_is_an_error() {
    let st = setup();
    let out = st.root.join("never-started");
    let mut args = train_args(&st.root, &out, "5");
    args.push("--resume".into());
    let o = run(&args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("nothing to resume"), "{err}");

    // A folder of the checkpoint's name that is not a checkpoint is never touched.
    let out = st.root.join("notes");
    let ck = checkpoint_dir(&out);
    std::fs::create_dir_all(&ck).unwrap();
    std::fs::write(ck.join("mine.txt"), "keep me").unwrap();
    let o = run(&train_args(&st.root, &out, "5"));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("not a checkpoint folder"), "{err}");
    assert_eq!(
        std::fs::read_to_string(ck.join("mine.txt")).unwrap(),
        "keep me"
    );
}
