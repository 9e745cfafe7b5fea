from django.db import migrations


def late_payment_emails_renamed(apps, schema_editor):
    """The late-payment email says the payment is being refunded: its kind no longer says it
    has been."""
    NotificationLog = apps.get_model("bookings", "NotificationLog")
    NotificationLog.objects.filter(kind="late_payment_refunded").update(kind="late_payment")


def late_payment_emails_renamed_back(apps, schema_editor):
    NotificationLog = apps.get_model("bookings", "NotificationLog")
    NotificationLog.objects.filter(kind="late_payment").update(kind="late_payment_refunded")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0004_refund_retries"),
    ]

    operations = [
        migrations.RunPython(late_payment_emails_renamed, late_payment_emails_renamed_back),
    ]
