"""The read path: ``lookup`` (get_config: in-process tier, shared store, then sources), ``sources``
(the row, else the YAML file), ``stored_entry`` (the stored form of a config and its resolution
into an answer) and ``row_select`` (the miss's SELECT)."""
