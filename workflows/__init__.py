"""Temporal workflows: deterministic orchestration only; every effect goes through an activity.

``workflows.registry.ALL_WORKFLOWS`` lists what a worker runs. This package module imports
nothing, so activities can share ``workflows.messages`` without an import cycle.
"""
