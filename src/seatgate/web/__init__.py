"""The pages people see, served by the API: the buyer's at /, the operator's at /ops."""
