"""Admin settings for environment modules (Lmod, or Tcl Environment Modules)."""

from __future__ import annotations

from typing import Any

from traitlets import Float, List, TraitError, Unicode, validate
from traitlets.config import Configurable


class HPCModules(Configurable):
    """Where the module command is, which modules hold kernels, how long a discovery lasts."""

    kernel_cache_ttl = Float(
        900.0,
        help="""Seconds the kernels found inside environment modules are kept (900).

        Discovery runs in the background when the server starts and again every this many
        seconds: a kernel an admin adds to a module (or a new module with a kernel) appears in
        the launcher within this time, without a restart. Users can also run "Refresh Module
        Kernels" from the command palette. A module whose modulefiles did not change since the
        last discovery is not loaded again; only its kernel folders are looked at.
        """,
    ).tag(config=True)

    command = List(
        Unicode(),
        default_value=[],
        help="""The module command that prints Python code, as an argv list (auto-detected).

        Empty: $LMOD_CMD (Lmod), $MODULES_CMD or $MODULESHOME/libexec/modulecmd.tcl (Tcl
        Environment Modules), then the packages' places: /usr/share/lmod/lmod/libexec/lmod,
        /usr/share/modules/libexec/modulecmd.tcl, /usr/lib/<arch>/modulecmd.tcl. Examples:
        ["/opt/lmod/lmod/libexec/lmod", "python"] or
        ["/usr/share/modules/libexec/modulecmd.tcl", "python"]. Its output is parsed, never
        executed.
        """,
    ).tag(config=True)

    modulepath = Unicode(
        None,
        allow_none=True,
        help="""The module path used for discovery, kernels and apps (default: $MODULEPATH).

        A colon-separated list of modulefile folders, as MODULEPATH. Unset, the server's own
        MODULEPATH is used (the one its job inherited).
        """,
    ).tag(config=True)

    kernel_modules = List(
        Unicode(),
        default_value=["*"],
        help="""Which modules are searched for kernels: shell-style patterns of full names.

        ["*"] (the default) searches every module `module avail` lists; ["python/*",
        "pytorch/*", "tensorflow-gpu/*"] only those. Loading a module costs tens of
        milliseconds; a tree of thousands of modules is better restricted.
        """,
    ).tag(config=True)

    command_timeout = Float(
        30.0,
        help="""Seconds one module command (a load, a purge, an avail) may run (30).""",
    ).tag(config=True)

    @validate("kernel_cache_ttl", "command_timeout")
    def _validate_seconds(self, proposal: dict[str, Any]) -> float:
        value = float(proposal["value"])
        if not 0 < value < float("inf"):
            name = proposal["trait"].name
            raise TraitError(f"HPCModules.{name} must be > 0 seconds, not {value}.")
        return value

    @validate("command")
    def _validate_command(self, proposal: dict[str, Any]) -> list[str]:
        value = list(proposal["value"])
        if value and not value[0].startswith("/"):
            raise TraitError(
                f"HPCModules.command must start with an absolute path, not {value[0]!r}."
            )
        return value
