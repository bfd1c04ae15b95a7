"""The CME referral: its form and sections, the triage hooks that run while it is filled in, the guided check."""
