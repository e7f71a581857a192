"""Phone and desktop widths: no horizontal scrolling; screenshots for a person to look at."""

import pytest

from tests.e2e.harness import DELEGATE_FR, SCREENSHOT_DIR, main_pages_by_user

# Elements sticking out to the right, to say where the overflow comes from.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  document.querySelectorAll("body *").forEach(el => {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${el.className ? "." + String(el.className).split(" ").join(".") : ""} right=${Math.round(box.right)}`);
    }
  });
  return {scroll: document.documentElement.scrollWidth, client: width, culprits: out.slice(0, 8)};
}"""


@pytest.mark.parametrize("width", [375, 1280])
def test_main_pages_fit_the_width(visitor, showcase, width):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    problems = []
    for user, pages in main_pages_by_user():
        person = visitor(user, width=width, height=800) if user else visitor(width=width, height=800)
        for main_page in pages:
            person.goto(main_page.url(showcase), expect_status=main_page.status)
            person.page.screenshot(path=str(SCREENSHOT_DIR / f"{main_page.name}-{width}.png"), full_page=True)
            measure = person.page.evaluate(OVERFLOW)
            if measure["scroll"] > measure["client"]:
                problems.append(
                    f"{main_page.name} at {width}px: scrollWidth {measure['scroll']} > clientWidth {measure['client']};"
                    f" sticking out: {measure['culprits']}"
                )
    assert not problems, "\n".join(problems)


# Draws an emoji with the page's own font stack on a canvas and looks for coloured pixels:
# an emoji font gives a colour glyph, its absence an empty box in the text colour.
EMOJI_IN_COLOUR = """() => {
  const canvas = document.createElement("canvas");
  canvas.width = 80; canvas.height = 80;
  const context = canvas.getContext("2d");
  context.fillStyle = "#000";
  context.font = "48px " + getComputedStyle(document.body).fontFamily;
  context.fillText("\\u{1F30D}", 10, 60);
  const pixels = context.getImageData(0, 0, 80, 80).data;
  let coloured = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const [r, g, b, a] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
    if (a > 0 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
  }
  return coloured;
}"""


def test_emoji_in_posts_show_in_colour_not_as_empty_boxes(visitor, showcase):
    person = visitor()
    person.goto("/login")
    assert person.page.evaluate(EMOJI_IN_COLOUR) > 50


def test_the_phone_header_folds_the_links_behind_a_menu(visitor, showcase):
    from playwright.sync_api import expect

    phone = visitor(DELEGATE_FR, width=375, height=800)
    phone.goto("/")
    page = phone.page
    topics = page.locator(".main-nav").get_by_role("link", name="Topics")
    expect(topics).to_be_hidden()
    # The header keeps the search box and the counts, and stays a small part of the screen.
    expect(page.locator(".site-header input[type=search]")).to_be_visible()
    assert page.locator(".site-header").bounding_box()["height"] < 800 / 4
    page.locator(".nav-menu > summary").click()
    expect(topics).to_be_visible()

    desktop = visitor(DELEGATE_FR, width=1280, height=800)
    desktop.goto("/")
    expect(desktop.page.locator(".main-nav").get_by_role("link", name="Topics")).to_be_visible()
    expect(desktop.page.locator(".nav-menu > summary")).to_be_hidden()


def test_room_tables_do_not_break_words_and_stack_on_a_phone(visitor, showcase):
    phone = visitor(DELEGATE_FR, width=375, height=800)
    phone.goto("/rooms/capacity-en")
    cell = phone.page.locator("table.threads td.num").first
    # Stacked as a card, each value says which column it is.
    label = cell.evaluate("el => getComputedStyle(el, '::before').content")
    assert "Replies" in label
    desktop = visitor(DELEGATE_FR, width=1280, height=800)
    desktop.goto("/rooms/capacity-en")
    heading = desktop.page.locator("table.threads th", has_text="Replies")
    # One line: the heading's height is a single line of text, not "Re/plie/s".
    box = heading.bounding_box()
    line = heading.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)")
    padding = heading.evaluate(
        "el => parseFloat(getComputedStyle(el).paddingTop) + parseFloat(getComputedStyle(el).paddingBottom)"
    )
    assert box["height"] - padding < 1.5 * line
