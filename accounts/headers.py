"""Response headers for personal data: API answers and the pages of a logged-in user
are never kept by a browser or a shared cache (`Cache-Control: no-store`)."""

from django.utils.cache import add_never_cache_headers


def carries_personal_data(request) -> bool:
    """Every API answer (token clients are authenticated inside the view, after this middleware), and
    every response to a logged-in user: pages, previews and downloads alike."""
    if request.path.startswith("/api/"):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class NoStoreMiddleware:
    """Sets `Cache-Control: max-age=0, no-cache, no-store, must-revalidate, private` (and an expired
    `Expires`) where `carries_personal_data`. Static files are answered by WhiteNoise before this."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if carries_personal_data(request) and "no-store" not in response.get("Cache-Control", ""):
            # a view that already forbids storing (downloads, previews) keeps its own header
            add_never_cache_headers(response)
        return response
