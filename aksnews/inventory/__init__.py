"""The inventory: teams, clusters, node pools, features and the APIs in use, with provenance."""
