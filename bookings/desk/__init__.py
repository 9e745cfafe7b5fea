"""The photographer's desk in the admin (staff only): the calendar with time off, the day
sheet, the dashboard with its chart, their forms and views. Who sees what: bookings/access.py.

Each read loads in a fixed number of queries whatever the number of bookings.
"""
