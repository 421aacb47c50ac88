"""Slurm job ids as the API accepts them: validated before they reach any argv."""

from __future__ import annotations

import re

# A job (1234), an array task (1234_3) or a heterogeneous job's component (1234+0). Nothing
# else: no ranges, no options, no names; ASCII digits only (\d matches other scripts' too).
# Slurm ids are 32-bit numbers: at most 10 digits.
_JOB_ID = re.compile(r"[0-9]{1,10}(?:_[0-9]{1,10}|\+[0-9]{1,10})?")


class InvalidJobId(ValueError):
    """The text is not a job id this API acts on."""


def check_job_id(text: str) -> str:
    """Return text if it is a Slurm job id, else raise InvalidJobId with a message for users."""
    if not isinstance(text, str) or _JOB_ID.fullmatch(text) is None:
        raise InvalidJobId(f"Not a Slurm job id: {text!r}")
    return text
