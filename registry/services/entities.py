"""Writes for enterprises, centres and filings. Every service takes an explicit actor, runs in one
transaction and leaves audit rows (pghistory triggers) with that actor as context."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import acting
from accounts.dates import check_date
from accounts.errors import ConflictError, ServiceError, save_or_refuse
from accounts.models import Role
from registry.identifiers import cnaps_problem, is_ningxia, validate_uscc
from registry.models import Centre, CentreKind, Enterprise, FilingStatus, Membership

# The facts a filing is examined on (POLICY §1: kind decides the rules and amounts, §2 NX-STIPEND is for
# independent centres only; a regional filing needs a centre outside Ningxia). Once a filing has gone to
# review they are what the bureau approved, so they are frozen: a change means filing again.
CENTRE_FILED_FACTS = {
    "kind": "机构类型",
    "partner_institution": "合作高校/院所",
    "city": "所在城市",
    "division_code": "所在地区划代码",
}
CENTRE_FILED_FACTS_EN = {
    "kind": "kind",
    "partner_institution": "partner institution",
    "city": "city",
    "division_code": "division code",
}


class CentreFiledError(ServiceError):
    """A change to a filed centre's eligibility facts; `fields` names the refused fields (for forms)."""

    def __init__(self, centre: Centre, fields: list[str]):
        self.fields = fields
        zh = "、".join(CENTRE_FILED_FACTS[f] for f in fields)
        en = ", ".join(CENTRE_FILED_FACTS_EN[f] for f in fields)
        super().__init__(
            f"研发中心“{centre.name}”已提交备案,不能修改{zh};如情况变化请重新备案",
            f"centre {centre.ref} has been filed: its {en} can no longer be changed; file again if the "
            f"facts have changed",
            code="centre_filed",
            record=f"研发中心 {centre.ref}",
        )


def centre_is_filed(centre: Centre) -> bool:
    """True once any filing of the centre left draft (submitted, in review, decided) or was ever approved."""
    return centre.filings.filter(Q(ever_approved=True) | ~Q(status=FilingStatus.DRAFT)).exists()


def _division(code: str, *, record: str) -> str:
    code = (code or "").strip()
    if len(code) != 6 or not code.isdigit():
        raise ServiceError(
            f"行政区划代码“{code}”应为6位数字", "division code must be 6 digits", code="division_code", record=record
        )
    return code


@transaction.atomic
def enterprise_upsert(*, actor, uscc: str, name: str, division_code: str, **details) -> Enterprise:
    """Create or update an enterprise by its USCC (natural key)."""
    record = f"企业 {uscc}"
    try:
        uscc = validate_uscc(uscc)
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), code="uscc", record=record) from None
    if not (name or "").strip():
        raise ServiceError("企业名称不能为空", "enterprise name is required", code="required", record=record)
    division_code = _division(division_code, record=record)
    _check_cnaps(details.get("bank_cnaps"), record=record)
    with acting(actor):
        enterprise, created = Enterprise.objects.select_for_update().get_or_create(
            uscc=uscc, defaults={"name": name, "division_code": division_code, **details}
        )
        changed = {
            k: v
            for k, v in {"name": name, "division_code": division_code, **details}.items()
            if getattr(enterprise, k) != v
        }
        if not created and changed:
            for k, v in changed.items():
                setattr(enterprise, k, v)
            enterprise.full_clean()
            enterprise.save()
    return enterprise


def _check_cnaps(value, *, record: str) -> None:
    problem = cnaps_problem(value or "")
    if problem:
        raise ServiceError(*problem, code="bank_cnaps", record=record, field="bank_cnaps")


