"""``analyze``: run the Calibrate analysis on any long-format responses file.

A plain click command with no Flask import; the web app registers it as
``calibrate analyze``.  It can also be run as ``python -m analysis.cli FILE``.

Exit codes: 0 success, 1 input file missing or unreadable (or output not
writable), 2 bad data or bad option (click's own usage errors also use 2).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import pandas as pd
from tqdm import tqdm

from analysis.errors import ResponseDataError, ResponseFileError
from analysis.group import group_tests
from analysis.io import read_responses, validate_responses
from analysis.items import item_stats
from analysis.metrics import CARRY_COLUMNS, person_metrics
from analysis.values import plain_records
from analysis.vocabulary import GROUP_TESTS, METRICS

__all__ = ["analyze", "json_payload"]

PROGRESS_MIN_ROWS = 50_000
"""Files with more rows than this show a progress bar on stderr."""

EXIT_UNREADABLE = 1
EXIT_BAD_DATA = 2

TABLE_COLUMNS = (
    "participant_id", "round", "condition", "n_items", "mae", "accuracy_r", "projection_r",
    "b_own", "b_own_ci_low", "b_own_ci_high", "b_own_p", "interval_hit_rate",
)
"""Per-person columns in the text report; csv and json carry every metric."""

RESEARCH_TABLE_COLUMNS = ("n_research", "b_research", "b_research_ci_low", "b_research_ci_high", "b_research_p")
"""Added to the per-person text report when somebody saw market research."""


@click.command("analyze")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--format", "output_format", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True,
    help="table: readable report; json: one object with participants, group tests and items; "
         "csv: the per-person metrics table.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of stdout.")
@click.option(
    "--by", "by_option", metavar="COLUMNS",
    help="Comma-separated columns to stratify group tests by (default: condition, if present).",
)
def analyze(file: Path, output_format: str, out: Path | None, by_option: str | None) -> None:
    """Analyse FILE (CSV or Parquet, one row per participant x item x round).

    Computes every per-person metric (egocentric weight b_own, accuracy,
    interval calibration, use of market research...), the group tests and
    the item statistics.  Definitions: docs/methods.md.
    """
    if out is not None and out.resolve() == file.resolve():
        raise click.BadParameter("must not be the input file, which it would overwrite", param_hint="--out")
    try:
        raw = read_responses(file)
    except ResponseFileError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_UNREADABLE)
    with tqdm(total=4, desc="analyze", unit="step", file=sys.stderr, disable=len(raw) <= PROGRESS_MIN_ROWS) as bar:
        try:
            responses = validate_responses(raw)
        except ResponseDataError as error:
            bar.close()
            click.echo(f"Error: {file}: {error}", err=True)
            sys.exit(EXIT_BAD_DATA)
        bar.update()
        by = _by_columns(by_option, responses)
        metrics = person_metrics(responses)
        bar.update()
        groups = group_tests(metrics, by)
        bar.update()
        items = item_stats(responses)
        bar.update()
    text = _render(output_format, file, responses, metrics, groups, items)
    if out is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as error:
            click.echo(f"Error: cannot write {out}: {error.strerror or error}", err=True)
            sys.exit(EXIT_UNREADABLE)
        click.echo(f"wrote {output_format} for {len(metrics)} participant rounds to {out}", err=True)


def _by_columns(by_option: str | None, responses: pd.DataFrame) -> list[str]:
    """Parse --by; only person-level columns can stratify person metrics."""
    if by_option is None:
        return ["condition"] if "condition" in responses else []
    by = [c.strip() for c in by_option.split(",") if c.strip()]
    allowed = [c for c in ("round", *CARRY_COLUMNS) if c in responses]
    unknown = [c for c in by if c not in allowed]
    if unknown:
        raise click.BadParameter(
            f"cannot group by {', '.join(unknown)}; available: {', '.join(allowed) or 'none'}",
            param_hint="--by",
        )
    return by


def _render(output_format, file, responses, metrics, groups, items) -> str:
    if output_format == "csv":
        return metrics.to_csv(index=False)
    if output_format == "json":
        return json.dumps(json_payload(metrics, groups, items), ensure_ascii=False, allow_nan=False) + "\n"
    return _table_report(file, responses, metrics, groups, items)


def json_payload(metrics: pd.DataFrame, groups: dict[str, pd.DataFrame], items: pd.DataFrame) -> dict:
    """The ``--format json`` object: ``{"participants": [...], "group": {...}, "items": [...]}``.

    Undefined values are ``null`` (JSON has no NaN); ``participant_id`` is a
    string and ``round`` an integer.  Each group test is
    ``{"reason": str, "rows": [...]}`` so that a test that could not run
    still says why.
    """
    return {
        "participants": plain_records(metrics),
        "group": {
            name: {"reason": frame.attrs.get("reason", ""), "rows": plain_records(frame)}
            for name, frame in groups.items()
        },
        "items": plain_records(items),
    }


def _table_report(file, responses, metrics, groups, items) -> str:
    persons = metrics["participant_id"].nunique()
    columns = list(TABLE_COLUMNS)
    if "n_research" in metrics and (metrics["n_research"].fillna(0) > 0).any():
        columns += RESEARCH_TABLE_COLUMNS
    shown = metrics[[c for c in columns if c in metrics]]
    sections = [
        f"Calibrate analysis of {file}: {len(responses)} rows, {persons} participants, "
        f"{metrics['round'].nunique()} round(s)",
        _section("Per-person metrics (columns below; --format csv or json for every metric and notes)", shown)
        + "\n" + _legend(shown.columns),
    ]
    sections += [_section(GROUP_TESTS[name].heading, frame) for name, frame in groups.items()]
    sections.append(_section("Items (raw units of each item)", items))
    return "\n\n".join(sections) + "\n"


def _legend(columns) -> str:
    """One line per metric column of the table: its label and unit (p-values and CIs say which side)."""
    names = [c for c in columns if c in METRICS]
    width = max(map(len, names))
    return "\n".join(f"  {name:<{width}}  {METRICS[name].label} [{METRICS[name].unit}]" for name in names)


def _section(title: str, frame: pd.DataFrame) -> str:
    underline = "-" * len(title)
    if frame.empty:
        return f"{title}\n{underline}\nnot possible: {frame.attrs.get('reason', 'no rows')}"
    body = frame.to_string(index=False, na_rep="—", float_format=lambda x: f"{x:.4g}")
    return f"{title}\n{underline}\n{body}"


if __name__ == "__main__":  # pragma: no cover
    analyze()
