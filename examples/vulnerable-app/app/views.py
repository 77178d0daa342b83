"""Views of the petshop example. Deliberately vulnerable: do not copy."""
from flask import request

from app import app
from app.db import connection


@app.route("/")
def index():
    return "petshop"


@app.route("/health")
def health():
    return {"status": "ok"}


@app.route("/pets")
def pets():
    species = request.args.get("species", "cat")
    cursor = connection().cursor()
    # FLAW (SAST, high): the query is built from the request: SQL injection.
    # The fix: cursor.execute("SELECT name FROM pets WHERE species = %s", (species,))
    query = "SELECT name FROM pets WHERE species = '" + species + "'"
    cursor.execute(
        query
    )
    return {"pets": [row[0] for row in cursor.fetchall()]}


@app.route("/hello")
def hello():
    name = request.args.get("name", "friend")
    # FLAW (SAST, medium): user input in HTML without escaping (XSS).
    # Medium is below the policy's fail_on: high, so it is reported, not failed.
    page = "<h1>Hello " + name + "</h1>"
    return page
