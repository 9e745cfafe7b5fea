"""Emails about bookings (bookings.notifications).

Tasks run eagerly in this process and mail lands in Django's in-memory outbox; the tests with a
real worker, Redis and SMTP server are in test_delivery.py.
"""
