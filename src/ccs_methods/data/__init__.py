"""data layer of ccs_methods."""
