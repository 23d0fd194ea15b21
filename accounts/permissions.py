"""Page guards by role: login required, then 403 unless the user's role passes. The pages' one set of
decorators (the API has its own, accounts.api's role sets)."""

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def role_required(predicate):
    """Login required; then 403 unless `predicate(user)`."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not predicate(request.user):
                raise PermissionDenied(_("您的角色无权访问此页面"))
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_reviewer_or_admin(user) -> bool:
    return bool(user.is_reviewer or user.is_portal_admin)


reviewer_only = role_required(is_reviewer_or_admin)
