# AutoThink as one workflow. The default config is the tiny world (CPU, minutes); the paper
# configs under config/ run the same rules on GPUs. See README.md.
from snakemake.utils import min_version, validate

from autothink.config import check_config

min_version("9.0")


# The tiny world is the default; a config file given on the command line (`--configfile`, or a
# profile's `configfile:`) replaces it instead of being merged into it.
if not workflow.config_settings.configfiles:

    configfile: "config/config.yaml"


validate(config, "config/schema.yaml", set_default=True)
check_config(config)


include: "rules/common.smk"


if TINY:

    include: "rules/tiny.smk"


include: "rules/data.smk"
include: "rules/train.smk"
include: "rules/evaluate.smk"
include: "rules/report.smk"


report: "report/workflow.rst"


rule all:
    default_target: True
    input:
        final_outputs(),
        f"{RUN}/run_time.md",
