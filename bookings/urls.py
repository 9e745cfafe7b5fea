from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("", views.session_type_list, name="list"),
    path("deposit/<uuid:public_id>/", views.deposit, name="deposit"),
    path("deposit/<uuid:public_id>/demo/", views.deposit_demo, name="deposit-demo"),
    path("deposit/<uuid:public_id>/checkout/", views.deposit_checkout, name="deposit-checkout"),
    path("confirmed/<uuid:public_id>/", views.confirmed, name="confirmed"),
    path("manage/<uuid:public_id>/<str:token>/", views.manage, name="manage"),
    path("manage/<uuid:public_id>/<str:token>/cancel/", views.manage_cancel, name="cancel"),
    path(
        "manage/<uuid:public_id>/<str:token>/reschedule/",
        views.manage_reschedule,
        name="reschedule",
    ),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar-feed"),
    path("<slug:slug>/", views.session_type_detail, name="session-type"),
    path("<slug:slug>/slots.json", views.slots_json, name="slots-json"),
    path("<slug:slug>/details/", views.booking_details, name="details"),
]
