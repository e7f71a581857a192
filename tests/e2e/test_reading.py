"""Finding one's way from the rooms to a room and a thread."""

from playwright.sync_api import expect

from tests.e2e.harness import DELEGATE_JP

SEEDED_THREAD = "Training patent examiners: what worked for you?"  # forum/cli.py demo data


def test_read_a_room_and_a_thread(visitor):
    person = visitor(DELEGATE_JP)
    page = person.page
    person.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rooms")

    category = page.get_by_role("region", name="Capacity building")
    expect(category.get_by_role("link")).to_have_count(3)
    category.get_by_role("link", name="English").click()

    expect(page).to_have_url(f"{person.base_url}/rooms/capacity-en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Capacity building")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=SEEDED_THREAD))
    expect(row).to_have_count(1)
    expect(row.locator(".status")).to_have_text("Open")
    expect(row.get_by_role("cell").nth(2)).to_have_text("1")  # replies
    row.get_by_role("link", name=SEEDED_THREAD).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(SEEDED_THREAD)
    posts = page.locator("#posts > li.post")
    expect(posts).to_have_count(2)
    expect(posts.nth(0).locator(".author")).to_have_text("Wanjiru Kamau")
    expect(posts.nth(0).locator(".state")).to_have_text("Kenya")
    expect(posts.nth(0).locator(".post-body strong")).to_have_text("formats")
    expect(posts.nth(0).locator(".post-body li")).to_have_text(["mentoring", "e-learning", "regional workshops"])
    expect(posts.nth(1).locator(".author")).to_have_text("João Silva")
    expect(page.get_by_role("heading", name="Reply")).to_be_visible()

    # The breadcrumbs lead back to the room.
    page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name="Capacity building").click()
    expect(page).to_have_url(f"{person.base_url}/rooms/capacity-en")
