"""One error type for services: a Chinese message first, English second, naming the record."""
from django.core.exceptions import ValidationError


class ServiceError(ValidationError):
    """A refused action. `code` is stable for the API; `status` is the HTTP status it maps to."""

    status = 400

    def __init__(self, zh: str, en: str = "", *, code: str = "invalid", record: str = "", status: int | None = None,
                 field: str = ""):
        # `field`: the input the refusal concerns (forms show it next to that field, the API names it)
        self.zh, self.en, self.record, self.field = zh, en, record, field
        if status is not None:
            self.status = status
        text = f"{record}:{zh}" if record else zh
        if en:
            text += f" / {en}"
        super().__init__(text, code=code)


class ConflictError(ServiceError):
    """An illegal state transition or a race lost: HTTP 409."""

    status = 409


class NotFoundError(ServiceError):
    status = 404
