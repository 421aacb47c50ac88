"""Kernels found inside environment modules, live, as JupyterLab's own kernelspecs.

Each module the admin lets us search is loaded once (after a purge, so only it and what it
depends on count); its kernels are the kernelspec folders in the places it adds:
`<dir>/../share/jupyter/kernels` for each folder it prepends to PATH (the layout of a
virtualenv or conda prefix with ipykernel installed) and `<dir>/kernels` for each folder it
adds to JUPYTER_PATH (the way to mark any other kernel). A kernel folder reached through a
module and through its dependency belongs to the module loading fewer modules.

Found kernels are written as ordinary kernelspec folders in a directory private to this
server, which is added to the server's KernelSpecManager.kernel_dirs: `GET /api/kernelspecs`,
the launcher and every other kernelspec manager see them with no special code. Their argv is
the module's own, with the interpreter resolved in the module's PATH; their provisioner
(`jupyterlab-hpc-modules`) purges, loads the module, then starts the kernel.

Discovery runs in the background when the server starts and every TTL; a module whose
modulefiles (`_LMFILES_`) did not change is not loaded again, only its folders are re-read.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .system import ModuleError, ModuleSystem

PROVISIONER = "jupyterlab-hpc-modules"
# Kernel names this discovery writes: `module-<module>-<kernel folder>`, slugged.
NAME_PREFIX = "module-"
# How many module loads run at once during a discovery.
CONCURRENT_LOADS = 4
# A kernel.json larger than this is not a kernelspec.
KERNEL_JSON_LIMIT = 64 * 1024
# Kernelspec resources copied along (JupyterLab shows the logo in the launcher).
RESOURCES = ("logo-32x32.png", "logo-64x64.png", "logo-svg.svg")
RESOURCE_LIMIT = 1024 * 1024
_SLUG = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class ModuleScan:
    """Where one module's kernels may be: what loading it added, and its modulefiles' stamp."""

    module: str
    loaded: tuple[str, ...]
    stamp: tuple[tuple[str, int, int], ...]
    search_dirs: tuple[str, ...]
    path: str


@dataclass(frozen=True)
class ModuleKernel:
    """One kernel inside a module, as written for the kernelspec manager."""

    name: str
    module: str
    display_name: str
    spec: dict[str, Any]
    source: str


@dataclass
class Discovery:
    """The outcome of the last discovery."""

    kernels: list[ModuleKernel] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    refreshed_at: datetime | None = None
    duration_s: float | None = None


def kernel_name(module: str, folder: str) -> str:
    """A kernelspec name (letters, digits, `._-`) for the kernel folder of a module."""
    slug = _SLUG.sub("-", f"{module}-{folder}".lower()).strip("-")
    return f"{NAME_PREFIX}{slug}"


def display_name(original: str, module: str) -> str:
    """ "Python 3 (ipykernel)" of pytorch/2.1 -> "Python 3 (pytorch/2.1)"."""
    base = re.sub(r"\s*\([^()]*\)\s*$", "", original).strip() or original.strip() or "Kernel"
    return f"{base} ({module})"


class ModuleKernels:
    """The kernels of the module tree, rediscovered every TTL and on request."""

    def __init__(
        self,
        system: ModuleSystem,
        *,
        spec_dir: Path,
        ttl_s: float,
        patterns: Sequence[str] = ("*",),
        log: logging.Logger | logging.LoggerAdapter[Any],
        environ: Mapping[str, str] | None = None,
        cache_file: Path | None = None,
    ) -> None:
        """cache_file: where the modules' scans are kept between servers (None: not kept)."""
        self.system = system
        self.spec_dir = spec_dir
        self.ttl_s = ttl_s
        self.patterns = list(patterns)
        self.log = log
        self._environ = environ
        self.state = Discovery()
        self._scans: dict[str, ModuleScan] = {}
        self.cache_file = cache_file
        self._running: asyncio.Future[Discovery] | None = None
        self._timer: asyncio.Task[None] | None = None

    @property
    def refreshing(self) -> bool:
        return self._running is not None and not self._running.done()

    def start(self) -> None:
        """Discover now, then every TTL, in the background."""
        if self.system.available and self._timer is None:
            self._timer = asyncio.ensure_future(self._every_ttl())

    async def stop(self) -> None:
        """Stop discovering and remove the kernelspecs written (they die with the server)."""
        for task in (self._timer, self._running):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self.system.close()
        await asyncio.to_thread(shutil.rmtree, self.spec_dir, True)

    async def _every_ttl(self) -> None:
        while True:
            try:
                await self.refresh()
            except asyncio.CancelledError:
                raise
            except Exception:
                self.log.exception("Discovering kernels in environment modules failed")
            await asyncio.sleep(self.ttl_s)

    async def refresh(self) -> Discovery:
        """Discover again (one discovery at a time: a second caller waits for the running one)."""
        if self._running is None or self._running.done():
            self._running = asyncio.ensure_future(self._discover())
        return await asyncio.shield(self._running)

    # -- one discovery ----------------------------------------------------------------------

    async def _discover(self) -> Discovery:
        started = time.monotonic()
        modules = [
            module
            for module in await self.system.avail(refresh=True)
            if any(fnmatch.fnmatchcase(module, pattern) for pattern in self.patterns)
        ]
        environ = dict(os.environ if self._environ is None else self._environ)
        base = await self.system.load(environ, [], purge=True)
        key = self._cache_key(base)
        if not self._scans and self.cache_file is not None:
            # A new server (a new job) of this user: the last one's scans, still checked
            # against the modulefiles, spare a first discovery loading every module again.
            self._scans = await asyncio.to_thread(_read_scans, self.cache_file, key)
        failed: dict[str, str] = {}
        limit = asyncio.Semaphore(CONCURRENT_LOADS)

        async def scan(module: str) -> ModuleScan | None:
            async with limit:
                try:
                    return await self._scan(module, base)
                except ModuleError as error:
                    failed[module] = error.message
                    return None

        scans = [s for s in await asyncio.gather(*(scan(m) for m in modules)) if s is not None]
        self._scans = {s.module: s for s in scans}
        if self.cache_file is not None:
            await asyncio.to_thread(_write_scans, self.cache_file, key, scans, self.log)
        kernels = await asyncio.to_thread(_write_kernels, scans, self.spec_dir, self.log)
        self.state = Discovery(
            kernels=kernels,
            failed=failed,
            refreshed_at=datetime.now(timezone.utc),
            duration_s=time.monotonic() - started,
        )
        self.log.info(
            "Found %d kernels in %d environment modules in %.1f s (%d could not be loaded)",
            len(kernels),
            len(modules),
            self.state.duration_s,
            len(failed),
        )
        return self.state

    async def _scan(self, module: str, base: Mapping[str, str]) -> ModuleScan:
        """Where the module's kernels may be; loaded again only if its modulefiles changed."""
        cached = self._scans.get(module)
        if cached is not None and await asyncio.to_thread(_stamp, _files(cached)) == cached.stamp:
            return cached
        env = await self.system.load(base, [module], purge=False)
        files = [f for f in env.get("_LMFILES_", "").split(":") if f]
        return ModuleScan(
            module=module,
            loaded=tuple(m for m in env.get("LOADEDMODULES", "").split(":") if m),
            stamp=await asyncio.to_thread(_stamp, files),
            search_dirs=tuple(_search_dirs(base, env)),
            path=env.get("PATH", ""),
        )

    def _cache_key(self, base: Mapping[str, str]) -> list[str]:
        """What the scans depend on besides the modulefiles: the tool, the path, the base PATH."""
        return [*self.system.command, base.get("MODULEPATH", ""), base.get("PATH", "")]

    def describe(self) -> dict[str, Any]:
        """The discovery as `GET modules` shows it."""
        state = self.state
        return {
            "kernels": [
                {"name": k.name, "display_name": k.display_name, "module": k.module}
                for k in state.kernels
            ],
            "failed": [{"module": m, "message": msg} for m, msg in sorted(state.failed.items())],
            "refreshed_at": (
                state.refreshed_at.isoformat(timespec="seconds") if state.refreshed_at else None
            ),
            "duration_s": state.duration_s,
            "refreshing": self.refreshing,
            "ttl_s": self.ttl_s,
        }