@transaction.atomic
def enterprise_bank_update(
    *, actor, enterprise: Enterprise, bank_name: str, bank_account: str, bank_cnaps: str
) -> Enterprise:
    """The enterprise's payee bank details (开户银行, 账号, 联行号), by its owner (or an administrator);
    audited (pghistory, the actor as context). The 联行号 is checked (12 digits), so bank files carry one."""
    record = f"企业 {enterprise.uscc}"
    if not (actor.is_portal_admin or is_member(actor, enterprise, owner=True)):
        raise ServiceError(
            "只有企业管理员可以修改收款账户",
            "only the enterprise's owner may change its bank details",
            code="forbidden",
            record=record,
            status=403,
        )
    values = {
        "bank_name": (bank_name or "").strip(),
        "bank_account": (bank_account or "").replace(" ", ""),
        "bank_cnaps": (bank_cnaps or "").strip(),
    }
    _check_cnaps(values["bank_cnaps"], record=record)
    current = {k: getattr(enterprise, k) for k in values}
    if values != current and enterprise.transfers.exists():
        # once money has been sent, an account change is a correction finance checks (bank_account_change_*)
        raise ServiceError(
            f"企业“{enterprise.name}”已有补助资金转账,收款账户不能直接修改;"
            "请在“我的拨付”中提交银行账户更正,由财务人员核对后生效",
            f"enterprise {enterprise.name} has subsidy transfers: its bank account cannot be edited directly; "
            "file a bank account correction under 'My payments', which finance checks before it takes effect",
            code="account_change_required",
            record=record,
            status=409,
        )
    if values["bank_account"] and not values["bank_cnaps"]:
        raise ServiceError(
            "请填写开户行联行号(12位数字)",
            "please enter the CNAPS bank code (12 digits)",
            code="bank_cnaps",
            record=record,
            field="bank_cnaps",
        )
    with acting(actor):
        locked = Enterprise.objects.select_for_update().get(pk=enterprise.pk)
        for k, v in values.items():
            setattr(locked, k, v)
        locked.full_clean()
        locked.save()
    return locked


@transaction.atomic
def centre_upsert(
    *,
    actor,
    ref: str,
    enterprise: Enterprise,
    name: str,
    city: str,
    division_code: str,
    kind: str = CentreKind.INDEPENDENT,
    **details,
) -> Centre:
    record = f"研发中心 {ref}"
    if kind not in CentreKind.values:
        raise ServiceError(
            f"机构类型“{kind}”无效,应为 independent 或 joint",
            "kind must be independent or joint",
            code="kind",
            record=record,
        )
    division_code = _division(division_code, record=record)
    _check_established_on(details.get("established_on"), record=record)
    values = {
        "enterprise": enterprise,
        "name": name,
        "city": city,
        "division_code": division_code,
        "kind": kind,
        **details,
    }
    with acting(actor):
        centre = Centre.objects.select_for_update().filter(ref=ref).first()
        if centre is None:
            centre = Centre(ref=ref, **values)
        elif centre.enterprise_id != enterprise.pk:
            raise ServiceError(
                "研发中心已属于其他企业,不能变更依托企业",
                "a centre cannot move to another enterprise",
                code="enterprise_change",
                record=record,
            )
        else:
            _refuse_filed_fact_changes(centre, values)
            for k, v in values.items():
                setattr(centre, k, v)
        _check_city_division(city, division_code, record=record)
        centre.full_clean()
        centre.save()
    return centre


def _city_prefix(code: str) -> str:
    """The code prefix a city's districts share: 110000 (北京市) → 11, 440300 (深圳市) → 4403."""
    while code.endswith("00"):
        code = code[:-2]
    return code


def _city_division(city: str):
    """The reference-data division a city name stands for ("北京" or "北京市"), or None when the
    reference data does not know the city (then its divisions cannot be checked)."""
    from registry.models import Division

    name = (city or "").strip()
    if not name:
        return None
    names = {name, name + "市"} if not name.endswith("市") else {name, name[:-1]}
    return Division.objects.filter(name__in=names, code__endswith="00").order_by("code").first()


def _check_city_division(city: str, division_code: str, *, record: str) -> None:
    """The centre's division must lie in its city (北京 with 南山区 440305 was saved). Checked
    against the division reference data (GB/T 2260) where it knows the city; a division the reference data
    names is shown by name."""
    from registry.models import Division

    city_division = _city_division(city)
    if city_division is None or division_code.startswith(_city_prefix(city_division.code)):
        return
    known = Division.objects.filter(code=division_code).select_related("parent").first()
    where = ""
    if known is not None:
        where = f"({known.parent.name}{known.name})" if known.parent else f"({known.name})"
    raise ServiceError(
        f"所在地区划{division_code}{where}不在所在城市“{city.strip()}”,请选择{city_division.name}的区县",
        f"division {division_code} is not in the city {city.strip()}",
        code="division_city",
        record=record,
        field="division_code",
    )


def _check_established_on(value, *, record: str) -> None:
    """A founding date lies within the plausible range and never after today; the refusal names the field
    (shown next to it on the centre form, named in the API's `fields`)."""
    try:
        check_date(value, zh="成立日期", en="established_on", record=record, latest=timezone.localdate())
    except ServiceError as exc:
        exc.field = "established_on"
        raise


