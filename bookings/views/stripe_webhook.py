"""Stripe's webhook endpoint: verify, dispatch by type, answer 2xx to duplicates."""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..payments import gateway
from ..payments.events import process_event

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    if not settings.STRIPE_WEBHOOK_SECRET:
        logger.error("a Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is not set")
        return HttpResponseBadRequest("Webhooks are not configured.")
    try:
        event = gateway.webhook_event(request.body, request.headers.get("Stripe-Signature"))
    except gateway.InvalidWebhook as error:
        return HttpResponseBadRequest(str(error))
    return JsonResponse({"received": True, "outcome": process_event(event)})
