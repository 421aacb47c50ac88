"""The environment module system of the cluster: what `module load` would do, without a shell.

Lmod (`$LMOD_CMD python load X`) and Tcl Environment Modules (`modulecmd.tcl python load X`)
both print Python statements that change `os.environ`. Their own Python bindings `exec()` that
text; here it is parsed with `ast` and only the statement forms the tools write are applied
(`os.environ["K"] = "v"`, `del os.environ["K"]`, `os.environ.pop("K", None)`, `_mlstatus =
bool`). Nothing they print is executed, so a modulefile's `execute{}` or a stray print cannot
run code in the server.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..commands import CommandError, CommandResult, run_command

# Where Debian (and most sites) put the tools when $LMOD_CMD / $MODULESHOME are not set, as in a
# Slurm job started without a login shell.
LMOD_PATHS = ("/usr/share/lmod/lmod/libexec/lmod",)
TCL_PATHS = (
    "/usr/share/modules/libexec/modulecmd.tcl",
    # Debian's and Ubuntu's environment-modules.
    "/usr/lib/x86_64-linux-gnu/modulecmd.tcl",
    "/usr/lib/aarch64-linux-gnu/modulecmd.tcl",
)
# The longest message of the module tool a user is shown (Lmod's error tables can be long).
MESSAGE_LIMIT = 2000
# A module's full name: what `module avail` lists. Never a path, never an option.
_NAME = re.compile(r"^[A-Za-z0-9_+.][A-Za-z0-9_+.,:@=~-]*(/[A-Za-z0-9_+.,:@=~-]+)*$")
# `python/3.12(default)`, `gcc/12(D)`, `foo/1.0 <aL>`: what terse listings add to a name.
_MARKS = re.compile(r"(\([^)]*\)|<[^>]*>)+$")


class ModuleError(Exception):
    """A module command failed; `message` is the tool's own explanation."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Changes:
    """What one module command asks of the environment: values to set, names to unset."""

    values: dict[str, str | None]
    status: bool | None

    def apply(self, env: Mapping[str, str]) -> dict[str, str]:
        result = dict(env)
        for name, value in self.values.items():
            if value is None:
                result.pop(name, None)
            else:
                result[name] = value
        return result


def is_module_name(name: object) -> bool:
    """Whether `name` reads as a module's full name (`pytorch/2.1`), not a path or an option."""
    return (
        isinstance(name, str)
        and len(name) <= 256
        and bool(_NAME.fullmatch(name))
        and not {".", ".."} & set(name.split("/"))
    )


def parse_changes(text: str) -> Changes:
    """The environment changes in a module tool's Python output (parsed, never executed)."""
    values: dict[str, str | None] = {}
    status: bool | None = None
    for statement in _statements(text):
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            name = _environ_key(target)
            value = _constant(statement.value)
            if name is not None and isinstance(value, str):
                values[name] = value
            elif isinstance(target, ast.Name) and target.id == "_mlstatus":
                status = bool(value)
        elif isinstance(statement, ast.Delete):
            for target in statement.targets:
                name = _environ_key(target)
                if name is not None:
                    values[name] = None
        elif isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            name = _environ_pop(statement.value)
            if name is not None:
                values[name] = None
    return Changes(values, status)


def _statements(text: str) -> list[ast.stmt]:
    """The statements of the output; line by line where the whole does not parse.

    A modulefile's `execute{}` or a stray message can put a line of shell into the output:
    such a line is skipped, the assignments around it still count.
    """
    try:
        return ast.parse(text).body
    except (SyntaxError, ValueError):
        pass
    statements: list[ast.stmt] = []
    for line in text.splitlines():
        try:
            statements.extend(ast.parse(line).body)
        except (SyntaxError, ValueError):
            continue
    return statements


def _is_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _environ_key(node: ast.expr) -> str | None:
    """K of `os.environ[K]`, a string constant; None for anything else."""
    if isinstance(node, ast.Subscript) and _is_environ(node.value):
        key = _constant(node.slice)
        if isinstance(key, str):
            return key
    return None


