"""Company names: normalisation, the duplicate/similar index, the per-team mirror."""

# The mirror's tables join Base.metadata with the package (Alembic and create_all see them).
from backend.companies import models  # noqa: F401
