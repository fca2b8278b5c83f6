"""Calendar feeds of a plan and of the city, and the one-workshop file: read back with icalendar."""

from datetime import datetime, timedelta

from icalendar import Calendar

from app.core.timeutil import JST, utcnow

TRICKY = "まちづくり, 対話; 第1回"


def read(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    body = response.get_data()
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded at 75 octets
    return Calendar.from_ical(body), body.decode()


def events(calendar):
    return {str(event["uid"]).split("@")[0]: event for event in calendar.walk("VEVENT")}


def test_plan_feed_lists_its_public_workshops_and_deadlines_in_japan_time(client, make_plan, make_period,
                                                                            make_workshop, sign_up):
    plan_id = make_plan(title="カレンダー計画")
    starts = datetime(2026, 12, 20, 13, 30, tzinfo=JST)
    workshop_id = make_workshop(plan_id=plan_id, title=TRICKY, starts_at=starts, ends_at=starts + timedelta(hours=2),
                                venue_address="下関市竹崎町4丁目4番8号\n2階", signup_closes_at=utcnow() + timedelta(days=5))
    sign_up(workshop_id, name="秘密 花子", email="hanako@example.jp")
    draft_id = make_workshop(plan_id=plan_id, publish=False)
    period_id = make_period(plan_id=plan_id, title="締切のある募集", state="open")
    other_plan_workshop = make_workshop()
    calendar, text = read(client, f"/plans/{plan_id}/calendar.ics")
    found = events(calendar)
    assert set(found) == {f"workshop-{workshop_id}", f"period-{period_id}-deadline"}
    workshop = found[f"workshop-{workshop_id}"]
    assert str(workshop["summary"]) == TRICKY  # escaped on the wire, the same once read back
    assert "SUMMARY:まちづくり\\, 対話\\; 第1回" in text.replace("\r\n ", "")
    assert workshop.decoded("dtstart") == starts and workshop["dtstart"].params["TZID"] == "Asia/Tokyo"
    assert "2階" in str(workshop["location"]) and "\\n" in text.replace("\r\n ", "")
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "Asia/Tokyo"
    deadline = found[f"period-{period_id}-deadline"]
    assert "締切のある募集" in str(deadline["summary"]) and f"/periods/{period_id}" in str(deadline["url"])
    assert deadline["dtstart"].params["TZID"] == "Asia/Tokyo"
    assert "秘密" not in text and "hanako" not in text
    assert f"workshop-{draft_id}@" not in text and f"workshop-{other_plan_workshop}@" not in text


def test_city_feed_lists_every_published_plan(client, make_plan, make_workshop, make_period):
    shown = make_workshop()
    hidden_plan = make_plan(published=False)
    period_id = make_period()
    withdrawn = make_period(status="withdrawn")
    calendar, text = read(client, "/calendar.ics")
    found = events(calendar)
    assert f"workshop-{shown}" in found and f"period-{period_id}-deadline" in found
    assert f"period-{withdrawn}-deadline" not in found
    assert client.get(f"/plans/{hidden_plan}/calendar.ics").status_code == 404


def test_one_workshop_file_is_built_with_icalendar(client, make_workshop):
    starts = datetime(2027, 1, 9, 10, 0, tzinfo=JST)
    workshop_id = make_workshop(title="長いタイトル" * 12, starts_at=starts, ends_at=starts + timedelta(hours=3),
                                signup_closes_at=utcnow() + timedelta(days=3))
    calendar, _text = read(client, f"/workshops/{workshop_id}/workshop.ics")
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "長いタイトル" * 12
    assert event.decoded("dtstart") == starts and event.decoded("dtend") == starts + timedelta(hours=3)
    assert str(event["status"]) == "CONFIRMED"
