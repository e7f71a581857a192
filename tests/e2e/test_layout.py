"""Phone and desktop widths: no horizontal scrolling; screenshots for a person to look at."""

import pytest

from tests.e2e.harness import SCREENSHOT_DIR, main_pages_by_user

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
