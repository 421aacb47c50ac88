"""A mistake in the admin's configuration stops the server at start, naming the trait and value."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from jupyter_server.extension.application import ExtensionApp
from traitlets import TraitError

# What the server's log says before the configurable's own message ("HPCPower.sample_interval
# must be > 0 seconds, not -1.0.").
STOPPING = "jupyterlab-hpc: the server stops, its configuration has a mistake:"


@contextmanager
def stop_on_config_error(app: ExtensionApp) -> Iterator[None]:
    """Read the HPC* configurables inside this; a TraitError stops the whole server (status 1).

    jupyter_server catches what an extension raises while it loads, logs a warning and serves
    on without the extension (ExtensionManager.load_extension): every route of ours would
    answer 404, users would get a JupyterLab without meters, jobs or launcher, and the admin
    one warning in a long log. SystemExit is no Exception, so it is not caught there: the
    server exits before it listens, as it does for a port already in use.
    """
    try:
        yield
    except TraitError as error:
        app.log.critical("%s %s", STOPPING, error)
        app.serverapp.exit(1)
