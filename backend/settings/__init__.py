"""Integration settings: the shared vocabulary, the document's schema, and its store.

``vocabulary`` names every word a setting may take; ``schema`` validates a settings
document; ``store`` keeps team settings, admin locks and personal overrides and computes
the effective settings a user works under.
"""
