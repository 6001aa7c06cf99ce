"""Locate the data folders that ship with the product.

In a source checkout, `templates/`, `experiments/` and `migrations/` sit at the
repository root (the layout newcomers see). A wheel bundles them inside the
package under `calibrate/_bundled/`, so a non-editable install works too.
"""

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # calibrate/


def resource_dir(name: str) -> Path:
    """Return the folder `name` from the wheel bundle or the source checkout."""
    bundled = _PACKAGE_DIR / "_bundled" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE_DIR.parent / name
