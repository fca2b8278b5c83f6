"""An iCalendar (RFC 5545) event for a workshop: its own file, and the plan's and city's feeds."""

from icalendar import Calendar, Event

from app.core.ics import new_calendar, new_event


def workshop_event(workshop, *, url: str, host: str, description: str) -> Event:
    location = ", ".join(part for part in (workshop.venue_name, workshop.venue_address) if part)
    return new_event(f"workshop-{workshop.id}@{host}", workshop.title, workshop.starts_at, workshop.ends_at,
                     url=url, description=description, location=location,
                     status="CANCELLED" if workshop.is_cancelled else "CONFIRMED")


def workshop_ics(workshop, *, url: str, host: str, description: str) -> Calendar:
    calendar = new_calendar(workshop.title)
    calendar.add_component(workshop_event(workshop, url=url, host=host, description=description))
    return calendar
