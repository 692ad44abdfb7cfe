"""The access matrix's vocabulary: roles and the expected answer of a route to each of them."""

ROLES = ("anon", "officer", "hr", "legal", "admin")
L = "login"  # anonymous: redirected to the sign-in page


def row(anon=L, officer=403, hr=403, legal=403, admin=403):
    """Expected status per role (``L``: redirected to the sign-in page)."""
    return dict(zip(ROLES, (anon, officer, hr, legal, admin), strict=True))


ALL_SIGNED_IN = row(officer=200, hr=200, legal=200, admin=200)
EVERYONE = row(200, 200, 200, 200, 200)
