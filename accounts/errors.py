"""One error type for services: a Chinese message first, English second, naming the record."""

from django.core.exceptions import ValidationError
from django.utils import translation


class ServiceError(ValidationError):
    """A refused action. `code` is stable for the API; `status` is the HTTP status it maps to."""

    status = 400

    def __init__(
        self,
        zh: str,
        en: str = "",
        *,
        code: str = "invalid",
        record: str = "",
        status: int | None = None,
        field: str = "",
    ):
        # `field`: the input the refusal concerns (forms show it next to that field, the API names it)
        self.zh, self.en, self.record, self.field = zh, en, record, field
        if status is not None:
            self.status = status
        text = f"{record}:{zh}" if record else zh
        if en:
            text += f" / {en}"
        super().__init__(text, code=code)

    @property
    def text(self) -> str:
        """The message in the page's language only (Chinese, or English when the user switched), with the
        record it names: what pages show. The API keeps both (`message`, `message_en`)."""
        return f"{self.record}:{self.body}" if self.record else self.body

    @property
    def body(self) -> str:
        """The message alone in the page's language (shown next to the field it concerns)."""
        lang = (translation.get_language() or "zh-hans").lower()
        return self.en if (lang.startswith("en") and self.en) else self.zh


def error_text(exc: ValidationError) -> str:
    """What a page shows for a refused action: a service error in the user's language only, else the
    validation messages."""
    if isinstance(exc, ServiceError):
        return exc.text
    return " ".join(exc.messages)


def show_refusal(request, exc: ValidationError) -> None:
    """The one way a page shows a refused action: a message above the page, in the page's language."""
    from django.contrib import messages

    messages.error(request, error_text(exc))


def attempt(request, call, /, *args, done: str = "", **kwargs) -> bool:
    """The one way a page runs a service action: `call(*args, **kwargs)`; a refusal (ServiceError) is shown
    above the page and answers False, nothing else having happened; success shows `done` (when given) and
    answers True. Pages that need the call's result keep their own try/except."""
    from django.contrib import messages

    try:
        call(*args, **kwargs)
    except ServiceError as exc:
        show_refusal(request, exc)
        return False
    if done:
        messages.success(request, done)
    return True


class ConflictError(ServiceError):
    """An illegal state transition or a race lost: HTTP 409."""

    status = 409


class NotFoundError(ServiceError):
    status = 404


def save_or_refuse(save, refusal: ServiceError) -> None:
    """Runs `save` in a savepoint; if the database refuses it on a unique or exclusion constraint (another
    request wrote the same thing between the service's check and its insert), raises `refusal` instead and
    the savepoint leaves nothing behind."""
    from django.db import IntegrityError, transaction

    try:
        with transaction.atomic():
            save()
    except IntegrityError:
        raise refusal from None
