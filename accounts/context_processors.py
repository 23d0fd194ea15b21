from django.conf import settings


def portal(request):
    return {"PORTAL_NAME": "宁夏企业飞地研发中心管理平台", "DEBUG": settings.DEBUG}
