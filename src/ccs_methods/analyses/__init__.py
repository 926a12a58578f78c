"""analyses layer of ccs_methods."""