def _read_scans(path: Path, key: list[str]) -> dict[str, ModuleScan]:
    """The scans kept by the last server with the same key ({} if none or unreadable)."""
    try:
        with path.open("rb") as file:
            data = json.loads(file.read(16 * 1024 * 1024))
        if not isinstance(data, dict) or data.get("key") != key:
            return {}
        scans = {}
        for item in data["scans"]:
            scan = ModuleScan(
                module=str(item["module"]),
                loaded=tuple(str(m) for m in item["loaded"]),
                stamp=tuple((str(f), int(m), int(z)) for f, m, z in item["stamp"]),
                search_dirs=tuple(str(d) for d in item["search_dirs"]),
                path=str(item["path"]),
            )
            scans[scan.module] = scan
        return scans
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _write_scans(
    path: Path,
    key: list[str],
    scans: Sequence[ModuleScan],
    log: logging.Logger | logging.LoggerAdapter[Any],
) -> None:
    """Keep the scans for the next server (private to the user, replaced atomically)."""
    data = {
        "key": key,
        "scans": [
            {
                "module": scan.module,
                "loaded": list(scan.loaded),
                "stamp": [list(entry) for entry in scan.stamp],
                "search_dirs": list(scan.search_dirs),
                "path": scan.path,
            }
            for scan in scans
        ],
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file)
        os.replace(temporary, path)
    except OSError as error:
        log.warning("The scans of the modules could not be kept in %s: %s", path, error)


