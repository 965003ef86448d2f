"""Certificates for the local TLS servers of the tests, from a CA of their own (trustme): the
situation of a Kreis whose servers and proxy carry certificates of the Kreis' authority."""

from __future__ import annotations

import ssl

import trustme


def server_context(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    """A server-side context with a certificate of `ca` for `names` (host names or IP addresses)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context
