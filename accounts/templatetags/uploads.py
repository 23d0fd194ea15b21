"""Template side of accounts.uploads: the attributes that make a form an upload with a progress bar
(read by static/js/portal.js) and the bar itself, the same on every upload form."""

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def upload_attrs(max_bytes=None, done=""):
    """`data-upload-progress` and its messages, for inside a <form> tag. `max_bytes` defaults to the
    portal's document limit; the script refuses a bigger file before sending it (the server checks again)."""
    limit = int(max_bytes or settings.DOCUMENT_MAX_BYTES)
    mb = limit // (1024 * 1024)
    return format_html(
        'data-upload-progress data-max-bytes="{}" data-msg-too-large="{}" data-msg-failed="{}" data-msg-done="{}"',
        limit,
        gettext("文件超过%(mb)s MB上限,请压缩或拆分后再上传") % {"mb": mb},
        gettext("上传失败,请检查网络后重试"),
        done or gettext("上传完成,正在打开下一页…"),
    )


@register.inclusion_tag("partials/upload_progress.html")
def upload_progress(form=None, bar_id="upload-progress-bar"):
    """The place for errors not tied to a field (the form's own, after a plain post) and the progress bar,
    hidden until an upload starts."""
    return {"form": form, "bar_id": bar_id}
