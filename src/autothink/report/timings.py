"""Where a run's time went: a table per rule and the critical path, from the jobs' benchmark files.

Every job writes a benchmark file (`results/<run>/timings/**.tsv`: wall and CPU seconds); the file
is written when the job ends, so its modification time is the job's end. Which job waited for
which comes from a dry run of the same workflow and config (`snakemake -n --forceall`), which
lists every job's inputs, outputs and benchmark file. The summary:

- per rule: jobs, wall seconds, CPU seconds and the rule's share of all job wall time;
- the critical path: the chain of dependent jobs with the largest summed wall time, i.e. the run
  time with unlimited cores (on few cores the run takes about the jobs' summed wall time divided
  by the jobs that fit side by side instead);
- the elapsed time from the first job's start to the last job's end. It describes one run only
  when every job ran in it (a run from an empty `results/`); after a partial rerun the older jobs'
  files still count.
"""

from __future__ import annotations

import html
import json
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

from autothink.report.page import page


def planned_jobs(snakefile: Path, directory: Path, configfiles: list[str]) -> list[dict]:
    """Every job of the workflow (rule, inputs, outputs, benchmark file) from a forced dry run."""
    result = subprocess.run(
        ["snakemake", "--snakefile", str(snakefile), "-n", "--forceall", "--nolock", "--directory", str(directory)]
        + (["--configfile", *configfiles] if configfiles else []),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"snakemake dry run of {snakefile} failed:\n{result.stderr[-2000:]}")
    jobs = []
    for line in result.stdout.splitlines():
        if line.startswith(("rule ", "localrule ")):
            jobs.append({"rule": line.split()[1].rstrip(":"), "input": [], "output": [], "benchmark": None})
        elif jobs and line.startswith("    "):
            key, _, value = line.strip().partition(": ")
            if key in ("input", "output"):
                jobs[-1][key] = [item.strip() for item in value.split(",")]
            elif key == "benchmark":
                jobs[-1]["benchmark"] = value.strip()
    return jobs


def read_benchmark(path: Path) -> dict:
    """Wall seconds, CPU seconds and end time (the file is written when the job ends) of one job."""
    row = pd.read_csv(path, sep="\t").iloc[-1]
    return {"wall_s": float(row["s"]), "cpu_s": float(row["cpu_time"]), "end": path.stat().st_mtime}


def timed_jobs(snakefile: Path, directory: Path, configfiles: list[str]) -> pd.DataFrame:
    """One row per job that has a benchmark file: rule, times, and the jobs it waited for."""
    jobs = planned_jobs(snakefile, directory, configfiles)
    producer = {output: i for i, job in enumerate(jobs) for output in job["output"]}
    rows = []
    for i, job in enumerate(jobs):
        if not job["benchmark"] or not (directory / job["benchmark"]).exists():
            continue
        needs = sorted({producer[f] for f in job["input"] if f in producer})
        rows.append({"job": i, "rule": job["rule"], "needs": needs, **read_benchmark(directory / job["benchmark"])})
    if not rows:
        raise FileNotFoundError(f"no benchmark files of this workflow under {directory}: run the workflow first")
    return pd.DataFrame(rows).set_index("job")


def per_rule(jobs: pd.DataFrame) -> pd.DataFrame:
    table = jobs.groupby("rule").agg(jobs=("wall_s", "size"), wall_s=("wall_s", "sum"), cpu_s=("cpu_s", "sum"))
    table["share"] = table["wall_s"] / table["wall_s"].sum()
    return table.sort_values("wall_s", ascending=False)


def critical_path(jobs: pd.DataFrame) -> list[int]:
    """The dependent chain with the largest summed wall time (jobs without a benchmark count 0)."""
    best: dict[int, tuple[float, list[int]]] = {}

    def longest(job: int) -> tuple[float, list[int]]:
        if job not in best:
            before = [longest(n) for n in jobs.at[job, "needs"] if n in jobs.index]
            time, chain = max(before, default=(0.0, []))
            best[job] = (time + jobs.at[job, "wall_s"], [*chain, job])
        return best[job]

    return max((longest(job) for job in jobs.index), key=lambda item: item[0])[1]


def summary(jobs: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The per-rule table (with a total row, formatted) and the sentences on the critical path and elapsed time."""
    rules = per_rule(jobs)
    rows = [[rule, int(r.jobs), f"{r.wall_s:.0f}", f"{r.cpu_s:.0f}", f"{r.share:.0%}"] for rule, r in rules.iterrows()]
    rows.append(["**all jobs**", len(jobs), f"{rules['wall_s'].sum():.0f}", f"{rules['cpu_s'].sum():.0f}", "100%"])
    table = pd.DataFrame(rows, columns=["rule", "jobs", "wall s", "CPU s", "share"])
    path = critical_path(jobs)
    chain = " -> ".join(f"{jobs.at[j, 'rule']} ({jobs.at[j, 'wall_s']:.0f} s)" for j in path)
    elapsed = jobs["end"].max() - (jobs["end"] - jobs["wall_s"]).min()
    return table, [
        f"Critical path: {sum(jobs.at[j, 'wall_s'] for j in path):.0f} s ({chain}).",
        f"Elapsed, first job start to last job end: {elapsed:.0f} s ({elapsed / 60:.1f} min).",
    ]


def as_markdown(table: pd.DataFrame, sentences: list[str]) -> str:
    lines = ["| " + " | ".join(table.columns) + " |", "|---|---:|---:|---:|---:|"]
    lines += ["| " + " | ".join(str(value) for value in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([*lines, "", *sentences]) + "\n"


def as_html(table: pd.DataFrame, sentences: list[str]) -> str:
    """A self-contained page for the Snakemake report."""
    shown = table.assign(rule=table["rule"].str.replace("**", "", regex=False))
    paragraphs = "".join(f"<p>{html.escape(s)}</p>" for s in sentences)
    numbers_right = "td:not(:first-child){text-align:right}"
    return page("Run time", f"{shown.to_html(index=False, border=0)}{paragraphs}", numbers_right)


def run_time(
    snakefile: Path, directory: Path, configfiles: list[str], config: dict | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """The summary of a finished run (see `summary`). ``config`` (a whole merged config, as a rule
    sees it) stands in for ``configfiles``."""
    with tempfile.TemporaryDirectory() as tmp:
        if config is not None:
            configfiles = [str(Path(tmp) / "config.json")]
            Path(configfiles[0]).write_text(json.dumps(config))
        return summary(timed_jobs(snakefile, directory, configfiles))
