from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.audit import audited


class Role(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业用户")
    REGIONAL_REVIEWER = "regional_reviewer", _("自治区科技厅审核员")
    YINCHUAN_REVIEWER = "yinchuan_reviewer", _("银川市科技局审核员")
    FINANCE = "finance", _("财务人员")
    ADMIN = "admin", _("系统管理员")
    EXPERT = "expert", _("评估专家")
    SYSTEM = "system", _("系统")


STAFF_ROLES = {Role.REGIONAL_REVIEWER, Role.YINCHUAN_REVIEWER, Role.FINANCE, Role.ADMIN}
REVIEWER_ROLES = {Role.REGIONAL_REVIEWER, Role.YINCHUAN_REVIEWER}


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.ENTERPRISE)
    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def is_enterprise(self) -> bool:
        return self.role == Role.ENTERPRISE

    @property
    def is_bureau_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_reviewer(self) -> bool:
        return self.role in REVIEWER_ROLES

    @property
    def is_finance(self) -> bool:
        return self.role == Role.FINANCE

    @property
    def is_portal_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    def reviews_level(self, level: str) -> bool:
        """Regional reviewers review regional filings, Yinchuan reviewers Yinchuan ones."""
        if self.is_portal_admin:
            return True
        return (self.role, level) in {(Role.REGIONAL_REVIEWER, "regional"), (Role.YINCHUAN_REVIEWER, "yinchuan")}


def system_actor() -> User:
    """The recorded actor for imports and scheduled runs."""
    user, _created = User.objects.get_or_create(
        username="system", defaults={"role": Role.SYSTEM, "full_name": "系统(自动)", "is_active": False}
    )
    return user


class IdempotencyKey(models.Model):
    """A POST that creates or moves money, remembered per user and `Idempotency-Key` header: a replay
    returns the first response without running the action again; the same key with another request
    is refused (accounts.api.idempotent)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=512)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("幂等键")
        verbose_name_plural = _("幂等键")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]


@audited(exclude=["digest", "last_used_at"])
class ApiToken(models.Model):
    """An API token issued to one client of a user (`Authorization: Token <key>`). Only the SHA-256 digest
    of the key is stored: the key is shown once, when it is issued. Every token has an absolute expiry
    (API_TOKEN_LIFETIME_DAYS at most); a bureau staff member's token also stops working after
    STAFF_IDLE_TIMEOUT_SECONDS without a request (`accounts.authentication.ApiTokenAuthentication`).
    A revoked token stays listed (revoked_at) and never authenticates again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("用户"))
    name = models.CharField(_("客户端名称"), max_length=64)
    prefix = models.CharField(_("令牌前缀"), max_length=8, help_text=_("令牌的前8个字符,用于识别"))
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("到期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="api_token_user_active")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and self.expires_at > timezone.now()
