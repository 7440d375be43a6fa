"""Packaging glue that pyproject.toml cannot say: find the code packages, and ship the repository's
top-level ``schemas/`` and ``templates/`` folders as ``xlplugin.schemas`` and ``xlplugin.templates``
(mapped in pyproject.toml's ``package-dir``)."""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["xlplugin", "xlplugin.*", "batch", "batch.*"]),
        "xlplugin.schemas",
        "xlplugin.templates",
    ]
)
