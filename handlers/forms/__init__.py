"""The one form engine: FormSpec and fields, one question at a time, whole-form pages, drafts and flows."""
