"""Keyboard only: a citizen sends an opinion and signs up for a workshop with Tab, Enter, Space, arrow keys
and typing — no mouse. On the way, every stop shows a visible focus style, the skip link comes first and
leads into the main content, focus follows the order of the page, and Tab always gets out again."""

import pytest

from app.extensions import limiter
from tests.browser.a11y import load_scenario

# What has the focus, and whether it can be seen: an outline of at least 2 px, or a box shadow.
FOCUSED = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  return {tag: el.tagName, id: el.id, name: el.getAttribute('name') || '', href: el.getAttribute('href') || '',
          cls: String(el.className || ''),
          shown: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2) || style.boxShadow !== 'none',
          onPage: el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().left >= 0};
}"""
# The controls of <main> a keyboard should reach, in the order they stand in the page.
MAIN_CONTROLS = """() => [...document.querySelectorAll('main a[href], main button, main input, main select, main textarea')]
  .filter(el => el.type !== 'hidden' && el.tabIndex >= 0 && !el.disabled && el.getClientRects().length)
  .map(el => el.id || el.getAttribute('name') || el.getAttribute('href'))"""


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()


def key_of(info: dict) -> str:
    return info["id"] or info["name"] or info["href"] or info["tag"]


class Keyboard:
    def __init__(self, page):
        self.page = page

    def tab(self, *, shift: bool = False) -> dict:
        self.page.keyboard.press("Shift+Tab" if shift else "Tab")
        info = self.page.evaluate(FOCUSED)
        if info["tag"] != "BODY":
            assert info["shown"], f"no visible focus style on {info}"
            assert info["onPage"], f"focus went to something off the page: {info}"
        return info

    def enter_page(self) -> None:
        """Arriving on a page: the first Tab lands on the skip link, and Enter on it moves into <main>."""
        first = self.tab()
        assert first["cls"] == "skip-link", f"the first Tab stop is {first}, not the skip link"
        self.page.keyboard.press("Enter")
        assert self.page.evaluate("() => document.activeElement.id") == "main"

    def walk_header(self) -> list[str]:
        """Tab through the header and menu (skip link, site name, language, menu) into <main>."""
        stops = []
        for _ in range(40):
            info = self.tab()
            if self.page.evaluate("() => !!document.activeElement.closest('main')"):
                return stops
            stops.append(key_of(info))
        raise AssertionError(f"Tab never reached the main content: {stops}")

    def tab_to(self, selector: str, limit: int = 80) -> list[str]:
        """Tab until ``selector`` has the focus; the stops on the way, as keys."""
        stops = []
        for _ in range(limit):
            info = self.tab()
            stops.append(key_of(info))
            if self.page.evaluate("s => document.activeElement.matches(s)", selector):
                return stops
        raise AssertionError(f"{selector} was never reached with Tab; stops: {stops}")

    def press(self, key: str, *, navigates: bool = False) -> None:
        if navigates:
            with self.page.expect_navigation():
                self.page.keyboard.press(key)
        else:
            self.page.keyboard.press(key)

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def check_order_and_no_trap(self) -> None:
        """Tab from the start of <main> visits its controls in page order, then leaves the page: no trap."""
        self.page.evaluate("() => document.getElementById('main').focus()")
        expected = self.page.evaluate(MAIN_CONTROLS)
        stops = []
        for _ in range(len(expected) + 20):
            info = self.tab()
            if info["tag"] == "BODY" or info["cls"] == "skip-link":
                break
            stops.append(key_of(info))
        else:
            raise AssertionError(f"Tab never left the page: {stops}")
        in_main = [stop for stop in stops if stop in expected]
        assert in_main == expected, f"focus order {in_main} is not the page order {expected}"
        # And back again with Shift+Tab, from the end to the skip link's neighbour.
        back = self.tab(shift=True)
        assert back["tag"] != "BODY", "Shift+Tab could not come back into the page"


def test_citizen_sends_an_opinion_with_the_keyboard_only(app, page, live_server):
    s = load_scenario(app)
    keys = Keyboard(page)
    page.goto(f"{live_server}/periods/{s.open_period}")
    header = keys.walk_header()
    assert header[:4] == ["#main", "/", "lang", "lang"] and "/login" in header, header
    page.goto(page.url)
    keys.enter_page()
    keys.tab_to(f"main a[href$='/periods/{s.open_period}/submit']")
    keys.press("Enter", navigates=True)

    keys.check_order_and_no_trap()
    page.goto(page.url)  # start again from the top, as someone arriving on the form
    keys.enter_page()
    keys.type_into("#name", "彦島 次郎")
    keys.type_into("#address", "下関市彦島江の浦町1-1")
    keys.tab_to("#attribute")
    keys.press("ArrowDown")
    assert page.locator("#attribute").input_value() != ""
    keys.type_into("#email", "hikoshima@example.jp")
    keys.tab_to("#entries-0-section")
    keys.press("ArrowDown")
    keys.type_into("#entries-0-body", "推進プログラムに、若い世代が参加しやすい土日の講座を入れてください。")
    keys.tab_to("#consent")
    keys.press("Space")
    assert page.locator("#consent").is_checked()
    keys.tab_to("main input[name=confirm]")
    keys.press("Enter", navigates=True)

    assert "/submit/confirm" in page.url and page.locator(".plain-text").inner_text().startswith("推進プログラムに")
    keys.enter_page()
    keys.tab_to("main input[name=send]")
    keys.press("Enter", navigates=True)
    receipt = page.locator(".receipt-no").inner_text()
    assert receipt.startswith("DEMO-") and "/receipt" in page.url


def test_citizen_signs_up_for_a_workshop_with_the_keyboard_only(app, page, live_server):
    s = load_scenario(app)
    keys = Keyboard(page)
    page.goto(f"{live_server}/workshops")
    keys.enter_page()
    keys.tab_to(f"main a[href='/workshops/{s.upcoming_workshop}']")
    keys.press("Enter", navigates=True)
    keys.enter_page()
    keys.tab_to(f"main a[href='/workshops/{s.upcoming_workshop}/register']")
    keys.press("Enter", navigates=True)

    keys.check_order_and_no_trap()
    page.goto(page.url)
    keys.enter_page()
    # Sent empty first: the errors come back, and the summary's link takes the keyboard to the field.
    keys.tab_to("main input[type=submit]")
    keys.press("Enter", navigates=True)
    keys.tab_to(".error-summary a[href='#name']")
    keys.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "name"
    page.keyboard.type("豊浦 三郎")
    keys.type_into("#email", "toyoura@example.jp")
    keys.tab_to("#attribute")
    keys.press("ArrowDown")
    keys.tab_to("#wheelchair")
    keys.press("Space")
    assert page.locator("#wheelchair").is_checked()
    keys.tab_to("main input[type=submit]")
    keys.press("Enter", navigates=True)

    assert "/workshops/registration/" in page.url
    assert page.locator(".flash-success").is_visible() and page.locator(".checkin-code").is_visible()
