"""Encrypt stored secrets (the itris password) with Fernet, keyed by the app secret."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken


class SecretBox:
    """Fernet keyed by SHA-256 of the app's secret, so any secret string works."""

    def __init__(self, secret: str):
        key = base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())
        self._fernet = Fernet(key)

    def encrypt(self, plaintext: str) -> bytes:
        return self._fernet.encrypt(plaintext.encode())

    def decrypt(self, token: bytes) -> str:
        try:
            return self._fernet.decrypt(token).decode()
        except InvalidToken as exc:
            raise ValueError("stored secret cannot be decrypted with this secret key") from exc

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"
