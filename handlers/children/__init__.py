"""The child behind the cases: the child record, matching at intake, episodes, siblings, search."""
