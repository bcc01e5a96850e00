"""The rules engine: when a person is added to itris, which activities become notes, and
whether someone may be emailed. It decides; ``backend.itris.pipeline`` carries it out."""
