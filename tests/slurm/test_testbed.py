"""The testbed itself: the test user's server and Slurm's clients work together."""

from __future__ import annotations

from tests.slurm.conftest import SlurmTestbed, UserServer


def test_the_server_runs_as_the_test_user(user_server: UserServer, testbed: SlurmTestbed) -> None:
    status, info = user_server.request("GET", "jupyterlab-hpc/info")
    assert status == 200, user_server.log()
    assert info["version"]
    # a job the test user submits is theirs
    submitted = testbed.run(["sbatch", "--chdir", str(user_server.root_dir), "--wrap", "true"])
    assert submitted.returncode == 0, submitted.stderr
    job_id = submitted.stdout.split()[-1]
    owner = testbed.run(["squeue", "-h", "-j", job_id, "-o", "%u"]).stdout.strip()
    assert owner == testbed.user