def _environ_pop(call: ast.Call) -> str | None:
    """K of `os.environ.pop(K[, default])` or `os.unsetenv(K)`."""
    func = call.func
    if not call.args or not isinstance(func, ast.Attribute):
        return None
    key = _constant(call.args[0])
    if not isinstance(key, str):
        return None
    if func.attr == "pop" and _is_environ(func.value):
        return key
    if func.attr == "unsetenv" and isinstance(func.value, ast.Name) and func.value.id == "os":
        return key
    return None


def _constant(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def parse_avail(text: str) -> list[str]:
    """Full module names of a terse `avail` listing, in its order, without marks or headers."""
    names: list[str] = []
    seen: set[str] = set()
    for raw in text.splitlines():
        line = raw.strip()
        # Headers (`/path/to/modulefiles:`), name groups (`python/`), blank lines, aliases.
        if not line or line.endswith((":", "/")) or "->" in line:
            continue
        name = _MARKS.sub("", line.split()[0])
        if is_module_name(name) and name not in seen:
            seen.add(name)
            names.append(name)
    return names


def versions(module: str, available: Sequence[str]) -> list[str]:
    """The modules of the same name as `module` ("tensorboard/2.18" -> every tensorboard/*)."""
    name = module.rsplit("/", 1)[0] if "/" in module else module
    found = [
        candidate
        for candidate in available
        if candidate == module or (candidate.rsplit("/", 1)[0] == name and "/" in candidate)
    ]
    if module not in found:
        found.append(module)
    return sorted(found, key=_version_key)


def _version_key(module: str) -> list[tuple[int, Any]]:
    """Natural order: tensorboard/2.9 before tensorboard/2.18."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", module)]


def detect_command(environ: Mapping[str, str]) -> tuple[list[str], str] | None:
    """The module command printing Python, and which tool it is ("lmod" or "tcl").

    What the login shell's init set first ($LMOD_CMD; $MODULES_CMD or $MODULESHOME of
    Environment Modules), then where the packages put the tools: a Slurm job started without a
    login shell has none of these variables.
    """
    candidates: list[tuple[str, str]] = []
    if environ.get("LMOD_CMD"):
        candidates.append((environ["LMOD_CMD"], "lmod"))
    if environ.get("MODULES_CMD"):
        candidates.append((environ["MODULES_CMD"], "tcl"))
    if environ.get("MODULESHOME"):
        candidates.append((os.path.join(environ["MODULESHOME"], "libexec", "modulecmd.tcl"), "tcl"))
    candidates.extend((path, "lmod") for path in LMOD_PATHS)
    candidates.extend((path, "tcl") for path in TCL_PATHS)
    for path, kind in candidates:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return [path, "python"], kind
    return None


def command_kind(command: Sequence[str]) -> str:
    """Which tool a configured command is: Tcl Environment Modules' modulecmd, else Lmod."""
    return "tcl" if any("modulecmd" in Path(part).name for part in command) else "lmod"


