// Desired-state formats (SXP, YAML), the model and its validation (SPEC §2).
