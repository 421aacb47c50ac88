"""Admin settings for the memory meter."""

from __future__ import annotations

from traitlets import Unicode
from traitlets.config import Configurable


class HPCMemory(Configurable):
    """Where to find the cgroup that holds this server's job memory limit."""

    cgroup_root = Unicode(
        "/sys/fs/cgroup",
        help="""Directory where the cgroup file systems are mounted.

        With cgroup v2 this is the unified hierarchy itself; with cgroup v1 the
        memory controller is expected in its `memory` sub-directory. Point it
        elsewhere only if your nodes mount cgroups at a non-standard place.
        """,
    ).tag(config=True)

    cgroup_path = Unicode(
        "",
        help="""This server's cgroup, relative to the hierarchy.

        Empty (the default) reads it from /proc/self/cgroup, which is right for
        Slurm jobs and most containers. For cgroup v2 the path is relative to
        `cgroup_root`; for cgroup v1 it is relative to `<cgroup_root>/memory`.
        The memory limit is the smallest one found from this cgroup up to the root.
        """,
    ).tag(config=True)