class ModuleSystem:
    """Runs the module command: `avail`, and `purge`/`load` as environment changes."""

    def __init__(
        self,
        command: Sequence[str] | None,
        *,
        modulepath: str | None = None,
        timeout_s: float = 30.0,
        avail_ttl_s: float = 900.0,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        """command: argv printing Python (None: detect); modulepath: replaces $MODULEPATH."""
        environ = os.environ if environ is None else environ
        self.reason: str | None = None
        self.kind: str | None = None
        self.command: list[str] = []
        if command:
            self.command = list(command)
            self.kind = command_kind(self.command)
        else:
            found = detect_command(environ)
            if found is not None:
                self.command, self.kind = found
        self.modulepath = modulepath
        self.timeout_s = timeout_s
        self.avail_ttl_s = avail_ttl_s
        if not self.command:
            self.reason = (
                "No environment module system was found (neither Lmod nor Environment "
                "Modules): an admin can set c.HPCModules.command."
            )
        elif not os.path.isfile(self.command[0]):
            self.reason = f"The module command {self.command[0]} does not exist."
        self._avail: list[str] | None = None
        self._avail_time = 0.0
        self._avail_task: asyncio.Future[list[str]] | None = None

    @classmethod
    def from_config(cls, config: Any, environ: Mapping[str, str] | None = None) -> ModuleSystem:
        """From an HPCModules configurable."""
        return cls(
            config.command or None,
            modulepath=config.modulepath,
            timeout_s=config.command_timeout,
            avail_ttl_s=config.kernel_cache_ttl,
            environ=environ,
        )

    @property
    def available(self) -> bool:
        return self.reason is None

    def environment(self, env: Mapping[str, str]) -> dict[str, str]:
        """env with the configured module path, if one is configured."""
        result = dict(env)
        if self.modulepath is not None:
            result["MODULEPATH"] = self.modulepath
        return result

    async def avail(self, *, refresh: bool = False) -> list[str]:
        """Every module `module avail` lists (full names), read at most once per TTL."""
        if not self.available:
            return []
        fresh = time.monotonic() - self._avail_time < self.avail_ttl_s
        if self._avail is not None and fresh and not refresh:
            return self._avail
        # One listing at a time: concurrent callers share it.
        if self._avail_task is None or self._avail_task.done():
            self._avail_task = asyncio.ensure_future(self._read_avail())
        return await asyncio.shield(self._avail_task)

    async def close(self) -> None:
        """Stop a listing still running (the server stops): its process is killed, not left."""
        task = self._avail_task
        if task is not None and not task.done():
            task.cancel()
            # Cancelled or failed: either way it is over.
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def cached_avail(self) -> list[str]:
        """The last listing, without running anything ([] before the first one)."""
        return list(self._avail or [])

    async def _read_avail(self) -> list[str]:
        args = ["--terse", "avail"] if self.kind == "lmod" else ["avail", "--terse"]
        result = await self._run(args, self.environment(os.environ))
        # Both tools write listings to stderr (stdout is for the shell to evaluate).
        names = parse_avail(result.stderr) or parse_avail(result.stdout)
        self._avail = names
        self._avail_time = time.monotonic()
        return names

    async def load(
        self, env: Mapping[str, str], modules: Sequence[str], *, purge: bool
    ) -> dict[str, str]:
        """The environment after `module purge` (if asked) and `module load <modules>`.

        Raises ModuleError with the tool's message when a module cannot be loaded.
        """
        if not self.available:
            raise ModuleError(self.reason or "No environment module system")
        for module in modules:
            if not is_module_name(module):
                raise ModuleError(f"{module!r} is not a module name.")
        current = self.environment(env)
        # Nothing loaded (no modulefile in _LMFILES_): a purge would change nothing that the load
        # does not set again, and costs a run of the tool, the largest part of a kernel's start.
        if purge and _loaded_files(current):
            current = await self._change(current, ["purge"], "module purge")
        if modules:
            current = await self._change(current, ["load", *modules], "module load")
        return current

    async def _change(self, env: dict[str, str], args: list[str], what: str) -> dict[str, str]:
        result = await self._run(args, env)
        changes = parse_changes(result.stdout)
        if result.returncode != 0 or changes.status is False:
            raise ModuleError(_message(result) or f"{what} {' '.join(args[1:])} failed")
        return changes.apply(env)

    async def _run(self, args: list[str], env: Mapping[str, str]) -> CommandResult:
        argv = [*self.command, *args]
        # Lmod wraps its messages at 80 columns without a terminal: one line each, for a dialog.
        run_env = {**env, "LMOD_TERM_WIDTH": str(MESSAGE_LIMIT)}
        try:
            return await run_command(argv, timeout_s=self.timeout_s, env=run_env)
        except CommandError as error:
            raise ModuleError(str(error)) from None


def _loaded_files(env: Mapping[str, str]) -> list[str]:
    """The modulefiles loaded in env (both tools keep them in _LMFILES_), or LOADEDMODULES."""
    files = env.get("_LMFILES_") or env.get("LOADEDMODULES") or ""
    return [item for item in files.split(":") if item]


def _message(result: CommandResult) -> str:
    """The tool's explanation of a failure, trimmed for a dialog."""
    text = "\n".join(line.rstrip() for line in result.stderr.strip().splitlines())
    if len(text) > MESSAGE_LIMIT:
        text = text[:MESSAGE_LIMIT] + "…"
    return text
