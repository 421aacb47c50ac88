"""Job ids: only what Slurm prints for one job reaches an argv."""

from __future__ import annotations

import pytest

from jupyterlab_hpc.slurm.ids import InvalidJobId, check_job_id


@pytest.mark.parametrize("text", ["1234", "1235_3", "1237+0", "0", "4294967294_4294967294"])
def test_job_ids_slurm_prints_are_accepted(text: str) -> None:
    assert check_job_id(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-1",
        "--wrap=id",
        "1236_[1-3]",
        "12 34",
        "1234\n",
        "1234;id",
        "12_3_4",
        "1_",
        "+1",
        "١٢٣",  # Arabic-Indic digits: \d would take them, Slurm would not
        "all",
        "1" * 11,  # more than a 32-bit id
        "9" * 40,
    ],
)
def test_anything_else_is_refused_with_the_text_shown(text: str) -> None:
    with pytest.raises(InvalidJobId) as raised:
        check_job_id(text)
    assert str(raised.value) == f"Not a Slurm job id: {text!r}"
