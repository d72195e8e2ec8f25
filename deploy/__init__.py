"""How the system is run: locally, in containers, on Kubernetes."""
