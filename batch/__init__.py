"""The batch tool ``guichet``: a thin click CLI over the rules core, its file readers and its reports."""
