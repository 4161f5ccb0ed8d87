"""Where the workflow's time goes: a table per rule and the critical path of a finished run.

Reads the benchmark file every job writes (`results/<run>/timings/**.tsv`: wall seconds and
CPU seconds) and takes the job dependencies from a dry run of the same workflow (`snakemake -n
--forceall`, which lists every job's inputs, outputs and benchmark file). Prints, in Markdown:

- per rule: jobs, wall seconds, CPU seconds and the rule's share of all job wall time;
- the critical path: the chain of dependent jobs with the largest summed wall time, i.e. the run
  time with unlimited cores (on 2 cores the jobs mostly run one after another, so the run takes
  about the summed wall time instead);
- the run's elapsed time, from the first job's start to the last job's end.

    python benchmarks/dag_time.py [--directory .] [snakemake options, e.g. --configfile config/config.yaml]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]


def planned_jobs(directory: Path, snakemake_args: list[str]) -> list[dict]:
    """Every job of the workflow (rule, inputs, outputs, benchmark file) from a forced dry run."""
    result = subprocess.run(
        [
            "snakemake",
            "--snakefile",
            str(REPO / "Snakefile"),
            "-n",
            "--forceall",
            "--nolock",
            "--directory",
            str(directory),
            *snakemake_args,
        ],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"snakemake dry run failed:\n{result.stderr[-2000:]}")
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


def timed_jobs(directory: Path, snakemake_args: list[str]) -> pd.DataFrame:
    """One row per job that has a benchmark file: rule, times, and the jobs it waited for."""
    jobs = planned_jobs(directory, snakemake_args)
    producer = {output: i for i, job in enumerate(jobs) for output in job["output"]}
    rows = []
    for i, job in enumerate(jobs):
        if not job["benchmark"] or not (directory / job["benchmark"]).exists():
            continue
        needs = sorted({producer[f] for f in job["input"] if f in producer})
        rows.append({"job": i, "rule": job["rule"], "needs": needs, **read_benchmark(directory / job["benchmark"])})
    if not rows:
        sys.exit(f"no benchmark files under {directory}: run the workflow first")
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


def report(jobs: pd.DataFrame) -> str:
    rules = per_rule(jobs)
    lines = ["| rule | jobs | wall s | CPU s | share |", "|---|---:|---:|---:|---:|"]
    lines += [
        f"| {rule} | {int(r.jobs)} | {r.wall_s:.0f} | {r.cpu_s:.0f} | {r.share:.0%} |" for rule, r in rules.iterrows()
    ]
    lines.append(f"| **all jobs** | {len(jobs)} | {rules['wall_s'].sum():.0f} | {rules['cpu_s'].sum():.0f} | 100% |")
    path = critical_path(jobs)
    chain = " -> ".join(f"{jobs.at[j, 'rule']} ({jobs.at[j, 'wall_s']:.0f} s)" for j in path)
    elapsed = jobs["end"].max() - (jobs["end"] - jobs["wall_s"]).min()
    lines += [
        "",
        f"Critical path: {sum(jobs.at[j, 'wall_s'] for j in path):.0f} s ({chain}).",
        f"Elapsed, first job start to last job end: {elapsed:.0f} s ({elapsed / 60:.1f} min).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--directory", type=Path, default=Path("."), help="the workflow's working directory")
    args, snakemake_args = parser.parse_known_args()
    print(report(timed_jobs(args.directory.resolve(), snakemake_args)))


if __name__ == "__main__":
    main()
