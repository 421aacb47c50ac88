"""Each kernel's memory and CPU, from the server's process tree."""
