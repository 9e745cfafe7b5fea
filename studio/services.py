from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from .jobs import Job
from .models import ContactMessage, Studio
from .queue import enqueue_after_commit


@transaction.atomic
def contact_message_submit(*, name: str, email: str, phone: str, message: str) -> ContactMessage:
    contact = ContactMessage.objects.create(name=name, email=email, phone=phone, message=message)
    enqueue_after_commit(Job.CONTACT_MESSAGE_FORWARD, contact.pk)
    return contact


def contact_message_forward(*, contact_id: int) -> bool:
    """Email one stored message to the studio, once. Returns whether this call sent it."""
    with transaction.atomic():
        contact = (
            ContactMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=contact_id, emailed_at__isnull=True)
            .first()
        )
        if contact is None:
            return False
        studio = Studio.load()
        EmailMessage(
            subject=f"Website message from {contact.name}",
            body=f"{contact.message}\n\n— {contact.name}, {contact.email} {contact.phone}".strip(),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[studio.email],
            reply_to=[contact.email],
        ).send()
        contact.emailed_at = timezone.now()
        contact.save(update_fields=["emailed_at"])
        return True
