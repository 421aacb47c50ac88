"""The Slurm job panel's server side: one shared squeue cache, job actions, history."""
