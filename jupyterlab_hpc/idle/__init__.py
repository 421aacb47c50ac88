"""Idle time: how long nothing has happened, the hub's culler, the opt-in end of an idle job."""
