"""Where every suite leaves its figures: bench/out/<suite>-<time>.md and .json beside it."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def save_report(out: Path, suite: str, report: str, raw: dict[str, object]) -> Path:
    """Write the report and its raw figures, print the report; return the report's path."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out / f"{suite}-{stamp}.md"
    path.write_text(report)
    path.with_suffix(".json").write_text(json.dumps(raw, indent=2, default=str) + "\n")
    print("\n" + report)
    print(f"(saved to {path.relative_to(REPO) if path.is_relative_to(REPO) else path})")
    return path


def dist_version(dist: str) -> str:
    """The installed version of a distribution of this Python, or "?"."""
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"
