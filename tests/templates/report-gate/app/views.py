"""A tiny view module: the SAST fixture points at line 42 of this file."""


def user(request, db):
    user_id = request.GET["user_id"]
    return db.execute("SELECT name FROM users WHERE id = %s", [user_id])