def default_cache_file(environ: Mapping[str, str]) -> Path:
    """$XDG_CACHE_HOME/jupyterlab-hpc/module-scans.json (~/.cache by default)."""
    root = environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "jupyterlab-hpc" / "module-scans.json"


def _files(scan: ModuleScan) -> list[str]:
    return [path for path, _, _ in scan.stamp]


def _stamp(files: Sequence[str]) -> tuple[tuple[str, int, int], ...]:
    """Modification time and size of each modulefile (-1 for one that is gone)."""
    stamp = []
    for path in files:
        try:
            info = os.stat(path)
            stamp.append((path, info.st_mtime_ns, info.st_size))
        except OSError:
            stamp.append((path, -1, -1))
    return tuple(stamp)


def _entries(value: str | None) -> list[str]:
    return [os.path.normpath(entry) for entry in (value or "").split(":") if entry]


def _search_dirs(base: Mapping[str, str], env: Mapping[str, str]) -> list[str]:
    """Kernelspec folders of what the load added to PATH and JUPYTER_PATH (in their order)."""
    dirs: list[str] = []
    before = set(_entries(base.get("PATH")))
    for entry in _entries(env.get("PATH")):
        if entry not in before:
            dirs.append(os.path.join(os.path.dirname(entry), "share", "jupyter", "kernels"))
    before = set(_entries(base.get("JUPYTER_PATH")))
    for entry in _entries(env.get("JUPYTER_PATH")):
        if entry not in before:
            dirs.append(os.path.join(entry, "kernels"))
    for name in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        prefix = env.get(name)
        if prefix and prefix != base.get(name):
            dirs.append(os.path.join(prefix, "share", "jupyter", "kernels"))
    unique: list[str] = []
    for entry in dirs:
        if entry not in unique:
            unique.append(entry)
    return unique


def _write_kernels(
    scans: Sequence[ModuleScan], spec_dir: Path, log: logging.Logger | logging.LoggerAdapter[Any]
) -> list[ModuleKernel]:
    """Read the modules' kernel folders and write our kernelspecs (runs in a worker thread)."""
    owners: dict[str, ModuleScan] = {}
    for scan in scans:
        for folder in _kernel_folders(scan.search_dirs):
            owner = owners.get(folder)
            # Reached through a dependency too: the module that loads fewer modules owns it.
            if owner is None or len(scan.loaded) < len(owner.loaded):
                owners[folder] = scan
    kernels: list[ModuleKernel] = []
    names: set[str] = set()
    for folder, scan in sorted(owners.items(), key=lambda item: (item[1].module, item[0])):
        kernel = _module_kernel(Path(folder), scan, log)
        if kernel is not None and kernel.name not in names:
            names.add(kernel.name)
            kernels.append(kernel)
    _sync_folder(spec_dir, kernels, log)
    return kernels


def _kernel_folders(search_dirs: Sequence[str]) -> list[str]:
    """Every `<dir>/<kernel>/kernel.json` folder under the search dirs (real paths)."""
    found: list[str] = []
    for directory in search_dirs:
        try:
            children = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for child in children:
            if child.is_dir() and os.path.isfile(os.path.join(child.path, "kernel.json")):
                real = os.path.realpath(child.path)
                if real not in found:
                    found.append(real)
    return found


