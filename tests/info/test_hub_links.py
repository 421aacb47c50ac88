"""The hub's links, from the environment jupyterhub-singleuser is started with."""

from __future__ import annotations

from jupyterlab_hpc.info.routes import hub_links


def test_outside_a_hub_there_are_no_links() -> None:
    assert hub_links({}) is None
    assert hub_links({"JUPYTERHUB_BASE_URL": "/"}) is None


def test_a_hub_at_the_root() -> None:
    env = {"JUPYTERHUB_SERVICE_PREFIX": "/user/alice/", "JUPYTERHUB_BASE_URL": "/"}
    assert hub_links(env) == {"control_panel_url": "/hub/home", "logout_url": "/hub/logout"}


def test_a_hub_under_a_prefix() -> None:
    env = {"JUPYTERHUB_SERVICE_PREFIX": "/jupyter/user/alice/", "JUPYTERHUB_BASE_URL": "/jupyter/"}
    assert hub_links(env) == {
        "control_panel_url": "/jupyter/hub/home",
        "logout_url": "/jupyter/hub/logout",
    }


def test_user_subdomains_give_the_hubs_origin() -> None:
    env = {
        "JUPYTERHUB_SERVICE_PREFIX": "/user/alice/",
        "JUPYTERHUB_BASE_URL": "/",
        "JUPYTERHUB_HOST": "https://hub.example.org",
    }
    assert hub_links(env) == {
        "control_panel_url": "https://hub.example.org/hub/home",
        "logout_url": "https://hub.example.org/hub/logout",
    }
