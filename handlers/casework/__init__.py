"""A case from intake to close: officer commands and short forms, views, enquiry plans, reminders, digest, alerts."""