def _module_kernel(
    folder: Path, scan: ModuleScan, log: logging.Logger | logging.LoggerAdapter[Any]
) -> ModuleKernel | None:
    """Our kernelspec for one kernel folder of a module; None (logged) if it is not usable."""
    try:
        with (folder / "kernel.json").open("rb") as file:
            data = file.read(KERNEL_JSON_LIMIT + 1)
        if len(data) > KERNEL_JSON_LIMIT:
            raise ValueError("larger than 64 KiB")
        spec = json.loads(data)
        argv = spec["argv"]
        if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
            raise ValueError("argv is not a list of strings")
        if not isinstance(spec.get("display_name", ""), str):
            raise ValueError("display_name is not a string")
    except (OSError, ValueError, KeyError, TypeError) as error:
        log.warning("Kernel %s of module %s skipped: %s", folder, scan.module, error)
        return None
    argv = [item.replace("{resource_dir}", str(folder)) for item in argv]
    if not os.path.isabs(argv[0]):
        # The module's interpreter, not the server's: jupyter_client would replace a bare
        # "python" with its own sys.executable.
        resolved = shutil.which(argv[0], path=scan.path)
        if resolved is None:
            log.warning(
                "Kernel %s of module %s skipped: %s is not on the module's PATH",
                folder,
                scan.module,
                argv[0],
            )
            return None
        argv[0] = resolved
    metadata = spec.get("metadata") if isinstance(spec.get("metadata"), dict) else {}
    name = kernel_name(scan.module, folder.name)
    shown = display_name(spec.get("display_name") or folder.name, scan.module)
    written: dict[str, Any] = {
        "argv": argv,
        "display_name": shown,
        "language": spec.get("language") if isinstance(spec.get("language"), str) else "",
        "metadata": {
            **metadata,
            "kernel_provisioner": {
                "provisioner_name": PROVISIONER,
                "config": {"modules": [scan.module]},
            },
            "jupyterlab_hpc": {"module": scan.module, "source": str(folder)},
        },
    }
    for key in ("env", "interrupt_mode"):
        if key in spec:
            written[key] = spec[key]
    return ModuleKernel(name, scan.module, shown, written, str(folder))


def _sync_folder(
    spec_dir: Path,
    kernels: Sequence[ModuleKernel],
    log: logging.Logger | logging.LoggerAdapter[Any],
) -> None:
    """Make spec_dir hold exactly these kernelspecs (each kernel.json replaced atomically)."""
    spec_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    wanted = {kernel.name for kernel in kernels}
    for child in spec_dir.iterdir():
        if child.name not in wanted:
            shutil.rmtree(child, ignore_errors=True)
    for kernel in kernels:
        target = spec_dir / kernel.name
        target.mkdir(exist_ok=True)
        for resource in RESOURCES:
            source = Path(kernel.source) / resource
            try:
                if source.is_file() and source.stat().st_size <= RESOURCE_LIMIT:
                    shutil.copyfile(source, target / resource)
            except OSError as error:
                log.debug("Resource %s not copied: %s", source, error)
        text = json.dumps(kernel.spec, indent=1)
        temporary = target / "kernel.json.tmp"
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target / "kernel.json")


def remove_dead_kernel_dirs(runtime_dir: Path) -> None:
    """Remove the kernelspec folders of servers of this user that died without removing them."""
    try:
        children = list(runtime_dir.glob("jupyterlab-hpc-kernels-*"))
    except OSError:
        return
    for child in children:
        pid = child.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(child, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def keep_kernel_dir(manager: Any, spec_dir: str) -> None:
    """Add spec_dir to the kernelspec manager's folders, and keep it there.

    Listed last: a user's or the system's kernel of the same name wins. Kept: jupyterlmod sets
    `kernel_dirs = jupyter_path("kernels")` again after a load that changes JUPYTER_PATH, which
    would drop the module kernels until the server restarts.
    """

    def restore(change: Any) -> None:
        if spec_dir not in change["new"]:
            manager.kernel_dirs = [*change["new"], spec_dir]

    manager.kernel_dirs = [*manager.kernel_dirs, spec_dir]
    manager.observe(restore, names="kernel_dirs")
