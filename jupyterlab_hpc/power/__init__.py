"""CPU power (RAPL, attributed to this server's processes) and the power of the job's GPUs."""
