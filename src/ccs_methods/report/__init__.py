"""report layer of ccs_methods."""
