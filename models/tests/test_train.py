"""Training on CPU: two gloo processes stay in sync, and a resumed run continues the same loss curve."""
import collections
import json
from pathlib import Path

import pytest
import torch

from data import FaceFolder, make_synthetic_folder
import train

MODELS = Path(__file__).resolve().parents[1]
TINY = ["--image-size", "8", "--levels", "2", "--steps", "2", "--hidden", "8", "--batch", "4",
        "--warmup-steps", "2", "--log-every", "1", "--threads", "1", "--no-samples", "--val-images", "4"]


def assert_plain(obj, where="checkpoint"):
    """torch >= 2.6 loads with weights_only=True by default: only tensors and plain builtins
    (exact types, no numpy arrays, no str subclasses such as torch.__version__) may appear."""
    if isinstance(obj, torch.Tensor):
        return
    if type(obj) in (dict, collections.OrderedDict):
        for k, v in obj.items():
            assert type(k) in (str, int), f"{where}: key {k!r} of type {type(k)}"
            assert_plain(v, f"{where}.{k}")
    elif type(obj) in (list, tuple):
        for i, v in enumerate(obj):
            assert_plain(v, f"{where}[{i}]")
    else:
        assert type(obj) in (str, int, float, bool, type(None)), f"{where}: {type(obj).__name__} {obj!r}"


def test_two_gloo_processes_hold_identical_weights(tmp_path):
    data = make_synthetic_folder(tmp_path / "faces", n=40, size=8)
    out = tmp_path / "run"
    # torch.multiprocessing spawn with torchrun's environment variables (RANK, WORLD_SIZE, ...);
    # train.py then initialises a gloo process group and wraps the model in DDP.
    train.launch_local([["--data", str(data), "--out", str(out), "--device", "cpu", "--max-steps", "4",
                         "--ckpt-every", "100", "--resume", "never", "--save-every-rank", *TINY]], nproc_per_machine=2)
    assert torch.load(out / "last.pt")["training"]["world_size"] == 2
    rank0 = torch.load(out / "final-rank0.pt")
    rank1 = torch.load(out / "final-rank1.pt")
    fresh = train.Glow(train.GlowConfig(image_size=8, levels=2, steps=2, hidden=8)).state_dict()
    assert rank0.keys() == rank1.keys()
    changed = 0
    for key in rank0:
        assert torch.equal(rank0[key], rank1[key]), f"ranks differ in {key}"
        changed += not torch.equal(rank0[key], fresh[key])
    assert changed > 0, "training did not change any weight"
    assert (out / "last.pt").is_file()


def test_two_machines_without_a_shared_folder_resume_in_step(tmp_path):
    """Two machines of one process each (so RANK 1 runs with LOCAL_RANK 0), each writing to its
    own OUT: the second machine never holds last.pt, yet a resumed run continues rank 0's curve
    with both ranks in step (a rank that started afresh would run more steps and hang)."""
    data = make_synthetic_folder(tmp_path / "faces", n=40, size=8)

    def machines(run, max_steps):
        return [["--data", str(data), "--out", str(tmp_path / run / f"machine{m}"), "--device", "cpu",
                 "--max-steps", str(max_steps), "--ckpt-every", "100", "--save-every-rank", *TINY] for m in range(2)]

    def curve(run):
        lines = [json.loads(line) for line in (tmp_path / run / "machine0" / "metrics.jsonl").read_text().splitlines()]
        return [(line["step"], line["bpd"]) for line in lines if line["event"] == "step"]

    train.launch_local(machines("whole", 6), timeout_s=120)
    train.launch_local(machines("cut", 3), timeout_s=120)
    assert not (tmp_path / "cut" / "machine1" / "last.pt").exists()
    train.launch_local(machines("cut", 6), timeout_s=120)  # 40 images, 2 ranks, batch 4: an epoch boundary at step 5
    assert [step for step, _ in curve("cut")] == list(range(1, 7))
    assert curve("cut") == curve("whole")
    whole = torch.load(tmp_path / "whole" / "machine0" / "final-rank0.pt")
    for rank in (0, 1):
        weights = torch.load(tmp_path / "cut" / f"machine{rank}" / f"final-rank{rank}.pt")
        for key in whole:
            assert torch.equal(weights[key], whole[key]), f"rank {rank} differs in {key}"


