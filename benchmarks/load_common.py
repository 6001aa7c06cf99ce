"""Helpers shared by the web benchmarks: a throw-away PostgreSQL database and exercises
built from the real items (and recorded truths) of the built-in exercises.

Nothing here invents data: a benchmark exercise is a selection of rows copied verbatim
from `experiments/<slug>/items.csv`, with the provenance of every source exercise kept.
"""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXPERIMENTS = REPO / "experiments"
VENV_BIN = REPO / ".venv" / "bin"
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PROTECTED_DATABASES = {"postgres", "template0", "template1", "test"}


def recreate_database(name: str) -> str:
    """Drop and create a PostgreSQL database on 127.0.0.1; returns its SQLAlchemy URL."""
    import psycopg

    if name in PROTECTED_DATABASES or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to drop and recreate database {name!r}")
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def backend_urls(backends: str, workdir: Path, database: str):
    """(backend, SQLAlchemy URL) for each comma-separated backend: a scratch SQLite file or a recreated PostgreSQL database."""
    for backend in [b.strip() for b in backends.split(",") if b.strip()]:
        if backend == "sqlite":
            yield backend, f"sqlite:///{workdir / 'bench.sqlite3'}"
        elif backend in ("postgresql", "postgres"):
            yield backend, recreate_database(database)
        else:
            raise SystemExit(f"unknown backend {backend}")


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _read_items(slug: str) -> tuple[list[str], list[dict]]:
    with (EXPERIMENTS / slug / "items.csv").open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_exercise(root: Path, slug: str, title: str, parts: list[tuple[str, int]], public: bool = False) -> int:
    """Write `root/slug/{exercise.toml,items.csv}` from the first n items of each (source slug, n).

    Items (prompts, truths, n, se, market research) are copied unchanged; the definition
    joins the sources' population, source, citation and licence. Returns the item count.
    """
    metas, rows, header = [], [], []
    for source, count in parts:
        meta = tomllib.loads((EXPERIMENTS / source / "exercise.toml").read_text(encoding="utf-8"))
        fields, items = _read_items(source)
        if count > len(items):
            raise SystemExit(f"{source} has only {len(items)} items, {count} asked")
        metas.append(meta)
        rows.extend(items[:count])
        header += [f for f in fields if f not in header]
    first = metas[0]
    joined = {
        key: " | ".join(dict.fromkeys(str(m.get(key, "")).strip() for m in metas))
        for key in ("population", "source", "citation", "license")
    }
    description = " ".join(
        f"{count} items of '{meta['title']}'." for meta, (_, count) in zip(metas, parts)
    )
    definition = {
        "title": title,
        "description": description,
        **joined,
        "minutes": sum(int(m.get("minutes", 10)) for m in metas),
        "prediction_prompt": first.get("prediction_prompt", ""),
        "own_prompt": first.get("own_prompt", ""),
        "public": public,
    }
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "exercise.toml").write_text(
        "".join(f"{key} = {_toml_value(value)}\n" for key, value in definition.items()), encoding="utf-8"
    )
    with (folder / "items.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without needing numpy."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
