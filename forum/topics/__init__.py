"""Weekly discussions, Secretariat experts, topic proposals and the published topics page."""
