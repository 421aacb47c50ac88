"""Environment modules: kernels found inside modules, and the environment a module load gives."""
