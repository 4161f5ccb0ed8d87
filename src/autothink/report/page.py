"""The self-contained HTML page that the report's small tables (run time, the paper's effects) share."""

from __future__ import annotations

import html

STYLE = "body{font-family:sans-serif}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd}"


def page(title: str, body: str, style: str = "") -> str:
    """``body`` (HTML) in a page with no outside resources, as `snakemake --report` embeds it."""
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{STYLE}{style}</style></head><body>{body}</body></html>"
    )
