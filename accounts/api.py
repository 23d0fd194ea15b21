"""Shared API infrastructure: one error format, role permissions, idempotency, the token endpoint.

Every refusal the API returns has the same shape, whatever raised it (a service, a serializer, a
permission check, a missing object):

    {"error": {"code": "...", "message": "<中文>", "message_en": "...", "record": "...", "fields": {...}}}
"""

from __future__ import annotations

import hashlib
import json
from functools import wraps

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, JsonResponse
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, OpenApiTypes, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts.errors import ServiceError
from accounts.models import IdempotencyKey, Role

# --- schema --------------------------------------------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField(help_text="中文说明")
    message_en = serializers.CharField(allow_blank=True)
    record = serializers.CharField(allow_blank=True, help_text="涉及的记录")
    fields = serializers.DictField(child=serializers.JSONField(), help_text="字段错误")


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


class PortalAutoSchema(AutoSchema):
    """Documents the one error format on every operation (so schema checks cover refusals too)."""

    ERROR_CODES = ("400", "401", "403", "404", "429")
    WRITE_ERROR_CODES = ("409", "413", "422")

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = self.ERROR_CODES + (self.WRITE_ERROR_CODES if self.method in ("POST", "PATCH", "PUT") else ())
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        return responses


# the media types a download answers with, documented as they are sent (schemathesis content_type_conformance)
DOCUMENT_MEDIA_TYPES = ("application/pdf", "image/jpeg", "image/png")  # uploads are checked by signature


def binary_responses(media_types) -> dict:
    return {(200, media_type.split(";")[0]): OpenApiResponse(OpenApiTypes.BINARY) for media_type in media_types}


# --- roles ---------------------------------------------------------------------------------------------

ENTERPRISE = Role.ENTERPRISE.value
REGIONAL = Role.REGIONAL_REVIEWER.value
YINCHUAN = Role.YINCHUAN_REVIEWER.value
FINANCE = Role.FINANCE.value
ADMIN = Role.ADMIN.value
REVIEWERS = frozenset({REGIONAL, YINCHUAN})
STAFF = frozenset({REGIONAL, YINCHUAN, FINANCE, ADMIN})
EVERYONE = frozenset({ENTERPRISE, *STAFF})
WRITERS = frozenset({ENTERPRISE, ADMIN})  # an enterprise's own records: the enterprise, or an administrator
DECIDERS = REVIEWERS | {ADMIN}  # review decisions


def role_of(user) -> str:
    """The role the API authorises by; a Django superuser counts as a portal administrator."""
    return ADMIN if user.is_superuser else user.role


class RolePermission(BasePermission):
    """Each view declares `action_roles = {action: roles}` (a viewset action or an HTTP method in lower
    case for plain views). A role outside the set is refused with 403 before any object is looked up,
    so the answer never depends on whether another enterprise's object exists."""

    message = "您的角色无权执行此操作"

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        roles = getattr(view, "action_roles", {})
        action = getattr(view, "action", None) or request.method.lower()
        # an action answering several methods may set roles per method: "documents:post"
        allowed = roles.get(f"{action}:{request.method.lower()}", roles.get(action))
        if allowed is None:
            return False  # an action nobody listed is closed, not open
        return role_of(user) in allowed


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def refuse_nul(request) -> None:
    """PostgreSQL text cannot hold NUL: refuse it in the query string or the body with a 400 instead of
    letting it reach a query and fail with a 500."""
    query = {k: v for k, v in request.query_params.lists()}
    data = request.data
    if hasattr(data, "lists"):
        data = {k: [v for v in vs if isinstance(v, str)] for k, vs in data.lists()}
    if _has_nul(query) or _has_nul(data):
        raise ServiceError(
            "请求中含有不允许的控制字符(NUL)", "the request contains a NUL character", code="invalid_character"
        )


def refuse_oversized(request) -> None:
    """Upload limit at the application: a body larger than the document limit plus the multipart envelope
    is refused from its Content-Length with 413, before it is read (the reverse proxy has its own limit).
    accounts.middleware.RequestBodyLimitMiddleware refuses it first, with the same error; this stays for
    a view reached without the middleware."""
    from accounts.uploads import oversized_error

    error = oversized_error(request)
    if error is not None:
        raise error


class PortalViewSetMixin:
    """Role permissions from `action_roles`; querysets come from the app's selectors (scoped by user)."""

    permission_classes = [RolePermission]
    action_roles: dict = {}

    def initial(self, request, *args, **kwargs):
        # a method the route does not declare (TRACE, or PUT on a read-only resource) is a 405 for every
        # caller, before the role check could answer 403 for it
        method = request.method.lower()
        if method not in self.http_method_names or not hasattr(self, method):
            raise exceptions.MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)
        refuse_oversized(request)  # before the body is parsed
        refuse_nul(request)

    def validated_payload(self, serializer_class) -> dict:
        """The request body read by `serializer_class`: its validated data, or the API's 400 naming the fields."""
        payload = serializer_class(data=self.request.data)
        payload.is_valid(raise_exception=True)
        return dict(payload.validated_data)


