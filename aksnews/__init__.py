"""aksnews: AKS and Kubernetes release news for platform teams."""

__version__ = "0.1.0"
