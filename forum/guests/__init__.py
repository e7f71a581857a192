"""Guest invitations: external stakeholders taking part in one weekly discussion (CDIP/22/3 ¶8)."""
