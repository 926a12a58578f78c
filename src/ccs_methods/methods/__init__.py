"""methods layer of ccs_methods."""
