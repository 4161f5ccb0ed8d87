# AutoThink as one workflow. The default config is the tiny world (CPU, minutes); the paper
# configs under config/ run the same rules on GPUs. See README.md.
from snakemake.utils import min_version, validate

from autothink.config import check_config

min_version("9.0")


configfile: "config/config.yaml"


validate(config, "config/schema.yaml", set_default=True)
check_config(config)


include: "rules/common.smk"


if TINY:

    include: "rules/tiny.smk"


include: "rules/data.smk"
include: "rules/evaluate.smk"


rule all:
    input:
        final_outputs(),
    default_target: True
