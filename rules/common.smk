# Paths, settings shared by all rules, and the list of final outputs.
import json

RUN = f"results/{config['run_name']}"
BENCHMARKS = list(config["benchmarks"])
TINY = "tiny" in config


def as_json(obj):
    """A config section as a JSON string for a rule's `--spec` (quote with `:q` in shell)."""
    return json.dumps(obj, sort_keys=True)


def final_outputs():
    outputs = []
    if TINY:
        outputs += [f"{RUN}/tiny/distilled_profile.json"]
    return outputs
