"""The workflow: the default DAG resolves, bad config is rejected by name, and a smoke-sized
tiny world runs data + distillation + profile end to end with the real libraries."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from autothink.generate import load_model

REPO = Path(__file__).resolve().parents[1]


def snakemake(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["snakemake", "--snakefile", str(REPO / "Snakefile"), *args], cwd=cwd, capture_output=True, text=True
    )


def write_config(tmp_path: Path, config: dict) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def test_default_dag_dry_runs(tmp_path):
    result = snakemake(
        "-n", "--cores", "8", "--directory", str(tmp_path), "--configfile", str(REPO / "config/config.yaml")
    )
    assert result.returncode == 0, result.stderr
    # every model-running job's thread count is a config value, not the machine's core count: the
    # numbers (and so every result) depend on it
    threads = {job["rule"]: job["threads"] for job in dry_run_jobs(result.stdout) if job.get("threads")}
    assert threads == {"distill": "2"}, threads  # a dry run prints a job's threads only when over 1
    for rule in ("tiny_data", "distill", "tiny_profile", "evaluate", "train", "table", "plots"):
        assert f"rule {rule}:" in result.stdout
    # one evaluation job per model covers every benchmark and writes its metrics: no shard, merge
    # or metrics jobs in the tiny world. The base model and each ellipsis run (with both modes
    # forced) need every prompt: one job each; each other run needs its own prompt: one job each.
    stats = result.stdout.split("Job stats:")[1].split("\n\n")[0].splitlines()[3:]  # after the header
    jobs = {rule: int(count) for rule, count in (line.split() for line in stats)}
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    ellipsis_runs = [run for run in config["train_runs"].values() if run.get("prompt", "ellipsis") == "ellipsis"]
    assert jobs["evaluate_every_prompt"] == 1 + len(ellipsis_runs)
    assert jobs["evaluate"] == len(config["train_runs"]) - len(ellipsis_runs)
    assert "evaluate_shard" not in jobs and "collect_shards" not in jobs


def test_repeat_seeds_train_every_run_again_per_seed(tmp_path, default_config):
    """`repeat_seeds: [1, 2]` trains every run twice more, each stage chain within its own seed,
    evaluates the repeats like the first seed's models and hands all of them to Table 1."""
    config = write_config(tmp_path, {**default_config, "repeat_seeds": [1, 2]})
    result = snakemake(
        "-n", "--printshellcmds", "--cores", "2", "--directory", str(tmp_path), "--configfile", str(config)
    )
    assert result.returncode == 0, result.stderr[-2000:]
    jobs = dry_run_jobs(result.stdout)
    runs = default_config["train_runs"]
    seeded = {job["output"].split("/")[-1]: job["shell"] for job in jobs if job["rule"] == "train_seed"}
    assert set(seeded) == {f"tiny-r1.{run}.seed{k}" for run in runs for k in (1, 2)}
    stage2 = seeded["tiny-r1.autothink_stage2.seed2"]
    assert "--init results/tiny/models/tiny-r1.autothink_stage1.seed2 " in stage2 and '"seed": 2' in stage2
    assert sum(job["rule"] == "train" for job in jobs) == len(runs)  # the first seed's runs, named as ever
    table = next(job["shell"] for job in jobs if job["rule"] == "table")
    assert "tiny-r1.autothink_stage3.seed2/ellipsis/aime24.json" in table and "table1_seeds.csv" in table


def test_more_baselines_overlay_adds_its_runs_to_the_default_world(tmp_path, default_config):
    """`config/more_baselines.yaml` merged into the tiny world: its four rewards train from the
    distilled model beside the paper's baselines, each evaluated under the standard prompt and
    handed to Table 1."""
    jobs = dry_run_of_configs(tmp_path, "config/config.yaml", "config/more_baselines.yaml")
    extra = ["laser", "laser_d", "laser_de", "kimi"]
    assert not set(extra) & set(default_config["train_runs"])
    trained = {job["output"].split("/")[-1] for job in jobs if job["rule"] == "train"}
    assert trained == {f"tiny-r1.{run}" for run in [*default_config["train_runs"], *extra]}
    evaluated = {job["wildcards"] for job in jobs if job["rule"] == "evaluate"}
    assert {f"model=tiny-r1.{run}, prompt=standard" for run in extra} <= evaluated, evaluated
    table = next(job["shell"] for job in jobs if job["rule"] == "table")
    assert all(f"tiny-r1.{run}/standard/aime24.json" in table for run in extra)


