"""Scenarios: the versioned YAML format, its loader, matchers and reply rendering.

Stateless: the conversation in the request decides the turn.
"""
