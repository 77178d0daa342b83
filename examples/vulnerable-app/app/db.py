"""Database connection from the environment."""
import os

import psycopg2


def connection():
    return psycopg2.connect(os.environ["DATABASE_URL"])
