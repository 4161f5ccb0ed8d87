"""AutoThink: learning when to think, as a reproducible Snakemake workflow."""
