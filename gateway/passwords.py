"""Password hashes of the embedded identity provider (argon2id), and a command to make one.

python -m gateway.passwords        # prompts for a password, prints its hash
"""

import getpass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher()
# Demo logins exist only in dev mode: hashed cheaply so that a dev gateway starts at once.
DEMO_HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the name is unknown, so that both cases cost the same time.
    return HASHER.hash("no-such-user-dummy-password")


def hash_password(password: str) -> str:
    """An argon2id hash with a random salt."""
    return HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if the password matches; unknown users take as long as known ones."""
    try:
        return HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def is_password_hash(value: str) -> bool:
    """Whether a configured value is an argon2 hash rather than a plaintext password."""
    return value.startswith("$argon2")


@lru_cache(maxsize=32)
def demo_hash(password: str) -> str:
    """Hash of a demo password, once per process (dev mode only)."""
    return DEMO_HASHER.hash(password)


def main() -> None:
    """Prompt twice for a password and print its hash for PENSION_GATEWAY_USERS."""
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise SystemExit("the passwords differ")
    if len(first) < 12:
        raise SystemExit("use at least 12 characters")
    print(hash_password(first))


if __name__ == "__main__":
    main()