def test_resumed_run_reproduces_the_uninterrupted_loss_curve(tmp_path):
    data = make_synthetic_folder(tmp_path / "faces", n=24, size=8)
    full = train.train(["--data", str(data), "--out", str(tmp_path / "full"), "--max-steps", "8",
                        "--ckpt-every", "100", *TINY])
    first = train.train(["--data", str(data), "--out", str(tmp_path / "cut"), "--max-steps", "5",
                         "--ckpt-every", "100", *TINY])
    ckpt = torch.load(tmp_path / "cut" / "last.pt")
    assert_plain(ckpt)
    assert ckpt["step"] == 5 and set(ckpt) >= {"config", "model", "optimizer", "rng", "training", "metrics"}
    rest = train.train(["--data", str(data), "--out", str(tmp_path / "cut"), "--max-steps", "8",
                        "--ckpt-every", "100", *TINY])
    assert rest["steps"] == [6, 7, 8]  # 24 images, batch 4: crosses an epoch boundary at step 6
    assert first["losses"] + rest["losses"] == full["losses"]
    assert all(torch.isfinite(torch.tensor(full["losses"])))
    steps = [json.loads(line)["step"] for line in (tmp_path / "cut" / "metrics.jsonl").read_text().splitlines()
             if json.loads(line)["event"] == "step"]
    assert steps == list(range(1, 9))


def test_resuming_after_a_crash_keeps_one_curve_in_the_metrics(tmp_path):
    """Lines written after the last checkpoint (the steps a crash lost) and a line cut off
    mid-write are dropped when the run resumes at that checkpoint."""
    data = make_synthetic_folder(tmp_path / "faces", n=24, size=8)
    out = tmp_path / "run"
    train.train(["--data", str(data), "--out", str(out), "--max-steps", "3", "--ckpt-every", "100", *TINY])
    with open(out / "metrics.jsonl", "a") as f:  # what a run killed at step 5 had written past step 3
        f.write(json.dumps({"event": "step", "step": 4, "bpd": 9.0}) + "\n")
        f.write(json.dumps({"event": "step", "step": 5, "bpd": 9.0}) + "\n" + '{"event": "st')
    train.train(["--data", str(data), "--out", str(out), "--max-steps", "6", "--ckpt-every", "100", *TINY])
    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [e["step"] for e in lines if e["event"] == "step"] == [1, 2, 3, 4, 5, 6]
    assert all(e.get("bpd") != 9.0 for e in lines)


def test_face_folder_splits_and_labels(tmp_path):
    data = make_synthetic_folder(tmp_path / "faces", n=40, size=8)
    train_set, val_set = FaceFolder(data, "train"), FaceFolder(data, "val")
    assert len(train_set) == 38 and len(val_set) == 2
    assert val_set.files == ["img_0038.png", "img_0039.png"]
    assert train_set.batch([0, 1]).shape == (2, 3, 8, 8) and train_set.batch([0]).dtype == torch.uint8
    red = FaceFolder(data, "all").label("Red")
    assert set(red.tolist()) <= {1.0, -1.0}
    assert FaceFolder(data, "all", size=4)[0].shape == (3, 4, 4)


def test_budget_stops_with_a_checkpoint(tmp_path):
    data = make_synthetic_folder(tmp_path / "faces", n=24, size=8)
    hist = train.train(["--data", str(data), "--out", str(tmp_path / "run"), "--max-steps", "100000",
                        "--budget-minutes", "0.02", "--ckpt-every", "100000", *TINY])
    ckpt = torch.load(tmp_path / "run" / "last.pt")
    assert ckpt["step"] == hist["steps"][-1] < 100000
    assert ckpt["metrics"]["val_bpd"] > 0


def test_cuda_graph_choice():
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert train.resolve_cuda_graph("auto", cuda, 1, False, False)
    assert not train.resolve_cuda_graph("auto", cpu, 1, False, False)
    assert not train.resolve_cuda_graph("auto", cuda, 2, False, False)  # DDP: eager
    assert not train.resolve_cuda_graph("off", cuda, 1, False, False)
    for args, why in (((cpu, 1, False, False), "CUDA"), ((cuda, 2, False, False), "one process"),
                      ((cuda, 1, True, False), "--compile model"), ((cuda, 1, False, True), "--checkpoint-couplings")):
        try:
            train.resolve_cuda_graph("on", *args)
        except SystemExit as err:
            assert why in str(err)
        else:
            raise AssertionError(f"--cuda-graph on accepted {args}")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA graphs need a GPU (run on the GPU machine)")
