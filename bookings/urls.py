from django.urls import path

from .views import booking, catalogue, deposit, feeds, manage

app_name = "bookings"

urlpatterns = [
    path("", catalogue.session_type_list, name="list"),
    path("deposit/<uuid:public_id>/", deposit.deposit, name="deposit"),
    path("deposit/<uuid:public_id>/demo/", deposit.deposit_demo, name="deposit-demo"),
    path(
        "deposit/<uuid:public_id>/at-studio/", deposit.deposit_at_studio, name="deposit-at-studio"
    ),
    path("deposit/<uuid:public_id>/checkout/", deposit.deposit_checkout, name="deposit-checkout"),
    path("confirmed/<uuid:public_id>/", deposit.confirmed, name="confirmed"),
    path("manage/<uuid:public_id>/<str:token>/", manage.manage, name="manage"),
    path("manage/<uuid:public_id>/<str:token>/cancel/", manage.manage_cancel, name="cancel"),
    path(
        "manage/<uuid:public_id>/<str:token>/reschedule/",
        manage.manage_reschedule,
        name="reschedule",
    ),
    path("calendar/<str:token>.ics", feeds.calendar_feed, name="calendar-feed"),
    path("<slug:slug>/", catalogue.session_type_detail, name="session-type"),
    path("<slug:slug>/slots.json", catalogue.slots_json, name="slots-json"),
    path("<slug:slug>/details/", booking.booking_details, name="details"),
]
