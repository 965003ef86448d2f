"""Sign-in and roles. With OIDC configured (Streamlit's st.login, `[auth]` in
.streamlit/secrets.toml) users sign in and get viewer, editor or admin from the mapping in
xregion.toml; without it the app runs in local single-user mode (127.0.0.1 only) and that user
may edit. Editing actions call `require` on the server side, not only hide their buttons."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard import data
from pipelines.config import auth_configured
from pipelines.errors import XRegionError

RANK = {"none": 0, "viewer": 1, "editor": 2, "admin": 3}
ROLE_DE = {"viewer": "Lesen", "editor": "Bearbeiten", "admin": "Verwalten", "none": "nicht angemeldet"}


class PermissionDenied(XRegionError):
    """The signed-in user's role does not allow the action."""


@dataclass(frozen=True)
class Identity:
    name: str
    email: str | None
    role: str
    local: bool  # local single-user mode (no sign-in configured)


def identity() -> Identity:
    if not auth_configured():
        return Identity("lokal (ohne Anmeldung)", None, "admin", True)
    if not st.user.is_logged_in:
        return Identity("nicht angemeldet", None, "none", False)
    email = st.user.get("email")
    name = str(st.user.get("name") or email or "angemeldet")
    return Identity(name, email, data.settings().roles.role_of(email), False)


def owner() -> str:
    """Whose things these are (report drafts): the e-mail address when signed in, else "lokal"."""
    who = identity()
    return "lokal" if who.local else (who.email or who.name)


def allowed(role: str) -> bool:
    return RANK[identity().role] >= RANK[role]


def require(role: str, action: str) -> Identity:
    who = identity()
    if RANK[who.role] < RANK[role]:
        raise PermissionDenied(
            f"{action} ist mit Ihrer Rolle ({ROLE_DE[who.role]}) nicht erlaubt.",
            "Die Rollen vergibt die Administration in xregion.toml (Abschnitt [roles]).",
        )
    return who


def sign_in_gate() -> bool:
    """False (and a sign-in screen) when sign-in is configured and nobody is signed in."""
    if not auth_configured() or st.user.is_logged_in:
        return True
    st.title("XRegion Monitor")
    st.write("Bitte melden Sie sich an.")
    st.button("Anmelden", type="primary", on_click=st.login)
    return False


def sidebar_identity() -> None:
    who = identity()
    if who.local:
        st.sidebar.caption(
            ":material/computer: Lokaler Einzelplatzbetrieb ohne Anmeldung – nur auf diesem Rechner (127.0.0.1) erreichbar."
        )
    else:
        st.sidebar.caption(f":material/person: {who.name} · Rolle: {ROLE_DE[who.role]}")
        st.sidebar.button("Abmelden", on_click=st.logout)