# --- errors --------------------------------------------------------------------------------------------

GENERIC = {
    "not_authenticated": ("请先登录(会话或 Authorization: Token …)", "authentication credentials were not provided"),
    "authentication_failed": ("身份验证失败:令牌无效或已失效", "invalid or expired credentials"),
    "permission_denied": ("您的角色无权执行此操作", "your role may not do this"),
    "not_found": ("记录不存在或无权访问", "not found"),
    "method_not_allowed": ("不支持该请求方法", "method not allowed"),
    "parse_error": ("请求内容无法解析,请检查JSON格式", "malformed request body"),
    "json_too_deep": ("请求的JSON嵌套层数过多,已拒绝", "the JSON body is nested too deeply"),
    "unsupported_media_type": ("不支持的请求内容类型", "unsupported media type"),
    "not_acceptable": ("无法按请求的格式返回", "not acceptable"),
    "throttled": ("请求过于频繁,请稍后再试", "too many requests"),
    "invalid": ("提交的数据有误,请按字段提示修改", "the request has invalid fields"),
}


def error_body(code: str, message: str, message_en: str = "", *, record: str = "", fields=None) -> dict:
    return {
        "error": {"code": code, "message": message, "message_en": message_en, "record": record, "fields": fields or {}}
    }


def _plain(detail):
    """DRF ErrorDetail trees → plain lists/dicts of strings."""
    if isinstance(detail, dict):
        return {str(k): _plain(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_plain(v) for v in detail]
    return str(detail)


def error_response(exc) -> Response | None:
    """Map any refusal to the one error format; None for unexpected exceptions (they stay 500s)."""
    if isinstance(exc, ServiceError):
        fields = {exc.field: [exc.zh]} if getattr(exc, "field", "") else None
        return Response(
            error_body(exc.code or "invalid", exc.zh, exc.en, record=exc.record, fields=fields), status=exc.status
        )
    if isinstance(exc, Http404 | exceptions.NotFound):
        zh, en = GENERIC["not_found"]
        return Response(error_body("not_found", zh, en), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        zh, en = GENERIC["permission_denied"]
        return Response(error_body("permission_denied", zh, en), status=403)
    if isinstance(exc, DjangoValidationError):
        fields = _plain(exc.message_dict) if hasattr(exc, "error_dict") else {}
        message = ";".join(exc.messages)
        return Response(error_body("invalid", message, "validation failed", fields=fields), status=400)
    if isinstance(exc, exceptions.ValidationError):
        zh, en = GENERIC["invalid"]
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return Response(error_body("invalid", zh, en, fields=_plain(detail)), status=400)
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        return Response(
            error_body(
                "csrf_failed",
                "缺少或无效的CSRF令牌:请刷新页面后重试(会话认证的写请求须带 X-CSRFToken 头)",
                str(exc.detail),
            ),
            status=403,
        )
    if isinstance(exc, exceptions.APIException):
        code = exc.default_code if isinstance(exc.default_code, str) else "error"
        zh, en = GENERIC.get(code, (str(exc.detail), str(exc.detail)))
        if isinstance(exc, exceptions.Throttled) and exc.wait:
            zh = f"{zh}({int(exc.wait)}秒后)"
        response = Response(error_body(code, zh, en or str(exc.detail)), status=exc.status_code)
        if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
            response["WWW-Authenticate"] = 'Token realm="api"'
        if getattr(exc, "wait", None):
            response["Retry-After"] = str(int(exc.wait))
        return response
    return None


def exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]."""
    return error_response(exc)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: API clients get the error format; people get the HTML lockout page."""
    body = error_body(
        "account_locked",
        "登录失败次数过多,账户已被暂时锁定,请1小时后再试或联系管理员",
        "too many failed logins: locked for one hour",
        record=(credentials or {}).get("username", ""),
    )
    if request.path.startswith("/api/"):
        return JsonResponse(body, status=429, json_dumps_params={"ensure_ascii": False})
    from django.shortcuts import render

    return render(request, "accounts/locked_out.html", {"username": body["error"]["record"]}, status=429)


# --- idempotency ---------------------------------------------------------------------------------------

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="可选。同一用户同一键的重复请求返回首次结果,不会重复执行;同一键用于不同请求将被拒绝(422)。"
    " Optional: a replay returns the first response; the same key with another request is refused.",
)


