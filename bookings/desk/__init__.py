"""The photographer's desk in the admin (staff only): who sees what (`access`), the calendar
with time off, the day sheet, the dashboard with its chart, their forms and views.

Each read loads in a fixed number of queries whatever the number of bookings.
"""
