"""accounts.errors.attempt: the one way a page runs a service action and shows its outcome."""

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.utils import translation

from accounts.errors import ConflictError, attempt, save_or_refuse


def _request():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_success_runs_the_call_and_shows_the_done_message():
    calls = []
    request = _request()
    assert attempt(request, lambda a, *, b: calls.append((a, b)), 1, b=2, done="已保存") is True
    assert calls == [(1, 2)]
    assert [str(m) for m in get_messages(request)] == ["已保存"]


def test_a_refusal_is_shown_in_the_page_language_and_answers_false():
    def refuse():
        raise ConflictError("已由他人处理", "Already handled by someone else", record="备案 #7")

    request = _request()
    with translation.override("en"):
        assert attempt(request, refuse, done="never shown") is False
    shown = [(m.level_tag, str(m)) for m in get_messages(request)]
    assert shown == [("error", "备案 #7:Already handled by someone else")]


def test_other_errors_are_not_swallowed():
    request = _request()
    with pytest.raises(ZeroDivisionError):
        attempt(request, lambda: 1 / 0)
    assert list(get_messages(request)) == []


@pytest.mark.django_db
def test_save_or_refuse_turns_a_constraint_hit_into_the_refusal_and_keeps_the_transaction_usable():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    User.objects.create(username="taken")
    refusal = ConflictError("用户名已被使用", "username taken", code="username_taken", record="用户 taken")
    with pytest.raises(ConflictError) as caught:
        save_or_refuse(User(username="taken").save, refusal)
    assert caught.value is refusal
    assert User.objects.filter(username="taken").count() == 1  # the savepoint rolled back; the outer one still works
    save_or_refuse(User(username="free").save, refusal)
    assert User.objects.filter(username="free").exists()
