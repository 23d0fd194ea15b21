"""The talent upload forms (roster import, degree certificate, contract document, researcher photo) answer the
progress-bar script with JSON (ok and refused, 200 either way) and a plain post with a page; refusals sit
next to their field in Chinese and English, change nothing, and the permission checks still hold."""

import datetime as dt

import pytest
from django.urls import reverse

from talent import roster
from talent.models import Contract, Degree, Researcher, RosterUpload
from tests.registry.conftest import pdf_bytes, png_bytes, upload

XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest", "HTTP_ACCEPT": "application/json"}
CHECK_DIGIT_OK = "640104199205120024"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


# --- roster import: upload, then the preview page -----------------------------------------------------


def test_roster_upload_by_script_answers_the_preview_url(client, centre_a, ent_user_a):
    client.force_login(ent_user_a)
    response = client.post(
        reverse("talent:roster_upload"),
        {"centre": centre_a.pk, "file": upload("花名册.csv", roster.template_csv())},
        **XHR,
    )
    assert response.status_code == 200
    preview = RosterUpload.objects.get()
    assert response.json() == {"ok": True, "redirect": reverse("talent:roster_preview", args=[preview.pk])}
    assert (preview.centre_id, preview.uploaded_by_id, preview.filename) == (centre_a.pk, ent_user_a.pk, "花名册.csv")
    assert not Researcher.objects.exists()  # preview only: committing is a second step


