"""The complaint tests issue real certificates (signed QR tokens): they share the certificates' key fixture."""
from tests.certificates.conftest import key_dir  # noqa: F401
