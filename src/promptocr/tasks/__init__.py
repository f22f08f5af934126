"""Prompt tasks: planner, task implementations and the Service that runs them."""