def centre_fact_problems(*, city: str, division_code: str, established_on, record: str = "") -> list[ServiceError]:
    """Every problem of a centre's place and founding date at once: the form shows them all together with
    its own, rather than one after the other (the service still refuses the first, for the API)."""
    problems = []
    checks = [lambda: _check_city_division(city or "", division_code or "", record=record)]
    if established_on is not None:
        checks.append(lambda: _check_established_on(established_on, record=record))
    for check in checks:
        try:
            check()
        except ServiceError as exc:
            problems.append(exc)
    return problems


def _refuse_filed_fact_changes(centre: Centre, values: dict) -> None:
    """Refuse a change to the facts a filing was examined on once the centre is filed. Re-sending the same
    values (a form saved unchanged, a scenario imported again) is no change and passes."""
    changed = [f for f in CENTRE_FILED_FACTS if f in values and values[f] != getattr(centre, f)]
    if changed and centre_is_filed(centre):
        raise CentreFiledError(centre, changed)


def is_member(user, enterprise: Enterprise, *, owner: bool = False) -> bool:
    qs = Membership.objects.filter(enterprise=enterprise, user=user)
    if owner:
        qs = qs.filter(is_owner=True)
    return qs.exists()


def require_member(actor, enterprise: Enterprise, *, owner: bool = False, action: str) -> None:
    """Enterprise writes are for its members (the owner for member management); portal admins and the
    system actor may act for any enterprise."""
    if actor.is_portal_admin or actor.role == Role.SYSTEM:
        return
    if actor.is_enterprise and is_member(actor, enterprise, owner=owner):
        return
    who = "企业管理员(所有者)" if owner else "企业成员"
    raise ServiceError(
        f"只有{enterprise.name}的{who}可以{action}",
        f"only the enterprise's {'owner' if owner else 'members'} may {action}",
        code="forbidden",
        record=f"企业 {enterprise.uscc}",
        status=403,
    )


@transaction.atomic
def membership_add(*, actor, enterprise: Enterprise, user, is_owner: bool = False) -> Membership:
    require_member(actor, enterprise, owner=True, action="添加成员")
    if not user.is_enterprise:
        raise ServiceError(
            f"用户{user.username}不是企业用户,不能加入企业",
            "only enterprise users can be members",
            code="role",
            record=f"企业 {enterprise.uscc}",
        )
    with acting(actor):
        membership, _created = Membership.objects.get_or_create(
            enterprise=enterprise, user=user, defaults={"is_owner": is_owner}
        )
    return membership


@transaction.atomic
def member_invite(
    *, actor, enterprise: Enterprise, username: str, full_name: str, email: str, password: str, phone: str = ""
) -> Membership:
    """The owner creates an enterprise user account for a colleague and adds it to the enterprise."""
    record = f"企业 {enterprise.uscc}"
    require_member(actor, enterprise, owner=True, action="邀请成员")
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise ServiceError("用户名不能为空", "username is required", code="required", record=record)
    if User.objects.filter(username__iexact=username).exists():
        raise ConflictError(
            f"用户名“{username}”已被使用,请换一个", "username already taken", code="username_taken", record=record
        )
    user = User(username=username, full_name=full_name, email=email, phone=phone, role=Role.ENTERPRISE)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError(
            "密码不符合要求:" + " ".join(exc.messages), "password rejected", code="password", record=record
        ) from None
    user.set_password(password)
    user.full_clean()
    with acting(actor):
        user.save()
        membership = Membership.objects.create(enterprise=enterprise, user=user, is_owner=False)
    return membership


def _new_centre_ref() -> str:
    return f"FD{timezone.localdate():%Y}-{secrets.token_hex(3).upper()}"


@transaction.atomic
def centre_create(
    *,
    actor,
    enterprise: Enterprise,
    name: str,
    city: str,
    division_code: str,
    kind: str = CentreKind.INDEPENDENT,
    **details,
) -> Centre:
    """An enterprise registers a new centre; the reference number is generated by the portal."""
    require_member(actor, enterprise, action="登记研发中心")
    if kind == CentreKind.JOINT and not (details.get("partner_institution") or "").strip():
        raise ServiceError(
            "联合研发机构须填写合作高校或科研院所",
            "a joint centre needs its partner institution",
            code="partner_required",
            record=f"研发中心 {name}",
        )
    return centre_upsert(
        actor=actor,
        ref=_new_centre_ref(),
        enterprise=enterprise,
        name=name,
        city=city,
        division_code=division_code,
        kind=kind,
        **details,
    )


