"""The JSON Schemas of the project, shipped inside the package as ``xlplugin.schemas``."""
