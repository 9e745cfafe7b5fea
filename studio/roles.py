"""The studio's roles, as groups of permissions: who may do what at the desk.

- **Owner**: the studio's details, session types and prices, cancellation policies, every
  photographer's calendar, the studio's books (refunds, Stripe events), contact messages,
  clients' data (export and erasure), and the journal. Not a Django superuser: staff logins
  (users and groups) stay with the site's superuser.
- **Photographer**: their own calendar — bookings and their actions, emails, time off,
  working hours, their own profile — and a read-only view of the rest of the studio: session
  types, cancellation policies, the studio's details.
- **Author**: the journal.

The code asks for permissions, never for is_superuser, so anyone can be given a role by
being put in its group. These three groups are set to exactly the permissions below after
every `migrate` (and the test database's flushes), so they follow the code as it changes:
give someone more with a group of your own, not by editing these.

Permissions are named as strings ("app_label.codename"), so the kernel imports no app.
"""

from typing import Any

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

OWNER = "Owner"
PHOTOGRAPHER = "Photographer"
AUTHOR = "Author"

# "app_label.*" is every permission of that app, custom ones included.
ROLES: dict[str, list[str]] = {
    OWNER: ["studio.*", "bookings.*", "blog.*"],
    PHOTOGRAPHER: [
        # their calendar: bookings (the page's payments and history read-only) and its emails
        "bookings.view_booking",
        "bookings.change_booking",
        "bookings.view_payment",
        "bookings.view_bookingevent",
        "bookings.view_notificationlog",
        "bookings.change_notificationlog",
        # their own profile, working hours and time off
        "bookings.view_photographer",
        "bookings.change_photographer",
        "bookings.view_workinghours",
        "bookings.add_workinghours",
        "bookings.change_workinghours",
        "bookings.delete_workinghours",
        "bookings.view_timeoff",
        "bookings.add_timeoff",
        "bookings.change_timeoff",
        "bookings.delete_timeoff",
        # the rest of the studio, to read
        "bookings.view_sessiontype",
        "bookings.view_intakequestion",
        "bookings.view_cancellationpolicy",
        "studio.view_studio",
    ],
    AUTHOR: ["blog.*"],
}

ROLE_APPS = sorted({entry.split(".")[0] for entries in ROLES.values() for entry in entries})


def _permission_rows(apps, using: str) -> dict[str, Any]:
    permission = apps.get_model("auth", "Permission")
    rows = permission.objects.using(using).filter(content_type__app_label__in=ROLE_APPS)
    return {
        f"{row.content_type.app_label}.{row.codename}": row
        for row in rows.select_related("content_type")
    }


def permissions_of(
    role: str, *, apps=global_apps, using: str = DEFAULT_DB_ALIAS, known: dict | None = None
) -> set[str]:
    """The role's permissions as "app_label.codename" strings."""
    known = _permission_rows(apps, using) if known is None else known
    wanted: set[str] = set()
    for entry in ROLES[role]:
        app_label, codename = entry.split(".")
        if codename == "*":
            wanted |= {name for name in known if name.startswith(f"{app_label}.")}
        elif entry in known:
            wanted.add(entry)
        else:
            raise LookupError(f"The {role} role names {entry}, which no model defines.")
    return wanted


def roles_sync(*, apps=global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the role groups, each with exactly its permissions (idempotent)."""
    group = apps.get_model("auth", "Group")
    known = _permission_rows(apps, using)
    for role in ROLES:
        row, _ = group.objects.using(using).get_or_create(name=role)
        wanted = permissions_of(role, apps=apps, using=using, known=known)
        row.permissions.set([known[name] for name in wanted])


def roles_sync_after_migrate(
    *, sender, apps=global_apps, using: str = DEFAULT_DB_ALIAS, **kwargs
) -> None:
    """post_migrate receiver (see StudioConfig.ready). post_migrate is sent app by app, in
    INSTALLED_APPS order, and each sending creates that app's permissions: the roles are set
    on the last one, when every app's permissions exist."""
    last = [config for config in global_apps.get_app_configs() if config.models_module][-1]
    if sender.label != last.label:
        return
    try:
        apps.get_model("auth", "Group")
        for label in ROLE_APPS:
            apps.get_app_config(label)
    except LookupError:  # migrated back before these apps or auth exist
        return
    roles_sync(apps=apps, using=using)
