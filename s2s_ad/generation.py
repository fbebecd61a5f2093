"""How many times every cached derivative was dropped (a derivative rule changed).

Its own module so the API's per-call fast path can compare it without importing the
pipeline."""

GENERATION = [0]  # bumped by pipeline.forget_all(); caches made earlier are stale
