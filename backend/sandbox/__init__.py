"""A faithful local itris emulator (its own Flask app) with fault injection.

``create_app`` builds it, ``start_server`` runs it in a background thread, ``serve`` in the
foreground. API user ``api-user`` / ``sandbox-password``. Seeded records everyone may rely
on are documented in :mod:`backend.sandbox.seed` (``KNOWN``).
"""

from backend.sandbox.app import create_app
from backend.sandbox.auth import PASSWORD, USERNAME
from backend.sandbox.seed import KNOWN
from backend.sandbox.server import SandboxServer, serve, start_server

__all__ = ["KNOWN", "PASSWORD", "USERNAME", "SandboxServer", "create_app", "serve", "start_server"]