def test_cuda_graph_step_matches_the_eager_step():
    """Two optimizer steps from the same start: replayed from a CUDA graph, then eagerly."""
    from cuda_graph import GraphedLoss
    from glow import Glow, GlowConfig, GlowMethod

    cfg = GlowConfig(image_size=16, levels=2, steps=2, hidden=32)
    batches = [torch.rand(8, 3, 16, 16, device="cuda") - 0.5 for _ in range(2)]
    results = []
    for graph in (True, False):
        torch.manual_seed(0)
        glow = Glow(cfg).cuda()
        glow.initialize_actnorm(batches[0])
        train.skip_actnorm_init_check(glow)
        model, opt = GlowMethod(glow, "bits_per_dim"), torch.optim.Adamax(glow.parameters(), lr=1e-3)
        graphed = GraphedLoss(model, glow.parameters(), batches[0], torch.enable_grad) if graph else None
        losses = []
        for x in batches:
            if graphed is not None:
                loss = graphed(x)
            else:
                opt.zero_grad(set_to_none=True)
                loss = model(x).float().mean()
                loss.backward()
            losses.append(float(loss))
            opt.step()
        results.append((losses, torch.cat([p.detach().flatten() for p in glow.parameters()])))
    (graph_losses, graph_weights), (eager_losses, eager_weights) = results
    assert graph_losses == pytest.approx(eager_losses, rel=1e-4)
    assert torch.allclose(graph_weights, eager_weights, atol=1e-5), (graph_weights - eager_weights).abs().max()


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("aligned,taps", [(True, False), (False, True), (True, True)])
def test_conv_speed_options_give_the_same_loss_and_gradients(affine, aligned, taps):
    """--align-channels pads the couplings' 6 / 12-channel convolutions to 8 / 16 with zeros, and
    --conv-taps runs the 3x3 ones as 1x1 convolutions over their taps: the same loss and
    gradients, the same parameters."""
    from glow import Glow, GlowConfig, GlowMethod

    cfg = GlowConfig(image_size=16, levels=2, steps=2, hidden=32, affine=affine)
    x = (torch.rand(4, 3, 16, 16) - 0.5).contiguous(memory_format=torch.channels_last)
    results = []
    for options in (False, True):
        torch.manual_seed(0)
        glow = Glow(cfg)
        glow.initialize_actnorm(x)
        for p in glow.parameters():  # the zero-initialised last layers too: a non-trivial gradient
            p.data.add_(torch.randn_like(p) * 0.01)
        glow = glow.to(memory_format=torch.channels_last)
        if options and aligned:
            assert train.align_channels(glow) > 0  # level 0's couplings read 6 channels
        if options and taps:  # each coupling's first and last, and the split priors (the top one is learned)
            assert train.conv_taps(glow) == 2 * cfg.levels * cfg.steps + cfg.levels - 1
        names = [n for n, _ in glow.named_parameters()]
        loss = GlowMethod(glow, "bits_per_dim")(x).mean()
        loss.backward()
        results.append((names, float(loss), torch.cat([p.grad.flatten() for p in glow.parameters()])))
    (names, loss, grads), (option_names, option_loss, option_grads) = results
    assert option_names == names
    assert option_loss == pytest.approx(loss, rel=1e-6)
    assert torch.allclose(option_grads, grads, rtol=1e-4, atol=1e-7), (option_grads - grads).abs().max()


@pytest.mark.skipif(not hasattr(torch, "compile"),
                    reason="--compile couplings needs torch >= 2 (CI's Debian torch is 1.13: run on the GPU machine)")
@pytest.mark.parametrize("taps", [False, True])
def test_compiled_couplings_match_eager(taps):
    """--compile couplings (with and without --conv-taps): the eager loss and gradients, the same
    parameter names (checkpoints unchanged), and on CUDA the same loss replayed from a CUDA graph."""
    from cuda_graph import GraphedLoss
    from glow import Glow, GlowConfig, GlowMethod

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    cfg = GlowConfig(image_size=16, levels=2, steps=2, hidden=32)
    x = torch.rand(8, 3, 16, 16, device=device) - 0.5

    def build():
        torch.manual_seed(0)
        glow = Glow(cfg).to(device)
        glow.initialize_actnorm(x)
        train.skip_actnorm_init_check(glow)
        return glow

    eager, compiled = build(), build()
    names = list(compiled.state_dict())
    if taps:
        train.conv_taps(compiled)
    assert train.compile_couplings(compiled) == cfg.levels * cfg.steps
    assert list(compiled.state_dict()) == names
    results = []
    for glow in (eager, compiled):
        loss = GlowMethod(glow, "bits_per_dim")(x).mean()
        loss.backward()
        results.append((float(loss), torch.cat([p.grad.flatten() for p in glow.parameters()])))
    del loss  # its autograd graph holds AccumulateGrad nodes of the default stream: illegal in a capture
    (eager_loss, eager_grads), (compiled_loss, compiled_grads) = results
    assert compiled_loss == pytest.approx(eager_loss, rel=1e-5)
    assert torch.allclose(compiled_grads, eager_grads, rtol=1e-3, atol=1e-5), \
        (compiled_grads - eager_grads).abs().max()
    if device.type == "cuda":
        graphed = GraphedLoss(GlowMethod(compiled, "bits_per_dim"), compiled.parameters(), x, torch.enable_grad)
        assert float(graphed(x)) == pytest.approx(eager_loss, rel=1e-5)


