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
