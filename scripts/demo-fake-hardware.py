"""Jupyter server config for `make demo DEMO_HARDWARE=fake`: simulated RAPL, GPUs and grid API.

For machines without RAPL counters, NVIDIA GPUs or internet (CI machines, laptops in VMs), so
that the power and CO2 meters can be seen working. The same fakes as the UI tests
(ui-tests/fake_hardware.py) are read through the real readers: a RAPL package drawing 42 W
(+3 W DRAM), four fake H100s of which the "job" gets two, and éCO2mix replayed locally.
"""

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "ui-tests"))
import fake_hardware  # noqa: E402

POWERCAP_ROOT = REPO / ".demo" / "powercap"
fake_hardware.start_powercap(POWERCAP_ROOT)
os.environ["CUDA_VISIBLE_DEVICES"] = "1,2"
c.HPCPower.powercap_root = str(POWERCAP_ROOT)  # noqa: F821 (c is injected by the config loader)
c.HPCPower.attribution = "node"  # noqa: F821
c.HPCPower.gpu_backend = "nvidia-smi"  # noqa: F821
c.HPCPower.nvidia_smi = str(fake_hardware.FAKE_NVIDIA_SMI)  # noqa: F821
c.HPCEmissions.url = fake_hardware.start_grid_api()  # noqa: F821
