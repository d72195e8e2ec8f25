"""Changes to approved bases, each approved by a second user."""
