"""Usage statistics for the committee (issue 12): who takes part, from which member state, in which language."""
