"""The composition root: the only place that picks and wires parts.

``connect`` builds an engine for a runtime, ``docker`` wires the Docker runtime (engines,
namespaces, loopback addresses), ``scenarios`` holds the article's example clusters, ``jupyter``
the rich displays and ``cli`` the command line. Only ``ecsedu/__init__.py`` and
``ecsedu/__main__.py`` import this package (an import-linter contract says so).
"""
