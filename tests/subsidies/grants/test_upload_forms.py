# ruff: noqa: F811  (pytest fixtures imported from grants_support)
"""Grant application, resubmission and YC-RD declaration uploads: JSON for the progress-bar script (ok and
refused, 200 either way), a page or a redirect for a plain post; refusals name their field in Chinese and
English, change nothing, and the permission checks still hold."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from subsidies.grants import services as grants
from subsidies.models import GrantApplication, RDDeclarationSubmission
from tests.registry.conftest import pdf_bytes, png_bytes, upload
from tests.subsidies.grants_support import (  # noqa: F401
    doc,
    enterprise,
    independent,
    make_centre,
    media_root,
    other_enterprise,
    other_owner,
    owner,
    programme,
    reg1,
)

pytestmark = pytest.mark.django_db
XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest", "HTTP_ACCEPT": "application/json"}


def _apply_data(centre, **files):
    return {
        "centre": centre.pk,
        "requested_amount": "1500000",
        "description": "团队",
        "doc_label": "批复文件",
        "commitment": "on",
        **files,
    }


# --- grant application -------------------------------------------------------------------------------


def test_grant_application_by_script(client, owner, independent):
    client.force_login(owner)
    url = reverse("subsidies:grant_apply", args=["NX-TEAM"])
    body = client.post(url, _apply_data(independent), **XHR).json()
    assert body["ok"] is False and list(body["errors"]) == ["document"]  # the required file is missing
    body = client.post(
        url, _apply_data(independent, document=doc(), document2=upload("其他.pdf", png_bytes())), **XHR
    ).json()
    assert body["ok"] is False and list(body["errors"]) == ["document2"]
    assert "文件“其他.pdf”:文件扩展名“.pdf”与实际内容(image/png)不符" in body["errors"]["document2"][0]
    assert " / " not in body["errors"]["document2"][0]  # the page's language only (issue 15 §5)
    assert not GrantApplication.objects.exists()
    body = client.post(url, _apply_data(independent, document=doc()), **XHR).json()
    app = GrantApplication.objects.get()
    assert body == {"ok": True, "redirect": reverse("subsidies:grant_detail", args=[app.pk])}
    assert [a.document.original_name for a in app.attachments.all()] == ["批复文件.pdf"]


def test_grant_application_plain_post_and_size_limit(client, owner, independent, settings):
    client.force_login(owner)
    url = reverse("subsidies:grant_apply", args=["NX-TEAM"])
    assert 'data-upload-progress data-max-bytes="20971520"' in client.get(url).content.decode()
    settings.DOCUMENT_MAX_BYTES = 1024
    big = upload("批复文件.pdf", pdf_bytes("x" * 2000))
    body = client.post(url, _apply_data(independent, document=big), **XHR).json()
    assert body["ok"] is False and "超过上限" in body["errors"]["document"][0]
    response = client.post(url, _apply_data(independent, document=upload("批复.txt", b"text")))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="field invalid"' in html and "只能上传PDF、JPG或PNG文件" in html and 'data-max-bytes="1024"' in html
    assert not GrantApplication.objects.exists()


def test_only_enterprises_apply(client, reg1, independent):
    client.force_login(reg1)
    response = client.post(
        reverse("subsidies:grant_apply", args=["NX-TEAM"]), _apply_data(independent, document=doc()), **XHR
    )
    assert response.status_code == 403 and not GrantApplication.objects.exists()


# --- resubmission after 退回修改 ----------------------------------------------------------------------


@pytest.fixture
def returned(owner, reg1, independent):
    app = grants.grant_apply(
        actor=owner,
        programme=programme("NX-TEAM"),
        centre=independent,
        requested_amount="1500000",
        documents=[("批复文件", doc())],
        commitment=True,
    )
    return grants.grant_return(actor=reg1, application=app, comment="请补充团队名单")


def test_resubmission_by_script(client, owner, returned):
    client.force_login(owner)
    url = reverse("subsidies:grant_resubmit", args=[returned.pk])
    page = client.get(reverse("subsidies:grant_detail", args=[returned.pk])).content.decode()
    assert f'action="{url}" data-upload-progress' in page
    body = client.post(
        url, {"description": "补充", "doc_label": "名单", "document": upload("名单.exe", b"MZ")}, **XHR
    ).json()
    assert body["ok"] is False and list(body["errors"]) == ["document"]
    returned.refresh_from_db()
    assert returned.status == "returned" and returned.attachments.count() == 1
    body = client.post(
        url, {"description": "补充", "doc_label": "名单", "document": doc("名单.pdf"), "commitment": "on"}, **XHR
    ).json()
    assert body == {"ok": True, "redirect": reverse("subsidies:grant_detail", args=[returned.pk])}
    returned.refresh_from_db()
    assert (returned.status, returned.description, returned.attachments.count()) == ("submitted", "补充", 2)


def test_resubmission_without_javascript_goes_back_with_the_message(client, owner, returned):
    client.force_login(owner)
    url = reverse("subsidies:grant_resubmit", args=[returned.pk])
    response = client.post(url, {"description": "补充", "document": upload("名单.pdf", png_bytes())})
    assert response.status_code == 302 and response["Location"] == reverse("subsidies:grant_detail", args=[returned.pk])
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(texts) == 1 and texts[0].startswith("补充材料(PDF/JPG/PNG):文件“名单.pdf”:文件扩展名“.pdf”与实际内容")
    returned.refresh_from_db()
    assert returned.status == "returned"


def test_another_enterprise_cannot_resubmit(client, other_owner, returned):
    client.force_login(other_owner)
    response = client.post(
        reverse("subsidies:grant_resubmit", args=[returned.pk]), {"description": "x", "document": doc()}, **XHR
    )
    assert response.status_code == 404
    returned.refresh_from_db()
    assert returned.status == "returned"


# --- YC-RD declaration audit report -------------------------------------------------------------------


def _declaration(centre, **files):
    return {"centre": centre.pk, "year": "2024", "declared_amount": "3000000", "commitment": "on", **files}


def test_declaration_by_script(client, owner, independent):
    client.force_login(owner)
    url = reverse("subsidies:declaration_new")
    home = client.get(reverse("subsidies:grant_home")).content.decode()
    assert f'action="{url}" class="upload-box" data-upload-progress' in home
    body = client.post(url, _declaration(independent), **XHR).json()
    assert body["ok"] is False and list(body["errors"]) == ["audit_report"]
    body = client.post(
        url, _declaration(independent, audit_report=upload("审计报告.pdf", b"%PDF-1.4 no end")), **XHR
    ).json()
    assert body["ok"] is False and "不是有效的PDF、JPG或PNG" in body["errors"]["audit_report"][0]
    assert not RDDeclarationSubmission.objects.exists()
    body = client.post(url, _declaration(independent, audit_report=doc("审计报告.pdf")), **XHR).json()
    assert body == {"ok": True, "redirect": reverse("subsidies:grant_home") + "#declarations"}
    assert RDDeclarationSubmission.objects.get().audit_report.original_name == "审计报告.pdf"


def test_declaration_without_javascript(client, owner, independent, settings):
    client.force_login(owner)
    settings.DOCUMENT_MAX_BYTES = 1024
    url = reverse("subsidies:declaration_new")
    response = client.post(url, _declaration(independent, audit_report=upload("审计报告.pdf", pdf_bytes("x" * 2000))))
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(texts) == 1 and texts[0].startswith("研发费用专项审计报告:文件“审计报告.pdf”:文件大小")
    assert not RDDeclarationSubmission.objects.exists()
    response = client.post(url, _declaration(independent, audit_report=doc("审计报告.pdf")))
    assert response.status_code == 302 and RDDeclarationSubmission.objects.count() == 1


def test_declaration_keeps_its_checks(client, reg1, other_owner, independent):
    client.force_login(reg1)
    assert (
        client.post(
            reverse("subsidies:declaration_new"), _declaration(independent, audit_report=doc()), **XHR
        ).status_code
        == 403
    )
    client.force_login(other_owner)  # another enterprise's centre is not among the choices
    body = client.post(
        reverse("subsidies:declaration_new"), _declaration(independent, audit_report=doc()), **XHR
    ).json()
    assert body["ok"] is False and list(body["errors"]) == ["centre"]
    assert not RDDeclarationSubmission.objects.exists()
