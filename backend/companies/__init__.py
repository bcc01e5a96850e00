"""Company names: normalisation, the duplicate/similar index, the per-team mirror."""