@pytest.mark.skipif(hasattr(torch, "compile"), reason="this torch has torch.compile")
def test_compile_couplings_refuses_an_old_torch():
    from glow import Glow, GlowConfig
    with pytest.raises(SystemExit, match=r"torch >= 2 .*" + torch.__version__.replace("+", r"\+")):
        train.compile_couplings(Glow(GlowConfig(image_size=8, levels=1, steps=1, hidden=4)))


def test_graphed_loss_refuses_a_cpu_batch():
    from cuda_graph import GraphedLoss
    with pytest.raises(ValueError, match="CUDA"):
        GraphedLoss(torch.nn.Identity(), [], torch.zeros(2, 3), torch.enable_grad)


def test_bad_paths_are_one_line_errors_that_create_nothing(tmp_path, capsys):
    data = make_synthetic_folder(tmp_path / "faces", n=24, size=8)
    (tmp_path / "aligned" / "celeba").mkdir(parents=True)
    (tmp_path / "aligned" / "celeba" / "faces.csv").write_text("source,face,crop\n")
    (tmp_path / "a-file").write_text("")
    out = tmp_path / "run"
    for argv, message in ((["--data", str(tmp_path / "nowhere"), "--out", str(out)], "face folder not found"),
                          (["--data", str(tmp_path / "aligned"), "--out", str(out)], "prepare_aligned.py"),
                          (["--data", str(data), "--out", str(tmp_path / "a-file")], "a-file is a file"),
                          (["--data", str(data), "--out", str(out), "--resume", str(tmp_path / "x.pt")], "x.pt")):
        with pytest.raises(SystemExit) as exit_info:
            train.train([*argv, "--max-steps", "1", *TINY])
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, err
    assert not out.exists()


def test_starting_over_sets_the_previous_run_aside(tmp_path, capsys):
    data = make_synthetic_folder(tmp_path / "faces", n=24, size=8)
    out = tmp_path / "run"
    train.train(["--data", str(data), "--out", str(out), "--max-steps", "3", "--ckpt-every", "100", *TINY])
    train.train(["--data", str(data), "--out", str(out), "--max-steps", "2", "--ckpt-every", "100",
                 "--resume", "never", *TINY])
    (aside,) = out.glob("previous-*")
    assert f"the previous run's files moved to {aside}" in capsys.readouterr().out
    assert torch.load(aside / "last.pt")["step"] == 3 and torch.load(out / "last.pt")["step"] == 2
    old = [json.loads(line) for line in (aside / "metrics.jsonl").read_text().splitlines()]
    new = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in old] == [1, 2, 3, 3] and [m["step"] for m in new] == [1, 2, 2]


def test_resuming_notes_every_model_flag_it_overrides_and_records_the_model_used(tmp_path, capsys):
    data = make_synthetic_folder(tmp_path / "faces", n=24, size=8)
    out = tmp_path / "run"
    train.train(["--data", str(data), "--out", str(out), "--max-steps", "2", "--ckpt-every", "100", *TINY])
    ckpt = torch.load(out / "last.pt")
    ckpt["training"]["train_seconds"] = 1000.0  # as if the first session had trained for 1000 s
    torch.save(ckpt, out / "last.pt")
    capsys.readouterr()
    # Later flags win: the command line asks for another model than the checkpoint's.
    train.train(["--data", str(data), "--out", str(out), "--max-steps", "3", "--ckpt-every", "100", *TINY,
                 "--hidden", "16", "--n-bits", "8", "--additive"])
    printed = capsys.readouterr().out
    for note in ("--hidden 8 is used, not --hidden 16", "--n-bits 5 is used, not --n-bits 8",
                 "affine coupling (no --additive) is used, not --additive"):
        assert note in printed
    resumed = torch.load(out / "last.pt")
    assert resumed["step"] == 3 and resumed["config"]["n_bits"] == 5
    recorded = resumed["training"]["args"]
    assert (recorded["hidden"], recorded["n_bits"], recorded["additive"]) == (8, 5, False)
    # elapsed_s and train_seconds go on from the checkpoint's training time.
    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [m["step"] for m in lines] == [1, 2, 2, 3, 3]
    assert all(m["elapsed_s"] < 1000 for m in lines[:3]) and all(m["elapsed_s"] >= 1000 for m in lines[3:])
    assert resumed["training"]["train_seconds"] >= 1000
