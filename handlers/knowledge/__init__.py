"""Rules and data with no turn and no database: the profile, FAQ and answer engine, triage, calendar, contacts."""
