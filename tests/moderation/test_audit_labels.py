"""Every audit action the code records has a readable, translated label in the audit log."""

import re
from pathlib import Path

from forum.moderation.labels import ACTION_LABELS

FORUM = Path(__file__).resolve().parents[2] / "forum"


def test_every_recorded_action_has_a_label():
    source = "\n".join(path.read_text(encoding="utf-8") for path in FORUM.rglob("*.py"))
    recorded = set(re.findall(r'audit\.record\(\s*[^,]+,\s*"([a-z_]+\.[a-z_]+)"', source))
    recorded |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', source))
    assert recorded, "no audit actions found"
    assert recorded - set(ACTION_LABELS) == set()
