"""pipeline layer of ccs_methods."""
