"""petshop: a tiny Flask app with the flaws its scanners found (see ../README.md)."""
from flask import Flask

app = Flask(__name__)

from app import views  # noqa: E402,F401
