"""Topic proposals, endorsements and the published topics page (held, planned, being considered)."""
