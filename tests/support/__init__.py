"""Test helpers shared by the unit, functional and end-to-end tests.

fake_github: a stateful fake of the GitHub REST API (in-process or as a subprocess).
prism: runs Stoplight Prism as a validating proxy against GitHub's OpenAPI description.
"""
