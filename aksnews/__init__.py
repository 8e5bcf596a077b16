"""aksnews: AKS and Kubernetes release news for platform teams."""

import sys

__version__ = "0.1.0"

# `import httpx` also imports httpx's own command-line client when click, rich and pygments are
# installed (they are, for typer): ~70 ms of every fetch and every web start, for a client
# aksnews never runs. httpx falls back to a stub `main` when the module cannot be imported.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
