"""Personal data export: a person downloads their own data as a ZIP (administrators for anyone, audited)."""
