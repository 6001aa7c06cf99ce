"""Account tests share the trainer tests' helpers and their per-request sign-in isolation."""

from tests.trainer.rooms import separate_sign_ins  # noqa: F401  (autouse fixture)