def test_unknown_config_key_is_named(tmp_path, default_config):
    bad = {**default_config, "tiny": {**default_config["tiny"], "stepz": 3}}
    result = snakemake(
        "-n", "--cores", "1", "--directory", str(tmp_path), "--configfile", str(write_config(tmp_path, bad))
    )
    assert result.returncode != 0
    assert "stepz" in result.stdout + result.stderr


def smoke_config(default: dict) -> dict:
    """The default world shrunk to a couple of minutes: same rules, same code, small numbers."""
    tiny = default["tiny"]
    return {
        **default,
        "run_name": "smoke",
        "evaluation": {
            **default["evaluation"],
            "bootstrap": 50,
            "sampling": {**default["evaluation"]["sampling"], "n": 2, "max_new_tokens": 40},
        },
        "tiny": {
            **tiny,
            "benchmarks": {name: {**spec, "n": 6} for name, spec in tiny["benchmarks"].items()},
            "train": {**tiny["train"], "n": 60},
            "distill": {**tiny["distill"], "n": 2000},
            "model": {**tiny["model"], "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2},
            "distill_training": {**tiny["distill_training"], "steps": 20, "batch_size": 16, "log_every": 5},
            "profile": {
                **tiny["profile"],
                "problems_per_level": 2,
                "sampling": {**tiny["profile"]["sampling"], "n": 2, "max_new_tokens": 40},
            },
        },
        "training": {**default["training"], "micro_batch": 4, "save_steps": 1, "threads": 1},
        "train_runs": {
            name: {
                **default["train_runs"][name],
                "prompts_per_step": 2,
                "rollouts": 4,
                "max_completion_length": 24,
                "steps": steps,
            }
            for name, steps in [
                ("autothink_stage1", 2),
                ("autothink_stage2", 1),
                ("autothink_stage3", 1),
                ("autothink_no_balance", 1),
                ("thinkprune_128", 1),
                ("shorterbetter", 1),
            ]
        },
    }


@pytest.fixture(scope="module")
def smoke_world(tmp_path_factory, default_config) -> tuple[Path, Path]:
    """The smoke-sized default world, run once: (working directory, config file)."""
    workdir = tmp_path_factory.mktemp("smoke")
    config = write_config(workdir, smoke_config(default_config))
    result = snakemake("--cores", "2", "--directory", str(workdir), "--configfile", str(config))
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir, config


def test_smoke_world_runs_end_to_end(smoke_world, default_config):
    tmp_path, config = smoke_world
    run = tmp_path / "results" / "smoke"
    model, tokenizer = load_model(str(run / "models" / "tiny-r1"))
    assert model.config.model_type == "qwen2" and model.config.vocab_size == len(tokenizer)
    log = pd.read_csv(run / "tiny" / "distill_log.csv")
    assert log["loss_per_token"].iloc[-1] < log["loss_per_token"].iloc[0]
    profile = json.loads((run / "tiny" / "distilled_profile.json").read_text())
    levels = {(row["prompt"], row["level"]) for row in profile["per_prompt_level"]}
    assert levels == {(p, lv) for p in ("ellipsis", "standard", "no_thinking") for lv in range(1, 7)}
    for name in ("tiny_data", "distill", "tiny_profile"):
        assert (run / "timings" / f"{name}.tsv").exists() and (run / "logs" / f"{name}.log").exists()
    for prompt in ("standard", "no_thinking", "ellipsis"):
        for bench in default_config["benchmarks"]:
            samples = pd.read_parquet(run / "samples" / "tiny-r1" / prompt / f"{bench}.parquet")
            assert len(samples) == 6 * 2 and samples["problem_id"].nunique() == 6
            metrics = json.loads((run / "metrics" / "tiny-r1" / prompt / f"{bench}.json").read_text())
            assert metrics["n_samples"] == 12 and 0 <= metrics["accuracy"] <= 1
    no_thinking = pd.read_parquet(run / "samples" / "tiny-r1" / "no_thinking" / "math500.parquet")
    assert (no_thinking["mode"] == "no_think").all()  # the prompt closes the think block itself

    # the RL runs: chained stages, the ablation and two baselines, each evaluated as its own row
    stage3 = run / "models" / "tiny-r1.autothink_stage3"
    assert json.loads((stage3 / "training_summary.json").read_text())["steps"] == 1
    assert load_model(str(stage3))[0].config.model_type == "qwen2"
    table = pd.read_csv(run / "table1.csv")
    judged = ["ellipsis_prompt", "autothink_stage1", "autothink_stage2", "autothink_stage3", "autothink_no_balance"]
    assert table["method"].tolist() == [
        "standard_prompt",
        "no_thinking_prompt",
        "ellipsis_prompt",
        "autothink_stage1",
        "autothink_stage2",
        "autothink_stage3",
        "autothink_no_balance",
        "thinkprune_128",
        "shorterbetter",
    ] + [f"{row}_{oracle}" for row in judged for oracle in ("oracle", "oracle_cheap")]
    oracles = table[table["source"] == "oracle"]
    table = table[table["source"] != "oracle"]
    assert set(table["source"]) == {"evaluated", "trained"} and table["e_f1"].dropna().between(0, 100).all()
    assert (run / "table1.tex").read_text().count("\\\\") == len(table) + len(oracles) + 1
    levels = pd.read_csv(run / "think_rate_by_level.csv")
    dataset_levels = levels[levels["grouping"] == "level"]
    assert set(dataset_levels["level"]) == set(range(1, 7)) and set(levels["method"]) == set(table["method"])
    buckets = levels[levels["grouping"] == "base_pass_rate"]
    assert set(buckets["level"]) <= set(range(1, 9))
    assert (
        buckets.groupby("method")["n"].sum().equals(dataset_levels.groupby("method")["n"].sum())
    )  # every sample, once
    for name in (
        "accuracy_vs_tokens",
        "no_think_by_level",
        "stage_curves",
        "length_distributions",
        "decisions_by_level",
    ):
        assert (run / "plots" / f"{name}_tiny-r1.png").stat().st_size > 5000

    # the learned decision against the oracle router, from the same models with the mode forced
    for row in judged:  # the forced-mode evaluations of every ellipsis row exist
        model = "tiny-r1" if row == "ellipsis_prompt" else f"tiny-r1.{row}"
        assert all(
            (run / "metrics" / model / prompt / "math500.json").exists() for prompt in ("standard", "no_thinking")
        )
    assert oracles["avg_acc"].between(0, 100).all() and oracles["avg_tok"].gt(0).all()
    regret = pd.read_csv(run / "decision_regret.csv")
    assert set(regret["method"]) == set(judged) and set(regret["oracle"]) == {"oracle", "oracle_cheap"}
    assert regret[["no_think_rate", "oracle_no_think_rate", "regret"]].stack().between(0, 1).all()
    explorer = (run / "explorer.html").read_text()
    assert "<script src" not in explorer and "<link" not in explorer and explorer.count("<tr data-method=") >= 9

    # the paper's four effects, judged from this run's own outputs: a row each, with a verdict
    effects = (run / "paper_effects.md").read_text().splitlines()
    rows = [line.split(" | ") for line in effects if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == 6 and all(row[-1] in ("yes |", "no |", "- |") for row in rows), effects
    assert "no trained baseline" not in rows[4][1], rows[4]  # thinkprune_128 and shorterbetter
    assert "Stage 1 keeps its think rate" in (run / "paper_effects.html").read_text()

    # where the time went (the run_time rule, last of all): every rule that ran has a row, the
    # critical path runs through training, and the CLI prints the same summary for the finished run
    timing = (run / "run_time.md").read_text()
    rows = {
        line.split("|")[1].strip(): line for line in timing.splitlines() if line.startswith("| ") and "---" not in line
    }
    assert {"distill", "train", "evaluate", "table", "plots"} <= set(rows) and "run_time" not in rows, timing
    assert "| 13 |" not in rows["train"] and "| 6 |" in rows["train"], rows["train"]  # the smoke world trains 6 runs
    path = timing.split("Critical path: ")[1].split("\n")[0]
    # the last step before the plots is the table or a budget curve, whichever ends later
    assert path.index("distill") < path.index("train") < path.index("evaluate") < path.index("plots"), path
    assert path.rstrip(")").rsplit(" -> ", 1)[1].startswith("plots"), path
    assert "<td>distill</td>" in (run / "run_time.html").read_text()
    printed = subprocess.run(
        ["autothink", "run-time", "--snakefile", str(REPO / "Snakefile"), "--directory", str(tmp_path)]
        + ["--configfile", str(config)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert printed == timing


def test_report_builds_as_the_readme_asks(smoke_world, tmp_path):
    """`snakemake --report` as the README's first command runs it, without --cores (threads that
    default to the core count must not be read then), holding Table 1 and the run time."""
    workdir, config = smoke_world
    report = tmp_path / "report.html"
    result = snakemake("--directory", str(workdir), "--configfile", str(config), "--report", str(report))
    assert result.returncode == 0, result.stderr[-2000:]
    text = report.read_text()
    assert "table1.html" in text and "paper_effects.html" in text and "run_time.html" in text and "7. Run time" in text


def test_report_renders_in_headless_chromium(smoke_world, tmp_path):
    """`snakemake --report` on the smoke world, opened in Chromium: the description, Table 1 and
    every plot render (the table's text in its frame, each image decoded with a real size)."""
    webdriver = pytest.importorskip("selenium.webdriver")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (.ci/run installs Debian's chromium and chromium-driver)")
    workdir, config = smoke_world
    report = workdir / "results" / "smoke" / "report.html"
    result = snakemake("--directory", str(workdir), "--configfile", str(config), "--report", str(report))
    assert result.returncode == 0 and report.stat().st_size > 100_000, result.stderr[-2000:]

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    browser = webdriver.Chrome(service=webdriver.ChromeService(CHROMEDRIVER), options=options)
    browser.implicitly_wait(5)
    try:
        browser.get(report.as_uri())
        assert "AutoThink reproduction" in browser.find_element("tag name", "body").text
        browser.save_screenshot(str(tmp_path / "report.png"))
        assert (tmp_path / "report.png").stat().st_size > 10_000
        shown = browser.execute_script("return Object.keys(results)")
        plots = [name for name in shown if name.endswith(".png")]
        assert len(plots) == 5 and any(name.endswith("table1.html") for name in shown)
        assert any(name.endswith("run_time.html") for name in shown)
        assert any(name.endswith("paper_effects.html") for name in shown)

        table_key = next(name for name in shown if name.endswith("table1.html"))
        frame = _open_result(browser, report, ["1. Table 1"], table_key).find_element("tag name", "iframe")
        browser.switch_to.frame(frame)
        table_text = browser.find_element("tag name", "body").text
        browser.switch_to.default_content()
        for method in ("standard_prompt", "autothink_stage3", "thinkprune_128"):
            assert method in table_text

        categories = {
            "accuracy_vs_tokens": "2. Accuracy vs tokens",
            "no_think_by_level": "3. Mode by difficulty",
            "stage_curves": "4. Training curves",
            "length_distributions": "5. Response lengths",
            "decisions_by_level": "3. Mode by difficulty",
        }
        for name in plots:
            category = categories[Path(name).stem.removesuffix("_tiny-r1")]
            images = _open_result(browser, report, [category, "tiny-r1"], name).find_elements(
                "css selector", "img[src^='data:image/png']"
            )
            assert images and browser.execute_script("return arguments[0].naturalWidth", images[0]) > 100, name

        # the sample explorer filters its rows in the page
        browser.get((workdir / "results" / "smoke" / "explorer.html").as_uri())
        visible = "return [...document.querySelectorAll('tbody tr')].filter(r => r.style.display !== 'none')"
        everything = browser.execute_script(visible + ".length")
        browser.execute_script(
            "const s = document.querySelector('select[data-filter=mode]'); s.value = 'no_think';"
            "s.dispatchEvent(new Event('change'));"
        )
        modes = browser.execute_script(visible + ".map(r => r.dataset.mode)")
        assert 0 < len(modes) < everything and set(modes) == {"no_think"}
        assert browser.find_element("id", "shown").text == str(len(modes))
    finally:
        browser.quit()


CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
CHROMIUM_FLAGS = [  # headless, and no attempts to reach Google's services from a closed network
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
]


def _open_result(browser, report: Path, menu: list[str], filename: str):
    """Reload the report, walk its menu (category, then subcategory: the report skips a
    subcategory level that has a single entry) and press the eye of one file (listed by its path
    in the workflow). Clicks go through the page's own script: a pointer click can land on a menu
    entry that is still moving while the menu lays itself out."""

    def click(element):
        browser.execute_script("arguments[0].click()", element)

    browser.get(report.as_uri())
    click(browser.find_element("xpath", f"//*[normalize-space(text())='{menu[0]}']"))
    for entry in menu[1:]:
        for element in browser.find_elements("xpath", f"//*[normalize-space(text())='{entry}']"):
            click(element)
    row = browser.find_element("xpath", f"//td[normalize-space(text())='{filename}']/ancestor::tr")
    click(row.find_element("css selector", "a[iconname='eye']"))
    return browser.find_element("tag name", "body")


def test_inconsistent_mix_is_named(tmp_path, default_config):
    tiny = default_config["tiny"]
    bad = {**default_config, "tiny": {**tiny, "train": {**tiny["train"], "mix": [1, 1]}}}
    result = snakemake(
        "-n", "--cores", "1", "--directory", str(tmp_path), "--configfile", str(write_config(tmp_path, bad))
    )
    assert result.returncode != 0
    assert "tiny.train.mix has 2 weights" in result.stdout + result.stderr


def test_paper_world_requires_every_dataset(tmp_path, default_config):
    config = {key: value for key, value in default_config.items() if key != "tiny"}
    config["datasets"] = {"train": {"source": "owner/name"}}
    result = snakemake(
        "-n", "--cores", "1", "--directory", str(tmp_path), "--configfile", str(write_config(tmp_path, config))
    )
    assert result.returncode != 0
    assert "datasets has no entry for ['math500'" in result.stdout + result.stderr


def dry_run_jobs(stdout: str) -> list[dict]:
    """The jobs a dry run plans: rule, wildcards, resources and shell command of each."""
    jobs = []
    for block in stdout.split("\nrule ")[1:] + stdout.split("\nlocalrule ")[1:]:
        lines = block.splitlines()
        job = {"rule": lines[0].rstrip(":"), "resources": "", "shell": "", "output": ""}
        for line in lines[1:]:
            key = line.strip().split(":")[0]
            if key in ("output", "resources", "wildcards", "threads"):
                job[key] = line.split(":", 1)[1].strip()
            elif line.startswith("Shell command:"):
                job["shell"] = line
        jobs.append(job)
    return jobs


def dry_run_of_configs(workdir: Path, *configfiles: str) -> list[dict]:
    """The jobs of a dry run of the repository's config files merged in order."""
    paths = [str(REPO / name) for name in configfiles]
    result = snakemake("-n", "--printshellcmds", "--cores", "8", "--directory", str(workdir), "--configfile", *paths)
    assert result.returncode == 0, result.stderr[-2000:]
    return dry_run_jobs(result.stdout)


def test_one_paper_base_model_dry_runs(tmp_path):
    jobs = dry_run_of_configs(tmp_path, "config/paper.yaml", "config/paper_r1_distill_1.5b.yaml")
    count = lambda rule: sum(job["rule"] == rule for job in jobs)  # noqa: E731
    assert count("prepare_dataset") == 6  # the training set and the five benchmarks
    trained = {job["output"].split("/")[-1] for job in jobs if job["rule"] == "train"}
    assert {
        "r1-distill-1.5b.autothink_stage1",
        "r1-distill-1.5b.autothink_stage3",
        "r1-distill-1.5b.thinkprune_iter2k",
    } <= trained
    assert "tiny_data" not in {job["rule"] for job in jobs} and "distill" not in {job["rule"] for job in jobs}
    # 3 prompts for the base model, one per trained run and released checkpoint; 8 shards each,
    # every shard covering the five benchmarks
    assert count("collect_shards") == 3 + len(trained) + 5 and count("evaluate_shard") == 8 * count("collect_shards")


def profile_dry_run(profile: str, workdir: Path) -> list[dict]:
    """`snakemake -n --profile PROFILE all` typed in the repository root; the planned jobs."""
    result = subprocess.run(
        ["snakemake", "-n", "--printshellcmds", "--profile", profile, "all", "--directory", str(workdir)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return dry_run_jobs(result.stdout)


def test_slurm_profile_runs_the_whole_paper_table(tmp_path):
    """`snakemake --profile slurm all` from the repository root, on a machine without SLURM."""
    jobs = profile_dry_run("slurm", tmp_path)
    train = [job for job in jobs if job["rule"] == "train"]
    for base in ("r1-distill-1.5b", "deepscaler-1.5b", "r1-distill-7b"):
        for stage in (1, 2, 3):
            assert any(job["output"].endswith(f"{base}.autothink_stage{stage}") for job in train), (base, stage)
    assert all("gpu=8" in job["resources"] and "slurm_partition=gpu" in job["resources"] for job in train)
    assert all(
        "accelerate launch --config_file" in job["shell"] and "--num_processes 8 -m autothink.cli train" in job["shell"]
        for job in train
    )
    shards = [job for job in jobs if job["rule"] == "evaluate_shard"]
    assert shards and all("gpu=1" in job["resources"] for job in shards)
    assert all(
        "gpu=" not in job["resources"]
        for job in jobs
        if job["rule"] in ("prepare_dataset", "table", "plots", "collect_shards")
    )
    steps = {
        job["output"].split("/")[-1]: json.loads(job["shell"].split("--spec '")[1].split("'")[0])["steps"]
        for job in train
    }
    assert (
        steps["r1-distill-7b.autothink_stage3"],
        steps["deepscaler-1.5b.autothink_stage1"],
        steps["r1-distill-1.5b.autothink_stage2"],
    ) == (20, 110, 440)


def test_local_gpu_profile_pins_jobs_to_gpus(tmp_path):
    jobs = profile_dry_run("profiles/local-gpu", tmp_path)
    assert all(
        job["shell"].startswith("Shell command: autothink pin-gpus --count 8 -- accelerate")
        for job in jobs
        if job["rule"] == "train"
    )
    shards = [job for job in jobs if job["rule"] == "evaluate_shard"]
    assert shards and all(
        job["shell"].startswith("Shell command: autothink pin-gpus --count 1 -- autothink evaluate") for job in shards
    )
    # not every core: eight shards run side by side (Snakemake caps threads at the cores it has)
    assert all(job["threads"] == str(min(4, len(os.sched_getaffinity(0)))) for job in shards)


def test_compute_estimate_matches_the_papers_budget():
    result = subprocess.run(
        ["autothink", "estimate", "--configfile", "config/paper.yaml", "config/paper_r1_distill_1.5b.yaml"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    stages = [
        float(line.split()[-1])
        for line in result.stdout.splitlines()
        if "autothink_stage" in line and line.split()[0] == "train"
    ]
    assert len(stages) == 3 and 600 <= sum(stages) <= 800  # the paper: ~700 H100-hours
    assert "total:" in result.stdout


def test_the_estimate_counts_laser_ds_monitor_passes():
    from autothink.estimate import monitor_completions

    spec = {"steps": 30, "rollouts": 8, "target_monitor": {"problems": 64, "every": 10}}
    assert monitor_completions(spec) == 3 * 64 * 8  # before step 1, after steps 10 and 20 (not after 30)
    assert monitor_completions({"steps": 30, "rollouts": 8}) == 0


@pytest.mark.parametrize(
    "configfile, env", [("config/config.yaml", "envs/cpu.yaml"), ("config/paper.yaml", "envs/gpu.yaml")]
)
def test_every_rule_runs_in_its_worlds_conda_environment(tmp_path, configfile, env):
    """`--sdm conda` needs conda, which CI lacks; what it would use is checked on the loaded workflow:
    every rule that runs project code names the world's environment file, which installs this
    workflow's package from the folder the workflow exports (Snakemake builds environments from a
    copy of the file, so a relative path would point elsewhere)."""
    from snakemake.api import SnakemakeApi
    from snakemake.settings.types import ConfigSettings, OutputSettings, ResourceSettings

    with SnakemakeApi(OutputSettings(quiet=None)) as api:
        workflow = api.workflow(
            resource_settings=ResourceSettings(cores=1),
            config_settings=ConfigSettings(configfiles=[REPO / configfile]),
            snakefile=REPO / "Snakefile",
            workdir=tmp_path,
        )._workflow
        environments = {rule.name: rule.conda_env for rule in workflow.rules if rule.name != "all"}
    assert len(environments) >= 6 and set(environments.values()) == {str(REPO / env)}
    assert os.environ["AUTOTHINK_WORKFLOW"] == str(REPO)
    text = (REPO / env).read_text()
    assert "-c ${AUTOTHINK_WORKFLOW}/constraints.txt" in text and "-e ${AUTOTHINK_WORKFLOW}" in text
