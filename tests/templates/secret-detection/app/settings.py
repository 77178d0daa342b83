"""Settings read from the environment: no credential in the code."""
import os

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://localhost/app")
AWS_ACCESS_KEY_ID = os.environ["AWS_ACCESS_KEY_ID"]
