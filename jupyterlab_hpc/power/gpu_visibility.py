"""Which of the node's GPUs belong to this job, decided from the environment alone.

Devices are named by their NVML / nvidia-smi index (PCI bus order) and their UUID. The rules:

1. Slurm: `SLURM_STEP_GPUS`, or else `SLURM_JOB_GPUS`, lists the job's GPUs by their global
   IDs, which are not relative to the device cgroup (Slurm's documentation) and, with
   `AutoDetect=nvml`, are the NVML indices. An empty value counts as unset. If some of those
   indices are not readable while no more GPUs are readable than Slurm allocated, the device
   cgroup already hides the others (and the tool may number what is left from 0), so every
   readable GPU is the job's.
2. `CUDA_VISIBLE_DEVICES` is a comma list of indices or UUIDs / unique UUID prefixes
   (`GPU-…`, `MIG-…`). As in CUDA, the first invalid entry hides itself and every entry
   after it, so an empty value, `-1` or Slurm's `NoDevFiles` hide every GPU.
   - With a Slurm variable set, CUDA's indices count from the job's first GPU and say nothing
     new, so they are ignored; its UUIDs narrow the Slurm set further.
   - Without one, indices and UUIDs pick from all readable GPUs. CUDA orders devices fastest
     first unless `CUDA_DEVICE_ORDER=PCI_BUS_ID`; on the identical GPUs of a cluster node that
     is PCI order too, so an index is taken as the NVML index.
3. Nothing set: every GPU this process can read (a device cgroup has hidden the others).

A MIG instance (`MIG-GPU-<uuid>/<gi>/<ci>`, or `MIG-<uuid>` when the reader listed the GPU's
MIG UUIDs) selects its whole parent GPU: NVML reports power for whole GPUs only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SLURM_VARIABLES = ("SLURM_STEP_GPUS", "SLURM_JOB_GPUS")
CUDA_VARIABLE = "CUDA_VISIBLE_DEVICES"
EVERY_READABLE = "every readable GPU (neither SLURM_JOB_GPUS nor CUDA_VISIBLE_DEVICES is set)"


@dataclass(frozen=True)
class DeviceId:
    """A GPU as NVML and nvidia-smi name it, with the UUIDs of its MIG instances if known."""

    index: int
    uuid: str
    mig_uuids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Visibility:
    """The job's GPUs and a short sentence saying which variable decided (for tooltips, logs)."""

    devices: list[DeviceId]
    explain: str


def select_visible(devices: Sequence[DeviceId], env: Mapping[str, str]) -> Visibility:
    """The readable `devices` this job may use, by the rules of the module docstring."""
    devices = list(devices)
    cuda = env.get(CUDA_VARIABLE)
    for name in SLURM_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            return _from_slurm(devices, name, value, cuda)
    if cuda is None:
        return Visibility(devices, EVERY_READABLE)
    return _from_cuda(devices, cuda)


def _from_slurm(devices: list[DeviceId], name: str, value: str, cuda: str | None) -> Visibility:
    indices, bad = _slurm_indices(value)
    by_index = {device.index: device for device in devices}
    chosen = [by_index[index] for index in indices if index in by_index]
    notes = [f"{name}={value}"]
    if bad:
        notes.append(f"ignored {', '.join(bad)}")
    if devices and len(chosen) < len(indices) and len(devices) <= len(indices):
        chosen = devices
        notes.append("the device cgroup hides the other GPUs, so every readable one is the job's")
    if cuda is None:
        return Visibility(chosen, "; ".join(notes))
    entries = _cuda_entries(cuda)
    if not entries:
        return Visibility([], f"{CUDA_VARIABLE}={cuda!r} hides every GPU")
    uuids = [entry for entry in entries if not entry.isdigit()]
    # A MIG instance whose parent we cannot tell still belongs to the job's GPUs: it must not
    # narrow them to nothing.
    unknown = [e for e in uuids if e.startswith("MIG-") and not _any_matches(devices, e)]
    uuids = [entry for entry in uuids if entry not in unknown]
    if unknown:
        notes.append(f"no readable GPU holds {', '.join(unknown)}")
    if not uuids:
        notes.append(f"{CUDA_VARIABLE}={cuda} adds no GPU UUID, so it does not narrow them")
        return Visibility(chosen, "; ".join(notes))
    narrowed = [device for device in chosen if any(_matches(device, uuid) for uuid in uuids)]
    notes.append(f"narrowed by {CUDA_VARIABLE}={cuda}")
    return Visibility(narrowed, "; ".join(notes))


def _from_cuda(devices: list[DeviceId], cuda: str) -> Visibility:
    entries = _cuda_entries(cuda)
    if not entries:
        return Visibility([], f"{CUDA_VARIABLE}={cuda!r} hides every GPU")
    by_index = {device.index: device for device in devices}
    chosen: list[DeviceId] = []
    notes = [f"{CUDA_VARIABLE}={cuda}"]
    for entry in entries:
        if entry.isdigit():
            found = [by_index[int(entry)]] if int(entry) in by_index else []
        else:
            found = [device for device in devices if _matches(device, entry)]
        if len(found) != 1:
            if entry.startswith("MIG-") and not found:
                # CUDA may well know this instance; only its parent GPU is unknown to us.
                notes.append(f"no readable GPU holds {entry}")
                continue
            # CUDA stops at an unknown or ambiguous entry, and so do we.
            notes.append(f"{entry} names no single GPU, so it and what follows are ignored")
            break
        if found[0] not in chosen:
            chosen.append(found[0])
    return Visibility(chosen, "; ".join(notes))


def _slurm_indices(value: str) -> tuple[list[int], list[str]]:
    """Slurm's comma list of GPU IDs (ranges like 0-3 allowed), and the items that are not."""
    indices: list[int] = []
    bad: list[str] = []
    for item in value.split(","):
        item = item.strip()
        first, _, last = item.partition("-")
        if first.isdigit() and (not last or last.isdigit()):
            for index in range(int(first), int(last or first) + 1):
                if index not in indices:
                    indices.append(index)
        elif item:
            bad.append(item)
    return indices, bad


def _cuda_entries(value: str) -> list[str]:
    """CUDA_VISIBLE_DEVICES's entries up to (not including) the first malformed one."""
    entries: list[str] = []
    for item in value.split(","):
        entry = item.strip()
        if not (entry.isdigit() or (entry.startswith(("GPU-", "MIG-")) and len(entry) > 4)):
            break
        entries.append(entry)
    return entries


def _any_matches(devices: Sequence[DeviceId], entry: str) -> bool:
    """Whether a CUDA UUID entry names any of these GPUs."""
    return any(_matches(device, entry) for device in devices)


def _matches(device: DeviceId, entry: str) -> bool:
    """Whether a CUDA UUID entry (a prefix, as CUDA allows) names this GPU or one of its MIGs."""
    entry = entry.lower()
    if entry.startswith("mig-gpu-"):
        # The pre-R470 MIG form carries the parent's UUID: MIG-GPU-<uuid>/<gi>/<ci>.
        return device.uuid.lower() == entry[len("mig-") :].split("/", 1)[0]
    if entry.startswith("mig-"):
        return any(mig.lower().startswith(entry) for mig in device.mig_uuids)
    return device.uuid.lower().startswith(entry)
