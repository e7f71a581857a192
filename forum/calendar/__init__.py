"""Calendar feeds: weekly discussions in a user's calendar app (RFC 5545), by a private link or one `.ics` file."""
