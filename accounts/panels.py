"""Panels that a higher app adds to a lower app's page, without the lower app importing it.

The apps are layered accounts < registry < talent < subsidies: a lower app never imports a higher one.
A page of a lower app that shows the higher app's figures (an enterprise's dashboard showing the
stipends paid, a researcher's page showing the NX-STIPEND status) asks for its page's context here, and
the higher app registers the provider in its AppConfig.ready():

    panels.provide("registry.dashboard", stipend_panel)     # subsidies/apps.py
    context.update(panels.context("registry.dashboard", actor=request.user))   # registry/views.py

Each provider takes the page's keyword arguments and returns a dict of template context; the page
merges them in the order the providers were registered. A page with no provider gets an empty dict."""

from collections import defaultdict
from collections.abc import Callable

_providers: dict[str, list[Callable[..., dict]]] = defaultdict(list)


def provide(page: str, provider: Callable[..., dict]) -> None:
    """Register `provider` for `page` (once: registering the same function again changes nothing)."""
    if provider not in _providers[page]:
        _providers[page].append(provider)


def context(page: str, **kwargs) -> dict:
    """The context every provider of `page` adds, merged in registration order."""
    merged: dict = {}
    for provider in _providers.get(page, ()):
        merged.update(provider(**kwargs))
    return merged
