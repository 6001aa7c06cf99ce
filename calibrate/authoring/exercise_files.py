"""Uploaded exercise files: exercise.toml and items.csv, as two files or in one zip.

The files go through the loader's own validator (calibrate.domain.exercises.validate_upload),
so an upload is refused for exactly what `calibrate validate-exercise` reports. A zip is
opened as an archive only: its entries are read as bytes, never extracted to disk, and
their unpacked sizes are checked before reading (a small zip can unpack to gigabytes).
"""

from __future__ import annotations

import io
import posixpath
import zipfile

from flask_babel import gettext as _

from calibrate.domain.exercises import MAX_FILE_BYTES, ExerciseDefinition, amount, problem, validate_upload

MAX_ZIP_ENTRIES = 20
FILE_NAMES = ("exercise.toml", "items.csv")


def _from_zip(name: str, raw: bytes, problems: list[str]) -> dict[str, bytes]:
    """exercise.toml and items.csv out of the zip (at its top or in one folder), checked for size."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        problems.append(problem(name, _("is not a zip archive"), _("zip the folder with exercise.toml and items.csv")))
        return {}
    with archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if len(entries) > MAX_ZIP_ENTRIES:
            problems.append(problem(name, _("holds %(count)s files, more than %(limit)s", count=len(entries),
                                            limit=MAX_ZIP_ENTRIES),
                                    _("zip only exercise.toml and items.csv")))
            return {}
        found: dict[str, bytes] = {}
        for info in entries:
            base = posixpath.basename(info.filename)
            if base not in FILE_NAMES or info.filename.count("/") > 1:
                continue
            if info.file_size > MAX_FILE_BYTES:
                problems.append(problem(f"{name}: {info.filename}",
                                        _("unpacks to %(size)s bytes, more than the limit of %(limit)s",
                                          size=amount(info.file_size), limit=amount(MAX_FILE_BYTES)),
                                        _("split it into smaller exercises")))
                continue
            if base in found:
                problems.append(problem(f"{name}: {info.filename}", _("is a second %(file)s", file=base),
                                        _("zip one exercise at a time")))
                continue
            found[base] = archive.read(info)
        return found


def read_exercise_files(slug: str, toml: tuple[str, bytes] | None, items: tuple[str, bytes] | None,
                        bundle: tuple[str, bytes] | None) -> tuple[ExerciseDefinition | None, list[str]]:
    """Validate the uploaded files: (the definition, or None; every problem)."""
    problems: list[str] = []
    if bundle is not None:
        files = _from_zip(bundle[0], bundle[1], problems)
        names = {base: f"{bundle[0]}: {base}" for base in FILE_NAMES}
    else:
        files = {base: upload[1] for base, upload in zip(FILE_NAMES, (toml, items)) if upload is not None}
        names = {base: upload[0] if upload is not None else base for base, upload in zip(FILE_NAMES, (toml, items))}
    if problems:
        return None, problems
    return validate_upload(slug, names["exercise.toml"], files.get("exercise.toml"),
                           names["items.csv"], files.get("items.csv"))
