"""The command line ``guichet``: a thin click layer over the ``xlplugin`` library (see ``cli``)."""

from batch.startup import defer

# Imported at the top of a library for a use none of the commands makes: python-stdnum (ssl, pydoc), click
# (uuid and platform, for its UUID option type), urllib.parse (ipaddress, for bracketed hosts). See startup.
defer("ssl", "pydoc", "uuid", "platform", "ipaddress")
