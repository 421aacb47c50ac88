"""The environment an app starts with: the server's, without Jupyter's and JupyterHub's credentials.

A launched app is the user's own program, but it must not hold what lets it act as the
server: with JUPYTERHUB_API_TOKEN it could call the Hub as the server does, with the server's
token it could drive the server itself (kernels, terminals, files) from anywhere. The proxy
already keeps these out of an app's headers; this keeps them out of its environment, and out of
the `$VAR` placeholders the user types in the launch dialog (they expand from the same
stripped environment).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# Removed by name: Jupyter's token (the variable, and the file it may be read from), the
# proxy's token of a JupyterHub whose environment reached the server, and JupyterHub's
# legacy name for the API token.
CREDENTIAL_VARIABLES = frozenset(
    {
        "JUPYTER_TOKEN",
        "JUPYTER_TOKEN_FILE",
        "JPY_API_TOKEN",
        "CONFIGPROXY_AUTH_TOKEN",
    }
)
# Removed by prefix: everything JupyterHub gives its servers (JUPYTERHUB_API_TOKEN,
# JUPYTERHUB_CLIENT_ID, JUPYTERHUB_OAUTH_*, JUPYTERHUB_SSL_KEYFILE, JUPYTERHUB_CRYPT_KEY, the
# API URLs that only serve with the token...) and its legacy JPY_* names; whatever a future
# JupyterHub adds is removed too, unless it is kept below.
CREDENTIAL_PREFIXES = ("JUPYTERHUB_", "JPY_")
# Kept: who and where, which apps may use to build their own URLs or greet the user. None of
# these lets anyone act as the server.
KEPT_VARIABLES = frozenset(
    {
        "JUPYTERHUB_USER",
        "JUPYTERHUB_SERVER_NAME",
        "JUPYTERHUB_BASE_URL",
        "JUPYTERHUB_SERVICE_PREFIX",
        "JUPYTERHUB_HOST",
        "JUPYTERHUB_PUBLIC_URL",
        "JUPYTERHUB_PUBLIC_HUB_URL",
    }
)
# Secrets shorter than this are not looked for in other variables' values (no token is).
MIN_SECRET_LENGTH = 8


def is_credential(name: str) -> bool:
    """Whether the variable is one of Jupyter's or JupyterHub's credentials (never an app's)."""
    if name in KEPT_VARIABLES:
        return False
    return name in CREDENTIAL_VARIABLES or name.startswith(CREDENTIAL_PREFIXES)


def app_environment(environ: Mapping[str, str], secrets: Iterable[str] = ()) -> dict[str, str]:
    """The server's environment without credentials, for an app and its placeholders.

    Also removed: any variable whose value holds one of `secrets` (the server's token) or the
    value of a removed token variable, so a copy under another name (a site's own
    MY_HUB_TOKEN=$JUPYTERHUB_API_TOKEN) does not reach the app either.
    """
    values = {secret for secret in secrets if secret and len(secret) >= MIN_SECRET_LENGTH}
    values |= {
        value
        for name, value in environ.items()
        if is_credential(name) and name.endswith(("TOKEN", "CRYPT_KEY"))
        if len(value) >= MIN_SECRET_LENGTH
    }
    return {
        name: value
        for name, value in environ.items()
        if not is_credential(name) and not any(secret in value for secret in values)
    }
