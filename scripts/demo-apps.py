"""Jupyter server config for `make demo`: launcher apps that run on any machine.

The shipped apps (TensorBoard, MLflow, code-server, noVNC, Nerfstudio) are listed as
unavailable until their programs are installed. Two run here: Python's own web server, serving
the demo's work folder, so that launching, the Running panel and logs can be tried at once; and
TensorBoard from the module testbed's tensorboard/2.18 module (`make demo` sets MODULEPATH to
that tree), whose launch dialog also offers tensorboard/2.17.
"""

import sys

from jupyterlab_hpc.apps.catalogue import DEFAULT_APPS

c.HPCApps.apps.update(  # noqa: F821 (c is injected by the config loader)
    {
        "webserver": {
            "title": "Web file server",
            "command": [
                sys.executable,
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                "{port}",
                "{args}",
            ],
            "args_hint": (
                "Optional: --directory FOLDER (relative paths start at the file browser's root)."
            ),
            "docs_url": "https://docs.python.org/3/library/http.server.html",
        },
        "tensorboard": {**DEFAULT_APPS["tensorboard"], "modules": ["tensorboard/2.18"]},
    }
)
