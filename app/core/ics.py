"""iCalendar (RFC 5545) files through the ``icalendar`` library: it escapes commas, semicolons and
new lines and folds long lines at 75 octets without splitting a character, so no feature does it by hand.

Times are written in Asia/Tokyo with its VTIMEZONE, as people here read them; DTSTAMP in UTC.
"""

from datetime import datetime

from flask import Response
from icalendar import Calendar, Event

from app.core.timeutil import JST, utcnow


def new_calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Meyasu//Calendar//JA")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Tokyo")
    return calendar


def new_event(uid: str, summary: str, starts: datetime, ends: datetime, *, url: str, description: str = "",
              location: str = "", status: str = "CONFIRMED") -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", utcnow())
    event.add("dtstart", starts.astimezone(JST))
    event.add("dtend", ends.astimezone(JST))
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    event.add("url", url)
    event.add("status", status)
    return event


def calendar_bytes(calendar: Calendar) -> bytes:
    calendar.add_missing_timezones()
    return calendar.to_ical()


def calendar_response(calendar: Calendar, filename: str, *, attachment: bool = True) -> Response:
    """A calendar file; a feed that calendar apps subscribe to is served inline."""
    disposition = "attachment" if attachment else "inline"
    return Response(calendar_bytes(calendar), mimetype="text/calendar", headers={
        "Content-Disposition": f'{disposition}; filename="{filename}"'})
