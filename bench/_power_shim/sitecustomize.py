"""Point jupyter-power-usage at the benchmark's fake RAPL tree; nothing else changes.

Put on the `anchor-power` server's PYTHONPATH by bench_metrics.py. jupyter-power-usage
reads RAPL from the module constant ``jupyter_power_usage.utils.RAPL_API_DIR``
(``/sys/class/powercap/intel-rapl``; it has no setting for it). This hook sets the constant
to ``$BENCH_RAPL_API_DIR`` right after that module is first imported, before the extension
loads, without touching the installed files and without importing anything early.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from collections.abc import Sequence
from types import ModuleType

TARGET = "jupyter_power_usage.utils"
RAPL_DIR = os.environ.get("BENCH_RAPL_API_DIR")


class _PatchAfterLoad(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != TARGET:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        exec_module = spec.loader.exec_module

        def exec_and_patch(module: ModuleType) -> None:
            exec_module(module)
            module.RAPL_API_DIR = RAPL_DIR

        spec.loader.exec_module = exec_and_patch  # type: ignore[method-assign]
        return spec


if RAPL_DIR:
    sys.meta_path.insert(0, _PatchAfterLoad())
