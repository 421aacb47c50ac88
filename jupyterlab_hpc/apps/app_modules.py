"""The environment modules an app starts with: what the launcher offers, what a launch may pick.

An app's `modules` are loaded on top of the server's environment (what the user loaded in
jupyterlmod's panel stays), never purged. The launch dialog offers, for each configured module,
the other versions `module avail` lists; a launch may pick one per configured module, and
nothing else: the names reach `module load` as they are, so only listed ones are taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..modules.system import ModuleError, ModuleSystem, versions

# A module tool that fails (not a module that fails to load): 422 with the tool's words.
LOAD_FAILED = 422


class ModuleChoiceError(Exception):
    """The modules of a launch cannot be used; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def missing_system_reason(system: ModuleSystem | None, app: Mapping[str, Any]) -> str | None:
    """Why the app cannot start for want of a module system; None when it needs none or has one."""
    if not app["modules"] or (system is not None and system.available):
        return None
    why = system.reason if system is not None and system.reason else "None is set up."
    return (
        f"it loads the environment modules {', '.join(app['modules'])}, and there is no module "
        f"system here. {why}"
    )


async def listing(system: ModuleSystem | None) -> list[str] | None:
    """Every module `module avail` lists (cached by the module system); None when unknown."""
    if system is None or not system.available:
        return None
    try:
        return await system.avail()
    except ModuleError:
        return None


def offers(app: Mapping[str, Any], available: Sequence[str] | None) -> list[dict[str, Any]]:
    """Each configured module and the versions the launch dialog offers for it."""
    return [
        {
            "module": module,
            "versions": versions(module, available) if available is not None else [module],
        }
        for module in app["modules"]
    ]


async def choose(
    system: ModuleSystem | None, app: Mapping[str, Any], requested: object
) -> list[str]:
    """The modules this launch loads: the configured ones, or one listed version of each."""
    configured: list[str] = list(app["modules"])
    if requested is None:
        return configured
    if not isinstance(requested, list) or not all(isinstance(m, str) for m in requested):
        raise ModuleChoiceError(
            400, f"modules must be a list of module names, e.g. {configured or ['name/version']}."
        )
    if len(requested) != len(configured):
        loads = ", ".join(configured) if configured else "no modules"
        raise ModuleChoiceError(
            400,
            f"{app['title']} loads {loads}: choose one version of each, in that order, "
            f"not {requested}.",
        )
    if requested == configured:
        # The admin's choice needs no listing (and no module command).
        return configured
    try:
        available = await system.avail() if system is not None else []
    except ModuleError as error:
        raise ModuleChoiceError(LOAD_FAILED, error.message) from None
    for wanted, module in zip(requested, configured):
        allowed = versions(module, available)
        if wanted not in allowed:
            raise ModuleChoiceError(
                400,
                f"{wanted!r} is not a version of {module} offered here; choose one of "
                f"{', '.join(allowed)}.",
            )
    return list(requested)
