"""Two-factor sign-in (TOTP, recovery codes) and the security events log."""