@transaction.atomic
def centre_update(*, actor, centre: Centre, **values) -> Centre:
    require_member(actor, centre.enterprise, action="修改研发中心信息")
    merged = {
        f: getattr(centre, f)
        for f in (
            "name",
            "city",
            "division_code",
            "kind",
            "partner_institution",
            "address",
            "established_on",
            "rd_fields",
            "headcount",
        )
    }
    merged.update(values)
    if merged["kind"] == CentreKind.JOINT and not (merged.get("partner_institution") or "").strip():
        raise ServiceError(
            "联合研发机构须填写合作高校或科研院所",
            "a joint centre needs its partner institution",
            code="partner_required",
            record=f"研发中心 {centre.ref}",
        )
    return centre_upsert(actor=actor, ref=centre.ref, enterprise=centre.enterprise, **merged)


def _ningxia_division(code: str, *, record: str) -> str:
    """An enterprise registering itself is a Ningxia parent enterprise (依托企业, POLICY §1): its division
    must be a Ningxia district or county of the reference data (GB/T 2260), not a city or the region."""
    from registry.models import Division

    code = _division(code, record=record)
    division = Division.objects.filter(code=code).first()
    if division is None or not is_ningxia(code) or code.endswith("00"):
        raise ServiceError(
            f"注册地区划代码“{code}”不是宁夏的区县,请从列表中选择",
            "the division must be a Ningxia district or county",
            code="division_code",
            record=record,
        )
    return code


@transaction.atomic
def enterprise_register(
    *,
    actor=None,
    uscc: str,
    name: str,
    division_code: str,
    username: str,
    password: str,
    full_name: str,
    email: str,
    phone: str = "",
) -> Membership:
    """Self-registration: a person registers their enterprise and becomes its owner. Creates the user, the
    enterprise and the owner membership in one transaction. An enterprise already on the portal is never
    taken over by a new registrant: its owner invites colleagues instead (member_invite).

    `actor` is whoever acts (None for the public page: the new user is recorded as the actor)."""
    record = f"企业 {(uscc or '').strip().upper()}"
    try:
        uscc = validate_uscc(uscc)
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), "invalid USCC", code="uscc", record=record) from None
    name = (name or "").strip()
    if not name:
        raise ServiceError("企业名称不能为空", "enterprise name is required", code="name", record=record)
    division_code = _ningxia_division(division_code, record=record)
    if Enterprise.objects.filter(uscc=uscc).exists():
        raise ConflictError(
            "该企业已在平台注册,不能重复注册。请联系本企业的平台管理员(所有者)邀请您加入",
            "the enterprise is already registered; ask its owner for an invitation",
            code="enterprise_exists",
            record=record,
        )
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise ServiceError("用户名不能为空", "username is required", code="username", record=record)
    if User.objects.filter(username__iexact=username).exists():
        raise ConflictError(
            f"用户名“{username}”已被使用,请换一个", "username already taken", code="username_taken", record=record
        )
    if not (full_name or "").strip():
        raise ServiceError("联系人姓名不能为空", "the contact's name is required", code="full_name", record=record)
    user = User(
        username=username,
        full_name=full_name.strip(),
        email=(email or "").strip(),
        phone=(phone or "").strip(),
        role=Role.ENTERPRISE,
    )
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ServiceError(
            "密码不符合要求:" + " ".join(exc.messages), "password rejected", code="password", record=record
        ) from None
    user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as exc:
        raise ServiceError(" ".join(exc.messages), "invalid account details", code="user", record=record) from None
    with acting(actor or user):
        save_or_refuse(
            user.save,
            ConflictError(
                f"用户名“{username}”已被使用,请换一个", "username already taken", code="username_taken", record=record
            ),
        )
    enterprise = Enterprise(
        uscc=uscc,
        name=name,
        division_code=division_code,
        contact_name=user.full_name,
        contact_phone=user.phone,
        contact_email=user.email,
    )
    try:
        enterprise.full_clean()
    except ValidationError as exc:
        raise ServiceError(
            " ".join(exc.messages), "invalid enterprise details", code="enterprise", record=record
        ) from None
    with acting(actor or user):
        save_or_refuse(  # registered by someone else between the check and the insert
            enterprise.save,
            ConflictError(
                "该企业已在平台注册,不能重复注册。请联系本企业的平台管理员(所有者)邀请您加入",
                "the enterprise is already registered; ask its owner for an invitation",
                code="enterprise_exists",
                record=record,
            ),
        )
        membership = Membership.objects.create(enterprise=enterprise, user=user, is_owner=True)
    return membership
