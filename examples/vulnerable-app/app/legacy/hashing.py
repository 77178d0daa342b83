"""Legacy password hashes, read-only, kept to migrate old accounts."""
import hashlib


def legacy_matches(password: str, stored: str) -> bool:
    # FLAW (SAST, high): MD5 for passwords. Excepted in .secgate.yml until the
    # migration ticket closes: new hashes use argon2 (app/auth.py).
    return hashlib.md5(password.encode()).hexdigest() == stored