def _request_hash(request) -> str:
    data = request.data
    if hasattr(data, "lists"):  # QueryDict (form posts)
        data = {k: v for k, v in data.lists()}
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "data": data}, sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent(view_method):
    """For POST actions that create or move money. With an `Idempotency-Key` header the first response
    (status and body, refusals included) is stored in the same transaction as the action's effects; a
    replay returns it without running the action again. A concurrent duplicate waits on the key's row
    lock and then replays. The same key with a different request (method, path or body) is a 422."""

    @wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 255:
            raise ServiceError(
                "Idempotency-Key 过长(最多255个字符)", "Idempotency-Key is too long", code="idempotency_key_invalid"
            )
        digest = _request_hash(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        user=request.user,
                        key=key,
                        method=request.method,
                        path=request.path[:512],
                        request_hash=digest,
                        status_code=0,
                    )
            except IntegrityError:
                record = IdempotencyKey.objects.select_for_update().get(user=request.user, key=key)
                if record.request_hash != digest:
                    raise ServiceError(
                        f"幂等键“{key[:40]}”已用于另一个请求({record.method} {record.path}),请为新的请求使用新的键",
                        "this Idempotency-Key was used for a different request",
                        code="idempotency_key_reused",
                        record=key[:80],
                        status=422,
                    ) from None
                response = Response(record.response_body, status=record.status_code)
                response["Idempotent-Replayed"] = "true"
                return response
            try:
                with transaction.atomic():
                    response = view_method(self, request, *args, **kwargs)
                    if response.status_code >= 400:
                        transaction.set_rollback(True)
            except Exception as exc:
                response = error_response(exc)
                if response is None or response.status_code >= 500:
                    raise
            body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
            record.status_code, record.response_body = response.status_code, body
            record.save(update_fields=["status_code", "response_body"])
        return response

    return wrapper


# --- token ---------------------------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=64,
        required=False,
        default="API",
        help_text="客户端名称,显示在令牌管理页 / the client's name, listed on the tokens page",
    )
    days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        help_text="有效期天数(不超过上限,默认上限)/ lifetime in days (at most the limit)",
    )
    otp = serializers.CharField(
        max_length=8,
        required=False,
        allow_blank=True,
        help_text="财务人员和管理员:验证器应用的6位动态码 / finance and administrators: the TOTP code",
    )


class AuthThrottle(AnonRateThrottle):
    """Keyed on the client address as NUM_PROXIES defines it (accounts.clientip)."""

    scope = "auth"
    rate = "30/minute"

    def get_ident(self, request):
        from accounts.clientip import client_ip

        return client_ip(request)


class TokenView(APIView):
    """POST username and password (and, for finance staff and administrators, the TOTP code), receive a
    new API token for one client (`Authorization: Token <key>`). Each call issues another token: list
    and revoke them on the tokens page (/accounts/tokens/). Only the key's digest is stored. The same
    django-axes lockout as the login page: 5 failures per username and IP lock for an hour."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AuthThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse",
                {
                    "token": serializers.CharField(),
                    "name": serializers.CharField(),
                    "expires_at": serializers.DateTimeField(),
                },
            )
        },
        auth=[],
        tags=["auth"],
        summary="获取API令牌 / obtain an API token",
    )
    def post(self, request):
        from accounts import twofactor
        from accounts.tokens import token_issue

        refuse_nul(request)
        payload = TokenRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        # the plain HttpRequest: axes records the failure and flags a lockout on it (AxesMiddleware reads it)
        django_request = request._request
        user = authenticate(django_request, username=data["username"], password=data["password"])
        if getattr(django_request, "axes_locked_out", False):
            return lockout_response(django_request, credentials={"username": data["username"]})
        if user is None or not user.is_active or user.role == Role.SYSTEM:
            raise ServiceError(
                "用户名或密码错误",
                "wrong username or password",
                code="invalid_credentials",
                status=status.HTTP_400_BAD_REQUEST,
            )
        if twofactor.needs_second_factor(user):
            device = twofactor.confirmed_device(user)
            if device is None:
                raise ServiceError(
                    "请先在网页登录并绑定两步验证(验证器应用),再获取API令牌",
                    "enrol two-factor login on the web login page first",
                    code="otp_enrolment_required",
                    status=status.HTTP_403_FORBIDDEN,
                )
            if not twofactor.verify(device, data.get("otp", "")):
                raise ServiceError(
                    "动态验证码错误或已使用,请输入验证器应用中的最新6位数字",
                    "wrong or reused TOTP code",
                    code="invalid_otp",
                    status=status.HTTP_400_BAD_REQUEST,
                )
        token, key = token_issue(actor=user, user=user, name=data["name"], days=data.get("days"))
        return Response({"token": key, "name": token.name, "expires_at": token.expires_at})
