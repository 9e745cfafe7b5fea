from django.conf import settings

from .models import Studio


def studio(request):
    return {"studio": Studio.load(), "SITE_URL": settings.SITE_URL}
