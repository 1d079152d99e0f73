"""Reading a case: the schema (with its field-naming errors), loading, overrides, TOML."""