@pytest.mark.parametrize(
    ("name", "data", "text"),
    [
        ("花名册.xlsx", pdf_bytes(), "文件内容不是Excel(.xlsx)格式(文件头校验失败)"),
        ("花名册.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "文件内容不是文本CSV"),
        ("花名册.csv", b"<html><script>alert(1)</script></html>", "文件内容不是文本CSV"),
        ("花名册.pdf", pdf_bytes(), "仅支持 .xlsx 或 .csv 文件"),
    ],
    ids=["pdf-named-xlsx", "binary-csv", "markup-csv", "wrong-extension"],
)
def test_roster_refusals_by_content_name_the_file_field(client, centre_a, ent_user_a, name, data, text):
    client.force_login(ent_user_a)
    response = client.post(reverse("talent:roster_upload"), {"centre": centre_a.pk, "file": upload(name, data)}, **XHR)
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False and list(body["errors"]) == ["file"]
    assert text in body["errors"]["file"][0] and " / " not in body["errors"]["file"][0]  # Chinese only
    assert not RosterUpload.objects.exists()


def test_roster_missing_file_and_size_limit(client, centre_a, ent_user_a, monkeypatch):
    client.force_login(ent_user_a)
    url = reverse("talent:roster_upload")
    body = client.post(url, {"centre": centre_a.pk}, **XHR).json()
    assert body["ok"] is False and list(body["errors"]) == ["file"]
    monkeypatch.setattr(roster, "MAX_BYTES", 100)
    body = client.post(url, {"centre": centre_a.pk, "file": upload("花名册.csv", roster.template_csv())}, **XHR).json()
    assert body["ok"] is False and "文件超过5MB上限" in body["errors"]["file"][0]
    assert not RosterUpload.objects.exists()


def test_roster_without_javascript_posts_and_redirects_or_shows_the_form(client, centre_a, ent_user_a):
    client.force_login(ent_user_a)
    url = reverse("talent:roster_upload")
    page = client.get(url).content.decode()
    assert 'data-upload-progress data-max-bytes="5242880"' in page and "<progress" in page
    response = client.post(url, {"centre": centre_a.pk, "file": upload("花名册.xlsx", pdf_bytes())})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="field invalid"' in html and "文件头校验失败" in html
    response = client.post(url, {"centre": centre_a.pk, "file": upload("花名册.csv", roster.template_csv())})
    assert response.status_code == 302
    assert response["Location"] == reverse("talent:roster_preview", args=[RosterUpload.objects.get().pk])


def test_roster_keeps_its_permission_checks(client, centre_a, centre_b, ent_user_a, reviewer):
    client.force_login(ent_user_a)
    body = client.post(
        reverse("talent:roster_upload"),
        {"centre": centre_b.pk, "file": upload("花名册.csv", roster.template_csv())},
        **XHR,
    ).json()
    assert body["ok"] is False and list(body["errors"]) == ["centre"]  # another enterprise's centre is no choice
    client.force_login(reviewer)
    response = client.post(
        reverse("talent:roster_upload"),
        {"centre": centre_a.pk, "file": upload("花名册.csv", roster.template_csv())},
        **XHR,
    )
    assert response.status_code == 403
    assert not RosterUpload.objects.exists()


# --- degree certificate ------------------------------------------------------------------------------


def _degree_data(**extra):
    return {"level": "master", "full_time": "on", "institution": "宁夏大学", "awarded_on": "2016-07-01", **extra}


def test_degree_certificate_by_script(client, centre_a, ent_user_a, enrol):
    researcher, _ = enrol(centre_a)
    client.force_login(ent_user_a)
    url = reverse("talent:degree_create", args=[researcher.pk])
    body = client.post(url, _degree_data(certificate=upload("证书.pdf", png_bytes())), **XHR).json()
    assert body["ok"] is False and list(body["errors"]) == ["certificate"]
    assert "文件扩展名“.pdf”与实际内容(image/png)不符" in body["errors"]["certificate"][0]
    assert not Degree.objects.filter(level="master").exists()
    body = client.post(url, _degree_data(certificate=upload("证书.pdf", pdf_bytes())), **XHR).json()
    assert body == {"ok": True, "redirect": reverse("talent:researcher_detail", args=[researcher.pk])}
    assert Degree.objects.get(level="master").certificate.name.endswith(".pdf")


def test_degree_certificate_over_the_limit_and_plain_post(client, centre_a, ent_user_a, enrol, settings):
    researcher, _ = enrol(centre_a)
    settings.DOCUMENT_MAX_BYTES = 1024
    client.force_login(ent_user_a)
    url = reverse("talent:degree_create", args=[researcher.pk])
    big = pdf_bytes("x" * 2000)
    body = client.post(url, _degree_data(certificate=upload("证书.pdf", big)), **XHR).json()
    assert body["ok"] is False and "超过上限" in body["errors"]["certificate"][0]
    response = client.post(url, _degree_data(certificate=upload("证书.pdf", big)))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-max-bytes="1024"' in html and 'class="error-text" role="alert">文件“证书.pdf”:文件大小' in html
    assert not Degree.objects.filter(level="master").exists()
    response = client.post(url, _degree_data(certificate=upload("证书.pdf", pdf_bytes())))
    assert response.status_code == 302 and Degree.objects.filter(level="master").exists()


def test_degree_of_another_enterprises_researcher_is_not_found(client, centre_b, ent_user_a, enrol):
    theirs, _ = enrol(centre_b, id_number=CHECK_DIGIT_OK, name="赵六")
    client.force_login(ent_user_a)
    response = client.post(
        reverse("talent:degree_create", args=[theirs.pk]),
        _degree_data(certificate=upload("证书.pdf", pdf_bytes())),
        **XHR,
    )
    assert response.status_code == 404
    assert not Degree.objects.filter(level="master").exists()


# --- contract document and the enrolment form --------------------------------------------------------


def test_contract_document_by_script_and_plain(client, centre_a, ent_user_a, enrol):
    researcher, first = enrol(centre_a, end=dt.date(2025, 3, 31))
    client.force_login(ent_user_a)
    url = reverse("talent:contract_create", args=[researcher.pk])
    data = {"centre": centre_a.pk, "full_time": "on", "start": "2025-04-01", "end": ""}
    body = client.post(url, {**data, "document": upload("合同.txt", b"plain text")}, **XHR).json()
    assert body["ok"] is False and list(body["errors"]) == ["document"]
    assert "只能上传PDF、JPG或PNG文件" in body["errors"]["document"][0]
    response = client.post(url, {**data, "document": upload("合同.txt", b"plain text")})
    assert response.status_code == 200 and "只能上传PDF、JPG或PNG文件" in response.content.decode()
    assert list(Contract.objects.filter(researcher=researcher)) == [first]
    body = client.post(url, {**data, "document": upload("合同.pdf", pdf_bytes())}, **XHR).json()
    assert body == {"ok": True, "redirect": reverse("talent:researcher_detail", args=[researcher.pk])}
    assert Contract.objects.exclude(pk=first.pk).get(researcher=researcher).document.name.endswith(".pdf")


def test_enrolment_refuses_a_bad_photo_next_to_the_photo(client, centre_a, ent_user_a):
    client.force_login(ent_user_a)
    data = {
        "id_type": "resident_id",
        "id_number": CHECK_DIGIT_OK,
        "name": "赵六",
        "centre": centre_a.pk,
        "full_time": "on",
        "start": "2024-04-01",
        "end": "",
    }
    body = client.post(
        reverse("talent:researcher_create"),
        {
            **data,
            "photo": upload("照片.png", b"\x89PNG\r\n\x1a\n<svg onload=x>"),
            "document": upload("合同.pdf", pdf_bytes()),
        },
        **XHR,
    ).json()
    assert body["ok"] is False and list(body["errors"]) == ["photo"]
    assert not Researcher.objects.exists()
    body = client.post(
        reverse("talent:researcher_create"), {**data, "document": upload("合同.pdf", pdf_bytes())}, **XHR
    ).json()
    researcher = Researcher.objects.get()
    assert body == {"ok": True, "redirect": reverse("talent:researcher_detail", args=[researcher.pk])}
